import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export type { DuckDBConnection } from '@duckdb/node-api';

export interface DuckOptions {
  /** Database file; ':memory:' (the default) for a throw-away database. */
  readonly path?: string;
  /** Memory limit, e.g. '8GB'. Default: 60% of the machine's memory. */
  readonly memoryLimit?: string;
  /** Folder where DuckDB spills when over the limit. */
  readonly tempDirectory?: string;
  readonly threads?: number;
}

export function defaultMemoryLimit(): string {
  const gb = Math.max(1, Math.floor((os.totalmem() / 1024 ** 3) * 0.6));
  return `${gb}GB`;
}

/** Opens a DuckDB database with bounded memory and a spill folder, and one connection to it. */
export async function openDuck(
  options: DuckOptions = {},
): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection; close(): void }> {
  const config: Record<string, string> = {
    memory_limit: options.memoryLimit ?? defaultMemoryLimit(),
    threads: String(options.threads ?? os.availableParallelism()),
    preserve_insertion_order: 'false',
  };
  if (options.tempDirectory) {
    mkdirSync(options.tempDirectory, { recursive: true });
    config.temp_directory = options.tempDirectory;
  }
  const instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
  const conn = await instance.connect();
  return {
    instance,
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs a query and returns its rows as plain objects (BIGINTs become JS numbers when safe). */
export async function queryRows<T = Record<string, unknown>>(
  conn: DuckDBConnection,
  sql: string,
  params?: Record<string, unknown> | unknown[],
): Promise<T[]> {
  const reader =
    params === undefined ? await conn.runAndReadAll(sql) : await conn.runAndReadAll(sql, params as never);
  return reader.getRowObjectsJS().map((row) => normaliseRow(row)) as T[];
}

export async function queryValue<T = unknown>(
  conn: DuckDBConnection,
  sql: string,
  params?: Record<string, unknown> | unknown[],
): Promise<T> {
  const rows = await queryRows<Record<string, unknown>>(conn, sql, params);
  const first = rows[0];
  if (!first) return undefined as T;
  return Object.values(first)[0] as T;
}

function normaliseRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER))
      row[k] = Number(v);
  }
  return row;
}

/** Quotes a string as a SQL literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Quotes an identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
