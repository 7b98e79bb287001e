import type { Command } from 'commander';
import { CustodianError } from '../core/errors.js';
import { generateSynthetic, SYNTH_DEFAULTS, type SynthOptions, type SynthResult } from '../synth/generate.js';
import type { CliIO } from './context.js';
import { terminalProgress } from './progress-bar.js';

interface SynthFlags {
  out: string;
  seed?: string;
  taxpayers?: string;
  requests?: string;
  presentShare?: string;
  defectRate?: string;
  masterFormat?: string;
  recordsFormat?: string;
  asOf?: string;
  signerTitle?: string;
  threads?: string;
}

function usage(message: string): CustodianError {
  return new CustodianError('CUS_USAGE', message);
}

/** A whole number from the command line (underscores and commas allowed as digit separators). */
function wholeNumber(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim().replace(/[_,]/g, '');
  if (!/^\d+$/.test(text)) throw usage(`${flag} must be a whole number, not '${raw}'`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw usage(
      `${flag} must be from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, not ${raw}`,
    );
  return n;
}

/** A share between 0 and `max`. */
function share(flag: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text))
    throw usage(`${flag} must be a number from 0 to ${max}, not '${raw}'`);
  const x = Number(text);
  if (!(x >= 0 && x <= max)) throw usage(`${flag} must be a number from 0 to ${max}, not ${raw}`);
  return x;
}

function choice<T extends string>(
  flag: string,
  raw: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw usage(`${flag} must be ${allowed.join(' or ')}, not '${raw}'`);
  return raw as T;
}

/** The options of `custodian synth`, checked (CUS_USAGE names the first bad value). */
export function synthOptionsFromFlags(flags: SynthFlags): SynthOptions {
  if (!flags.out || flags.out.trim() === '') throw usage('--out must name an output folder');
  if (flags.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(flags.asOf))
    throw usage(`--as-of must be a date written YYYY-MM-DD, not '${flags.asOf}'`);
  if (flags.signerTitle !== undefined && flags.signerTitle.trim() === '')
    throw usage('--signer-title must not be empty');
  return {
    out: flags.out,
    seed: wholeNumber('--seed', flags.seed, 0, Number.MAX_SAFE_INTEGER),
    taxpayers: wholeNumber('--taxpayers', flags.taxpayers, 1, 500_000_000),
    requests: wholeNumber('--requests', flags.requests, 0, 20_000_000),
    presentShare: share('--present-share', flags.presentShare, 1),
    defectRate: share('--defect-rate', flags.defectRate, 0.5),
    masterFormat: choice('--master-format', flags.masterFormat, ['csv', 'parquet'] as const),
    recordsFormat: choice('--records-format', flags.recordsFormat, ['csv', 'jsonl'] as const),
    asOf: flags.asOf,
    signerTitle: flags.signerTitle,
    threads: wholeNumber('--threads', flags.threads, 1, 64),
  };
}

/**
 * `custodian synth`: a synthetic master extract and request batch with known truth, for demos,
 * tests and measuring the matcher (interchange spec §1–2, plus truth.csv).
 */
export function registerSynthCommand(program: Command, io: CliIO): void {
  program
    .command('synth')
    .description('Generate a synthetic master extract and request batch with known truth (truth.csv)')
    .requiredOption('--out <dir>', 'output folder (master file, batch/, truth.csv)')
    .option(
      '--seed <n>',
      `random seed; the same options give the same files (default ${SYNTH_DEFAULTS.seed})`,
    )
    .option('--taxpayers <n>', `taxpayers in the master file (default ${SYNTH_DEFAULTS.taxpayers})`)
    .option('--requests <n>', `request records in the batch (default ${SYNTH_DEFAULTS.requests})`)
    .option(
      '--present-share <x>',
      `share of requests about people in the master file, 0..1 (default ${SYNTH_DEFAULTS.presentShare})`,
    )
    .option(
      '--defect-rate <x>',
      `share of requests with a legal defect, 0..0.5 (default ${SYNTH_DEFAULTS.defectRate})`,
    )
    .option('--master-format <fmt>', 'csv or parquet (default csv)')
    .option('--records-format <fmt>', 'csv or jsonl (default csv)')
    .option(
      '--as-of <date>',
      `reference date for ages and tax years, YYYY-MM-DD (default ${SYNTH_DEFAULTS.asOf})`,
    )
    .option(
      '--signer-title <title>',
      `title of the manifest signer (default '${SYNTH_DEFAULTS.signerTitle}')`,
    )
    .option('--threads <n>', 'threads for the master file (default: the free cores, at most 4; same output)')
    .action(async (flags: SynthFlags) => {
      const options = synthOptionsFromFlags(flags);
      const result = await generateSynthetic(options, io.interactive ? terminalProgress() : undefined);
      io.out(formatSynthSummary(result));
    });
}

export function formatSynthSummary(r: SynthResult): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const pct = (x: number, of: number) => (of > 0 ? `${((100 * x) / of).toFixed(1)}%` : '0%');
  const codes = Object.entries(r.byCode)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${n(v)}`);
  const lines = [
    `synthetic data in ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `  master:   ${r.paths.master}`,
    `            ${n(r.taxpayers)} taxpayers in ${n(r.households)} households, ${n(r.masterRows)} rows (${n(r.movers)} movers, ${n(r.jrSrTaxpayers)} in Jr/Sr pairs, ${n(r.twinTaxpayers)} twins)`,
    `            written at ${n(r.masterRowsPerSecond)} rows/s (${r.threads} thread${r.threads === 1 ? '' : 's'})`,
    `  batch:    ${r.paths.manifest}`,
    `            ${n(r.requests)} requests: ${n(r.present)} about taxpayers in the master (${pct(r.present, r.requests)}), ${n(r.lawful)} lawful (${pct(r.lawful, r.requests)})`,
    `  truth:    ${r.paths.truth}`,
  ];
  if (codes.length > 0) lines.push(`  expected codes: ${codes.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
