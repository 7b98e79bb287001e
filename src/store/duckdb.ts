import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { type DuckDBConnection, DuckDBInstance, DuckDBPendingResultState } from '@duckdb/node-api';
import { type HugePageAdvice, withHugePages } from './huge-pages.js';

export type { DuckDBConnection } from '@duckdb/node-api';

export interface DuckOptions {
  /** Database file; ':memory:' (the default) for a throw-away database. */
  readonly path?: string;
  /** Memory limit, e.g. '8GB'. Default: 60% of the machine's memory. */
  readonly memoryLimit?: string;
  /** Folder where DuckDB spills when over the limit. */
  readonly tempDirectory?: string;
  readonly threads?: number;
  /**
   * Whether DuckDB keeps its buffer blocks' memory once used, up to the memory limit, instead of
   * returning it to the system (default true: see docs/decisions/0006-buffer-memory-kept.md).
   */
  readonly retainBufferMemory?: boolean;
  /**
   * Whether DuckDB's buffer memory is asked for on transparent huge pages (default true, or
   * false when CUSTODIAN_HUGE_PAGES=off: see huge-pages.ts and
   * docs/decisions/0007-huge-pages-for-duckdb.md).
   */
  readonly hugePages?: boolean;
}

export function defaultMemoryLimit(): string {
  const gb = Math.max(1, Math.floor((os.totalmem() / 1024 ** 3) * 0.6));
  return `${gb}GB`;
}

/** Opens a DuckDB database with bounded memory and a spill folder, and one connection to it. */
export async function openDuck(
  options: DuckOptions = {},
): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection; hugePages: HugePageAdvice; close(): void }> {
  const config: Record<string, string> = {
    memory_limit: options.memoryLimit ?? defaultMemoryLimit(),
    threads: String(options.threads ?? os.availableParallelism()),
    preserve_insertion_order: 'false',
  };
  // DuckDB's buffer blocks keep their memory once faulted in, up to the memory limit (RSS stays
  // within it): a block evicted and read again, or freed by one statement and taken by the next,
  // then costs no page faults — where a fault is dear (on this project's benchmark machine 10 µs
  // a 4 KB page), returning freed blocks to the system and faulting them in again was a fifth of
  // a batch's CPU time (docs/decisions/0006-buffer-memory-kept.md).
  if (options.retainBufferMemory ?? true) config.block_allocator_memory = config.memory_limit!;
  if (options.tempDirectory) {
    mkdirSync(options.tempDirectory, { recursive: true });
    config.temp_directory = options.tempDirectory;
  }
  const create = () => DuckDBInstance.create(options.path ?? ':memory:', config);
  const { value: instance, advice } =
    (options.hugePages ?? process.env.CUSTODIAN_HUGE_PAGES !== 'off')
      ? await withHugePages(create)
      : { value: await create(), advice: { bytes: 0, skipped: 'not asked' } };
  const conn = await instance.connect();
  if (process.env.CUSTODIAN_PROFILE) profile(conn);
  return {
    instance,
    conn,
    hugePages: advice,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * With CUSTODIAN_PROFILE set, every statement's wall time is written to stderr (for `bench`
 * and profiling work; see docs/performance.md).
 */
function profile(conn: DuckDBConnection): void {
  const wrap = <F extends (sql: string, ...rest: never[]) => Promise<unknown>>(fn: F): F =>
    (async (sql: string, ...rest: never[]) => {
      const t0 = performance.now();
      let failed = false;
      try {
        return await fn.call(conn, sql, ...rest);
      } catch (e) {
        failed = true;
        throw e;
      } finally {
        const ms = Math.round(performance.now() - t0);
        if (ms >= 5 || failed)
          process.stderr.write(
            `[profile] ${String(ms).padStart(7)} ms${failed ? ' FAILED' : ''}  ${sql.trim().replace(/\s+/g, ' ').slice(0, 100)}\n`,
          );
      }
    }) as F;
  // runAndReadAll goes through run: wrapping run times both.
  conn.run = wrap(conn.run);
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

/**
 * Runs one statement while reporting DuckDB's own progress estimate (0–100) to `onProgress`
 * every ~200 ms. Use for long single statements (bulk loads, big joins).
 */
export async function runWithProgress(
  conn: DuckDBConnection,
  sql: string,
  onProgress: (percent: number) => void,
): Promise<void> {
  const pending = await conn.start(sql);
  let last = 0;
  for (;;) {
    const state = pending.runTask();
    if (state === DuckDBPendingResultState.RESULT_READY) break;
    const now = Date.now();
    if (now - last > 200) {
      last = now;
      const p = conn.progress.percentage;
      if (p >= 0) onProgress(p);
      await new Promise((r) => setImmediate(r));
    }
    if (state === DuckDBPendingResultState.NO_TASKS_AVAILABLE) await new Promise((r) => setTimeout(r, 5));
  }
  await pending.getResult();
  onProgress(100);
}
