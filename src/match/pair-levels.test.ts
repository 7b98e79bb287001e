import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBatchRecords } from '../ingest/batch-reader.js';
import { loadMaster } from '../ingest/master-reader.js';
import { loadAddon } from '../native/addon.js';
import { installStandardizer, standardizeMaster, standardizeRequests } from '../standardize/index.js';
import { type DuckDBConnection, openDuck, queryRows, queryValue } from '../store/duckdb.js';
import { generateSynthetic } from '../synth/generate.js';
import { generateCandidates } from './blocking.js';
import { REQUEST_FIELDS } from './compare-master.js';
import { prepareMaster } from './fs-matcher.js';
import { builtinModelPath, loadModel } from './fs-model.js';
import { keptKernelMemory, kernelChunkCost } from './native-kernel.js';
import { computePairLevels, dropScored, LEVEL_COLUMNS, requestFieldsSql, scorePairs } from './pair-levels.js';
import { computePairLevelsReference } from './pair-levels-reference.js';

/**
 * The native comparison kernel (one pass over the pairs, native-kernel.ts) gives exactly the
 * levels of the SQL reference implementation over the text, on every blocked pair of a synthetic
 * batch (households, twins, Jr/Sr, nicknames, typos, swapped names, movers) and on random pairs.
 */
let root: string;
let duck: Awaited<ReturnType<typeof openDuck>>;
let conn: DuckDBConnection;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'custodian-levels-'));
  await generateSynthetic({ out: root, seed: 9, taxpayers: 6000, requests: 3000, threads: 1 });
  duck = await openDuck({ threads: 2 });
  conn = duck.conn;
  await installStandardizer(conn);
  await loadMaster(conn, path.join(root, 'master.csv'), 'master_raw');
  await standardizeMaster(conn, 'master_raw', 'mst_std');
  await loadBatchRecords(conn, path.join(root, 'batch', 'requests.csv'), 'req_loaded', root);
  await conn.run("CREATE TABLE req_raw AS SELECT * FROM req_loaded WHERE problem IS NULL OR problem = ''");
  await standardizeRequests(conn, 'req_raw', 'req_std');
  // Requests whose texts do not fit the kernel's packed slot (kept whole instead): street names
  // longer than the slot's room for text (207 more bytes), some longer than the slot itself and
  // than a packed text may be (345 more bytes; 255 at most).
  await conn.run(`UPDATE req_std SET street_name = street_name || repeat(' AVENUE OF THE AMERICAS', CASE WHEN row_no % 80 = 7 THEN 15 ELSE 9 END)
    WHERE street_name IS NOT NULL AND row_no % 40 = 7`);
  await prepareMaster(conn);
  await generateCandidates(conn, 'master_keys', 'candidates');
  // Random pairs too: look-alikes the blocking would not bring together.
  await conn.run(`CREATE TABLE random_pairs AS
    SELECT r.row_no, p.tin FROM (SELECT row_no FROM req_std USING SAMPLE reservoir(300 ROWS) REPEATABLE (1)) r
    CROSS JOIN (SELECT tin FROM mst_person USING SAMPLE reservoir(300 ROWS) REPEATABLE (2)) p`);
  await conn.run(
    `CREATE TABLE all_pairs AS SELECT row_no, tin::INTEGER AS tin FROM candidates UNION SELECT row_no, tin::INTEGER FROM random_pairs`,
  );
}, 120_000);

afterAll(() => {
  duck?.close();
  rmSync(root, { recursive: true, force: true });
});

const COLUMNS = [
  'row_no',
  'tin',
  'swapped',
  'addr_current',
  'suffix_pair',
  'tf_given_p',
  'tf_family_p',
  ...LEVEL_COLUMNS,
];

describe('the native kernel equals the SQL reference over the text', () => {
  it('every level of every pair, blocked and random', async () => {
    expect(await computePairLevels(conn, 'all_pairs', 'levels_encoded', 'native')).toBe('native');
    await computePairLevelsReference(conn, 'all_pairs', 'levels_reference');
    const pairs = await queryValue<number>(conn, 'SELECT count(*) FROM all_pairs');
    expect(pairs).toBeGreaterThan(50_000);
    expect(await queryValue<number>(conn, 'SELECT count(*) FROM levels_encoded')).toBe(pairs);
    expect(await queryValue<number>(conn, 'SELECT count(*) FROM levels_reference')).toBe(pairs);
    for (const t of ['levels_encoded', 'levels_reference'])
      expect(await queryValue<number>(conn, `SELECT count(DISTINCT (row_no, tin)) FROM ${t}`), t).toBe(pairs);
    const unmatched = await queryValue<number>(
      conn,
      'SELECT count(*) FROM levels_encoded e ANTI JOIN levels_reference r USING (row_no, tin)',
    );
    expect(unmatched).toBe(0);
    // Per column, the pairs on which the two disagree (with an example), joined on the pair.
    const mismatches = await queryRows<{ column: string; pairs: number; example: string }>(
      conn,
      COLUMNS.slice(2)
        .map(
          (c) => `SELECT '${c}' AS column, count(*) AS pairs,
            any_value(e.row_no || '/' || e.tin || ': ' || coalesce(e.${c}::VARCHAR, 'NULL') || ' vs ' || coalesce(r.${c}::VARCHAR, 'NULL')) AS example
          FROM levels_encoded e JOIN levels_reference r USING (row_no, tin)
          WHERE e.${c} IS DISTINCT FROM r.${c}`,
        )
        .join(' UNION ALL '),
    );
    const differ = mismatches.filter((m) => m.pairs > 0);
    expect(differ).toEqual([]);
    // The comparison is not vacuous: the batch reaches every level of every comparison, the
    // swapped orientation and earlier addresses of record.
    for (const c of LEVEL_COLUMNS) {
      const levels = await queryValue<number>(conn, `SELECT count(DISTINCT ${c}) FROM levels_encoded`);
      expect(levels, c).toBeGreaterThanOrEqual(3);
    }
    expect(
      await queryValue<number>(conn, 'SELECT count(*) FROM levels_encoded WHERE swapped'),
    ).toBeGreaterThan(0);
    // Requests kept whole, not packed (a street name longer than the slot), compared too.
    expect(kernelChunkCost().request).toBeLessThanOrEqual(320);
    for (const [above, below] of [
      [207, 256],
      [320, 1000],
    ])
      expect(
        await queryValue<number>(
          conn,
          `SELECT count(DISTINCT row_no) FROM all_pairs JOIN req_std USING (row_no) WHERE length(street_name) > ${above} AND length(street_name) < ${below}`,
        ),
      ).toBeGreaterThan(10);
    // The flags are true or false, never NULL: the decision negates them (NOT suffix_pair), and
    // a NULL there once let a suffix given on the request only pass for a confirmed Jr/Sr pair.
    for (const flag of ['swapped', 'addr_current', 'suffix_pair'])
      expect(
        await queryValue<number>(conn, `SELECT count(*) FROM levels_encoded WHERE ${flag} IS NULL`),
        flag,
      ).toBe(0);
    expect(
      await queryValue<number>(
        conn,
        'SELECT count(*) FROM levels_encoded WHERE l_suffix = 1 AND NOT suffix_pair',
      ),
    ).toBeGreaterThan(0);
    expect(
      await queryValue<number>(
        conn,
        'SELECT count(*) FROM levels_encoded WHERE l_address >= 3 AND NOT addr_current',
      ),
    ).toBeGreaterThan(0);
  }, 120_000);

  it('scores every pair with the weight of the SQL scoring, to the last bit', async () => {
    const model = await loadModel(builtinModelPath());
    expect(await scorePairs(conn, 'all_pairs', 'scored_native', model, 'native')).toBe('native');
    expect(await scorePairs(conn, 'all_pairs', 'scored_sql', model, 'sql')).toBe('sql');
    const pairs = await queryValue<number>(conn, 'SELECT count(*) FROM all_pairs');
    expect(await queryValue<number>(conn, 'SELECT count(*) FROM scored_native')).toBe(pairs);
    const differ = await queryRows(
      conn,
      `SELECT n.row_no, n.tin, n.weight AS native, s.weight AS sql FROM scored_native n JOIN scored_sql s USING (row_no, tin)
       WHERE n.weight IS DISTINCT FROM s.weight OR ${[...COLUMNS.slice(2)].map((c) => `n.${c} IS DISTINCT FROM s.${c}`).join(' OR ')}
       LIMIT 5`,
    );
    expect(differ).toEqual([]);
    // Not vacuous: weights spread over the whole range, term-frequency levels included.
    expect(
      await queryValue<number>(conn, 'SELECT count(DISTINCT round(weight, 1)) FROM scored_native'),
    ).toBeGreaterThan(100);
    expect(
      await queryValue<number>(
        conn,
        'SELECT count(*) FROM scored_native WHERE l_given = 4 AND tf_given_p IS NOT NULL',
      ),
    ).toBeGreaterThan(100);
  }, 120_000);
});

describe("the native kernel keeps a chunk's scores until they are dropped", () => {
  const setOf = async (view: string) =>
    Number(
      /custodian_scored\((\d+)\)/.exec(
        await queryValue<string>(conn, `SELECT sql FROM duckdb_views() WHERE view_name = '${view}_packed'`),
      )?.[1],
    );

  it('scores every pair once, replaces earlier scores of the same name and frees them when dropped', async () => {
    const model = await loadModel(builtinModelPath());
    const pairs = await queryValue<number>(conn, 'SELECT count(*) FROM candidates');
    await scorePairs(conn, 'candidates', 'kept', model, 'native');
    const first = await setOf('kept');
    expect(await queryValue<number>(conn, 'SELECT count(*) FROM kept')).toBe(pairs);
    expect(await queryValue<number>(conn, 'SELECT count(DISTINCT (row_no, tin)) FROM kept')).toBe(pairs);
    await scorePairs(conn, 'candidates', 'kept', model, 'native');
    const second = await setOf('kept');
    expect(second).not.toBe(first);
    // The earlier set is freed: reading it is an error, not stale rows.
    await expect(queryValue(conn, `SELECT count(*) FROM custodian_scored(${first})`)).rejects.toThrow(
      /unknown or released request set/,
    );
    expect(await queryValue<number>(conn, 'SELECT count(*) FROM kept')).toBe(pairs);
    await dropScored(conn, 'kept');
    await expect(queryValue(conn, `SELECT count(*) FROM custodian_scored(${second})`)).rejects.toThrow(
      /unknown or released request set/,
    );
    expect(
      await queryValue<number>(conn, "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'kept%'"),
    ).toBe(0);
  }, 120_000);

  it("keeps a released chunk's large arrays for the next chunk, not more", async () => {
    const model = await loadModel(builtinModelPath());
    expect(keptKernelMemory(true)).toBe(0);
    await scorePairs(conn, 'candidates', 'reuse', model, 'native');
    const scores = 'SELECT list((row_no, tin, k, weight) ORDER BY row_no, tin)::VARCHAR FROM reuse_packed';
    const first = await queryValue<string>(conn, scores);
    await dropScored(conn, 'reuse');
    const kept = keptKernelMemory();
    expect(kept).toBeGreaterThan(0);
    // The next chunk of the same size takes the kept memory instead of asking the system: what
    // is kept after it is what was kept before, not twice as much.
    await scorePairs(conn, 'candidates', 'reuse', model, 'native');
    expect(keptKernelMemory()).toBeLessThan(kept);
    expect(await queryValue<string>(conn, scores)).toBe(first);
    await dropScored(conn, 'reuse');
    expect(keptKernelMemory()).toBe(kept);
    expect(keptKernelMemory(true)).toBe(0);
  }, 120_000);

  it('refuses rows naming an unknown request set, or two sets in one statement', async () => {
    await expect(queryValue(conn, 'SELECT custodian_pair_load(999999, 1, 1)')).rejects.toThrow(
      /custodian_pair_load: an unknown request set, or more than one/,
    );
    await expect(
      queryValue(
        conn,
        `SELECT custodian_request_load(999999, 1, ${REQUEST_FIELDS.map(() => 'NULL').join(', ')})`,
      ),
    ).rejects.toThrow(/custodian_request_load: an unknown request set, or more than one/);
    const model = await loadModel(builtinModelPath());
    await scorePairs(conn, 'candidates', 'two', model, 'native');
    const set = await setOf('two');
    await expect(
      queryValue(
        conn,
        `SELECT bool_and(custodian_pair_load(CASE WHEN row_no % 2 = 0 THEN ${set} ELSE 999999 END, row_no, tin::INTEGER)) FROM candidates`,
      ),
    ).rejects.toThrow(/custodian_pair_load: an unknown request set, or more than one/);
    await dropScored(conn, 'two');
  }, 120_000);

  it('refuses a request loaded twice, or numbered outside its set', async () => {
    const addon = loadAddon();
    if (!('kernel' in addon)) throw new Error(addon.unavailable);
    const kernel = addon.kernel;
    const fields = REQUEST_FIELDS.map((f) => (f === 'gf' ? "'ANA'" : 'NULL')).join(', ');
    const set = kernel.createRequestSet(10, 11);
    try {
      expect(await queryValue(conn, `SELECT custodian_request_load(${set}, 10, ${fields})`)).toBe(true);
      for (const row of [10, 9, 12])
        await expect(
          queryValue(conn, `SELECT custodian_request_load(${set}, ${row}, ${fields})`),
        ).rejects.toThrow(
          /custodian_request_load: a request without a set or number, numbered outside its set, or loaded twice/,
        );
      expect(await queryValue(conn, `SELECT custodian_request_load(${set}, 11, ${fields})`)).toBe(true);
    } finally {
      kernel.releaseRequestSet(set);
    }
  });

  it('loads pairs only into the room reserved for them, and hands out scores only when every pair is scored', async () => {
    const addon = loadAddon();
    if (!('kernel' in addon)) throw new Error(addon.unavailable);
    const kernel = addon.kernel;
    const [range] = await queryRows<{ first: number; last: number }>(
      conn,
      'SELECT min(row_no)::INTEGER AS first, max(row_no)::INTEGER AS last FROM candidates',
    );
    const pairs = await queryValue<number>(conn, 'SELECT count(*) FROM candidates');
    const load = (id: number) =>
      queryValue(conn, `SELECT bool_and(custodian_pair_load(${id}, row_no, tin::INTEGER)) FROM candidates`);
    const short = kernel.createRequestSet(range!.first, range!.last);
    try {
      expect(kernel.reservePairs(short, pairs - 1)).toBe(true);
      expect(kernel.reservePairs(short, pairs)).toBe(false); // once only
      await expect(load(short)).rejects.toThrow(/custodian_pair_load: more pairs than the set has room for/);
      expect(() => kernel.indexPairs(short)).toThrow(/no memory for the index of the pairs/);
    } finally {
      kernel.releaseRequestSet(short);
    }
    const unscored = kernel.createRequestSet(range!.first, range!.last);
    try {
      expect(kernel.reservePairs(unscored, pairs)).toBe(true);
      await load(unscored);
      expect(kernel.indexPairs(unscored)).toBe(pairs);
      // Indexed but not scored (no scan of mst_cmp): no scores are read, not even zeros.
      await expect(queryValue(conn, `SELECT count(*) FROM custodian_scored(${unscored})`)).rejects.toThrow(
        /custodian_scored: the set's pairs are not all scored/,
      );
      await expect(load(unscored)).rejects.toThrow(/already indexed/);
    } finally {
      kernel.releaseRequestSet(unscored);
    }
  }, 120_000);

  it("starts every slot of a large request set empty, on every thread's share, even in memory a released set left", async () => {
    const addon = loadAddon();
    if (!('kernel' in addon)) throw new Error(addon.unavailable);
    const kernel = addon.kernel;
    const model = await loadModel(builtinModelPath());
    await scorePairs(conn, 'candidates', 'slots', model, 'native'); // makes slots_tf, the requests' frequencies
    const first = await queryValue<number>(conn, 'SELECT min(row_no)::INTEGER FROM slots_tf');
    // 300,000 slots (several threads' shares); the chunk's requests placed in the last third.
    const last = first + 299_999;
    const shift = 200_000;
    const old = kernel.createRequestSet(first, last);
    expect(
      await queryValue(
        conn,
        `SELECT bool_and(custodian_request_load(${old}, row_no + ${shift}, ${REQUEST_FIELDS.join(', ')})) FROM (${requestFieldsSql('slots_tf')})`,
      ),
    ).toBe(true);
    await dropScored(conn, 'slots');
    keptKernelMemory(true);
    kernel.releaseRequestSet(old); // its slots alone are kept
    expect(keptKernelMemory()).toBeGreaterThan(0);
    // A set of the same size takes the released set's memory; its slots must read as not loaded.
    const fresh = kernel.createRequestSet(first, last);
    try {
      expect(keptKernelMemory()).toBe(0);
      const pairs = await queryValue<number>(conn, 'SELECT count(*) FROM candidates');
      expect(kernel.reservePairs(fresh, pairs)).toBe(true);
      await conn.run(
        `SELECT bool_and(custodian_pair_load(${fresh}, row_no + ${shift}, tin::INTEGER)) FROM candidates`,
      );
      expect(kernel.indexPairs(fresh)).toBe(pairs);
      await expect(
        queryValue(conn, `SELECT sum(custodian_score_taxpayer(${fresh}, tin, rec, 0)) FROM mst_cmp`),
      ).rejects.toThrow(/custodian_score_taxpayer: a pair's request is not loaded/);
    } finally {
      kernel.releaseRequestSet(fresh);
    }
  }, 120_000);

  it('scores an empty chunk to no rows', async () => {
    const model = await loadModel(builtinModelPath());
    await conn.run('CREATE OR REPLACE TABLE no_pairs AS SELECT row_no, tin FROM candidates LIMIT 0');
    await scorePairs(conn, 'no_pairs', 'none', model, 'native');
    expect(await queryValue<number>(conn, 'SELECT count(*) FROM none')).toBe(0);
    await dropScored(conn, 'none');
  }, 120_000);

  it('refuses pairs whose taxpayer has no comparison record, rather than losing them', async () => {
    const model = await loadModel(builtinModelPath());
    await conn.run(`CREATE OR REPLACE TABLE stray_pairs AS
      SELECT row_no, tin FROM candidates UNION ALL SELECT min(row_no), 999999999 FROM candidates`);
    await expect(scorePairs(conn, 'stray_pairs', 'stray', model, 'native')).rejects.toThrow(
      /1 of \d+ candidate pairs in stray_pairs name a taxpayer without a comparison record/,
    );
    await dropScored(conn, 'stray');
  }, 120_000);
});
