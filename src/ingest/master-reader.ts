import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { CustodianError } from '../core/errors.js';
import { type ProgressSink, SILENT_PROGRESS } from '../core/progress.js';
import { type DuckDBConnection, queryRows, queryValue, runWithProgress, sqlString } from '../store/duckdb.js';
import { MASTER_COLUMNS, REQUIRED_MASTER_COLUMNS } from './columns.js';
import { assertReadableFile, utf8Chunks } from './utf8-lines.js';

export interface MasterReject {
  /** File line for rows the CSV reader could not parse; row position otherwise. */
  readonly where: string;
  readonly reason: string;
}

export interface LoadedMaster {
  readonly rows: number;
  readonly taxpayers: number;
  readonly rejected: number;
  /** The first rejects (at most 1,000), for the report; `rejected` has the full count. */
  readonly rejects: readonly MasterReject[];
  readonly format: 'csv' | 'parquet';
}

export interface LoadMasterOptions {
  /**
   * Write `target` in the one pass over the file and keep every row: the rows that cannot be
   * used stay, flagged by `problem`, and a row's number is not a column but its rowid + 1
   * (`masterRowsSql`). Saves a copy of the whole extract (the master store's import).
   */
  readonly inPlace?: boolean | undefined;
}

/**
 * The usable rows of a master table loaded in place (`LoadMasterOptions.inPlace`), numbered:
 * `row_no` and the master columns, as `loadMaster` writes them otherwise.
 */
export function masterRowsSql(table: string): string {
  return `SELECT rowid + 1 AS row_no, * EXCLUDE (problem) FROM ${table} WHERE problem IS NULL`;
}

/**
 * Loads a master extract (CSV or Parquet, by extension) into `target` with DuckDB's streaming
 * readers: never through the JavaScript heap. Rows that cannot be used (unparseable CSV rows,
 * TIN not 9 digits, no given or family name) are kept out of `target`, counted and reported.
 */
export async function loadMaster(
  conn: DuckDBConnection,
  file: string,
  target: string,
  progress: ProgressSink = SILENT_PROGRESS,
  options: LoadMasterOptions = {},
): Promise<LoadedMaster> {
  await assertReadableFile(file);
  const name = path.basename(file);
  const ext = path.extname(file).toLowerCase();
  const format = ext === '.parquet' ? 'parquet' : ext === '.csv' ? 'csv' : undefined;
  if (!format)
    throw new CustodianError('CUS_INPUT_UNREADABLE', `${name}: master extract must be .csv or .parquet`);
  let columns: string[];
  let source: string;
  if (format === 'csv') {
    // The header is read here, not sniffed: DuckDB's sniffer gives up on a file whose sample
    // holds a broken row, and a broken row must be reported, not stop the whole extract.
    columns = await readCsvHeader(file);
    const spec = `{${columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
    source = `read_csv(${sqlString(file)}, header = true, auto_detect = false, columns = ${spec}, delim = ',', quote = '"', escape = '"', store_rejects = true, rejects_table = 'master_csv_rejects', rejects_scan = 'master_csv_scan', encoding = 'utf-8')`;
  } else {
    source = `read_parquet(${sqlString(file)})`;
    try {
      columns = (await queryRows<{ column_name: string }>(conn, `DESCRIBE SELECT * FROM ${source}`)).map(
        (r) => r.column_name.toLowerCase(),
      );
    } catch (e) {
      throw new CustodianError('CUS_INPUT_UNREADABLE', `${name}: cannot read as PARQUET (${firstLine(e)})`);
    }
  }
  const missing = REQUIRED_MASTER_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0)
    throw new CustodianError(
      'CUS_INPUT_MISSING_COLUMNS',
      `${name}: header lacks required column(s) ${missing.join(', ')}`,
    );
  const select = MASTER_COLUMNS.map((c) =>
    columns.includes(c) ? `NULLIF(trim(CAST("${c}" AS VARCHAR)), '') AS ${c}` : `NULL::VARCHAR AS ${c}`,
  ).join(', ');
  const problem = `CASE
      WHEN tin IS NULL THEN 'tin is empty'
      WHEN NOT regexp_full_match(regexp_replace(tin, '[\\s-]', '', 'g'), '[0-9]{9}') THEN 'tin is not 9 digits'
      WHEN given_name IS NULL THEN 'given_name is empty'
      WHEN family_name IS NULL THEN 'family_name is empty'
      WHEN address_tax_year IS NOT NULL AND TRY_CAST(address_tax_year AS INTEGER) IS NULL THEN 'address_tax_year is not a year'
    END`;
  // One pass over the file: read in parallel in file order (insertion order preserved), each row
  // checked and its TIN put in one form (123-45-6789 → 123456789) as it is read. A row's number
  // is its position in the file: the table's rowid + 1 (a row_number() over the reader would
  // make the read single-threaded).
  const rowsSql = `SELECT * REPLACE (CASE WHEN problem IS NULL THEN regexp_replace(tin, '[\\s-]', '', 'g') ELSE tin END AS tin)
    FROM (SELECT *, ${problem} AS problem FROM (SELECT ${select} FROM ${source}))`;
  const read = options.inPlace ? target : `${target}_read`;
  progress.start('load master', 100);
  try {
    await conn.run('DROP TABLE IF EXISTS master_csv_rejects; DROP TABLE IF EXISTS master_csv_scan');
    await conn.run('SET preserve_insertion_order = true');
    await runWithProgress(conn, `CREATE OR REPLACE TABLE ${read} AS ${rowsSql}`, (p) =>
      progress.update(Math.round(p * (options.inPlace ? 1 : 0.8))),
    );
  } catch (e) {
    if (!options.inPlace) await conn.run(`DROP TABLE IF EXISTS ${read}`);
    const msg = firstLine(e);
    if (/unicode|utf-?8/i.test(msg))
      throw new CustodianError('CUS_INPUT_NOT_UTF8', `${name}: not UTF-8 text (${msg})`);
    throw new CustodianError(
      'CUS_INPUT_UNREADABLE',
      `${name}: cannot read as ${format.toUpperCase()} (${msg})`,
    );
  } finally {
    await conn.run('SET preserve_insertion_order = false');
    progress.stop();
  }
  // The rows that cannot be used are reported from the table as read; a copy (not in place)
  // holds the usable rows only, numbered (the `problem` column stays, empty; readers take
  // columns by name).
  const numbered = `(SELECT rowid + 1 AS row_no, * FROM ${read})`;
  let rows: number;
  let rejected: number;
  let taxpayers: number;
  const rejects: MasterReject[] = [];
  try {
    for (const r of await queryRows<{ row_no: number; tin: string | null; problem: string }>(
      conn,
      `SELECT row_no, tin, problem FROM ${numbered} WHERE problem IS NOT NULL ORDER BY row_no LIMIT 1000`,
    ))
      rejects.push({ where: `row ${r.row_no}${r.tin ? ` (tin ${r.tin})` : ''}`, reason: r.problem });
    rejected = await queryValue<number>(conn, `SELECT count(*) FROM ${read} WHERE problem IS NOT NULL`);
    if (format === 'csv') {
      const csvRejects = await queryRows<{ line: number; column_name: string | null; error_message: string }>(
        conn,
        'SELECT line, column_name, error_message FROM master_csv_rejects ORDER BY line LIMIT 1000',
      );
      for (const r of csvRejects)
        rejects.push({ where: `line ${r.line}`, reason: r.error_message.split('\n')[0] ?? 'unreadable row' });
      rejected += await queryValue<number>(conn, 'SELECT count(*) FROM master_csv_rejects');
    }
    rows = await queryValue<number>(conn, `SELECT count(*) FROM ${read} WHERE problem IS NULL`);
    if (rows === 0)
      throw new CustodianError('CUS_MASTER_EMPTY', `${name}: no usable row (${rejected} rejected)`);
    taxpayers = await queryValue<number>(
      conn,
      `SELECT count(DISTINCT tin) FROM ${read} WHERE problem IS NULL`,
    );
    if (!options.inPlace)
      await conn.run(`CREATE OR REPLACE TABLE ${target} AS SELECT * FROM ${numbered} WHERE problem IS NULL`);
  } finally {
    if (!options.inPlace) await conn.run(`DROP TABLE IF EXISTS ${read}`);
  }
  return { rows, taxpayers, rejected, rejects: rejects.slice(0, 1000), format };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/** The header row of a CSV file, names trimmed and lower-cased. */
export async function readCsvHeader(file: string): Promise<string[]> {
  const name = path.basename(file);
  let text = '';
  for await (const chunk of utf8Chunks(file)) {
    text += chunk;
    if (text.includes('\n') || text.length > 1 << 16) break;
  }
  const line = text.split(/\r?\n/, 1)[0]?.replace(/^\uFEFF/, '') ?? '';
  if (line.trim() === '')
    throw new CustodianError('CUS_INPUT_UNREADABLE', `${name}: empty file (no header row)`);
  let header: string[];
  try {
    header = (parse(line, { relax_quotes: false }) as string[][])[0] ?? [];
  } catch (e) {
    throw new CustodianError(
      'CUS_INPUT_UNREADABLE',
      `${name}: header row is not valid CSV (${firstLine(e)})`,
    );
  }
  return header.map((h) => h.trim().toLowerCase());
}
