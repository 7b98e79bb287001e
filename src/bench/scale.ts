import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseByteSize } from '../core/byte-size.js';
import { CustodianError, type ErrorCode, isCustodianError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';
import { defaultMemoryLimit, openDuck, queryValue } from '../store/duckdb.js';
import { folderBytes, importMaster, MASTER_STORE_FILE } from '../store/master-store.js';
import { generateSynthetic } from '../synth/generate.js';
import { evaluateRun } from '../workflow/evaluate.js';
import { processBatch } from '../workflow/process-batch.js';
import { writeMarkedSection } from './report-section.js';
import { type ChartSpec, formatSi, renderCharts, type Series } from './svg-plot.js';

/**
 * `custodian bench scale` (issue 5, part 3): for each master size, synthetic data (master and
 * request batches with known truth), a timed master import, then each batch processed against
 * the imported store. Every step runs in its own child process so that its peak RSS is its own.
 * Results go to WORK/scale-results.json; a Markdown table and an SVG plot of time and memory
 * against master size go to a marked section of docs/performance.md and to docs/scale.svg.
 */

/** Master rows per synthetic taxpayer (movers have several addresses of record); measured. */
export const ROWS_PER_TAXPAYER = 1.286;
export const SCALE_AS_OF = '2026-01-15';
export const REPORT_BEGIN = '<!-- scale:begin -->';
export const REPORT_END = '<!-- scale:end -->';
/** Default DuckDB memory limit for the bench: the machine default, at most this. */
export const BENCH_MEMORY_CAP_GB = 8;

export interface ScaleOptions {
  /** Master sizes (rows). */
  readonly sizes: readonly number[];
  /** Request batch sizes. */
  readonly batches: readonly number[];
  /** Work folder (data, stores, outputs, results). */
  readonly work: string;
  /** Reuse synthetic files already in the work folder (imports and processing are always re-run). */
  readonly reuse?: boolean | undefined;
  /** Markdown report to rewrite a marked section of; null: none. */
  readonly report?: string | null | undefined;
  /** SVG plot; default `scale.svg` beside the report; null: none. */
  readonly plot?: string | null | undefined;
  readonly memoryLimit?: string | undefined;
  /**
   * DuckDB memory limit for processing each batch size (batch → size, e.g. 100000 → '2GB');
   * batch sizes not listed use `memoryLimit`. A limit sized to the batch's chunk keeps the
   * buffer pool from caching the whole store, so peak memory shows what the work needs.
   */
  readonly processMemoryLimits?: Readonly<Record<number, string>> | undefined;
  readonly threads?: number | undefined;
  readonly seed?: number | undefined;
  readonly maxBlock?: number | undefined;
  /** Keep each batch's output folder (decisions, evidence); default: deleted after measuring. */
  readonly keepOutputs?: boolean | undefined;
  /** The command line, as shown in the report. */
  readonly command?: string | undefined;
  /** One line per event (step started, finished, child progress). */
  readonly log?: ((line: string) => void) | undefined;
}

export interface StageFigure {
  readonly stage: string;
  readonly ms: number;
  readonly rows?: number | undefined;
  readonly rowsPerSecond?: number | undefined;
}

export interface StepResult {
  readonly step: 'synth' | 'import' | 'process';
  /** The master size asked for, and what the master holds. */
  readonly masterTarget: number;
  readonly masterRows: number;
  readonly taxpayers: number;
  readonly batch?: number | undefined;
  readonly wallMs: number;
  /** Rows handled: master rows (synth, import) or requests (process). */
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly candidatePairs?: number | undefined;
  /** process: candidate pairs found by each blocking rule (a pair found by several counts in each). */
  readonly blocking?: readonly { readonly rule: string; readonly pairs: number }[] | undefined;
  readonly pairsPerSecondPerCore?: number | undefined;
  readonly peakRssBytes: number;
  /** The DuckDB memory limit of the step (import, process). */
  readonly memoryLimit?: string | undefined;
  /** Store size on disk (import, process); data files (synth). */
  readonly diskBytes: number;
  /** Output folder size (process). */
  readonly outputBytes?: number | undefined;
  readonly stages: readonly StageFigure[];
  /**
   * process: milliseconds of the matcher's steps (blocking, training, scoring, deciding) and of
   * the scoring's own steps, summed over chunks (summary.json).
   */
  readonly matcherSteps?: Readonly<Record<string, number>> | undefined;
  readonly scoringSteps?: Readonly<Record<string, number>> | undefined;
  /** process: the master came from the imported store (no 'load master' stage). */
  readonly masterFromStore?: boolean | undefined;
  /** synth: files reused from an earlier run (times are those of the run that made them). */
  readonly reused?: boolean | undefined;
  readonly outcomes?: Readonly<Record<string, number>> | undefined;
  /**
   * process: the decisions scored against the synthetic truth — disclosures approved by the
   * rules (including those held for counsel) and how many name the wrong taxpayer.
   */
  readonly disclosures?: number | undefined;
  readonly wrongPersonDisclosures?: number | undefined;
}

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly totalMemoryBytes: number;
  readonly platform: string;
  readonly node: string;
  readonly duckdb: string;
  /** 1-minute load average when the bench started and when it ended (other work inflates times). */
  readonly loadAverage?: { readonly start: number; readonly end?: number | undefined } | undefined;
}

export interface ScaleResults {
  readonly version: 1;
  readonly date: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly settings: {
    readonly memoryLimit: string;
    /** Per batch size, where processing used another limit than `memoryLimit`. */
    readonly processMemoryLimits?: Readonly<Record<string, string>> | undefined;
    readonly threads: number;
    readonly seed: number;
    readonly maxBlock?: number | undefined;
  };
  readonly sizes: readonly number[];
  readonly batches: readonly number[];
  readonly steps: StepResult[];
}

// --- the steps, run in a child process ---------------------------------------------------------

type StepSpec =
  | {
      readonly kind: 'synth';
      readonly out: string;
      readonly taxpayers: number;
      readonly requests: number;
      readonly seed: number;
      readonly threads?: number | undefined;
    }
  | {
      readonly kind: 'import';
      readonly master: string;
      readonly store: string;
      readonly memoryLimit: string;
      readonly threads: number;
      readonly maxBlock?: number | undefined;
    }
  | {
      readonly kind: 'process';
      readonly master: string;
      readonly manifest: string;
      readonly store: string;
      readonly out: string;
      readonly memoryLimit: string;
      readonly threads: number;
      readonly maxBlock?: number | undefined;
    };

interface StepOutcome {
  readonly wallMs: number;
  readonly peakRssBytes: number;
  readonly value?: unknown;
  readonly error?: { readonly code: ErrorCode; readonly message: string } | undefined;
}

const STEP_FLAG = '--custodian-scale-step';

/** Progress of a child step as lines on stderr (the parent relays them to its log). */
const lineProgress: ProgressSink = {
  start: (stage) => process.stderr.write(`${stage}\n`),
  update() {},
  stop() {},
};

async function executeStep(spec: StepSpec): Promise<unknown> {
  switch (spec.kind) {
    case 'synth':
      return generateSynthetic(
        {
          out: spec.out,
          taxpayers: spec.taxpayers,
          requests: spec.requests,
          seed: spec.seed,
          asOf: SCALE_AS_OF,
          threads: spec.threads,
        },
        lineProgress,
      );
    case 'import':
      return importMaster([spec.master], spec.store, {
        memoryLimit: spec.memoryLimit,
        threads: spec.threads,
        maxBlock: spec.maxBlock,
        force: true,
        progress: lineProgress,
      });
    case 'process':
      return processBatch({
        master: spec.master,
        batch: spec.manifest,
        out: spec.out,
        store: spec.store,
        asOf: SCALE_AS_OF,
        memoryLimit: spec.memoryLimit,
        threads: spec.threads,
        maxBlock: spec.maxBlock,
        progress: lineProgress,
      });
  }
}

async function childMain(specFile: string): Promise<void> {
  const { spec, resultFile } = JSON.parse(await readFile(specFile, 'utf8')) as {
    spec: StepSpec;
    resultFile: string;
  };
  const t0 = performance.now();
  let outcome: StepOutcome;
  try {
    const value = await executeStep(spec);
    outcome = { wallMs: performance.now() - t0, peakRssBytes: peakRss(), value };
  } catch (e) {
    const error = isCustodianError(e)
      ? { code: e.code, message: e.message }
      : {
          code: 'CUS_INTERNAL' as const,
          message: (e instanceof Error ? e.message : String(e)).split('\n')[0]!,
        };
    outcome = { wallMs: performance.now() - t0, peakRssBytes: peakRss(), error };
  }
  await writeFile(resultFile, JSON.stringify(outcome));
}

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

if (
  process.argv[2] === STEP_FLAG &&
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  childMain(process.argv[3]!).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`scale step failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

/** Runs one step in a child Node process (through tsx when running from the TypeScript sources). */
async function runStep(spec: StepSpec, scratch: string, log: (line: string) => void): Promise<StepOutcome> {
  await mkdir(scratch, { recursive: true });
  const id = `${spec.kind}-${process.pid}-${Date.now()}`;
  const specFile = path.join(scratch, `${id}.spec.json`);
  const resultFile = path.join(scratch, `${id}.result.json`);
  await writeFile(specFile, JSON.stringify({ spec, resultFile }));
  const self = fileURLToPath(import.meta.url);
  const loader = self.endsWith('.ts')
    ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]
    : [];
  const started = performance.now();
  const stderrTail: string[] = [];
  const code = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [...loader, self, STEP_FLAG, specFile], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let buf = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i).trimEnd();
          buf = buf.slice(i + 1);
          if (!line) continue;
          stderrTail.push(line);
          if (stderrTail.length > 20) stderrTail.shift();
          log(`    ${secondsSince(started)} ${line}`);
        }
      });
      child.on('error', reject);
      child.on('close', (c, signal) => resolve({ code: c, signal }));
    },
  );
  let outcome: StepOutcome | undefined;
  try {
    outcome = JSON.parse(await readFile(resultFile, 'utf8')) as StepOutcome;
  } catch {
    outcome = undefined;
  }
  await rm(specFile, { force: true });
  await rm(resultFile, { force: true });
  if (!outcome) {
    const how = code.signal
      ? `was stopped by ${code.signal}${code.signal === 'SIGKILL' ? ' (out of memory?)' : ''}`
      : `exited with code ${code.code}`;
    throw new CustodianError(
      'CUS_INTERNAL',
      `bench scale: the ${spec.kind} step ${how}${stderrTail.length ? `: ${stderrTail[stderrTail.length - 1]}` : ''}`,
    );
  }
  if (outcome.error)
    throw new CustodianError(outcome.error.code, `bench scale (${spec.kind}): ${outcome.error.message}`);
  return outcome;
}

function secondsSince(t0: number): string {
  return `[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s]`;
}

// --- the bench --------------------------------------------------------------------------------

interface SynthMeta {
  readonly seed: number;
  readonly taxpayers: number;
  readonly requests: number;
  readonly masterRows: number;
  readonly elapsedMs: number;
  readonly peakRssBytes: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function taxpayersFor(masterRows: number): number {
  return Math.max(1, Math.round(masterRows / ROWS_PER_TAXPAYER));
}

export async function machineInfo(): Promise<MachineInfo> {
  let duckdb = '';
  const duck = await openDuck({ threads: 1, memoryLimit: '256MB' });
  try {
    duckdb = await queryValue<string>(duck.conn, 'SELECT version()');
  } finally {
    duck.close();
  }
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    duckdb,
    loadAverage: { start: round2(os.loadavg()[0]!) },
  };
}

/** The bench's default DuckDB memory limit: the machine default (60% of RAM), at most 8 GB. */
export function benchMemoryLimit(): string {
  const gb = Number.parseInt(defaultMemoryLimit(), 10);
  return `${Math.min(gb, BENCH_MEMORY_CAP_GB)}GB`;
}

export async function runScaleBench(options: ScaleOptions): Promise<ScaleResults> {
  const log = options.log ?? (() => {});
  const sizes = [...options.sizes].sort((a, b) => a - b);
  const batches = [...options.batches].sort((a, b) => a - b);
  if (sizes.length === 0 || batches.length === 0)
    throw new CustodianError(
      'CUS_USAGE',
      'bench scale: at least one master size and one batch size are needed',
    );
  for (const v of [...sizes, ...batches])
    if (!Number.isSafeInteger(v) || v < 1)
      throw new CustodianError('CUS_USAGE', `bench scale: sizes must be positive whole numbers, not ${v}`);
  const work = path.resolve(options.work);
  const scratch = path.join(work, '.steps');
  const seed = options.seed ?? 1;
  const memoryLimit = options.memoryLimit ?? benchMemoryLimit();
  for (const [batch, limit] of Object.entries(options.processMemoryLimits ?? {}))
    if (parseByteSize(limit) === undefined)
      throw new CustodianError(
        'CUS_USAGE',
        `bench scale: memory limit '${limit}' for batch ${batch} is not a size (e.g. 2GB)`,
      );
  const processLimit = (batch: number) => options.processMemoryLimits?.[batch] ?? memoryLimit;
  const threads = options.threads ?? os.availableParallelism();
  const results: ScaleResults = {
    version: 1,
    date: new Date().toISOString(),
    command:
      options.command ?? `custodian bench scale --sizes ${sizes.join(',')} --batches ${batches.join(',')}`,
    machine: await machineInfo(),
    settings: {
      memoryLimit,
      processMemoryLimits:
        options.processMemoryLimits && Object.keys(options.processMemoryLimits).length > 0
          ? Object.fromEntries(Object.entries(options.processMemoryLimits).map(([b, l]) => [String(b), l]))
          : undefined,
      threads,
      seed,
      maxBlock: options.maxBlock,
    },
    sizes,
    batches,
    steps: [],
  };
  const resultsFile = path.join(work, 'scale-results.json');
  const save = async () => {
    await mkdir(work, { recursive: true });
    await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  };

  for (const size of sizes) {
    const dir = path.join(work, `m${size}`);
    const master = path.join(dir, 'master.csv');
    const masterMetaFile = path.join(dir, 'master.json');
    const taxpayers = taxpayersFor(size);
    log(
      `master ${size.toLocaleString('en-US')} rows (${taxpayers.toLocaleString('en-US')} taxpayers) in ${dir}`,
    );
    let masterMeta = options.reuse ? await readJson<SynthMeta>(masterMetaFile) : undefined;
    if (masterMeta && (masterMeta.seed !== seed || masterMeta.taxpayers !== taxpayers || !existsSync(master)))
      masterMeta = undefined;
    if (!masterMeta) await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });

    // 1. Synthetic data: one generation per batch size (the master file depends only on the seed
    // and the taxpayers, so every generation writes the same master; it is kept once).
    const manifests = new Map<number, string>();
    for (const batch of batches) {
      const bdir = path.join(dir, `b${batch}`);
      const metaFile = path.join(bdir, 'synth.json');
      let meta = masterMeta ? await readJson<SynthMeta>(metaFile) : undefined;
      const manifest = path.join(bdir, 'batch', 'manifest.json');
      if (meta && (meta.requests !== batch || meta.seed !== seed || !existsSync(manifest))) meta = undefined;
      let reused = true;
      if (!meta) {
        reused = false;
        await rm(bdir, { recursive: true, force: true });
        log(
          `  synth: ${taxpayers.toLocaleString('en-US')} taxpayers, ${batch.toLocaleString('en-US')} requests`,
        );
        const o = await runStep(
          { kind: 'synth', out: bdir, taxpayers, requests: batch, seed, threads },
          scratch,
          log,
        );
        const r = o.value as { masterRows: number; elapsedMs: number; paths: { master: string } };
        meta = {
          seed,
          taxpayers,
          requests: batch,
          masterRows: r.masterRows,
          elapsedMs: o.wallMs,
          peakRssBytes: o.peakRssBytes,
        };
        if (!masterMeta) {
          await rename(r.paths.master, master);
          masterMeta = meta;
          await writeFile(masterMetaFile, `${JSON.stringify(meta, null, 2)}\n`);
        } else {
          const [a, b] = await Promise.all([stat(r.paths.master), stat(master)]);
          if (a.size !== b.size)
            throw new CustodianError(
              'CUS_INTERNAL',
              `bench scale: synthetic masters of ${size} rows differ between batches`,
            );
          await rm(r.paths.master, { force: true });
        }
        await writeFile(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
      }
      manifests.set(batch, manifest);
      const dataBytes = (await folderBytes(bdir)) + (batch === batches[0] ? await fileSize(master) : 0);
      results.steps.push({
        step: 'synth',
        masterTarget: size,
        masterRows: meta.masterRows,
        taxpayers,
        batch,
        wallMs: Math.round(meta.elapsedMs),
        rows: meta.masterRows + batch,
        rowsPerSecond: perSecond(meta.masterRows + batch, meta.elapsedMs),
        peakRssBytes: meta.peakRssBytes,
        diskBytes: dataBytes,
        stages: [],
        reused,
      });
    }
    const masterRows = masterMeta!.masterRows;

    // 2. Master import (always re-run: it is measured).
    const store = path.join(dir, 'store');
    log(`  import: ${masterRows.toLocaleString('en-US')} master rows`);
    const imp = await runStep(
      { kind: 'import', master, store, memoryLimit, threads, maxBlock: options.maxBlock },
      scratch,
      log,
    );
    const info = imp.value as {
      rows: number;
      taxpayers: number;
      sizeBytes: number;
      stages: Record<string, { ms: number }>;
    };
    const importStep: StepResult = {
      step: 'import',
      masterTarget: size,
      masterRows: info.rows,
      taxpayers: info.taxpayers,
      wallMs: Math.round(imp.wallMs),
      rows: info.rows,
      rowsPerSecond: perSecond(info.rows, imp.wallMs),
      peakRssBytes: imp.peakRssBytes,
      memoryLimit,
      diskBytes: info.sizeBytes,
      stages: Object.entries(info.stages)
        .filter(([s]) => s !== 'finish')
        .map(([stage, r]) => ({
          stage,
          ms: r.ms,
          rows: info.rows,
          rowsPerSecond: perSecond(info.rows, r.ms),
        })),
    };
    results.steps.push(importStep);
    log(`  import: ${describe(importStep)}`);
    await save();

    // 3. Each batch against the imported store.
    for (const batch of batches) {
      const out = path.join(dir, `out-b${batch}`);
      await rm(out, { recursive: true, force: true });
      log(`  process: ${batch.toLocaleString('en-US')} requests`);
      const p = await runStep(
        {
          kind: 'process',
          master,
          manifest: manifests.get(batch)!,
          store,
          out,
          memoryLimit: processLimit(batch),
          threads,
          maxBlock: options.maxBlock,
        },
        scratch,
        log,
      );
      const s = p.value as {
        records: number;
        timings: StageFigure[];
        matching: {
          candidatePairs: number;
          pairs_per_second_per_core: number;
          blocking: { rule: string; pairs: number }[];
          matcher_steps_ms?: Record<string, number>;
          scoring_steps_ms?: Record<string, number>;
        } | null;
        outcomes: Record<string, number>;
      };
      const step: StepResult = {
        step: 'process',
        masterTarget: size,
        masterRows,
        taxpayers: info.taxpayers,
        batch,
        wallMs: Math.round(p.wallMs),
        rows: s.records,
        rowsPerSecond: perSecond(s.records, p.wallMs),
        candidatePairs: s.matching?.candidatePairs,
        blocking: s.matching?.blocking.map((x) => ({ rule: x.rule, pairs: x.pairs })),
        pairsPerSecondPerCore: s.matching?.pairs_per_second_per_core,
        peakRssBytes: p.peakRssBytes,
        memoryLimit: processLimit(batch),
        diskBytes: await fileSize(path.join(store, MASTER_STORE_FILE)),
        outputBytes: await folderBytes(out),
        stages: s.timings,
        matcherSteps: s.matching?.matcher_steps_ms,
        scoringSteps: s.matching?.scoring_steps_ms,
        masterFromStore: !s.timings.some((t) => t.stage === 'load master'),
        outcomes: s.outcomes,
        ...(await precisionOf(path.join(out, 'decisions.csv'), path.join(dir, `b${batch}`, 'truth.csv'))),
      };
      results.steps.push(step);
      log(`  process: ${describe(step)}`);
      if (!options.keepOutputs) await rm(out, { recursive: true, force: true });
      await save();
    }
  }
  await rm(scratch, { recursive: true, force: true });
  (results as { machine: MachineInfo }).machine = {
    ...results.machine,
    loadAverage: { start: results.machine.loadAverage?.start ?? 0, end: round2(os.loadavg()[0]!) },
  };
  await save();

  if (options.report !== null) {
    const report = path.resolve(options.report ?? path.join('docs', 'performance.md'));
    const plot =
      options.plot === null
        ? null
        : path.resolve(options.plot ?? path.join(path.dirname(report), 'scale.svg'));
    if (plot) {
      await mkdir(path.dirname(plot), { recursive: true });
      await writeFile(plot, renderScalePlot(results));
    }
    const rel = plot ? path.relative(path.dirname(report), plot).split(path.sep).join('/') : undefined;
    await writeReportSection(report, renderScaleMarkdown(results, rel));
    log(`report: ${report}${plot ? `, plot: ${plot}` : ''}`);
  } else if (options.plot) {
    await writeFile(path.resolve(options.plot), renderScalePlot(results));
  }
  return results;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function fileSize(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

function perSecond(n: number, ms: number): number {
  return ms > 0 ? Math.round((n / ms) * 1000) : 0;
}

function describe(s: StepResult): string {
  const parts = [
    `${(s.wallMs / 1000).toFixed(1)} s`,
    `${int(s.rowsPerSecond)} rows/s`,
    `peak RSS ${bytes(s.peakRssBytes)}`,
  ];
  if (s.candidatePairs !== undefined) parts.push(`${int(s.candidatePairs)} candidate pairs`);
  if (s.pairsPerSecondPerCore !== undefined) parts.push(`${int(s.pairsPerSecondPerCore)} pairs/s/core`);
  parts.push(`store ${bytes(s.diskBytes)}`);
  return parts.join(', ');
}

// --- report -----------------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(0)} MB`;
  return `${(n / 1024).toFixed(0)} KB`;
}

function secs(ms: number): string {
  return ms >= 600_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}

/** Least-squares slope of log(y) on log(x): 1 = linear growth, 0 = flat. */
export function scalingExponent(points: readonly (readonly [number, number])[]): number | undefined {
  const p = points.filter(([x, y]) => x > 0 && y > 0);
  if (p.length < 2) return undefined;
  const lx = p.map(([x]) => Math.log(x));
  const ly = p.map(([, y]) => Math.log(y));
  const mx = lx.reduce((a, b) => a + b, 0) / p.length;
  const my = ly.reduce((a, b) => a + b, 0) / p.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < p.length; i++) {
    num += (lx[i]! - mx) * (ly[i]! - my);
    den += (lx[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : undefined;
}

const GB = 1024 ** 3;

/**
 * The names of several ordered lists in one order that keeps each list's: a name first met in a
 * later list goes right after the name that precedes it there (so a stage only some steps have
 * keeps its place in the pipeline instead of going last).
 */
export function mergedOrder(lists: readonly (readonly string[])[]): string[] {
  const names: string[] = [];
  for (const list of lists)
    list.forEach((name, i) => {
      if (names.includes(name)) return;
      const after = i === 0 ? -1 : names.indexOf(list[i - 1]!);
      names.splice(after + 1, 0, name);
    });
  return names;
}

export function renderScaleMarkdown(r: ScaleResults, plotHref?: string): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push('## Scale benchmark', '');
  lines.push(`Command: \`${r.command}\`  `);
  lines.push(
    `Machine: ${m.cores} cores (${m.cpuModel}), ${(m.totalMemoryBytes / GB).toFixed(1)} GB RAM, ${m.platform}; Node ${m.node}; DuckDB ${m.duckdb}  `,
  );
  lines.push(
    `Settings: DuckDB memory limit ${r.settings.memoryLimit}${
      r.settings.processMemoryLimits
        ? ` (processing: ${Object.entries(r.settings.processMemoryLimits)
            .map(([b, l]) => `${l} for batches of ${int(Number(b))}`)
            .join(', ')})`
        : ''
    }, ${r.settings.threads} threads, seed ${r.settings.seed}${r.settings.maxBlock ? `, max block ${r.settings.maxBlock}` : ''}  `,
  );
  const load = m.loadAverage;
  // The load at the end is mostly the benchmark's own; only the start tells of other work.
  const busy = load !== undefined && load.start > m.cores * 0.5;
  const loadText = load
    ? `; 1-minute load average ${load.start} at the start${load.end !== undefined ? `, ${load.end} at the end` : ''}${busy ? ' (other work shared the cores: wall times are upper bounds)' : ''}`
    : '';
  lines.push(`Date: ${r.date.slice(0, 10)} (${r.date})${loadText}`, '');
  lines.push(
    "Each step runs in its own process; peak RSS is that process's maximum resident set (DuckDB included). " +
      'Synthetic data come from `custodian synth` (seed fixed; about 1.29 master rows per taxpayer). ' +
      "*Disk* is the master store file (import, process) or the generated files (synth); *output* is the batch's decisions, evidence and summary. " +
      'The DuckDB memory limit bounds its buffer pool, which fills towards the limit as the data grow; RSS above the limit is Node.js and memory DuckDB allocates outside its buffer manager.',
    '',
  );
  lines.push(
    '| master rows | step | requests | wall time | rows/s | candidate pairs | pairs/s/core | peak RSS | DuckDB limit | disk | output | master read from | wrong-person / disclosures |',
  );
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const s of r.steps) {
    lines.push(
      `| ${int(s.masterRows)} | ${s.step}${s.reused ? ' (reused)' : ''} | ${s.batch !== undefined ? int(s.batch) : '—'} | ${secs(s.wallMs)} | ${int(s.rowsPerSecond)} | ${s.candidatePairs !== undefined ? int(s.candidatePairs) : '—'} | ${s.pairsPerSecondPerCore !== undefined ? int(s.pairsPerSecondPerCore) : '—'} | ${bytes(s.peakRssBytes)} | ${s.memoryLimit ?? '—'} | ${bytes(s.diskBytes)} | ${s.outputBytes !== undefined ? bytes(s.outputBytes) : '—'} | ${s.step === 'process' ? (s.masterFromStore ? 'store' : 'extract (re-read)') : '—'} | ${s.disclosures !== undefined ? `${int(s.wrongPersonDisclosures ?? 0)} / ${int(s.disclosures)}` : '—'} |`,
    );
  }
  lines.push('');

  // Breakdowns of a step's time: one column per stage (or step), in pipeline order, one row per
  // step that has any; `cellsOf` gives a step's cells by column name (a missing one is '—').
  const breakdownTable = (
    title: string,
    steps: readonly StepResult[],
    cellsOf: (s: StepResult) => ReadonlyMap<string, string>,
  ) => {
    const rows = steps.map((s) => ({ s, cells: cellsOf(s) })).filter((x) => x.cells.size > 0);
    if (rows.length === 0) return;
    const names = mergedOrder(rows.map((x) => [...x.cells.keys()]));
    lines.push(title, '');
    lines.push(`| master rows | requests | ${names.join(' | ')} |`);
    lines.push(`|---:|---:|${names.map(() => '---:').join('|')}|`);
    for (const { s, cells } of rows)
      lines.push(
        `| ${int(s.masterRows)} | ${s.batch !== undefined ? int(s.batch) : '—'} | ${names.map((n) => cells.get(n) ?? '—').join(' | ')} |`,
      );
    lines.push('');
  };
  const stageCells = (s: StepResult) =>
    new Map(
      s.stages.map((t) => [
        t.stage,
        `${secs(t.ms)}${t.rowsPerSecond ? ` (${formatSi(t.rowsPerSecond)}/s)` : ''}`,
      ]),
    );
  const msCells = (ms: Readonly<Record<string, number>> | undefined) =>
    new Map(Object.entries(ms ?? {}).map(([name, v]) => [name, secs(v)]));
  const processed = r.steps.filter((s) => s.step === 'process');
  breakdownTable(
    'Import stages (time, master rows/s):',
    r.steps.filter((s) => s.step === 'import'),
    stageCells,
  );
  breakdownTable('Processing stages (time, rows/s of the stage):', processed, stageCells);
  // Inside the match stage: the matcher's steps, then the scoring's.
  breakdownTable(
    'Matching steps (time summed over chunks; scoring is what pairs/s/core divides by):',
    processed,
    (s) => msCells(s.matcherSteps),
  );
  breakdownTable('Scoring steps (time summed over chunks):', processed, (s) => msCells(s.scoringSteps));

  // Candidate pairs by blocking rule, per request: what grows with the master.
  const withRules = r.steps.filter((s) => s.step === 'process' && s.blocking?.length);
  if (withRules.length > 0) {
    const rules = [...new Set(withRules.flatMap((s) => s.blocking!.map((x) => x.rule)))];
    lines.push(
      'Candidate pairs per request, by blocking rule (a pair found by several rules counts in each):',
      '',
    );
    lines.push(`| master rows | requests | all rules | ${rules.join(' | ')} |`);
    lines.push(`|---:|---:|---:|${rules.map(() => '---:').join('|')}|`);
    for (const s of withRules) {
      const per = (n: number) => (n / Math.max(1, s.rows)).toFixed(1);
      const cells = rules.map((rule) => {
        const x = s.blocking!.find((b) => b.rule === rule);
        return x ? per(x.pairs) : '—';
      });
      lines.push(
        `| ${int(s.masterRows)} | ${int(s.batch ?? 0)} | ${per(s.candidatePairs ?? 0)} | ${cells.join(' | ')} |`,
      );
    }
    lines.push('');
  }

  // Targets (issue 5).
  lines.push('Targets (issue 5):', '');
  lines.push('| target | measured | verdict |');
  lines.push('|---|---|---|');
  for (const t of evaluateTargets(r)) lines.push(`| ${t.target} | ${t.measured} | ${t.verdict} |`);
  lines.push('');
  if (r.steps.some((s) => s.step === 'process' && !s.masterFromStore))
    lines.push(
      '> Processing re-read and re-prepared the master extract in this run (`load master`, `standardise`, ' +
        '`prepare master` stages): `process` did not yet use the imported store.',
      '',
    );
  if (plotHref) lines.push(`![Time and peak memory against master size](${plotHref})`, '');
  return lines.join('\n');
}

/** A batch's decisions against the synthetic truth: disclosures and wrong-person disclosures. */
async function precisionOf(
  decisions: string,
  truth: string,
): Promise<{ disclosures?: number; wrongPersonDisclosures?: number }> {
  if (!existsSync(decisions) || !existsSync(truth)) return {};
  const duck = await openDuck({ threads: 1, memoryLimit: '2GB' });
  try {
    const e = await evaluateRun(duck.conn, decisions, truth);
    return { disclosures: e.disclosures, wrongPersonDisclosures: e.wrongPersonDisclosures };
  } finally {
    duck.close();
  }
}

interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly verdict: string;
}

export function evaluateTargets(r: ScaleResults): TargetCheck[] {
  const out: TargetCheck[] = [];
  const processes = r.steps.filter((s) => s.step === 'process');
  const imports = r.steps.filter((s) => s.step === 'import');
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  const big = processes.filter((s) => s.masterRows >= 19_000_000 && (s.batch ?? 0) >= 1_000_000);
  if (big.length > 0) {
    const worst = big.reduce((a, b) => (a.wallMs >= b.wallMs ? a : b));
    out.push({
      target: '1M requests × 20M master rows, end to end from the store ≤ 10 min',
      measured: `${secs(worst.wallMs)} (${int(worst.batch!)} × ${int(worst.masterRows)})`,
      verdict: verdict(worst.wallMs <= 600_000),
    });
  } else
    out.push({
      target: '1M requests × 20M master rows, end to end from the store ≤ 10 min',
      measured: 'not in this run',
      verdict: '—',
    });
  const scoring = processes.filter(
    (s) => s.pairsPerSecondPerCore !== undefined && (s.batch ?? 0) >= 1_000_000,
  );
  if (scoring.length > 0) {
    const rates = scoring.map((s) => s.pairsPerSecondPerCore!);
    out.push({
      target: 'scoring (comparison levels and weights) ≥ 1,000,000 pairs/s/core',
      measured: `${int(Math.min(...rates))}–${int(Math.max(...rates))} (batches of 1M)`,
      verdict: verdict(Math.min(...rates) >= 1_000_000),
    });
  }
  const judged = processes.filter((s) => s.disclosures !== undefined);
  if (judged.length > 0) {
    const wrong = judged.reduce((a, s) => a + (s.wrongPersonDisclosures ?? 0), 0);
    const all = judged.reduce((a, s) => a + (s.disclosures ?? 0), 0);
    out.push({
      target: 'no wrong-person disclosure (precision first), every batch',
      measured: `${int(wrong)} in ${int(all)} disclosures`,
      verdict: verdict(wrong === 0),
    });
  }
  if (processes.length > 0) {
    const peak = Math.max(...processes.map((s) => s.peakRssBytes));
    out.push({
      target: 'peak RSS ≤ 12 GB (processing)',
      measured: bytes(peak),
      verdict: verdict(peak <= 12 * GB),
    });
  }
  const bigImport = imports.filter((s) => s.masterRows >= 19_000_000);
  out.push({
    target: 'master import of 20M rows ≤ 5 min',
    measured: bigImport.length ? secs(Math.max(...bigImport.map((s) => s.wallMs))) : 'not in this run',
    verdict: bigImport.length ? verdict(Math.max(...bigImport.map((s) => s.wallMs)) <= 300_000) : '—',
  });
  for (const batch of r.batches) {
    const pts = processes.filter((s) => s.batch === batch).map((s) => [s.masterRows, s.wallMs] as const);
    const e = scalingExponent(pts);
    out.push({
      target: `time no worse than linear in master size (batch ${int(batch)})`,
      measured: e === undefined ? 'needs ≥ 2 master sizes' : `time ∝ size^${e.toFixed(2)}`,
      verdict: e === undefined ? '—' : verdict(e <= 1.1),
    });
    const mem = processes
      .filter((s) => s.batch === batch)
      .map((s) => [s.masterRows, s.peakRssBytes] as const);
    const em = scalingExponent(mem);
    out.push({
      target: `memory flat in master size (batch ${int(batch)})`,
      measured:
        em === undefined
          ? 'needs ≥ 2 master sizes'
          : `peak RSS ∝ size^${em.toFixed(2)} (${mem.map(([, b]) => bytes(b)).join(' → ')})`,
      verdict: em === undefined ? '—' : em <= 0.15 ? 'met' : '**not met**',
    });
  }
  const limited = r.steps.filter((s) => s.step !== 'synth');
  if (limited.length > 0) {
    const over = Math.max(
      ...limited.map((s) => s.peakRssBytes - (parseByteSize(s.memoryLimit ?? r.settings.memoryLimit) ?? 0)),
    );
    out.push({
      target: "memory bounded by the step's DuckDB limit plus at most 3 GB, every import and process",
      measured: `largest excess ${over > 0 ? bytes(over) : 'none'}`,
      verdict: verdict(over <= 3 * GB),
    });
  }
  const ie = scalingExponent(imports.map((s) => [s.masterRows, s.wallMs] as const));
  if (ie !== undefined)
    out.push({
      target: 'import time no worse than linear in master size',
      measured: `time ∝ size^${ie.toFixed(2)}`,
      verdict: verdict(ie <= 1.1),
    });
  return out;
}

export function renderScalePlot(r: ScaleResults): string {
  const series = (value: (s: StepResult) => number): Series[] => {
    const list: Series[] = [];
    const imports = r.steps.filter((s) => s.step === 'import');
    if (imports.length)
      list.push({ name: 'master import', points: imports.map((s) => [s.masterRows, value(s)]) });
    for (const batch of r.batches) {
      const ps = r.steps.filter((s) => s.step === 'process' && s.batch === batch);
      if (ps.length)
        list.push({
          name: `process ${formatSi(batch)} requests`,
          points: ps.map((s) => [s.masterRows, value(s)]),
        });
    }
    return list;
  };
  const time = series((s) => s.wallMs / 1000);
  const rss = series((s) => s.peakRssBytes / GB);
  const maxOf = (ss: Series[]) => Math.max(0, ...ss.flatMap((s) => s.points.map((p) => p[1])));
  // Targets are drawn when the data come near enough for them not to flatten the curves.
  const timeGuides = [
    { y: 600, label: 'target: 1M × 20M ≤ 10 min' },
    { y: 300, label: 'target: import 20M ≤ 5 min' },
  ].filter((g) => maxOf(time) >= g.y * 0.25);
  // One guide per DuckDB limit, naming the steps it applied to.
  const limitUsers = new Map<string, string[]>();
  for (const s of r.steps.filter((x) => x.step !== 'synth')) {
    const l = s.memoryLimit ?? r.settings.memoryLimit;
    const who = s.step === 'import' ? 'import' : `process ${formatSi(s.batch ?? 0)}`;
    const users = limitUsers.get(l) ?? [];
    if (!users.includes(who)) users.push(who);
    limitUsers.set(l, users);
  }
  const rssGuides = [
    { y: 12, label: 'target: peak RSS ≤ 12 GB' },
    ...[...limitUsers].flatMap(([l, users]) => {
      const bytesOf = parseByteSize(l);
      return bytesOf
        ? [{ y: bytesOf / GB, label: `DuckDB memory limit ${l} (${users.join(', ')})`, color: '#b07000' }]
        : [];
    }),
  ].filter((g) => maxOf(rss) >= g.y * 0.25);
  const charts: ChartSpec[] = [
    {
      title: 'Wall time against master size',
      xLabel: 'master rows',
      yLabel: 'wall time (s)',
      series: time,
      guides: timeGuides,
    },
    {
      title: 'Peak RSS against master size',
      xLabel: 'master rows',
      yLabel: 'peak RSS (GB)',
      series: rss,
      guides: rssGuides,
      yFormat: (v) => String(Number(v.toPrecision(3))),
    },
  ];
  const m = r.machine;
  return renderCharts(charts, {
    title: `Custodian scale benchmark — ${m.cores} cores, ${(m.totalMemoryBytes / GB).toFixed(0)} GB RAM, ${r.date.slice(0, 10)}`,
  });
}

/**
 * Replaces the text between the scale markers in `file` (creating the file, or appending the
 * section, when missing); everything else in the file is kept.
 */
export async function writeReportSection(file: string, content: string): Promise<void> {
  await writeMarkedSection(file, 'scale', content, 'Performance');
}

/** "1000000,5M,200k" → [1000000, 5000000, 200000]. */
export function parseSizes(flag: string, value: string): number[] {
  const out: number[] = [];
  for (const part of value.split(',')) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(part);
    const n = m
      ? Math.round(Number(m[1]) * (m[2] ? (m[2].toLowerCase() === 'k' ? 1e3 : 1e6) : 1))
      : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1)
      throw new CustodianError(
        'CUS_USAGE',
        `${flag}: '${part.trim()}' is not a positive whole number (e.g. 200000, 200k, 1M)`,
      );
    out.push(n);
  }
  return [...new Set(out)];
}
