import path from 'node:path';
import type { Command } from 'commander';
import { CustodianError, isCustodianError } from '../core/errors.js';
import {
  checkCompatible,
  importMaster,
  type MasterStoreInfo,
  readBuildingInfo,
  readStoreInfo,
} from '../store/master-store.js';
import type { CliIO } from './context.js';
import { terminalProgress } from './progress-bar.js';

interface ImportFlags {
  store: string;
  memoryLimit?: string;
  threads?: string;
  maxBlock?: string;
  force?: boolean;
}

interface InfoFlags {
  store: string;
  json?: boolean;
}

/** `custodian master import FILE…` and `custodian master info` (issue 5, part 1). */
export function registerMasterCommands(program: Command, io: CliIO): void {
  const master = program
    .command('master')
    .description('The master store: a master extract loaded and prepared once, reused by every batch');

  master
    .command('import')
    .description(
      'Load, standardise and prepare master extract(s) into the store (resumes an interrupted import)',
    )
    .argument('<files...>', 'master extract(s), .csv or .parquet, appended in the order given')
    .option('--store <dir>', 'store folder', '.custodian')
    .option('--memory-limit <size>', "DuckDB memory limit, e.g. '8GB' (default: 60% of RAM)")
    .option('--threads <n>', 'DuckDB threads (default: all cores)')
    .option('--max-block <n>', 'skip blocking keys shared by more taxpayers than this (default 2000)')
    .option('--force', 'rebuild even if the store already holds exactly these files')
    .action(async (files: string[], flags: ImportFlags) => {
      const started = performance.now();
      const info = await importMaster(files, flags.store, {
        memoryLimit: flags.memoryLimit,
        threads: positive('--threads', flags.threads),
        maxBlock: positive('--max-block', flags.maxBlock),
        force: flags.force,
        progress: io.interactive ? terminalProgress() : undefined,
      });
      io.out(formatImportSummary(info, performance.now() - started));
    });

  master
    .command('info')
    .description('Show the master store: size, format and versions, build date, rows, sources')
    .option('--store <dir>', 'store folder', '.custodian')
    .option('--json', 'print as JSON')
    .action(async (flags: InfoFlags) => {
      const info = await readStoreInfo(flags.store);
      const building = await readBuildingInfo(flags.store).catch((e: unknown) => {
        if (isCustodianError(e)) return { error: e.message };
        throw e;
      });
      if (!info) {
        const dir = path.resolve(flags.store);
        if (building && 'error' in building)
          throw new CustodianError(
            'CUS_INPUT_NOT_FOUND',
            `no complete master store in ${dir} yet: an import is running (${building.error})`,
          );
        if (building && 'stages' in building) {
          const done = Object.keys(building.stages);
          throw new CustodianError(
            'CUS_INPUT_NOT_FOUND',
            `no complete master store in ${dir}: an import stopped after ${done.length ? `stage ${done.join(', ')}` : 'no stage'}; run \`custodian master import\` with the same files to resume`,
          );
        }
        throw new CustodianError(
          'CUS_INPUT_NOT_FOUND',
          `no master store in ${dir} (create one with \`custodian master import FILE --store ${flags.store}\`)`,
        );
      }
      let usable = 'yes';
      try {
        checkCompatible(info);
      } catch (e) {
        if (!isCustodianError(e)) throw e;
        usable = `no: ${e.message}`;
      }
      if (flags.json) {
        const pending = building && 'stages' in building ? { stages: Object.keys(building.stages) } : null;
        io.out(
          `${JSON.stringify({ ...info, usable: usable === 'yes', problem: usable === 'yes' ? null : usable.slice(4), pendingImport: pending }, null, 2)}\n`,
        );
        return;
      }
      io.out(formatInfo(info, usable));
      if (building && 'stages' in building)
        io.out(
          `note: another import into this store stopped after ${Object.keys(building.stages).join(', ') || 'no stage'}; re-run it to resume\n`,
        );
    });
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new CustodianError('CUS_USAGE', `${flag} must be a positive whole number, not '${value}'`);
  return n;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatImportSummary(info: MasterStoreInfo, wallMs: number): string {
  if (info.upToDate)
    return `master store ${info.file} already holds these files (built ${info.buildFinished}); nothing to do (--force rebuilds)\n`;
  const lines: string[] = [];
  if (!info.complete) {
    lines.push(
      `master import stopped after ${Object.keys(info.stages).join(', ')}; run it again to resume (${info.file})`,
    );
    return `${lines.join('\n')}\n`;
  }
  const rate = info.buildMs > 0 ? info.rows / (info.buildMs / 1000) : 0;
  lines.push(`master store ${info.file}`);
  lines.push(
    `  ${int(info.rows)} rows, ${int(info.taxpayers)} taxpayers, ${int(info.rejected)} rejected; ${int(info.masterKeys)} blocking keys`,
  );
  lines.push(
    `  ${secs(info.buildMs)} (${int(rate)} rows/s; ${stageList(info)})${info.resumedStages?.length ? `, resumed after ${info.resumedStages.join(', ')}` : ''}; ${secs(wallMs)} wall`,
  );
  lines.push(`  store size ${formatBytes(info.sizeBytes)}`);
  const skipped = Object.entries(info.oversizedKeysSkipped);
  if (skipped.length > 0)
    lines.push(
      `  blocking keys skipped as too common (over their rule's cap, at most ${info.maxBlock} taxpayers): ${skipped.map(([r, n]) => `${r} ${n}`).join(', ')}`,
    );
  if (info.rejected > 0) lines.push('  rejected rows: see the master_rejects table (first 1,000 per file)');
  return `${lines.join('\n')}\n`;
}

function stageList(info: MasterStoreInfo): string {
  return Object.entries(info.stages)
    .filter(([s]) => s !== 'finish')
    .map(([s, r]) => `${s} ${secs(r.ms)}`)
    .join(', ');
}

export function formatInfo(info: MasterStoreInfo, usable: string): string {
  const lines = [
    `master store  ${info.file}`,
    `size          ${formatBytes(info.sizeBytes)}`,
    `version       ${info.format}; standardiser ${info.standardizerVersion}; blocking ${info.keysVersion}; max block ${info.maxBlock}`,
    `built         ${info.buildFinished ?? '(incomplete)'} in ${secs(info.buildMs)} (${stageList(info)})`,
    `rows          ${int(info.rows)} (${int(info.taxpayers)} taxpayers, ${int(info.rejected)} rejected), ${int(info.masterKeys)} blocking keys`,
  ];
  const skipped = Object.entries(info.oversizedKeysSkipped);
  lines.push(
    `oversized     ${skipped.length ? skipped.map(([r, n]) => `${r} ${n}`).join(', ') : 'none'} (keys shared by more than ${info.maxBlock} taxpayers, skipped)`,
  );
  for (const [i, s] of info.sources.entries())
    lines.push(
      `${i === 0 ? 'source' : ''}`.padEnd(14) +
        `${s.path} (${formatBytes(s.size)}, modified ${new Date(s.mtimeMs).toISOString()}, ${s.rows !== undefined ? `${int(s.rows)} rows` : '?'}, fingerprint ${s.fingerprint.slice(0, 12)})`,
    );
  lines.push(`usable        ${usable}`);
  return `${lines.join('\n')}\n`;
}
