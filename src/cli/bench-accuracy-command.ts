import path from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_SIZES,
  formatAccuracyMarkdown,
  runAccuracyBench,
  type SyntheticSize,
} from '../bench/accuracy.js';
import { writeMarkedSection } from '../bench/report-section.js';
import { CustodianError } from '../core/errors.js';
import type { CliIO } from './context.js';

interface AccuracyFlags {
  work: string;
  febrl: string;
  sizes?: string;
  report: string;
  write: boolean;
}

/** `custodian bench accuracy`: FEBRL4 and synthetic sets, fs matcher beside the baseline. */
export function registerBenchAccuracy(bench: Command, io: CliIO): void {
  bench
    .command('accuracy')
    .description(
      'Precision, recall, F1 and pair completeness on FEBRL4 and synthetic sets, fs matcher and baseline side by side',
    )
    .option('--work <dir>', 'folder for generated data and results', 'bench/out')
    .option(
      '--febrl <dir>',
      "FEBRL folder (dataset4a.csv, dataset4b.csv); 'none' to skip",
      '../shared/data/febrl',
    )
    .option(
      '--sizes <list>',
      'synthetic sets as TAXPAYERSxREQUESTS:SEED+SEED,… (default 20000x2000:1+2+3,100000x10000:1+2+3,400000x40000:4)',
    )
    .option('--report <file>', 'Markdown file whose accuracy section is rewritten', 'docs/accuracy.md')
    .option('--no-write', 'print the results without rewriting the report')
    .action(async (flags: AccuracyFlags) => {
      const sizes = flags.sizes ? parseAccuracySizes(flags.sizes) : DEFAULT_SIZES;
      const command = `custodian bench accuracy${flags.sizes ? ` --sizes ${flags.sizes}` : ''}`;
      const report = await runAccuracyBench({
        work: path.resolve(flags.work),
        febrlDir: flags.febrl === 'none' ? undefined : path.resolve(flags.febrl),
        sizes,
        command,
        log: (l) => io.out(`${l}\n`),
      });
      const md = formatAccuracyMarkdown(report);
      io.out(`\n${md}\n`);
      if (flags.write) {
        await writeMarkedSection(flags.report, 'accuracy', md, 'Accuracy');
        io.out(`wrote the measured section of ${flags.report}\n`);
      }
    });
}

/** "20000x2000:1+2,100000x10000:3" → sizes with seeds. */
export function parseAccuracySizes(value: string): SyntheticSize[] {
  return value.split(',').map((part) => {
    const m = /^\s*(\d+)x(\d+)(?::(\d+(?:\+\d+)*))?\s*$/.exec(part);
    if (!m) throw new CustodianError('CUS_USAGE', `--sizes: '${part}' is not TAXPAYERSxREQUESTS[:SEED+SEED]`);
    return { taxpayers: Number(m[1]), requests: Number(m[2]), seeds: (m[3] ?? '1').split('+').map(Number) };
  });
}
