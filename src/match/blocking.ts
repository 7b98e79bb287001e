import { type DuckDBConnection, queryRows, queryValue } from '../store/duckdb.js';

/**
 * Blocking: which (request, taxpayer) pairs are compared at all. Several rules, each a key
 * computed on both sides; a pair is a candidate when any rule's keys are equal. Rules are
 * unioned and de-duplicated. A key shared by more taxpayers than its rule's cap (25 for a name
 * alone, up to 500 for an address) is too common to tell anyone apart and is skipped for that
 * rule (and counted), so no block can explode and the pairs per request stay bounded as the
 * master file grows.
 *
 * Disclosure needs the address to agree with an address of record (rule C1), so the address
 * rules alone find every disclosable pair; the name and birth-date rules find the look-alikes
 * elsewhere that the model must learn from and that the accuracy benchmarks measure.
 */
export interface BlockingRule {
  readonly id: string;
  readonly description: string;
  /** The rule's key on the master side (MasterKey). */
  readonly master: MasterKey;
  /** SELECT of (row_no, key) over `req_std`. */
  readonly request: string;
  /**
   * Most taxpayers one key of this rule may hold; a larger block is skipped. Tight for the
   * loose rules (a name alone, a house number and street anywhere), which would otherwise grow
   * with the master file while telling no one apart.
   */
  readonly maxBlock: number;
}

/**
 * A rule's key on the master side, as expressions, so that the keys of all rules are computed in
 * two passes over the master (buildMasterKeys) instead of one per rule.
 */
export interface MasterKey {
  /**
   * `row`: one key per address row `m` (a row of `mst_std`), which may also read its
   * taxpayer's person fields `p` (dob, family_phonetic, given_first); `person`: keys per
   * taxpayer `p` (a row of `mst_person`).
   */
  readonly over: 'row' | 'person';
  /** The key (text), or with `list`, a list of keys; NULL (or a NULL element) is no key. */
  readonly key: string;
  readonly list?: boolean;
  /** The rows that have a key. */
  readonly when: string;
}

/** What a `row` key reads: each address row `m` with the person fields `p` it may use. */
const ROW_KEYS_FROM =
  'mst_std m JOIN (SELECT tin, dob, family_phonetic, given_first FROM mst_person) p USING (tin)';

const dobKey = (d: string) => `strftime(${d}, '%Y%m%d')`;
const swappedDob = (d: string) =>
  `CASE WHEN day(${d}) <= 12 AND day(${d}) <> month(${d}) THEN strftime(make_date(year(${d}), day(${d}), month(${d})), '%Y%m%d') END`;

export const BLOCKING_RULES: readonly BlockingRule[] = [
  {
    id: 'house_zip',
    maxBlock: 500,
    description: 'house number + ZIP5 (any address of record)',
    master: {
      over: 'row',
      key: `m.house_number || '|' || m.zip5`,
      when: 'm.house_number IS NOT NULL AND m.zip5 IS NOT NULL',
    },
    request: `SELECT row_no, house_number || '|' || zip5 AS key FROM req_std WHERE house_number IS NOT NULL AND zip5 IS NOT NULL`,
  },
  {
    id: 'house_street_city',
    maxBlock: 500,
    description: 'house number + street name + city + state (any address of record)',
    master: {
      over: 'row',
      key: `concat_ws('|', m.house_number, m.street_name, m.city_std, m.state_std)`,
      when: 'm.house_number IS NOT NULL AND m.street_name IS NOT NULL AND m.city_std IS NOT NULL AND m.state_std IS NOT NULL',
    },
    request: `SELECT row_no, concat_ws('|', house_number, street_name, city_std, state_std) AS key FROM req_std
              WHERE house_number IS NOT NULL AND street_name IS NOT NULL AND city_std IS NOT NULL AND state_std IS NOT NULL`,
  },
  {
    id: 'dob_family',
    maxBlock: 200,
    description:
      'birth date (or its day/month swap) + a family-name token (given and family also tried swapped)',
    master: {
      over: 'person',
      key: `list_transform(p.family_tokens, t -> ${dobKey('p.dob')} || '|' || t)`,
      list: true,
      when: 'p.dob IS NOT NULL',
    },
    request: `SELECT DISTINCT row_no, key FROM (
                SELECT row_no, unnest(flatten(list_transform([${dobKey('dob')}, ${swappedDob('dob')}],
                  d -> list_transform(list_append(family_tokens, given_first), t -> d || '|' || t)))) AS key
                FROM req_std WHERE dob IS NOT NULL
              ) WHERE key IS NOT NULL`,
  },
  {
    id: 'dob_given',
    maxBlock: 200,
    description: 'birth date + a formal given name (nicknames resolved; swapped too)',
    master: {
      over: 'person',
      key: `list_transform(p.given_formals, f -> ${dobKey('p.dob')} || '|' || f)`,
      list: true,
      when: 'p.dob IS NOT NULL',
    },
    request: `SELECT DISTINCT row_no, ${dobKey('dob')} || '|' || f AS key FROM (
                SELECT row_no, dob, unnest(list_concat(given_formals, [family_first])) AS f FROM req_std WHERE dob IS NOT NULL
              ) WHERE f IS NOT NULL`,
  },
  {
    id: 'phonetic_zip3_initial',
    maxBlock: 50,
    description: 'family-name Soundex + ZIP3 + given-name initial',
    master: {
      over: 'row',
      key: `p.family_phonetic || '|' || m.zip3 || '|' || p.given_first[1]`,
      when: 'm.zip3 IS NOT NULL AND p.family_phonetic IS NOT NULL AND p.given_first IS NOT NULL',
    },
    request: `SELECT row_no, family_phonetic || '|' || zip3 || '|' || given_first[1] AS key FROM req_std
              WHERE zip3 IS NOT NULL AND family_phonetic IS NOT NULL AND given_first IS NOT NULL`,
  },
  {
    id: 'names',
    maxBlock: 25,
    description: 'given name (or a formal of it) + first family-name token, exact (swapped too)',
    master: {
      over: 'person',
      key: `list_transform(p.given_formals, f -> f || '|' || p.family_first)`,
      list: true,
      when: 'p.family_first IS NOT NULL',
    },
    request: `SELECT DISTINCT row_no, key FROM (
                SELECT row_no, unnest(list_concat(list_transform(given_formals, f -> f || '|' || family_first), [family_first || '|' || given_first])) AS key
                FROM req_std
              ) WHERE key IS NOT NULL`,
  },
  {
    id: 'dob_zip',
    maxBlock: 100,
    description: 'birth date + ZIP5 (any address of record)',
    master: {
      over: 'row',
      key: `${dobKey('p.dob')} || '|' || m.zip5`,
      when: 'p.dob IS NOT NULL AND m.zip5 IS NOT NULL',
    },
    request: `SELECT row_no, ${dobKey('dob')} || '|' || zip5 AS key FROM req_std WHERE dob IS NOT NULL AND zip5 IS NOT NULL`,
  },
  {
    id: 'street_zip_initial',
    maxBlock: 100,
    description: 'street name + ZIP5 + given-name initial (house number may differ)',
    master: {
      over: 'row',
      key: `m.street_name || '|' || m.zip5 || '|' || p.given_first[1]`,
      when: 'm.street_name IS NOT NULL AND m.zip5 IS NOT NULL AND p.given_first IS NOT NULL',
    },
    request: `SELECT row_no, street_name || '|' || zip5 || '|' || given_first[1] AS key FROM req_std
              WHERE street_name IS NOT NULL AND zip5 IS NOT NULL AND given_first IS NOT NULL`,
  },
  {
    id: 'house_street',
    maxBlock: 25,
    description:
      'house number + street name, any locality (catches ZIP typos; common streets are cut by the block guard)',
    master: {
      over: 'row',
      key: `m.house_number || '|' || m.street_name`,
      when: 'm.house_number IS NOT NULL AND m.street_name IS NOT NULL',
    },
    request: `SELECT row_no, house_number || '|' || street_name AS key FROM req_std WHERE house_number IS NOT NULL AND street_name IS NOT NULL`,
  },
  {
    id: 'dob_phonetic',
    maxBlock: 200,
    description: 'birth date + family-name Soundex',
    master: {
      over: 'person',
      key: `${dobKey('p.dob')} || '|' || p.family_phonetic`,
      when: 'p.dob IS NOT NULL AND p.family_phonetic IS NOT NULL',
    },
    request: `SELECT row_no, ${dobKey('dob')} || '|' || family_phonetic AS key FROM req_std WHERE dob IS NOT NULL AND family_phonetic IS NOT NULL`,
  },
  {
    id: 'tin',
    maxBlock: 1,
    description: 'TIN supplied by the requester',
    master: { over: 'person', key: 'p.tin', when: 'true' },
    request: 'SELECT row_no, tin_std AS key FROM req_std WHERE tin_std IS NOT NULL',
  },
];

export interface BlockingStats {
  readonly rule: string;
  readonly pairs: number;
  readonly skippedKeys: number;
}

/**
 * A blocking key as stored and joined: a 64-bit hash of the rule's number and the key text.
 * Integer keys join and group several times faster than text and take a fraction of the
 * space. A collision between two different keys can only add candidate pairs (every pair is
 * compared and scored in full) or, if it merges two blocks past their cap, drop a block;
 * with ~10^9 keys the chance of any collision is about 3%, of one that matters far less.
 * DuckDB's hash function is stable within a version; a store records a probe value
 * (`KEY_HASH_PROBE`) and is refused when this DuckDB hashes differently.
 */
export function keyHashSql(rule: number, key: string): string {
  return `hash(${rule}::UTINYINT, (${key})::VARCHAR)`;
}

/** A value whose hash a store records, to detect a DuckDB that hashes keys differently. */
export const KEY_HASH_PROBE_SQL = `SELECT ${keyHashSql(0, "'custodian'")}::VARCHAR`;

/** Keys gathered per slice when building the master's index (bounds the import's memory). */
export const ROWS_PER_SLICE = 16_000_000;

/**
 * A rule's master keys as a standalone SELECT of `(tin, key)` (text keys, one row per key) over
 * `mst_std` and `mst_person`: the rule read on its own, as the tests' reference for
 * buildMasterKeys, which computes all rules' keys together.
 */
export function masterKeySql(rule: BlockingRule): string {
  const k = rule.master;
  const from = k.over === 'person' ? 'mst_person p' : ROW_KEYS_FROM;
  const tin = k.over === 'person' ? 'p.tin' : 'm.tin';
  return k.list
    ? `SELECT tin, key FROM (SELECT ${tin} AS tin, unnest(${k.key}) AS key FROM ${from} WHERE ${k.when}) WHERE key IS NOT NULL`
    : `SELECT ${tin} AS tin, ${k.key} AS key FROM ${from} WHERE ${k.when} AND (${k.key}) IS NOT NULL`;
}

/** The hashed key(s) of rule `i` over one row (NULL, or a list without NULLs, when none). */
function hashedKeySql(i: number, k: MasterKey): string {
  return k.list
    ? `CASE WHEN ${k.when} THEN list_transform(list_filter(${k.key}, x -> x IS NOT NULL), x -> ${keyHashSql(i, 'x')}) END`
    : `CASE WHEN ${k.when} THEN ${keyHashSql(i, k.key)} END`;
}

/**
 * Master-side blocking keys as an inverted index: `target(rule, key, tins)`, one row per key
 * with the taxpayers holding it, blocks over their rule's cap (and over `maxBlock`) dropped.
 * Computed once per master file (and kept in the master store). Returns the number of keys
 * skipped as too common, by rule.
 *
 * Every rule's keys are hashed in two passes over the master — one over the address rows (each
 * joined once to its taxpayer's person fields), one over the taxpayers — into two temporary
 * tables with a key column per rule. Then, one rule at a time and each rule's keys in slices
 * (by the key's hash), the taxpayers of each key are gathered, so that the lists being
 * gathered fit in memory however large the master file is. (One pass per rule, as before,
 * cost 11 scans of the master and 3 joins; measured in docs/performance.md.)
 */
export async function buildMasterKeys(
  conn: DuckDBConnection,
  target: string,
  maxBlock: number,
  rowsPerSlice = ROWS_PER_SLICE,
): Promise<Record<string, number>> {
  await conn.run(`CREATE OR REPLACE TABLE ${target} (rule UTINYINT, key UBIGINT, tins INTEGER[])`);
  const rules = BLOCKING_RULES.map((r, i) => ({ r, i, col: `k${i}` }));
  const rowRules = rules.filter((x) => x.r.master.over === 'row');
  const personRules = rules.filter((x) => x.r.master.over === 'person');
  const keyColumns = (xs: typeof rules) =>
    xs.map((x) => `${hashedKeySql(x.i, x.r.master)} AS ${x.col}`).join(',\n      ');
  if (rowRules.length > 0)
    await conn.run(`CREATE OR REPLACE TEMP TABLE master_keys_rows AS
      SELECT m.tin::INTEGER AS tin,
      ${keyColumns(rowRules)}
      FROM ${ROW_KEYS_FROM}`);
  if (personRules.length > 0)
    await conn.run(`CREATE OR REPLACE TEMP TABLE master_keys_persons AS
      SELECT p.tin::INTEGER AS tin,
      ${keyColumns(personRules)}
      FROM mst_person p`);
  const skipped: Record<string, number> = {};
  for (const { r, i, col } of rules) {
    const cap = Math.min(r.maxBlock, maxBlock);
    const table = r.master.over === 'row' ? 'master_keys_rows' : 'master_keys_persons';
    const flat = r.master.list
      ? `SELECT unnest(${col}) AS key, tin FROM ${table} WHERE ${col} IS NOT NULL`
      : `SELECT ${col} AS key, tin FROM ${table} WHERE ${col} IS NOT NULL`;
    const flatRows = await queryValue<number>(
      conn,
      `SELECT coalesce(${r.master.list ? `sum(len(${col}))` : `count(${col})`}, 0) FROM ${table}`,
    );
    const slices = Math.max(1, Math.ceil(flatRows / rowsPerSlice));
    for (let k = 0; k < slices; k++) {
      await conn.run(`CREATE OR REPLACE TEMP TABLE master_keys_rule AS
        SELECT key, list_distinct(list(tin)) AS tins FROM (${flat})
        WHERE ${slices === 1 ? 'true' : `key % ${slices} = ${k}`} GROUP BY key`);
      await conn.run(
        `INSERT INTO ${target} SELECT ${i}::UTINYINT, key, tins FROM master_keys_rule WHERE len(tins) <= ${cap}`,
      );
      const n = await queryValue<number>(
        conn,
        `SELECT count(*) FROM master_keys_rule WHERE len(tins) > ${cap}`,
      );
      if (n > 0) skipped[r.id] = (skipped[r.id] ?? 0) + n;
    }
  }
  await conn.run('DROP TABLE IF EXISTS master_keys_rows');
  await conn.run('DROP TABLE IF EXISTS master_keys_persons');
  await conn.run('DROP TABLE IF EXISTS master_keys_rule');
  return skipped;
}

/**
 * Candidate pairs `target(row_no, tin)` for the requests in `req_std`, de-duplicated over rules.
 * The TIN is an integer here (as the keys hold it); scoring gives it back as nine digits.
 */
export async function generateCandidates(
  conn: DuckDBConnection,
  masterKeys: string,
  target: string,
  rules: readonly string[] = BLOCKING_RULES.map((r) => r.id),
): Promise<BlockingStats[]> {
  const union = BLOCKING_RULES.map((r, i) => ({ r, i }))
    .filter(({ r }) => rules.includes(r.id))
    .map(
      ({ r, i }) =>
        `SELECT ${i}::UTINYINT AS rule, row_no, ${keyHashSql(i, 'key')} AS key FROM (${r.request}) WHERE key IS NOT NULL`,
    )
    .join(' UNION ALL ');
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE request_keys AS SELECT DISTINCT rule, row_no, key FROM (${union})`,
  );
  await conn.run(`CREATE OR REPLACE TEMP TABLE candidate_rules AS
    SELECT q.rule, q.row_no, unnest(k.tins) AS tin FROM request_keys q JOIN ${masterKeys} k USING (rule, key)`);
  await conn.run(`CREATE OR REPLACE TABLE ${target} AS SELECT DISTINCT row_no, tin FROM candidate_rules`);
  const stats = await queryRows<{ rule: number; pairs: number }>(
    conn,
    'SELECT rule, count(*) AS pairs FROM (SELECT DISTINCT rule, row_no, tin FROM candidate_rules) GROUP BY rule',
  );
  await conn.run('DROP TABLE request_keys; DROP TABLE candidate_rules');
  return stats
    .map((s) => ({ rule: BLOCKING_RULES[s.rule]!.id, pairs: s.pairs, skippedKeys: 0 }))
    .sort((a, b) => a.rule.localeCompare(b.rule));
}
