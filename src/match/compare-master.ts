import type { DuckDBConnection } from '../store/duckdb.js';
import { dateYmdSql, givenRestSql } from './comparisons.js';

/**
 * A value as the comparisons hold it where only equality matters: its 64-bit hash (NULL stays
 * NULL). Two different values share a hash with probability 2^-64 per comparison: over the
 * ~10^8 equality tests of a 1M-request batch against 100M rows, about 10^-11
 * (docs/decisions/0003-hashed-comparison-values.md).
 */
export function valueHashSql(x: string): string {
  return `CASE WHEN (${x}) IS NULL THEN NULL ELSE hash(${x}) END`;
}

/**
 * City and state, compared together (both must be present), as one text: the city, U+001D, the
 * state (ingest refuses control characters in a value, so the two cannot run into each other).
 */
export function localitySql(city: string, state: string): string {
  return `CASE WHEN (${city}) IS NULL OR (${state}) IS NULL THEN NULL ELSE (${city}) || chr(29) || (${state}) END`;
}

/**
 * The address fields the address comparison reads, from a row with the standard columns: the
 * whole address as a hash (only its equality is tested, and it is the longest), the house number
 * and the street name as text (the street's spelling is compared), the ZIP (five digits) as an
 * integer, city and state as one text (localitySql). House number and locality were hashes too
 * until store format 8: their text is shorter than a hash's twenty decimal digits
 * (docs/decisions/0009-address-texts-in-comparison-records.md).
 */
export function addressFieldsSql(prefix: string): string {
  return `${valueHashSql(`${prefix}addr_key`)} AS ak, ${prefix}house_number AS hn, ${prefix}street_name AS sn,
    ${prefix}zip5::INTEGER AS zip, ${localitySql(`${prefix}city_std`, `${prefix}state_std`)} AS loc`;
}

/**
 * A family name's tokens as one text joined by spaces (tokens hold none), NULL when the name is
 * its own only token — most names: the kernel then reads the name itself, and the store and the
 * join carry nothing more.
 */
export function familyTokensSql(prefix: string): string {
  return `CASE WHEN len(${prefix}family_tokens) = 1 AND ${prefix}family_tokens[1] = ${prefix}family_std THEN NULL
    ELSE array_to_string(${prefix}family_tokens, ' ') END`;
}

/** A field of a comparison record: its text, U+001E when NULL (native/src/record.h). */
function recordField(x: string): string {
  return `coalesce((${x})::VARCHAR, chr(30))`;
}

/** Fields joined into a comparison record (separated by U+001F). */
function recordSql(fields: readonly string[]): string {
  return `concat_ws(chr(31), ${fields.map(recordField).join(', ')})`;
}

/** The address fields of a comparison record, over columns named as addressFieldsSql names them. */
const ADDRESS_RECORD_FIELDS = ['ak', 'hn', 'sn', 'zip', 'loc'] as const;

/**
 * The comparison fields of a standardised row (`prefix`: its alias and a dot), named as the
 * records read them: names as text, the birth date as the integer YYYYMMDD, the address encoded
 * (addressFieldsSql).
 */
export function comparisonFieldsSql(prefix: string): string {
  return `${prefix}given_first AS gf, ${givenRestSql(`${prefix}given_std`, `${prefix}given_first`)} AS gr,
    ${prefix}middle_std AS mid, ${prefix}family_std AS fam, ${familyTokensSql(prefix)} AS ftok,
    ${prefix}family_phonetic AS fph, ${prefix}name_suffix_std AS sfx, ${dateYmdSql(`${prefix}dob`)}::INTEGER AS dob,
    ${addressFieldsSql(prefix)}`;
}

/**
 * A taxpayer's comparison record (native/src/record.h) over a row of comparisonFieldsSql columns
 * and `prior`, the earlier addresses' records joined by U+001F (NULL when there are none).
 */
export function taxpayerRecordSql(prior: string): string {
  return `${recordSql(['gf', 'gr', 'mid', 'fam', 'ftok', 'fph', 'sfx', 'dob', ...ADDRESS_RECORD_FIELDS])}
    || coalesce(chr(31) || ${prior}, '')`;
}

/**
 * A request's fields as the kernel's `custodian_request_load` takes them (native/src/addon.cc),
 * in its order: names of a row of comparisonFieldsSql columns plus `gs` (the whole given name,
 * read as a family name when names are written the other way round), `rtin` and the master
 * frequencies of the request's names `g_p`, `g_swapped_p`, `f_p`, `f_swapped_p`.
 */
export const REQUEST_FIELDS = [
  'gf',
  'gr',
  'gs',
  'fam',
  'ftok',
  'fph',
  'mid',
  'sfx',
  'dob',
  'rtin',
  ...ADDRESS_RECORD_FIELDS,
  'g_p',
  'g_swapped_p',
  'f_p',
  'f_swapped_p',
] as const;

/**
 * `mst_cmp`: one row per taxpayer, `(tin, rec)`, `rec` its comparison record: everything the
 * comparisons read of the taxpayer, the current address and every earlier address of record in
 * one text, so that scoring joins the candidate pairs to this table alone and hands the
 * comparison kernel one value per taxpayer. Built from `mst_std`.
 */
export async function buildComparisonMaster(conn: DuckDBConnection, into = ''): Promise<void> {
  await conn.run(`CREATE OR REPLACE TABLE ${into}mst_cmp AS
    WITH prior AS (
      SELECT tin, string_agg(${recordSql(ADDRESS_RECORD_FIELDS)}, chr(31)) AS prior
      FROM (SELECT tin, ${addressFieldsSql('')} FROM mst_std WHERE NOT is_current)
      GROUP BY tin
    )
    SELECT tin, encode(${taxpayerRecordSql('prior')}) AS rec
    FROM (SELECT m.tin::INTEGER AS tin, ${comparisonFieldsSql('m.')}, p.prior
          FROM mst_std m LEFT JOIN prior p ON p.tin = m.tin WHERE m.is_current)`);
}
