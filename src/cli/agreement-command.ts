import type { Command } from 'commander';
import type { Agreement } from '../core/agreement.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { diffAgreements, formatDiff } from '../policy/agreement-diff.js';
import { agreementToYaml, loadAgreement } from '../policy/agreement-load.js';
import { agreementToDocument } from '../policy/agreement-schema.js';
import type { CliIO } from './context.js';
import { registerSimulate } from './simulate-command.js';

/** The word that stands for the built-in §6103(i)(2) agreement wherever a file is expected. */
export const BUILTIN_REF = 'builtin';

/** An agreement named on the command line: a file, or `builtin`. Loading validates it. */
export async function resolveAgreement(ref: string | undefined): Promise<Agreement> {
  if (ref === undefined || ref === BUILTIN_REF) return BUILTIN_AGREEMENT;
  return loadAgreement(ref);
}

/**
 * `custodian agreement validate|show|diff|simulate`. Each sub-command is registered by its own
 * function below; further ones (e.g. `simulate`) add a function and a line in
 * `registerAgreementCommands`.
 */
export function registerAgreementCommands(program: Command, io: CliIO): void {
  const agreement = program
    .command('agreement')
    .description('Validate, show, compare and simulate disclosure agreement documents (docs/agreements.md)');
  registerValidate(agreement, io);
  registerShow(agreement, io);
  registerDiff(agreement, io);
  registerSimulate(agreement, io);
}

function registerValidate(agreement: Command, io: CliIO): void {
  agreement
    .command('validate')
    .description('Check an agreement file against its schema and the statutory rules')
    .argument('<file>', `agreement YAML file (or "${BUILTIN_REF}")`)
    .action(async (file: string) => {
      const a = await resolveAgreement(file);
      io.out(`valid: ${a.id} v${a.version}\n`);
    });
}

function registerShow(agreement: Command, io: CliIO): void {
  agreement
    .command('show')
    .description('Print an agreement (the built-in one when no file is given) as YAML')
    .argument('[file]', `agreement YAML file (default: "${BUILTIN_REF}")`)
    .option('--json', 'print JSON instead of YAML (same clauses and names)')
    .action(async (file: string | undefined, opts: { json?: boolean }) => {
      const a = await resolveAgreement(file);
      io.out(opts.json ? `${JSON.stringify(agreementToDocument(a), null, 2)}\n` : agreementToYaml(a));
    });
}

function registerDiff(agreement: Command, io: CliIO): void {
  agreement
    .command('diff')
    .description('Compare two agreements clause by clause, saying which changes disclose more or less')
    .argument('<a>', `the earlier agreement: a file or "${BUILTIN_REF}"`)
    .argument('<b>', `the later agreement: a file or "${BUILTIN_REF}"`)
    .option('--json', 'print the changes as JSON')
    .action(async (refA: string, refB: string, opts: { json?: boolean }) => {
      const [a, b] = await Promise.all([resolveAgreement(refA), resolveAgreement(refB)]);
      const changes = diffAgreements(a, b);
      if (opts.json) {
        const from = { id: a.id, version: a.version, source: refA };
        const to = { id: b.id, version: b.version, source: refB };
        io.out(`${JSON.stringify({ from, to, changes }, null, 2)}\n`);
        return;
      }
      io.out(`${stamp(a, refA)} → ${stamp(b, refB)}\n\n${formatDiff(changes)}`);
    });
}

function stamp(a: Agreement, ref: string): string {
  return `${a.id} v${a.version} (${ref})`;
}
