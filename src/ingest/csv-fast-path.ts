import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { CustodianError } from '../core/errors.js';
import { type DuckDBConnection, queryRows, queryValue, sqlString } from '../store/duckdb.js';
import { REQUEST_COLUMNS, REQUIRED_REQUEST_COLUMNS } from './columns.js';
import { readCsvHeader } from './master-reader.js';

/**
 * One streaming pass over a file's bytes: its physical lines (a last line without a newline
 * counts), whether it is valid UTF-8, and whether its quotes are as strict CSV wants them — a
 * quote opens a field or closes it (before a comma or the end of a line) or is doubled inside
 * one, and no quoted field is left open. DuckDB's reader forgives stray quotes that the
 * record-by-record reader refuses the file for; such a file is left to that reader. Only the
 * quote characters are visited (`indexOf`), not every byte.
 */
export async function scanCsvBytes(
  file: string,
): Promise<{ lines: number; utf8: boolean; quotesStrict: boolean }> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const COMMA = 44;
  const LF = 10;
  const CR = 13;
  const QUOTE = 34;
  let lines = 0;
  let last = -1; // the previous chunk's last byte (-1: none yet)
  let inQuotes = false;
  let strict = true;
  // A quote ending the previous chunk inside a quoted field: closing, or the first of a pair.
  let pendingQuote = false;
  const closes = (b: number | undefined) => b === undefined || b === COMMA || b === LF || b === CR;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) {
      const buf = chunk as Buffer;
      decoder.decode(buf, { stream: true });
      for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) lines++;
      let start = 0;
      if (strict && pendingQuote) {
        pendingQuote = false;
        if (buf[0] === QUOTE)
          start = 1; // a doubled quote: still inside
        else if (closes(buf[0])) inQuotes = false;
        else strict = false;
      }
      for (let q = buf.indexOf(QUOTE, start); strict && q >= 0; q = buf.indexOf(QUOTE, q + 1)) {
        if (!inQuotes) {
          const before = q > 0 ? buf[q - 1] : last;
          const afterBom = q === 3 && last === -1 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
          if (before === -1 || before === COMMA || before === LF || before === CR || afterBom)
            inQuotes = true;
          else strict = false;
        } else if (q + 1 === buf.length) {
          pendingQuote = true;
        } else if (buf[q + 1] === QUOTE) {
          q++;
        } else if (closes(buf[q + 1])) {
          inQuotes = false;
        } else strict = false;
      }
      if (buf.length > 0) last = buf[buf.length - 1]!;
    }
    decoder.decode();
  } catch {
    return { lines, utf8: false, quotesStrict: false };
  }
  if (pendingQuote) inQuotes = false; // the file's last byte closed the field
  if (last !== -1 && last !== LF) lines++;
  return { lines, utf8: true, quotesStrict: strict && !inQuotes };
}

/**
 * Loads a CSV request file with DuckDB's parallel reader into `target` (the table the
 * record-by-record reader makes: `row_no`, `line_no`, `problem`, the request columns) when the
 * file is plain: valid UTF-8, every required column in the header, no blank line and no field
 * spanning lines (then row k is on line k + 1, and the reader's row order is the file's). Rows
 * DuckDB sets aside (a wrong field count) are parsed again, alone, by the record-by-record
 * reader's parser. Anything else returns false, and the caller reads the file record by
 * record, which reports each problem with its exact line. Field checks (rule A17) are
 * made here in SQL for the rows whose fields are plain printable text and an ISO birth date;
 * the few other rows get the record-by-record checker's verdict (`problemOf`), word for word.
 */
export async function loadCsvFast(
  conn: DuckDBConnection,
  file: string,
  target: string,
  problemOf: (fields: Record<string, string>) => string | undefined,
): Promise<{ rows: number; malformed: number } | false> {
  const rejects = `${target}_csv_rejects`;
  const scan = `${target}_csv_scan`;
  const dropRejects = () => conn.run(`DROP TABLE IF EXISTS ${rejects}; DROP TABLE IF EXISTS ${scan}`);
  let header: string[];
  try {
    header = await readCsvHeader(file);
  } catch (e) {
    if (e instanceof CustodianError) return false;
    throw e;
  }
  if (REQUIRED_REQUEST_COLUMNS.some((c) => !header.includes(c))) return false;
  if (new Set(header).size !== header.length) return false;
  const { lines, utf8, quotesStrict } = await scanCsvBytes(file);
  if (!utf8 || !quotesStrict) return false;
  const raw = `${target}_fast_raw`;
  const spec = `{${header.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ')}}`;
  try {
    await conn.run('SET preserve_insertion_order = true');
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ${raw} AS SELECT * FROM read_csv(${sqlString(file)}, header = true, auto_detect = false, columns = ${spec}, delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false, encoding = 'utf-8', store_rejects = true, rejects_table = '${rejects}', rejects_scan = '${scan}')`,
    );
  } catch {
    await conn.run(`DROP TABLE IF EXISTS ${raw}`);
    await dropRejects();
    return false;
  } finally {
    await conn.run('SET preserve_insertion_order = false');
  }
  try {
    const accepted = await queryValue<number>(conn, `SELECT count(*) FROM ${raw}`);
    // Rows DuckDB set aside (a wrong field count, mostly), each on its own line: read again
    // with the record-by-record reader's parser, so they carry the same fields and problem.
    const bad = await queryRows<{ line: number; csv_line: string }>(
      conn,
      `SELECT DISTINCT line, csv_line FROM ${rejects} ORDER BY line`,
    );
    const rows = accepted + bad.length;
    if (rows === 0 || rows + 1 !== lines) return false;
    const setAside: {
      rowNo: number;
      line: number;
      fields: Record<string, string>;
      problem: string | undefined;
    }[] = [];
    for (const b of bad) {
      let records: string[][];
      try {
        records = parse(b.csv_line, { relax_column_count: true, relax_quotes: false }) as string[][];
      } catch {
        return false; // the file as a whole is not CSV: the record-by-record reader says where
      }
      if (records.length !== 1 || b.line < 2) return false;
      const record = records[0]!;
      const fields: Record<string, string> = {};
      for (const c of REQUEST_COLUMNS) {
        const i = header.indexOf(c);
        if (i >= 0) fields[c] = record[i] ?? '';
      }
      const problem =
        record.length !== header.length
          ? `row has ${record.length} fields, the header has ${header.length}`
          : problemOf(fields);
      setAside.push({ rowNo: b.line - 1, line: b.line, fields, problem });
    }
    // The accepted rows' numbers: the file's rows in order, less those set aside.
    const numbered =
      setAside.length === 0
        ? `SELECT rowid + 1 AS row_no, rowid + 2 AS line_no, * FROM ${raw}`
        : `SELECT n.row_no, n.row_no + 1 AS line_no, r.* FROM (SELECT rowid AS k, * FROM ${raw}) r
           JOIN (SELECT row_no, row_number() OVER (ORDER BY row_no) - 1 AS k
                 FROM (SELECT range + 1 AS row_no FROM range(${rows}))
                 WHERE row_no NOT IN (${setAside.map((x) => x.rowNo).join(', ')})) n USING (k)`;
    // The columns by name: empty text is no value (as the record-by-record reader loads it).
    const col = (c: string) => {
      const i = header.indexOf(c);
      return i < 0 ? 'NULL::VARCHAR' : `NULLIF(c${i}, '')`;
    };
    const present = REQUEST_COLUMNS.filter((c) => header.includes(c));
    // Rows whose checks need the record-by-record checker: a control character, U+FFFD, a
    // birth date that is not plain YYYY-MM-DD (or before the year 100, which JavaScript's
    // calendar reads as 19xx), a request id with anything but printable ASCII.
    const control = (v: string) =>
      `regexp_matches(coalesce(${v}, ''), '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F\\x{FFFD}]')`;
    const unusual = [
      ...present.map((c) => control(col(c))),
      `(${col('date_of_birth')} IS NOT NULL AND NOT (regexp_full_match(${col('date_of_birth')}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND ${col('date_of_birth')} >= '0100'))`,
      `regexp_matches(coalesce(${col('request_id')}, ''), '[^\\x20-\\x7E]')`,
    ].join(' OR ');
    const dob = col('date_of_birth');
    const y = `CAST(substr(${dob}, 1, 4) AS INTEGER)`;
    const m = `CAST(substr(${dob}, 6, 2) AS INTEGER)`;
    const d = `CAST(substr(${dob}, 9, 2) AS INTEGER)`;
    // (make_date is given a valid month even where the test fails first: SQL does not promise to
    // skip the right side of an AND.)
    const dobValid = `(${m} BETWEEN 1 AND 12 AND ${d} >= 1 AND ${d} <= day(last_day(make_date(greatest(${y}, 1), least(greatest(${m}, 1), 12), 1))))`;
    await conn.run(`CREATE OR REPLACE TABLE ${target} AS
      SELECT row_no, line_no,
        CASE WHEN unusual THEN NULL
          WHEN date_of_birth IS NOT NULL AND NOT dob_valid
            THEN 'date_of_birth ''' || date_of_birth || ''' is not a valid YYYY-MM-DD date'
          WHEN trim(coalesce(request_id, '')) = '' THEN 'request_id is empty'
        END AS problem,
        ${REQUEST_COLUMNS.join(', ')}, unusual
      FROM (
        SELECT row_no, line_no,
          ${REQUEST_COLUMNS.map((c) => `${col(c)} AS ${c}`).join(', ')},
          coalesce(${unusual}, false) AS unusual,
          CASE WHEN ${dob} IS NOT NULL AND regexp_full_match(${dob}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN ${dobValid} END AS dob_valid
        FROM (${numbered}))`);
    for (let i = 0; i < setAside.length; i += 500)
      await conn.run(
        `INSERT INTO ${target} (row_no, line_no, problem, ${REQUEST_COLUMNS.join(', ')}, unusual) VALUES ${setAside
          .slice(i, i + 500)
          .map(
            (x) =>
              `(${x.rowNo}, ${x.line}, ${x.problem === undefined ? 'NULL' : sqlString(x.problem)}, ${REQUEST_COLUMNS.map((c) => (x.fields[c] ? sqlString(x.fields[c]) : 'NULL')).join(', ')}, false)`,
          )
          .join(', ')}`,
      );
    const odd = await queryRows<Record<string, string | null> & { row_no: number }>(
      conn,
      `SELECT row_no, ${present.join(', ')} FROM ${target} WHERE unusual`,
    );
    const verdicts: string[] = [];
    for (const r of odd) {
      const fields: Record<string, string> = {};
      for (const c of present) fields[c] = r[c] ?? '';
      const problem = problemOf(fields);
      if (problem !== undefined) verdicts.push(`(${r.row_no}, ${sqlString(problem)})`);
    }
    for (let i = 0; i < verdicts.length; i += 1000)
      await conn.run(
        `UPDATE ${target} SET problem = v.problem FROM (VALUES ${verdicts.slice(i, i + 1000).join(', ')}) v(row_no, problem) WHERE ${target}.row_no = v.row_no`,
      );
    await conn.run(`ALTER TABLE ${target} DROP COLUMN unusual`);
    const malformed = await queryValue<number>(
      conn,
      `SELECT count(*) FROM ${target} WHERE problem IS NOT NULL`,
    );
    return { rows, malformed };
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${raw}`);
    await dropRejects();
  }
}
