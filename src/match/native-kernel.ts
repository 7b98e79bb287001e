import { CustodianError } from '../core/errors.js';
import { type KernelAddon, loadAddon } from '../native/addon.js';
import { type DuckDBConnection, queryRows, queryValue } from '../store/duckdb.js';
import { REQUEST_FIELDS } from './compare-master.js';
import { COMPARISONS } from './comparisons.js';
import { type FsModel, levelWeight, priorWeight } from './fs-model.js';
import { ensureNameInfo } from './name-info.js';

/**
 * The comparison kernel: native DuckDB functions (native/src/addon.cc) that score a chunk's
 * candidate pairs — each pair's comparison levels packed in one BIGINT (native/src/compare.cc)
 * and its match weight. The chunk's requests and pairs are loaded into the kernel's memory (a
 * request set), then one scan of the taxpayers' comparison records (`mst_cmp`) calls
 * `custodian_score_taxpayer` on each: the kernel finds the taxpayer's pairs in its own index and
 * scores them, vector by vector and on every DuckDB thread; `custodian_scored(set)` reads the
 * scores back as a table. Built at install (`npm run build:native`, node-gyp) and registered on
 * each database that scores pairs.
 *
 * Without it (no compiler where Custodian was installed, or `CUSTODIAN_COMPARISON_ENGINE=sql`),
 * pairs are compared by the SQL reference implementation (pair-levels-reference.ts): the same
 * levels — a test holds the two equal on every pair of a synthetic batch — several times slower.
 * See docs/decisions/0004-native-comparison-kernel.md.
 */

/** The engine that computes comparison levels: the native kernel or the SQL reference. */
export type ComparisonEngine = 'native' | 'sql';

/**
 * The packed result (native/src/compare.cc, Pack): each level plus one in three bits, in this
 * order, then the flags swapped, address_current, suffix_pair. The address and suffix levels
 * are never missing and are stored as they are.
 */
export const PACKED_LEVELS = ['given', 'family', 'middle', 'suffix', 'dob', 'address', 'tin'] as const;
export const PACKED_FLAGS = ['swapped', 'address_current', 'suffix_pair'] as const;
const NEVER_MISSING = new Set(['suffix', 'address']);
const FLAGS_AT = PACKED_LEVELS.length * 3;

/** SQL reading level `id` (a comparison id) out of the packed column `k`. */
export function packedLevelSql(k: string, id: (typeof PACKED_LEVELS)[number]): string {
  const at = PACKED_LEVELS.indexOf(id) * 3;
  return `((${k} >> ${at}) & 7)${NEVER_MISSING.has(id) ? '' : ' - 1'}`;
}

/** SQL reading a flag out of the packed column `k`. */
export function packedFlagSql(k: string, flag: (typeof PACKED_FLAGS)[number]): string {
  const at = FLAGS_AT + PACKED_FLAGS.indexOf(flag);
  return `((${k} >> ${at}) & 1) = 1`;
}

/** Why the native kernel cannot be used in this process, or undefined when it can. */
export function nativeKernelUnavailable(): string | undefined {
  const a = loadAddon();
  return 'unavailable' in a ? a.unavailable : undefined;
}

/**
 * Bytes of the kernel's memory a chunk takes per request and, at the most, per candidate pair
 * (native/src/addon.cc, chunkCost). Without the kernel the SQL reference keeps a chunk's pairs in
 * DuckDB, within its limit; chunks are then sized as if a kernel held them (a kilobyte a
 * request, more than the kernel's packed slot, and 22 bytes a pair, as the kernel).
 */
export function kernelChunkCost(): { request: number; pair: number } {
  const a = loadAddon();
  return 'kernel' in a ? a.kernel.chunkCost() : { request: 1024, pair: 22 };
}

/**
 * The engine this process compares pairs with: `CUSTODIAN_COMPARISON_ENGINE` (`native` or
 * `sql`) when set — `native` then fails when the kernel is missing — else the native kernel
 * when it loads, else the SQL reference.
 */
export function comparisonEngine(): ComparisonEngine {
  const asked = process.env.CUSTODIAN_COMPARISON_ENGINE;
  if (asked === 'sql') return 'sql';
  const unavailable = nativeKernelUnavailable();
  if (asked === 'native' && unavailable)
    throw new CustodianError(
      'CUS_NATIVE_KERNEL',
      `the native comparison kernel is required but ${unavailable}`,
    );
  if (asked !== undefined && asked !== '' && asked !== 'native')
    throw new CustodianError(
      'CUS_USAGE',
      `CUSTODIAN_COMPARISON_ENGINE is '${asked}'; it takes 'native' or 'sql' (or nothing: native when built)`,
    );
  return unavailable ? 'sql' : 'native';
}

/**
 * Registers the kernel's functions on the database of `conn` (once per database: the
 * functions live in its catalog), with the given-name reference data they read (`name_info`).
 */
export async function registerKernel(conn: DuckDBConnection): Promise<void> {
  const kernel = loadedKernel();
  const registered = await queryValue<number>(
    conn,
    "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'custodian_score_taxpayer'",
  );
  if (registered > 0) return;
  await ensureNameInfo(conn);
  const rows = await queryRows<{ name: string; formals: string[]; variants: string[] }>(
    conn,
    'SELECT name, formals, variants FROM name_info WHERE name IS NOT NULL ORDER BY name',
  );
  const lines = rows.map((r) => {
    const fields = [r.name, r.formals.join(','), r.variants.join(',')];
    for (const v of [r.name, ...r.formals, ...r.variants])
      if (/[\t\n,]/.test(v))
        throw new CustodianError(
          'CUS_INTERNAL',
          `given-name reference value '${v}' holds a tab, comma or newline`,
        );
    return fields.join('\t');
  });
  // The connection handle of @duckdb/node-bindings (private in @duckdb/node-api's class).
  const handle = (conn as unknown as { connection: unknown }).connection;
  kernel.register(handle, lines.join('\n'));
}

function loadedKernel(): KernelAddon {
  const a = loadAddon();
  if ('unavailable' in a)
    throw new CustodianError(
      'CUS_NATIVE_KERNEL',
      `the native comparison kernel is unavailable: ${a.unavailable}`,
    );
  return a.kernel;
}

/**
 * Scores the pairs `pairs(row_no, tin)` in the kernel: the requests of `requests`, a query giving
 * `(row_no, <their fields>)` (compare-master.ts, REQUEST_FIELDS), are loaded into a new request
 * set — each prepared once, however many pairs it is in — and the pairs indexed by taxpayer;
 * then one scan of `mst_cmp`
 * hands each taxpayer's record to the kernel, which scores that taxpayer's pairs. Returns the
 * set's id: `custodian_scored(id)` reads the scored pairs until `releaseScored(id)` frees them.
 * `modelId`: a model registered with the kernel (kernelModelId), or 0 for levels only.
 */
export async function scoreInKernel(
  conn: DuckDBConnection,
  pairs: string,
  requests: string,
  modelId: number,
  steps?: StepTimes,
): Promise<number> {
  const kernel = loadedKernel();
  const step = stepTimer(steps);
  const [range] = await queryRows<{ first: number | null; last: number | null }>(
    conn,
    `SELECT min(row_no) AS first, max(row_no) AS last FROM (${requests})`,
  );
  const id = await step('request slots', async () =>
    kernel.createRequestSet(range?.first ?? 0, range?.last ?? -1),
  );
  try {
    // One call per request; each writes its own slot of the set (DuckDB's threads in parallel).
    const loaded = await step('load requests', () =>
      queryValue<boolean | null>(
        conn,
        `SELECT bool_and(custodian_request_load(${id}, row_no, ${REQUEST_FIELDS.join(', ')})) FROM (${requests})`,
      ),
    );
    if (loaded === false) throw new CustodianError('CUS_INTERNAL', 'the requests of this chunk did not load');
    await step('load pairs', async () => {
      // Room for the pairs first: they are loaded straight into the index's memory.
      const count = await queryValue<number | bigint>(conn, `SELECT count(*) FROM ${pairs}`);
      if (!kernel.reservePairs(id, Number(count)))
        throw new CustodianError(
          'CUS_NATIVE_KERNEL',
          `the comparison kernel has no memory for the ${count} ${pairs} of this chunk; a smaller --chunk-memory or --chunk-size needs less`,
        );
      await conn.run(`SELECT bool_and(custodian_pair_load(${id}, row_no, tin::INTEGER)) FROM ${pairs}`);
    });
    let indexed: number;
    try {
      indexed = await step('index pairs', async () => kernel.indexPairs(id));
    } catch (e) {
      throw new CustodianError(
        'CUS_NATIVE_KERNEL',
        `the comparison kernel could not index the ${pairs} of this chunk (${(e as Error).message}); a smaller --chunk-memory or --chunk-size needs less`,
      );
    }
    const scored = await step('scan master', () =>
      queryValue<number | bigint>(
        conn,
        `SELECT coalesce(sum(custodian_score_taxpayer(${id}, tin, rec, ${modelId})), 0)::BIGINT FROM mst_cmp`,
      ),
    );
    // Every pair is scored once: a pair whose taxpayer has no comparison record would be lost.
    if (Number(scored) !== indexed)
      throw new CustodianError(
        'CUS_INTERNAL',
        `${indexed - Number(scored)} of ${indexed} candidate pairs in ${pairs} name a taxpayer without a comparison record in mst_cmp`,
      );
    return id;
  } catch (e) {
    kernel.releaseRequestSet(id);
    throw e;
  }
}

/** Milliseconds spent in each step of scoring, added to by every chunk (by step name). */
export type StepTimes = Record<string, number>;

/** Runs a step and adds its wall time to `steps` under `name` (nothing is kept without `steps`). */
export function stepTimer(steps: StepTimes | undefined) {
  return async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      if (steps) steps[name] = (steps[name] ?? 0) + (performance.now() - t0);
    }
  };
}

/** Frees a request set made by scoreInKernel (its requests, pairs and scores). */
export function releaseScored(id: number): void {
  loadedKernel().releaseRequestSet(id);
}

/**
 * Bytes of memory the kernel keeps from released chunks for the next one (request slots and pair
 * index, at most 1 GiB: native/src/huge_memory.h); with `release`, it returns them to the system
 * first.
 */
export function keptKernelMemory(release = false): number {
  return loadedKernel().keptMemory(release);
}

const modelIds = new Map<string, number>();

/**
 * The kernel's id for `model` (registered once per process): its weights as the SQL scoring
 * writes them (fs-score.ts: fixed weights to six decimals, m and u of term-frequency levels), so
 * that the kernel's weight is the SQL's to the last bit.
 */
export async function kernelModelId(model: FsModel): Promise<number> {
  const kernel = loadedKernel();
  const known = modelIds.get(model.version);
  if (known !== undefined) return known;
  const comparisons = COMPARISONS.map((c, k) =>
    model.comparisons[k]!.levels.map((l, i) => {
      const tf = c.levels[i]!.tf;
      return [Number(levelWeight(l).toFixed(6)), tf === 'given' ? 1 : tf === 'family' ? 2 : 0, l.m, l.u];
    }),
  );
  const id = kernel.registerModel(Number(priorWeight(model).toFixed(6)), comparisons);
  modelIds.set(model.version, id);
  return id;
}
