import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProgressSink } from '../core/progress.js';
import { DateTable, dayOf } from './dates.js';
import { ChunkWriter, MemoryWriter } from './output.js';
import { POOLS, type PoolName } from './plan.js';
import { masterRows, type Person, type PopulationContext, PopulationGenerator } from './population.js';
import { fmix32, hashKeys, Rng } from './prng.js';
import { loadTables } from './tables.js';
import { TinScrambler } from './tin.js';

/**
 * Writes the master extract (interchange spec §1) as CSV without keeping the population in
 * memory. Taxpayers are generated in fixed blocks of BLOCK_TAXPAYERS, each block from its own
 * seeded stream, so blocks can be generated in parallel (worker threads) and the file is the
 * same whatever the number of threads. Only candidates for the requests are kept: each
 * eligible taxpayer is a candidate of a pool with a fixed probability decided by a hash of
 * (seed, pool, index), which gives a uniform sample however the work is split.
 */

export const MASTER_HEADER =
  'tin,given_name,middle_name,family_name,name_suffix,date_of_birth,street,unit,city,state,zip,address_tax_year';

/** Taxpayers per block: the unit of parallel work (and of household truncation). */
export const BLOCK_TAXPAYERS = 25_000;

/** Above this many (expected, at most) pool candidates, copying them between threads costs more than it saves. */
const MAX_WORKER_CANDIDATES = 40_000;

const MASTER_SALT = 0x3a57;
const POOL_SALT = 0x9001;

/** Who qualifies for each pool. */
const ELIGIBLE: Readonly<Record<PoolName, (p: Person) => boolean>> = {
  present: () => true,
  presentJrSr: (p) => p.jrsr !== null,
  presentTwin: (p) => p.twin !== null,
  lookalike: () => true,
  // A man with no Jr/Sr of his name in the master (the requested Jr/Sr is then absent).
  jrsrBase: (p) => {
    if (p.sex !== 0 || p.jrsr !== null) return false;
    for (const m of p.household.members) if (m !== p && m.given.folded === p.given.folded) return false;
    return true;
  },
  twinBase: (p) => p.twin === null,
  tinPool: () => true,
};

/** A low estimate of the share of taxpayers eligible for each pool (to size the candidate draw). */
const ELIGIBLE_SHARE_LOW: Readonly<Record<PoolName, number>> = {
  present: 1,
  presentJrSr: 0.02,
  presentTwin: 0.005,
  lookalike: 1,
  jrsrBase: 0.25,
  twinBase: 0.9,
  tinPool: 1,
};

/** The generation parameters every block needs (sent to workers as is). */
export interface MasterSpec {
  readonly seed: number;
  readonly taxpayers: number;
  readonly asOf: string;
  /** Probability that an eligible taxpayer is a candidate, by pool (POOLS order), as 32-bit thresholds. */
  readonly thresholds: readonly number[];
}

export interface BlockResult {
  readonly block: number;
  readonly chunks: Uint8Array[];
  readonly taxpayers: number;
  readonly rows: number;
  readonly households: number;
  readonly movers: number;
  readonly jrsr: number;
  readonly twins: number;
  /** Candidates by pool (POOLS order), in taxpayer order. */
  readonly candidates: Person[][];
}

export function populationContext(seed: number, asOf: string): PopulationContext {
  const asOfDay = dayOf(asOf);
  return {
    tables: loadTables(),
    dates: new DateTable(asOfDay + 400),
    asOfDay,
    asOfYear: Number(asOf.slice(0, 4)),
    tins: new TinScrambler(seed),
  };
}

/** Generates one block of taxpayers: its CSV rows (no header) and its pool candidates. */
export function generateBlock(spec: MasterSpec, block: number, ctx: PopulationContext): BlockResult {
  const first = block * BLOCK_TAXPAYERS;
  const end = Math.min(spec.taxpayers, first + BLOCK_TAXPAYERS);
  const gen = new PopulationGenerator(ctx, new Rng(spec.seed, MASTER_SALT, block));
  const out = new MemoryWriter();
  const candidates: Person[][] = POOLS.map(() => []);
  const poolKeys = POOLS.map((_, i) => hashKeys([spec.seed, i], POOL_SALT));
  const tables = ctx.tables;
  let index = first;
  let rows = 0;
  let households = 0;
  let movers = 0;
  let jrsr = 0;
  let twins = 0;
  while (index < end) {
    const people = gen.nextHousehold(index, end - index);
    households++;
    let text = '';
    for (const p of people) {
      text += masterRows(p, tables, (p.index & 1) === 1);
      rows += p.history.length;
      if (p.history.length > 1) movers++;
      if (p.jrsr) jrsr++;
      if (p.twin) twins++;
      const h = fmix32(p.index);
      for (let i = 0; i < POOLS.length; i++) {
        const t = spec.thresholds[i]!;
        if (t === 0 || fmix32(poolKeys[i]! ^ h) >= t) continue;
        if (ELIGIBLE[POOLS[i]!](p)) candidates[i]!.push(p);
      }
    }
    out.add(text);
    index += people.length;
  }
  return {
    block,
    chunks: out.finish(),
    taxpayers: end - first,
    rows,
    households,
    movers,
    jrsr,
    twins,
    candidates,
  };
}

export interface MasterResult {
  readonly taxpayers: number;
  readonly rows: number;
  readonly households: number;
  readonly movers: number;
  readonly jrsr: number;
  readonly twins: number;
  readonly pools: Record<PoolName, Person[]>;
  readonly ms: number;
  readonly threads: number;
}

/** Candidate probability per pool: enough for the pool's size with a wide margin. */
export function candidateThresholds(
  taxpayers: number,
  poolSizes: Readonly<Record<PoolName, number>>,
): number[] {
  return POOLS.map((name) => {
    const k = poolSizes[name];
    if (k === 0) return 0;
    // Expected candidates: k plus four standard deviations plus a constant, at the low share.
    const p = (k + 4 * Math.sqrt(k) + 40) / (taxpayers * ELIGIBLE_SHARE_LOW[name]);
    return p >= 1 ? 0xffffffff + 1 : Math.ceil(p * 4294967296);
  });
}

export async function writeMasterCsv(
  file: string,
  spec: MasterSpec,
  poolSizes: Readonly<Record<PoolName, number>>,
  progress: ProgressSink,
  threads = defaultThreads(),
): Promise<MasterResult> {
  const started = performance.now();
  const blocks = Math.ceil(spec.taxpayers / BLOCK_TAXPAYERS);
  const out = new ChunkWriter(file);
  out.add(`${MASTER_HEADER}\n`);
  const totals = { taxpayers: 0, rows: 0, households: 0, movers: 0, jrsr: 0, twins: 0 };
  const candidates: Person[][] = POOLS.map(() => []);
  const take = async (r: BlockResult) => {
    for (const c of r.chunks) out.addBytes(c);
    totals.taxpayers += r.taxpayers;
    totals.rows += r.rows;
    totals.households += r.households;
    totals.movers += r.movers;
    totals.jrsr += r.jrsr;
    totals.twins += r.twins;
    r.candidates.forEach((list, i) => {
      for (const p of list) candidates[i]!.push(p);
    });
    await out.flush();
    progress.update(totals.taxpayers);
  };
  // Workers pay off for many rows and few candidates (candidates are copied back to this thread).
  const candidateBound = spec.thresholds.reduce((sum, t) => sum + (t / 4294967296) * spec.taxpayers, 0);
  const useWorkers =
    threads > 1 && blocks >= 3 && candidateBound <= MAX_WORKER_CANDIDATES && workerEntry() !== undefined;
  progress.start('synth master', spec.taxpayers);
  try {
    if (useWorkers) await runWorkers(spec, blocks, Math.min(threads, blocks), take);
    else {
      const ctx = populationContext(spec.seed, spec.asOf);
      for (let b = 0; b < blocks; b++) await take(generateBlock(spec, b, ctx));
    }
    await out.close();
  } catch (e) {
    out.destroy();
    throw e;
  } finally {
    progress.stop();
  }
  // From the candidates, a uniform sample of each pool's size, in a seeded order.
  const pools = Object.fromEntries(
    POOLS.map((name, i) => {
      const rng = new Rng(spec.seed, POOL_SALT, i);
      return [name, rng.shuffle(candidates[i]!).slice(0, poolSizes[name])];
    }),
  ) as Record<PoolName, Person[]>;
  return {
    ...totals,
    pools,
    ms: performance.now() - started,
    threads: useWorkers ? Math.min(threads, blocks) : 1,
  };
}

/**
 * Threads for the master file: the cores (at most 4) when they are free; one when other work
 * already keeps them busy (then workers only add copying). The output is the same either way.
 */
export function defaultThreads(): number {
  const cores = os.availableParallelism();
  if (cores < 2 || os.loadavg()[0]! > cores - 0.5) return 1;
  return Math.min(4, cores);
}

/**
 * How to start a worker: the compiled module, or — when running from the TypeScript sources
 * (tests, development) — the TypeScript module through tsx's loader. Undefined: no workers.
 */
function workerEntry(): { url: URL; tsxApi?: string } | undefined {
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(ts ? './master-worker.ts' : './master-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) return undefined;
  if (!ts) return { url };
  try {
    const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
      exports?: Record<string, { import?: { default?: string } }>;
    };
    const api = pkg.exports?.['./esm/api']?.import?.default;
    return api ? { url, tsxApi: pathToFileURL(path.join(path.dirname(pkgFile), api)).href } : undefined;
  } catch {
    return undefined;
  }
}

/** A larger young generation: generation makes many short-lived objects (fewer scavenges). */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 96 };

function startWorker(spec: MasterSpec): Worker {
  const entry = workerEntry()!;
  if (!entry.tsxApi) return new Worker(entry.url, { workerData: spec, resourceLimits: WORKER_LIMITS });
  const code = `import(${JSON.stringify(entry.tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry.url.href)}); });`;
  return new Worker(code, { eval: true, workerData: spec, resourceLimits: WORKER_LIMITS });
}

/** Blocks generated by a pool of workers, handed to `take` strictly in block order. */
async function runWorkers(
  spec: MasterSpec,
  blocks: number,
  threads: number,
  take: (r: BlockResult) => Promise<void>,
): Promise<void> {
  const workers = Array.from({ length: threads }, () => startWorker(spec));
  const done = new Map<number, BlockResult>();
  let nextToSend = 0;
  let nextToTake = 0;
  let failed: Error | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  const idle: Worker[] = [];
  const send = (w: Worker) => {
    // Keep at most two blocks per worker waiting to be written.
    if (nextToSend < blocks && nextToSend - nextToTake < 2 * threads) w.postMessage(nextToSend++);
    else idle.push(w);
  };
  for (const w of workers) {
    w.on('message', (r: BlockResult) => {
      done.set(r.block, r);
      send(w);
      wake?.();
    });
    w.on('error', (e) => {
      failed ??= e;
      wake?.();
    });
    w.on('exit', (code) => {
      if (!finished) failed ??= new Error(`synth: master worker stopped early (exit code ${code})`);
      wake?.();
    });
    send(w);
  }
  try {
    while (nextToTake < blocks) {
      if (failed) throw failed;
      const r = done.get(nextToTake);
      if (!r) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      done.delete(nextToTake);
      nextToTake++;
      await take(r);
      while (idle.length > 0 && nextToSend < blocks && nextToSend - nextToTake < 2 * threads)
        send(idle.pop()!);
    }
  } finally {
    finished = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
