import type { Command } from 'commander';
import { parseSizes, renderScaleMarkdown, runScaleBench } from '../bench/scale.js';
import { CustodianError } from '../core/errors.js';
import type { CliIO } from './context.js';

interface ScaleFlags {
  sizes: string;
  batches: string;
  work: string;
  reuse?: boolean;
  report: string | false;
  plot?: string;
  memoryLimit?: string;
  processMemoryLimit?: string;
  threads?: string;
  seed: string;
  maxBlock?: string;
  keepOutputs?: boolean;
}

/** `custodian bench scale` (issue 5, part 3). */
export function registerBenchCommand(program: Command, io: CliIO): void {
  const bench = program.command('bench').description('Benchmarks');
  bench
    .command('scale')
    .description(
      'Time and memory of master import and batch processing against master size (synthetic data); writes a report section and a plot',
    )
    .option(
      '--sizes <list>',
      'master sizes in rows, comma-separated (1M, 200k accepted)',
      '1000000,5000000,20000000',
    )
    .option('--batches <list>', 'request batch sizes, comma-separated', '100000,1000000')
    .option('--work <dir>', 'work folder for data, stores and results', 'bench/out')
    .option('--reuse', 'reuse synthetic files already in the work folder')
    .option('--report <file>', 'Markdown file whose scale section is rewritten', 'docs/performance.md')
    .option('--no-report', 'write no report (results JSON only)')
    .option('--plot <file>', 'SVG plot (default: scale.svg beside the report)')
    .option('--memory-limit <size>', "DuckDB memory limit per step (default: 60% of RAM, at most '8GB')")
    .option(
      '--process-memory-limit <list>',
      "DuckDB memory limit for processing, per batch size: BATCH=SIZE,… (e.g. '100k=2GB,1M=4GB'; batches not listed use --memory-limit)",
    )
    .option('--threads <n>', 'DuckDB threads (default: all cores)')
    .option('--seed <n>', 'synthetic data seed', '1')
    .option('--max-block <n>', 'blocking keys shared by more taxpayers than this are skipped')
    .option('--keep-outputs', "keep each batch's decisions and evidence")
    .action(async (flags: ScaleFlags, cmd: Command) => {
      const whole = (flag: string, v: string | undefined) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0)
          throw new CustodianError('CUS_USAGE', `${flag} must be a whole number, not '${v}'`);
        return n;
      };
      const threads = whole('--threads', flags.threads);
      if (threads === 0) throw new CustodianError('CUS_USAGE', '--threads must be at least 1');
      const maxBlock = whole('--max-block', flags.maxBlock);
      if (maxBlock === 0) throw new CustodianError('CUS_USAGE', '--max-block must be at least 1');
      // The command as given (options set on the command line, with the size lists always shown).
      const given = cmd.options
        .filter((o) => {
          const key = o.attributeName();
          const v = cmd.getOptionValue(key) as unknown;
          if (typeof v === 'boolean' && v === o.negate) return false; // the other of --report / --no-report
          if (typeof v !== 'boolean' && o.negate) return false;
          return key === 'sizes' || key === 'batches' || cmd.getOptionValueSource(key) === 'cli';
        })
        .map((o) => {
          const v = cmd.getOptionValue(o.attributeName()) as unknown;
          return typeof v === 'boolean' ? o.long! : `${o.long} ${String(v)}`;
        });
      const results = await runScaleBench({
        sizes: parseSizes('--sizes', flags.sizes),
        batches: parseSizes('--batches', flags.batches),
        work: flags.work,
        reuse: flags.reuse,
        report: flags.report === false ? null : flags.report,
        plot: flags.plot,
        memoryLimit: flags.memoryLimit,
        processMemoryLimits:
          flags.processMemoryLimit === undefined ? undefined : parseBatchLimits(flags.processMemoryLimit),
        threads,
        seed: whole('--seed', flags.seed),
        maxBlock,
        keepOutputs: flags.keepOutputs,
        command: ['custodian bench scale', ...given].join(' '),
        log: (line) => io.err(`${line}\n`),
      });
      io.out(renderScaleMarkdown(results));
    });
}

/** '100k=2GB,1M=4GB' → { 100000: '2GB', 1000000: '4GB' }. */
export function parseBatchLimits(value: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const part of value.split(',')) {
    const [batch, limit, ...rest] = part.split('=');
    if (batch === undefined || limit === undefined || rest.length > 0 || limit.trim() === '')
      throw new CustodianError(
        'CUS_USAGE',
        `--process-memory-limit: '${part.trim()}' is not BATCH=SIZE (e.g. 100k=2GB)`,
      );
    const [n] = parseSizes('--process-memory-limit', batch);
    out[n!] = limit.trim();
  }
  return out;
}
