import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../cli/context.js';
import { registerSynthCommand, synthOptionsFromFlags } from '../cli/synth-command.js';
import { CustodianError } from '../core/errors.js';

/** `custodian synth` on the command line (src/cli/synth-command.ts). */

const root = mkdtempSync(path.join(os.tmpdir(), 'synth-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function program() {
  const io = bufferIO();
  const p = new Command('custodian').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerSynthCommand(p, io);
  return { p, io };
}

describe('custodian synth', () => {
  it('generates the files and prints a summary', async () => {
    const { p, io } = program();
    const out = path.join(root, 'run');
    await p.parseAsync(['synth', '--out', out, '--taxpayers', '1500', '--requests', '120', '--seed', '4'], {
      from: 'user',
    });
    expect(io.stdout).toContain(path.join(out, 'master.csv'));
    expect(io.stdout).toContain(path.join(out, 'batch', 'manifest.json'));
    expect(io.stdout).toMatch(/1,500 taxpayers/);
    expect(io.stdout).toMatch(/120 requests/);
    expect(io.stdout).toMatch(/rows\/s/);
    expect(readFileSync(path.join(out, 'truth.csv'), 'utf8').split('\n').filter(Boolean)).toHaveLength(121);
  });

  it('passes options through', async () => {
    const { p } = program();
    const out = path.join(root, 'opts');
    await p.parseAsync(
      [
        'synth',
        '--out',
        out,
        '--taxpayers',
        '300',
        '--requests',
        '30',
        '--records-format',
        'jsonl',
        '--as-of',
        '2025-07-01',
        '--signer-title',
        'Inspector General, Department of Homeland Security',
        '--present-share',
        '0.5',
        '--defect-rate',
        '0',
      ],
      { from: 'user' },
    );
    const m = JSON.parse(readFileSync(path.join(out, 'batch', 'manifest.json'), 'utf8'));
    expect(m.records).toBe('requests.jsonl');
    expect(m.signed_by.title).toBe('Inspector General, Department of Homeland Security');
    expect(m.signed_on.startsWith('2025-06')).toBe(true);
    const truth = readFileSync(path.join(out, 'truth.csv'), 'utf8').trim().split('\n').slice(1);
    expect(truth.every((l) => l.endsWith(',1'))).toBe(true);
  });

  it.each([
    [['--present-share', '2']],
    [['--present-share', 'half']],
    [['--defect-rate', '0.9']],
    [['--taxpayers', '0']],
    [['--taxpayers', '1e5']],
    [['--requests', '-3']],
    [['--seed', '1.5']],
    [['--master-format', 'xlsx']],
    [['--records-format', 'xml']],
    [['--as-of', '15/01/2026']],
    [['--as-of', '2026-02-30']],
    [['--threads', '0']],
  ])('refuses %j with CUS_USAGE', async (args) => {
    const { p } = program();
    const err = await p
      .parseAsync(['synth', '--out', path.join(root, 'bad'), ...args], { from: 'user' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(CustodianError);
    expect((err as CustodianError).code).toBe('CUS_USAGE');
  });

  it('reads numbers with digit separators', () => {
    expect(synthOptionsFromFlags({ out: 'x', taxpayers: '1_000_000', requests: '2,000' })).toMatchObject({
      taxpayers: 1_000_000,
      requests: 2000,
    });
  });
});
