import type { Command } from 'commander';
import type { Agreement } from '../core/agreement.js';
import { parseByteSize } from '../core/byte-size.js';
import { CustodianError } from '../core/errors.js';
import { loadAgreement } from '../policy/agreement-load.js';
import { type ProcessSummary, processBatch } from '../workflow/process-batch.js';
import type { CliIO } from './context.js';
import { terminalProgress } from './progress-bar.js';

interface ProcessFlags {
  master: string;
  batch: string;
  out: string;
  agreement?: string;
  store?: string;
  asOf?: string;
  matcher: string;
  model?: string;
  train?: boolean;
  chunkSize?: string;
  chunkMemory?: string;
  withhold?: string;
  memoryLimit?: string;
  threads?: string;
}

export function registerProcessCommand(program: Command, io: CliIO): void {
  program
    .command('process')
    .description('Run one request batch end to end: legal gate, matching, decisions (interchange spec §5)')
    .requiredOption('--master <file>', 'master extract (.csv or .parquet)')
    .requiredOption('--batch <manifest>', 'batch manifest (.json) naming its records file')
    .requiredOption('--out <dir>', 'output folder for decisions.csv, summary.json, evidence.jsonl')
    .option('--agreement <file>', 'agreement document (YAML); default: the built-in §6103(i)(2) agreement')
    .option('--store <dir>', 'embedded store folder (work files, spill)', '.custodian')
    .option('--as-of <date>', 'processing date YYYY-MM-DD (default: today)')
    .option('--matcher <name>', "matcher: 'fs' (Fellegi-Sunter) or 'baseline' (exact, the yardstick)", 'fs')
    .option(
      '--model <file>',
      'fs matcher model file (default: the built-in model, data/models/fs-default.json)',
    )
    .option(
      '--train',
      'train the fs model on this batch and master first (unsupervised); writes OUT/model.json',
    )
    .option('--withhold <file>', 'CSV with a tin column: taxpayers flagged for withholding (rule A15)')
    .option(
      '--chunk-size <n>',
      'requests matched per chunk, fixed (default: as many as --chunk-memory holds)',
    )
    .option(
      '--chunk-memory <size>',
      "comparison kernel memory a chunk may take, e.g. '2GB' (default: an eighth of RAM); chunks are sized to it from the candidate pairs per request measured",
    )
    .option('--memory-limit <size>', "DuckDB memory limit, e.g. '8GB' (default: 60% of RAM)")
    .option('--threads <n>', 'DuckDB threads (default: all cores)')
    .action(async (flags: ProcessFlags) => {
      const agreement: Agreement | undefined = flags.agreement
        ? await loadAgreement(flags.agreement)
        : undefined;
      if (flags.matcher !== 'baseline' && flags.matcher !== 'fs') {
        throw new CustodianError('CUS_USAGE', `--matcher must be 'fs' or 'baseline', not '${flags.matcher}'`);
      }
      const chunkSize = flags.chunkSize === undefined ? undefined : Number(flags.chunkSize);
      if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize < 1)) {
        throw new CustodianError(
          'CUS_USAGE',
          `--chunk-size must be a positive whole number, not '${flags.chunkSize}'`,
        );
      }
      const chunkMemory = flags.chunkMemory === undefined ? undefined : parseByteSize(flags.chunkMemory);
      if (flags.chunkMemory !== undefined && (chunkMemory === undefined || chunkMemory < 1024 ** 2))
        throw new CustodianError(
          'CUS_USAGE',
          `--chunk-memory must be a size of at least 1MiB, e.g. '2GB', not '${flags.chunkMemory}'`,
        );
      if (flags.asOf && !/^\d{4}-\d{2}-\d{2}$/.test(flags.asOf))
        throw new CustodianError('CUS_USAGE', `--as-of must be YYYY-MM-DD, not '${flags.asOf}'`);
      const summary = await processBatch({
        master: flags.master,
        batch: flags.batch,
        out: flags.out,
        agreement,
        store: flags.store,
        asOf: flags.asOf,
        matcher: flags.matcher,
        model: flags.model,
        train: flags.train,
        chunkSize,
        chunkMemory,
        withhold: flags.withhold,
        memoryLimit: flags.memoryLimit,
        threads: flags.threads ? Number(flags.threads) : undefined,
        progress: io.interactive ? terminalProgress() : undefined,
      });
      io.out(formatSummary(summary));
    });
}

export function formatSummary(s: ProcessSummary): string {
  const lines = [
    `batch ${s.batch_id} under ${s.agreement} (as of ${s.as_of}): ${s.records} records in ${(s.total_ms / 1000).toFixed(1)} s`,
    `  outcomes: ${Object.entries(s.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  distinct taxpayers disclosed: ${s.distinct_taxpayers_disclosed}${s.holds.length > 0 ? ` (${s.distinct_taxpayers_approved} approved once the holds clear)` : ''}`,
  ];
  if (s.batch_findings.length > 0) lines.push(`  batch refused: ${s.batch_findings.join('; ')}`);
  if (s.holds.length > 0) lines.push(`  batch held: ${s.holds.join(', ')}`);
  const codes = Object.entries(s.reason_codes).sort((a, b) => b[1] - a[1]);
  if (codes.length > 0) lines.push(`  reason codes: ${codes.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`  outputs: ${s.outputs.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
