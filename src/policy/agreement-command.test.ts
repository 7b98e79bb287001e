import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { registerAgreementCommands } from '../cli/agreement-command.js';
import { bufferIO } from '../cli/context.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { CustodianError } from '../core/errors.js';
import { BUILTIN_FILE, LOOSENING_FILE, STRICT_FILE } from '../test-support/agreement-helpers.js';
import { parseAgreement } from './agreement-load.js';

/** Runs `custodian agreement …` in-process (CLI tests live here, beside the agreement modules). */
async function run(...args: string[]): Promise<ReturnType<typeof bufferIO>> {
  const io = bufferIO();
  const program = new Command('custodian')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerAgreementCommands(program, io);
  await program.parseAsync(['agreement', ...args], { from: 'user' });
  return io;
}

async function runFailing(...args: string[]): Promise<unknown> {
  try {
    await run(...args);
  } catch (e) {
    return e;
  }
  throw new Error('expected the command to fail');
}

describe('custodian agreement validate', () => {
  it('prints the id and version of a valid agreement', async () => {
    expect((await run('validate', BUILTIN_FILE)).stdout).toBe('valid: IRS-DHS-2025 v1\n');
    expect((await run('validate', STRICT_FILE)).stdout).toBe('valid: IRS-DHS-2025 v2\n');
    expect((await run('validate', 'builtin')).stdout).toBe('valid: IRS-DHS-2025 v1\n');
  });

  it('throws CUS_AGREEMENT_INVALID for a loosening draft, naming the rules', async () => {
    const e = await runFailing('validate', LOOSENING_FILE);
    expect(e).toBeInstanceOf(CustodianError);
    expect((e as CustodianError).code).toBe('CUS_AGREEMENT_INVALID');
    expect((e as CustodianError).exitCode).toBe(2);
    for (const rule of ['rule A7 (statutory)', 'rule A12 (statutory)', 'rule C1'])
      expect((e as CustodianError).message).toContain(rule);
  });

  it('throws CUS_INPUT_NOT_FOUND for a missing file', async () => {
    expect(((await runFailing('validate', '/nonexistent.yaml')) as CustodianError).code).toBe(
      'CUS_INPUT_NOT_FOUND',
    );
  });

  it('requires a file argument', async () => {
    const e = await runFailing('validate');
    expect(e).not.toBeInstanceOf(CustodianError);
    expect((e as { code?: string }).code).toBe('commander.missingArgument');
  });
});

describe('custodian agreement show', () => {
  it('prints the built-in agreement as YAML when no file is given', async () => {
    const out = (await run('show')).stdout;
    expect(out).toContain('id: IRS-DHS-2025\n');
    expect(parseAgreement(out, 'stdout')).toStrictEqual(BUILTIN_AGREEMENT);
  });

  it('prints a file as JSON with --json (itself a valid agreement document)', async () => {
    const out = (await run('show', STRICT_FILE, '--json')).stdout;
    const doc = JSON.parse(out);
    expect(doc.matching.threshold).toBe(0.995);
    expect(doc.limits.officer_max_records).toBe(50);
    expect(parseAgreement(out, 'json').version).toBe(2);
    expect(YAML.parse(out)).toEqual(doc);
  });
});

describe('custodian agreement diff', () => {
  it('prints a clause-by-clause table', async () => {
    const out = (await run('diff', 'builtin', STRICT_FILE)).stdout;
    expect(out.split('\n')[0]).toBe(`IRS-DHS-2025 v1 (builtin) → IRS-DHS-2025 v2 (${STRICT_FILE})`);
    expect(out).toMatch(/^CLAUSE\s+BEFORE\s+AFTER\s+EFFECT$/m);
    expect(out).toMatch(/^Most records per officer\s+200\s+50\s+tighter$/m);
  });

  it('prints JSON with --json', async () => {
    const out = JSON.parse((await run('diff', BUILTIN_FILE, STRICT_FILE, '--json')).stdout);
    expect(out.from).toEqual({ id: 'IRS-DHS-2025', version: 1, source: BUILTIN_FILE });
    expect(out.to.version).toBe(2);
    expect(out.changes).toContainEqual({
      clause: 'matching.threshold',
      label: 'Match probability threshold',
      before: '0.99',
      after: '0.995',
      effect: 'tighter',
    });
  });

  it('reports no differences between the built-in agreement and its file', async () => {
    expect((await run('diff', 'builtin', BUILTIN_FILE)).stdout).toContain('No differences');
  });

  it('refuses to compare with an invalid draft', async () => {
    expect(((await runFailing('diff', 'builtin', LOOSENING_FILE)) as CustodianError).code).toBe(
      'CUS_AGREEMENT_INVALID',
    );
  });
});
