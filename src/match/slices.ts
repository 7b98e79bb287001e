import { type DuckDBConnection, queryValue } from '../store/duckdb.js';

/** Rows handled per slice by the preparation steps that gather lists per key (bounded memory). */
export const ROWS_PER_SLICE = 16_000_000;

/** How many slices the rows of `table` are gathered in (at least one). */
export async function slicesFor(
  conn: DuckDBConnection,
  table: string,
  rowsPerSlice = ROWS_PER_SLICE,
): Promise<number> {
  const rows = await queryValue<number>(conn, `SELECT count(*) FROM ${table}`);
  return Math.max(1, Math.ceil(rows / rowsPerSlice));
}
