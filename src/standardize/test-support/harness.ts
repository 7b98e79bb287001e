import { INTERCHANGE_REQUEST_COLUMNS, MASTER_COLUMNS } from '../../ingest/columns.js';
import { type DuckDBConnection, openDuck, queryRows, sqlString } from '../../store/duckdb.js';
import { installStandardizer, standardizeMaster, standardizeRequests } from '../index.js';

export const REQUEST_COLUMNS = INTERCHANGE_REQUEST_COLUMNS.slice(
  0,
  12,
) as readonly (typeof INTERCHANGE_REQUEST_COLUMNS)[number][];

export { MASTER_COLUMNS };

export type Input = Partial<Record<(typeof REQUEST_COLUMNS)[number] | 'address_tax_year', string | null>>;
export type Row = Record<string, unknown>;

/** A database with the standardiser installed, and helpers to standardise a few literal rows. */
export interface Harness {
  readonly conn: DuckDBConnection;
  requests(rows: readonly Input[]): Promise<Row[]>;
  master(rows: readonly Input[]): Promise<Row[]>;
  close(): void;
}

let counter = 0;

async function load(
  conn: DuckDBConnection,
  columns: readonly string[],
  rows: readonly Input[],
): Promise<string> {
  const name = `t_src_${++counter}`;
  const defs = ['row_no BIGINT', ...columns.map((c) => `${c} VARCHAR`)].join(', ');
  await conn.run(`CREATE TABLE ${name} (${defs})`);
  if (rows.length > 0) {
    const values = rows
      .map((r, i) => {
        const cells = columns.map((c) => {
          const v = (r as Record<string, string | null | undefined>)[c];
          return v === undefined || v === null ? 'NULL' : sqlString(v);
        });
        return `(${[String(i + 1), ...cells].join(', ')})`;
      })
      .join(',\n');
    await conn.run(`INSERT INTO ${name} VALUES ${values}`);
  }
  return name;
}

export async function openHarness(): Promise<Harness> {
  const duck = await openDuck({ threads: 2, memoryLimit: '1GB' });
  const { conn } = duck;
  await installStandardizer(conn);
  return {
    conn,
    async requests(rows) {
      const src = await load(
        conn,
        REQUEST_COLUMNS,
        rows.map((r, i) => ({ request_id: `R${i + 1}`, ...r })),
      );
      await standardizeRequests(conn, src, `${src}_std`);
      return queryRows(conn, `SELECT * FROM ${src}_std ORDER BY row_no`);
    },
    async master(rows) {
      const src = await load(conn, MASTER_COLUMNS, rows);
      await standardizeMaster(conn, src, `${src}_std`);
      return queryRows(conn, `SELECT * FROM ${src}_std ORDER BY row_no`);
    },
    close: duck.close,
  };
}

/** Standardises one request row and returns it. */
export async function one(h: Harness, row: Input): Promise<Row> {
  const [r] = await h.requests([row]);
  if (!r) throw new Error('no row');
  return r;
}
