import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse';
import { CustodianError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';
import { SILENT_PROGRESS } from '../core/progress.js';
import { type DuckDBConnection, queryValue, sqlString } from '../store/duckdb.js';
import { REQUEST_COLUMNS, REQUIRED_REQUEST_COLUMNS } from './columns.js';
import { loadCsvFast } from './csv-fast-path.js';
import { fieldProblem } from './record-checks.js';
import { utf8Chunks } from './utf8-lines.js';

/** One record of a request file as read: its position, its fields, and why it is malformed. */
export interface RawRecord {
  /** 1-based position among the data rows of the file. */
  readonly rowNo: number;
  /** 1-based line of the file where the record starts. */
  readonly line: number;
  readonly fields: Partial<Record<(typeof REQUEST_COLUMNS)[number], string>>;
  readonly problem?: string | undefined;
}

export interface LoadedBatch {
  readonly rows: number;
  readonly malformed: number;
  readonly format: 'csv' | 'jsonl';
}

/**
 * Reads a request records file (CSV or JSON Lines, by extension) and loads it into the DuckDB
 * table `target` (all VARCHAR, plus `row_no`, `line_no` and `problem`). Malformed rows are
 * kept with their problem; an unusable file stops with a CustodianError before the table exists.
 * A plain CSV file is read by DuckDB in parallel (csv-fast-path.ts); anything else, or with
 * `recordByRecord`, record by record here — the two give the same table (readers.test.ts).
 */
export async function loadBatchRecords(
  conn: DuckDBConnection,
  file: string,
  target: string,
  scratchDir: string,
  progress: ProgressSink = SILENT_PROGRESS,
  options: { readonly recordByRecord?: boolean } = {},
): Promise<LoadedBatch> {
  const format = recordsFormat(file);
  if (format === 'csv' && !options.recordByRecord) {
    // A plain file goes through DuckDB's parallel reader; any irregularity, record by record.
    progress.start('read requests');
    try {
      const fast = await loadCsvFast(conn, file, target, recordProblem);
      if (fast) return { ...fast, format };
    } finally {
      progress.stop();
    }
  }
  const staging = path.join(scratchDir, `staging-${process.pid}-${Date.now()}.csv`);
  const out = createWriteStream(staging, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const header = ['row_no', 'line_no', 'problem', ...REQUEST_COLUMNS];
  let buffer = `${header.join(',')}\n`;
  let rows = 0;
  let malformed = 0;
  progress.start('read requests');
  try {
    const records = format === 'csv' ? readCsvRecords(file) : readJsonlRecords(file);
    for await (const r of records) {
      rows++;
      if (r.problem) malformed++;
      let line = `${r.rowNo},${r.line},${csvField(r.problem ?? '')}`;
      for (const col of REQUEST_COLUMNS) line += `,${csvField(r.fields[col] ?? '')}`;
      buffer += `${line}\n`;
      if (buffer.length > 1 << 20) {
        if (!out.write(buffer)) await once(out, 'drain');
        buffer = '';
        progress.update(rows);
      }
    }
    out.end(buffer);
    await once(out, 'finish');
    progress.stop();
    const columns = `{${header.map((h) => `${sqlString(h)}: '${h === 'row_no' || h === 'line_no' ? 'BIGINT' : 'VARCHAR'}'`).join(', ')}}`;
    await conn.run(
      `CREATE OR REPLACE TABLE ${target} AS SELECT * FROM read_csv(${sqlString(staging)}, header = true, auto_detect = false, columns = ${columns}, quote = '"', escape = '"', delim = ',', null_padding = false, strict_mode = true)`,
    );
    await conn.run(`UPDATE ${target} SET problem = NULL WHERE problem = ''`);
    const loaded = await queryValue<number>(conn, `SELECT count(*) FROM ${target}`);
    if (loaded !== rows)
      throw new CustodianError('CUS_INTERNAL', `batch staging lost rows: read ${rows}, loaded ${loaded}`);
    return { rows, malformed, format };
  } finally {
    out.destroy();
    await rm(staging, { force: true });
  }
}

export function recordsFormat(file: string): 'csv' | 'jsonl' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new CustodianError(
    'CUS_INPUT_UNREADABLE',
    `${path.basename(file)}: records file must be .csv or .jsonl (JSON Lines)`,
  );
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** CSV records with exact row and line numbers; wrong column counts become malformed rows. */
export async function* readCsvRecords(file: string): AsyncGenerator<RawRecord> {
  const name = path.basename(file);
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    relax_quotes: false,
  });
  const feed = (async () => {
    try {
      for await (const chunk of utf8Chunks(file)) {
        if (!parser.write(chunk)) await once(parser, 'drain');
      }
      parser.end();
    } catch (e) {
      parser.destroy(e as Error);
    }
  })();
  let columns: string[] | undefined;
  let index: Map<string, number> | undefined;
  let rowNo = 0;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (!columns) {
        columns = record.map((c) => c.trim().toLowerCase());
        const missing = REQUIRED_REQUEST_COLUMNS.filter((c) => !columns!.includes(c));
        if (missing.length > 0) {
          throw new CustodianError(
            'CUS_INPUT_MISSING_COLUMNS',
            `${name}: header lacks required column(s) ${missing.join(', ')}`,
          );
        }
        index = new Map();
        for (const col of REQUEST_COLUMNS) {
          const i = columns.indexOf(col);
          if (i >= 0) index.set(col, i);
        }
        continue;
      }
      rowNo++;
      const fields: Record<string, string> = {};
      for (const [col, i] of index!) fields[col] = record[i] ?? '';
      let problem: string | undefined;
      if (record.length !== columns.length) {
        problem = `row has ${record.length} fields, the header has ${columns.length}`;
      } else {
        problem = recordProblem(fields);
      }
      yield { rowNo, line: info.lines, fields, problem };
    }
    await feed;
  } catch (e) {
    if (e instanceof CustodianError) throw e;
    const err = e as Error & { code?: string; lines?: number };
    if (err.code?.startsWith('CSV_')) {
      throw new CustodianError(
        'CUS_INPUT_UNREADABLE',
        `${name}: not readable as CSV near line ${err.lines ?? '?'} (${err.message})`,
      );
    }
    throw e;
  }
  if (!columns) throw new CustodianError('CUS_INPUT_UNREADABLE', `${name}: empty file (no header row)`);
}

function recordProblem(fields: Record<string, string>): string | undefined {
  for (const [col, v] of Object.entries(fields)) {
    const p = fieldProblem(col, v);
    if (p) return p;
  }
  if ((fields.request_id ?? '').trim() === '') return 'request_id is empty';
  return undefined;
}

/** JSON Lines records: one object per line; a line that is not an object of scalars is malformed. */
export async function* readJsonlRecords(file: string): AsyncGenerator<RawRecord> {
  let pending = '';
  let lineNo = 0;
  let rowNo = 0;
  const handle = function* (text: string): Generator<RawRecord> {
    lineNo++;
    if (text.trim() === '') return;
    rowNo++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield {
        rowNo,
        line: lineNo,
        fields: { request_id: salvageRequestId(text) },
        problem: `not valid JSON (${(e as Error).message})`,
      };
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { rowNo, line: lineNo, fields: {}, problem: 'line is not a JSON object' };
      return;
    }
    const fields: Record<string, string> = {};
    let problem: string | undefined;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const col = k.trim().toLowerCase();
      if (!(REQUEST_COLUMNS as readonly string[]).includes(col)) continue;
      if (v === null || v === undefined) fields[col] = '';
      else if (typeof v === 'string') fields[col] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') fields[col] = String(v);
      else if (
        col === 'taxable_periods' &&
        Array.isArray(v) &&
        v.every((x) => typeof x === 'string' || typeof x === 'number')
      )
        fields[col] = v.join(';');
      else problem ??= `${col} is not a text value`;
    }
    yield { rowNo, line: lineNo, fields, problem: problem ?? recordProblem(fields) };
  };
  for await (const chunk of utf8Chunks(file)) {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      yield* handle(
        pending
          .slice(0, nl)
          .replace(/\r$/, '')
          .replace(/^\uFEFF/, ''),
      );
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  }
  if (pending.length > 0) yield* handle(pending.replace(/\r$/, ''));
  if (rowNo === 0) throw new CustodianError('CUS_INPUT_UNREADABLE', `${path.basename(file)}: no records`);
}

function salvageRequestId(text: string): string {
  return /"request_id"\s*:\s*"([^"]*)"/.exec(text)?.[1] ?? '';
}
