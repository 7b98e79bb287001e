import type { DuckDBConnection } from '../store/duckdb.js';

/**
 * Lookup by given-name value: its formal names and its variants (every nickname of those
 * formals), from the standardiser's reference tables (`name_info`), and the same as (name,
 * variant) pairs (`name_variant_pairs`). Built once per connection.
 */
export async function ensureNameInfo(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE TEMP TABLE IF NOT EXISTS name_info AS
    WITH names AS (SELECT formal AS name, formal FROM std_nickname_edges UNION SELECT nick, formal FROM std_nickname_edges),
    v AS (
      SELECT n.name, e.nick AS v FROM names n JOIN std_nickname_edges e ON e.formal = n.formal
      UNION SELECT name, formal FROM names
      UNION SELECT name, name FROM names
    ),
    variants AS (SELECT name, list_sort(list(DISTINCT v)) AS variants FROM v GROUP BY name)
    SELECT coalesce(f.name, v.name) AS name, coalesce(f.formals, [coalesce(f.name, v.name)]) AS formals,
           coalesce(v.variants, [coalesce(f.name, v.name)]) AS variants
    FROM std_given_formals f FULL JOIN variants v ON v.name = f.name`);
  // The same as (name, one of its variants) pairs, for a join instead of a list per pair.
  await conn.run(`CREATE TEMP TABLE IF NOT EXISTS name_variant_pairs AS
    SELECT DISTINCT name, unnest(variants) AS variant FROM name_info`);
}
