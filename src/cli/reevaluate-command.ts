import type { Command } from 'commander';
import { reevaluateRuns } from '../workflow/reevaluate.js';
import { resolveAgreement } from './agreement-command.js';
import type { CliIO } from './context.js';
import { terminalProgress } from './progress-bar.js';

interface ReevaluateFlags {
  agreement: string;
  run: string[];
  out: string;
  model?: string;
  store?: string;
}

/** `custodian reevaluate`: rule D9, past disclosures judged again under a corrected agreement or matcher. */
export function registerReevaluateCommand(program: Command, io: CliIO): void {
  program
    .command('reevaluate')
    .description(
      'Re-run a corrected agreement (and matcher model) over past runs; list disclosures now judged improper (rule D9)',
    )
    .requiredOption('--agreement <file>', "the corrected agreement (YAML) or 'builtin'")
    .requiredOption(
      '--run <dir>',
      'output folder of a past `custodian process` run; repeat for several',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .requiredOption(
      '--out <dir>',
      'folder for improper-disclosures.csv, disposal-demand.md, reevaluation.json',
    )
    .option('--model <file>', 'corrected fs matcher model (default: built-in)')
    .option('--store <dir>', 'embedded store folder (spill)', '.custodian')
    .action(async (flags: ReevaluateFlags) => {
      const agreement = await resolveAgreement(flags.agreement);
      const r = await reevaluateRuns({
        runs: flags.run,
        agreement,
        model: flags.model,
        out: flags.out,
        store: flags.store,
        progress: io.interactive ? terminalProgress() : undefined,
      });
      io.out(`re-evaluated ${r.runs.length} run(s) under ${r.agreement}, matcher ${r.matcher}\n`);
      for (const x of r.runs)
        io.out(
          `  ${x.batch_id}: ${x.past_disclosures} past disclosure(s), ${x.improper} now judged improper\n`,
        );
      io.out(`  report: ${r.files.join(', ')}\n`);
    });
}
