import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CustodianError } from '../core/errors.js';
import { formatSimulationCsv, formatSimulationTable, simulateAgreements } from '../workflow/simulate.js';
import { BUILTIN_REF, resolveAgreement } from './agreement-command.js';
import type { CliIO } from './context.js';
import { terminalProgress } from './progress-bar.js';

interface SimulateFlags {
  batch: string;
  master: string;
  agreement: string[];
  asOf?: string;
  store?: string;
  model?: string;
  json?: string;
  csv?: string;
}

/** `custodian agreement simulate`: one batch under several drafts, side by side. */
export function registerSimulate(agreement: Command, io: CliIO): void {
  agreement
    .command('simulate')
    .description(
      'Run a batch under each draft agreement and compare outcomes, reason codes and taxpayers disclosed',
    )
    .requiredOption('--batch <manifest>', 'batch manifest (.json)')
    .requiredOption('--master <file>', 'master extract (.csv or .parquet)')
    .requiredOption(
      '--agreement <file>',
      `a draft agreement (YAML) or '${BUILTIN_REF}'; repeat for each draft`,
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--as-of <date>', 'processing date YYYY-MM-DD (default: today)')
    .option('--store <dir>', 'embedded store folder (spill)', '.custodian')
    .option('--model <file>', 'fs matcher model (default: built-in)')
    .option('--json <file>', 'also write the comparison as JSON (for the console charts)')
    .option('--csv <file>', 'also write the comparison as CSV')
    .action(async (flags: SimulateFlags) => {
      if (flags.agreement.length < 1) throw new CustodianError('CUS_USAGE', 'give at least one --agreement');
      const drafts = [];
      for (const ref of flags.agreement) {
        drafts.push({
          name: ref === BUILTIN_REF ? BUILTIN_REF : path.basename(ref),
          agreement: await resolveAgreement(ref),
        });
      }
      const sim = await simulateAgreements({
        master: flags.master,
        batch: flags.batch,
        drafts,
        asOf: flags.asOf,
        store: flags.store,
        model: flags.model,
        progress: io.interactive ? terminalProgress() : undefined,
      });
      io.out(formatSimulationTable(sim));
      if (flags.json) await writeFile(flags.json, `${JSON.stringify(sim, null, 2)}\n`);
      if (flags.csv) await writeFile(flags.csv, formatSimulationCsv(sim));
    });
}
