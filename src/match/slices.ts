import { type DuckDBConnection, queryValue } from '../store/duckdb.js';

/** Master rows handled per slice by the preparation steps that gather lists per taxpayer or key. */
export const ROWS_PER_SLICE = 4_000_000;

/** How many slices a table of this many rows is prepared in (at least one). */
export async function slicesFor(conn: DuckDBConnection, table: string): Promise<number> {
  const rows = await queryValue<number>(conn, `SELECT count(*) FROM ${table}`);
  return Math.max(1, Math.ceil(rows / ROWS_PER_SLICE));
}
