import path from 'node:path';
import type { Command } from 'commander';
import { CustodianError } from '../core/errors.js';
import { openDuck } from '../store/duckdb.js';
import { generateSynthetic } from '../synth/generate.js';
import { type Evaluation, evaluateRun } from '../workflow/evaluate.js';
import { processBatch } from '../workflow/process-batch.js';
import type { CliIO } from './context.js';
import { formatSummary } from './process-command.js';
import { terminalProgress } from './progress-bar.js';

interface DemoFlags {
  dir: string;
  taxpayers: string;
  requests: string;
  seed: string;
}

const AS_OF = '2026-01-15';

export function registerDemoCommand(program: Command, io: CliIO): void {
  program
    .command('demo')
    .description('Generate a small synthetic master file and request batch, process it, and show the result')
    .option('--dir <dir>', 'working folder', 'custodian-demo')
    .option('--taxpayers <n>', 'taxpayers in the synthetic master file', '20000')
    .option('--requests <n>', 'records in the synthetic request batch', '2000')
    .option('--seed <n>', 'random seed', '7')
    .action(async (flags: DemoFlags) => {
      const n = (name: string, v: string) => {
        const x = Number(v);
        if (!Number.isInteger(x) || x < 1)
          throw new CustodianError('CUS_USAGE', `--${name} must be a positive whole number, not '${v}'`);
        return x;
      };
      const dir = path.resolve(flags.dir);
      const progress = io.interactive ? terminalProgress() : undefined;
      io.out(`Custodian demo in ${dir}\n\n1. Generating synthetic data (known truth)…\n`);
      const synth = await generateSynthetic(
        {
          out: path.join(dir, 'data'),
          taxpayers: n('taxpayers', flags.taxpayers),
          requests: n('requests', flags.requests),
          seed: n('seed', flags.seed),
          asOf: AS_OF,
        },
        progress,
      );
      io.out(
        `   master extract: ${synth.masterRows} address rows for ${synth.taxpayers} taxpayers → ${synth.paths.master}\n`,
      );
      io.out(
        `   request batch:  ${synth.requests} records (${synth.present} about taxpayers in the file) → ${synth.paths.manifest}\n\n`,
      );
      io.out('2. Processing the batch: legal gate, matching, decisions…\n');
      const out = path.join(dir, 'out');
      const summary = await processBatch({
        master: synth.paths.master,
        batch: synth.paths.manifest,
        out,
        store: path.join(dir, 'store'),
        asOf: AS_OF,
        progress,
      });
      io.out(`${formatSummary(summary).trimEnd().replace(/^/gm, '   ')}\n`);
      io.out('\n3. Checking the decisions against the synthetic truth…\n');
      const duck = await openDuck({ threads: 1 });
      let ev: Evaluation;
      try {
        ev = await evaluateRun(duck.conn, path.join(out, 'decisions.csv'), synth.paths.truth);
      } finally {
        duck.close();
      }
      io.out(`${formatEvaluation(ev).trimEnd().replace(/^/gm, '   ')}\n`);
      io.out(
        `\nLook at the files: ${path.join(out, 'decisions.csv')} (one row per record), evidence.jsonl (why), summary.json (counts, timings).\n`,
      );
    });
}

export function formatEvaluation(ev: Evaluation): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    `every record decided: ${ev.decided === ev.records ? 'yes' : 'NO'} (${ev.decided} of ${ev.records})`,
    `legal codes exactly as expected: ${ev.legalExact} of ${ev.records}${ev.legalMismatches.length ? ` (first mismatch: ${JSON.stringify(ev.legalMismatches[0])})` : ''}`,
    `disclosures: ${ev.disclosures}, to the wrong person: ${ev.wrongPersonDisclosures} (precision ${pct(ev.precision)})`,
    `lawful requests with an address of record: ${ev.corroborable}, disclosed to the right person: ${pct(ev.recall)}`,
    `held for an officer's review: ${ev.pendingReview} (the candidate is the right person in ${ev.pendingReviewRightPerson})`,
    '',
  ].join('\n');
}
