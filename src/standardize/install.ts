import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CustodianError } from '../core/errors.js';
import { queryRows, sqlString } from '../store/duckdb.js';
import { STATIC_MACROS } from './macros.js';
import { namesDataDir, REFERENCE_FILES } from './paths.js';

export interface InstallOptions {
  /** Folder holding the reference CSV files; default: the project's `data/names/`. */
  readonly dataDir?: string;
}

/**
 * A unit identifier: a token with a digit in it (4B, 12, 4-B, 1/2) or a single letter (B).
 * Words such as RD or CENTER are never identifiers, so "123 SUITE RD" keeps its street.
 */
const UNIT_ID = '[A-Z0-9/-]*[0-9][A-Z0-9/-]*|[A-Z]';

function csv(dir: string, file: string): string {
  return `read_csv(${sqlString(join(dir, file))}, header = true, all_varchar = true, delim = ',', quote = '"')`;
}

/** An RE2 alternation of literal words (reference data is letters only, checked on load). */
function alternation(words: readonly string[]): string {
  return [...words].sort((a, b) => b.length - a.length || a.localeCompare(b)).join('|');
}

function caseMap(arg: string, pairs: readonly { word: string; abbr: string }[]): string {
  const whens = pairs.map((p) => `WHEN ${sqlString(p.word)} THEN ${sqlString(p.abbr)}`).join(' ');
  return `CASE ${arg} ${whens} END`;
}

/**
 * Creates (CREATE OR REPLACE) the standardiser's macros and reference tables in the
 * connection's database. Idempotent: running it again replaces everything with the same.
 */
export async function installStandardizer(
  conn: DuckDBConnection,
  options: InstallOptions = {},
): Promise<void> {
  const dir = options.dataDir ?? namesDataDir();
  for (const sql of STATIC_MACROS) await conn.run(sql);

  // --- reference tables --------------------------------------------------------------------
  await conn.run(`CREATE OR REPLACE TABLE std_street_suffixes AS
    SELECT std_clean(variant) AS word, any_value(std_clean(abbr)) AS abbr, any_value(std_clean("primary")) AS primary_name
    FROM ${csv(dir, REFERENCE_FILES.streetSuffixes)}
    WHERE std_clean(variant) IS NOT NULL GROUP BY ALL`);
  await conn.run(`CREATE OR REPLACE TABLE std_directionals AS
    SELECT std_clean(word) AS word, any_value(std_clean(abbr)) AS abbr
    FROM ${csv(dir, REFERENCE_FILES.directionals)} WHERE std_clean(word) IS NOT NULL GROUP BY ALL`);
  await conn.run(`CREATE OR REPLACE TABLE std_unit_designators AS
    SELECT std_clean(word) AS word, any_value(std_clean(abbr)) AS abbr,
      bool_or(lower(trim(needs_number)) = 'yes') AS needs_number
    FROM ${csv(dir, REFERENCE_FILES.unitDesignators)} WHERE std_clean(word) IS NOT NULL GROUP BY ALL`);
  await conn.run(`CREATE OR REPLACE TABLE std_states AS
    SELECT std_clean(alias) AS alias, any_value(std_clean(code)) AS code
    FROM ${csv(dir, REFERENCE_FILES.states)} WHERE std_clean(alias) IS NOT NULL GROUP BY ALL`);

  // Nickname edges formal → nickname. The English file lists many pairs both ways (BILL has
  // WILLIAM as a "nickname" as well as WILLIAM has BILL); an edge whose nickname has more
  // nicknames of its own than its formal name is such a reversed entry and is dropped, so that
  // WILLIAM stands for WILLIAM only while BILL stands for BILL, ROBERT or WILLIAM. The Spanish file is
  // the project's own and is taken as written.
  await conn.run(`CREATE OR REPLACE TABLE std_nickname_edges AS
    WITH en AS (
      SELECT DISTINCT std_clean(name1) AS formal, std_clean(name2) AS nick
      FROM ${csv(dir, REFERENCE_FILES.nicknames)}
      WHERE relationship = 'has_nickname'),
    deg AS (SELECT formal AS name, count(*) AS d FROM en GROUP BY ALL),
    en_kept AS (
      SELECT en.formal, en.nick, ${sqlString(REFERENCE_FILES.nicknames)} AS source
      FROM en JOIN deg df ON df.name = en.formal LEFT JOIN deg dn ON dn.name = en.nick
      WHERE coalesce(dn.d, 0) <= df.d),
    es AS (
      SELECT DISTINCT std_clean(name1) AS formal, std_clean(name2) AS nick,
        ${sqlString(`${REFERENCE_FILES.spanishHypocorisms}:`)} || coalesce(trim(source), '') AS source
      FROM ${csv(dir, REFERENCE_FILES.spanishHypocorisms)}
      WHERE relationship = 'has_nickname'),
    -- Forms of one name in English and Spanish (GEORGE, JORGE): each stands for the other.
    xl AS (
      SELECT std_clean(name1) AS formal, std_clean(name2) AS nick, ${sqlString(REFERENCE_FILES.crossLanguage)} AS source
      FROM ${csv(dir, REFERENCE_FILES.crossLanguage)} WHERE relationship = 'equivalent'
      UNION ALL
      SELECT std_clean(name2), std_clean(name1), ${sqlString(REFERENCE_FILES.crossLanguage)}
      FROM ${csv(dir, REFERENCE_FILES.crossLanguage)} WHERE relationship = 'equivalent'),
    edges AS (SELECT * FROM en_kept UNION ALL SELECT * FROM es UNION ALL SELECT * FROM xl)
    SELECT formal, nick, string_agg(DISTINCT source, ';' ORDER BY source) AS source FROM edges
    WHERE formal IS NOT NULL AND nick IS NOT NULL AND formal <> nick
      AND NOT contains(formal, ' ') AND NOT contains(nick, ' ')
    GROUP BY ALL`);
  await conn.run(`CREATE OR REPLACE TABLE std_given_formals AS
    SELECT nick AS name, list_sort(list_distinct(list_append(list(formal), nick))) AS formals
    FROM std_nickname_edges GROUP BY nick`);

  // --- macros generated from the reference tables ------------------------------------------
  const dirs = await queryRows<{ word: string; abbr: string }>(
    conn,
    'SELECT word, abbr FROM std_directionals ORDER BY word',
  );
  await conn.run(`CREATE OR REPLACE MACRO std_dir(t) AS ${caseMap('t', dirs)}`);

  const units = await queryRows<{ word: string; abbr: string; needs_number: boolean }>(
    conn,
    'SELECT word, abbr, needs_number FROM std_unit_designators ORDER BY word',
  );
  for (const u of units) {
    if (!/^[A-Z]+$/.test(u.word)) {
      throw new CustodianError(
        'CUS_INTERNAL',
        `standardize: ${REFERENCE_FILES.unitDesignators}: designator ${JSON.stringify(u.word)} is not a plain word`,
      );
    }
  }
  const numbered = alternation(units.filter((u) => u.needs_number).map((u) => u.word));
  const bare = alternation(units.filter((u) => !u.needs_number).map((u) => u.word));
  const all = alternation(units.map((u) => u.word));
  const id = `(?:${UNIT_ID})`;
  // The unit at the end of a street: one or more of "DESIGNATOR [#] [ID]", "#ID", "BARE [ID]".
  const tail = `((?:(?:^| )(?:(?:${numbered})\\b(?: ?#)?(?: ?${id})?|# ?${id}?|(?:${bare})\\b(?: ?${id})?))+)$`;
  // Whether a street ends with a unit (cheap, no captures), and the split into street and unit.
  await conn.run(`CREATE OR REPLACE MACRO std_unit_tail(s) AS regexp_matches(s, ${sqlString(tail)})`);
  await conn.run(
    `CREATE OR REPLACE MACRO std_unit_split(s) AS regexp_extract(s, ${sqlString(`^(.*?)${tail}`)}, ['street', 'unit'])`,
  );
  // The identifier of a unit: designators and '#' removed, 4-B → 4B, 4 B → 4B, leading zeros dropped.
  await conn.run(`CREATE OR REPLACE MACRO std_unit_id(x) AS
    regexp_replace(regexp_replace(regexp_replace(trim(regexp_replace(regexp_replace(regexp_replace(
      std_addr_fold(x), ${sqlString(`\\b(${all})\\b|#`)}, ' ', 'g'), '-', '', 'g'), ' +', ' ', 'g')),
      '^([0-9]+) ([A-Z])$', '\\1\\2'), '^([A-Z]) ([0-9]+)$', '\\1\\2'), '(^| )0+([0-9])', '\\1\\2', 'g')`);
  // A designator that needs no number (REAR, BSMT), given alone: it is the unit.
  await conn.run(
    `CREATE OR REPLACE MACRO std_unit_bare(x) AS ${caseMap(
      `regexp_extract(std_addr_fold(x), ${sqlString(`\\b(${bare})\\b`)}, 1)`,
      units.filter((u) => !u.needs_number),
    )}`,
  );
  await conn.run(
    `CREATE OR REPLACE MACRO std_unit_ok(u) AS CASE WHEN u IN ('', 'NA', 'N/A', 'NONE') THEN NULL ELSE u END`,
  );
}
