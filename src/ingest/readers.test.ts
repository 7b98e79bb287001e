import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodianError } from '../core/errors.js';
import { type DuckDBConnection, openDuck, queryRows, queryValue } from '../store/duckdb.js';
import { csvOf, lawfulRequest, tempDir, writeBatch } from '../test-support/requests.js';
import { loadBatchRecords } from './batch-reader.js';
import { loadCsvFast, scanCsvBytes } from './csv-fast-path.js';
import { readManifest } from './manifest.js';
import { loadMaster, masterRowsSql } from './master-reader.js';

let duck: Awaited<ReturnType<typeof openDuck>>;
let conn: DuckDBConnection;
const dir = tempDir();

beforeAll(async () => {
  duck = await openDuck({ threads: 1 });
  conn = duck.conn;
});
afterAll(() => duck.close());

async function expectError(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CustodianError);
  expect((e as CustodianError).code).toBe(code);
  expect((e as CustodianError).message).toMatch(text);
}

function file(name: string, content: string | Buffer): string {
  const f = path.join(dir, name);
  writeFileSync(f, content);
  return f;
}

describe('manifest', () => {
  it('reads a valid manifest and resolves the records path beside it', async () => {
    const m = await readManifest(writeBatch(dir, [lawfulRequest(1)]));
    expect(m.batchId).toBe('TEST-1');
    expect(m.recordsPath).toBe(path.join(dir, 'requests.csv'));
    expect(m.signedBy.title).toBe('Secretary of Homeland Security');
  });
  it('refuses a records path that escapes the manifest folder', async () => {
    await expectError(
      readManifest(writeBatch(dir, [], { records: '../etc/passwd' })),
      'CUS_RECORDS_PATH_ESCAPES',
      /outside the manifest's folder/,
    );
    await expectError(
      readManifest(writeBatch(dir, [], { records: '/etc/passwd' })),
      'CUS_RECORDS_PATH_ESCAPES',
      /outside/,
    );
  });
  it('names a missing field and bad JSON', async () => {
    await expectError(
      readManifest(file('m1.json', '{"records":"r.csv"}')),
      'CUS_MANIFEST_INVALID',
      /batch_id/,
    );
    await expectError(
      readManifest(file('m2.json', '{"batch_id": ')),
      'CUS_MANIFEST_INVALID',
      /not valid JSON/,
    );
    await expectError(
      readManifest(path.join(dir, 'nope.json')),
      'CUS_INPUT_NOT_FOUND',
      /nope\.json: manifest not found/,
    );
  });
  it('keeps a batch without legal fields readable (the gate refuses it, record by record)', async () => {
    const m = await readManifest(file('m3.json', '{"batch_id":"B","records":"requests.csv"}'));
    expect(m.statutoryAuthority).toBe('');
    expect(m.signedBy.title).toBe('');
  });
});

describe('request records reader', () => {
  it('loads CSV with CRLF line ends, quoted newlines and extra columns', async () => {
    const rows = [
      lawfulRequest(1, { justification: 'line one\nline two, with "quotes" and more text' }),
      lawfulRequest(2),
    ];
    const text = csvOf(rows, [...Object.keys(rows[0]!), 'extra_column'])
      .replaceAll('\n', '\r\n')
      .replace('line one\r\nline two', 'line one\nline two');
    const loaded = await loadBatchRecords(conn, file('crlf.csv', text), 'b', dir);
    expect(loaded).toEqual({ rows: 2, malformed: 0, format: 'csv' });
    const j = await queryRows<{ justification: string; line_no: number }>(
      conn,
      'SELECT justification, line_no FROM b ORDER BY row_no',
    );
    expect(j[0]!.justification).toBe('line one\nline two, with "quotes" and more text');
    expect(j[1]!.line_no).toBe(4);
  });
  it('stops on a missing file, a missing required column, non-UTF-8 text, an unclosed quote, an empty file', async () => {
    await expectError(
      loadBatchRecords(conn, path.join(dir, 'absent.csv'), 'b', dir),
      'CUS_INPUT_NOT_FOUND',
      /absent\.csv: file not found/,
    );
    await expectError(
      loadBatchRecords(conn, file('cols.csv', 'request_id,given_name\nR1,A\n'), 'b', dir),
      'CUS_INPUT_MISSING_COLUMNS',
      /cols\.csv: header lacks required column\(s\) family_name, street/,
    );
    const latin1 = Buffer.concat([
      Buffer.from(csvOf([lawfulRequest(1)]).slice(0, -1)),
      Buffer.from([0xe9, 0x0a]),
    ]);
    await expectError(
      loadBatchRecords(conn, file('latin1.csv', latin1), 'b', dir),
      'CUS_INPUT_NOT_UTF8',
      /latin1\.csv: not UTF-8 text \(invalid byte sequence near byte \d+\)/,
    );
    await expectError(
      loadBatchRecords(conn, file('quote.csv', `${csvOf([lawfulRequest(1)])}R2,"unclosed\n`), 'b', dir),
      'CUS_INPUT_UNREADABLE',
      /quote\.csv: not readable as CSV near line/,
    );
    await expectError(
      loadBatchRecords(conn, file('empty.csv', ''), 'b', dir),
      'CUS_INPUT_UNREADABLE',
      /empty\.csv: empty file/,
    );
    await expectError(
      loadBatchRecords(conn, file('r.txt', 'x'), 'b', dir),
      'CUS_INPUT_UNREADABLE',
      /must be \.csv or \.jsonl/,
    );
  });
  it('leaves no table behind when the file is unusable', async () => {
    await conn.run('DROP TABLE IF EXISTS nothing');
    await loadBatchRecords(conn, file('cols2.csv', 'request_id\nR1\n'), 'nothing', dir).catch(
      () => undefined,
    );
    expect(
      await queryValue<number>(conn, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'nothing'"),
    ).toBe(0);
  });
  it('loads JSON Lines, refusing (not dropping) bad lines', async () => {
    const lines = [
      JSON.stringify(lawfulRequest(1)),
      '{"request_id": "R2", "given_name": ',
      '[1,2]',
      JSON.stringify({ ...lawfulRequest(3), tin: 123456789 }),
      JSON.stringify({ ...lawfulRequest(4), street: { a: 1 } }),
      '',
    ];
    const loaded = await loadBatchRecords(conn, file('r.jsonl', lines.join('\n')), 'b', dir);
    expect(loaded).toEqual({ rows: 5, malformed: 3, format: 'jsonl' });
    const rows = await queryRows<{ request_id: string; problem: string | null; tin: string }>(
      conn,
      'SELECT request_id, problem, tin FROM b ORDER BY row_no',
    );
    expect(rows.map((r) => r.request_id)).toEqual(['R1', 'R2', null, 'R3', 'R4']);
    expect(rows[1]!.problem).toMatch(/not valid JSON/);
    expect(rows[2]!.problem).toBe('line is not a JSON object');
    expect(rows[3]).toMatchObject({ problem: null, tin: '123456789' });
    expect(rows[4]!.problem).toBe('street is not a text value');
  });
  it('marks an empty request_id as malformed', async () => {
    const loaded = await loadBatchRecords(
      conn,
      file('noid.csv', csvOf([lawfulRequest(1, { request_id: '' })])),
      'b',
      dir,
    );
    expect(loaded.malformed).toBe(1);
    expect(await queryValue(conn, 'SELECT problem FROM b')).toBe('request_id is empty');
  });
});

describe('master extract reader', () => {
  const header =
    'tin,given_name,middle_name,family_name,name_suffix,date_of_birth,street,unit,city,state,zip,address_tax_year';
  it('loads CSV, rejecting and reporting unusable rows', async () => {
    const text = [
      header,
      '123456789,Ana,,Pérez,,1980-01-02,1 Main St,,Austin,TX,78701,2023',
      '12345,Bad,,Tin,,,,,,,,',
      '223456789,,,NoGiven,,,,,,,,',
      '323456789,Jo,,Doe,,,,,,,,20x1',
      '423456789,"Broken,,',
    ].join('\n');
    const m = await loadMaster(conn, file('master.csv', `${text}\n`), 'mst');
    expect(m.rows).toBe(1);
    expect(m.rejected).toBe(4);
    expect(m.rejects.map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        'tin is not 9 digits',
        'given_name is empty',
        'address_tax_year is not a year',
      ]),
    );
    expect(await queryValue(conn, 'SELECT family_name FROM mst')).toBe('Pérez');
    // Rows are numbered in file order (the data rows after the header: 1, 2, …).
    expect(m.rejects.map((r) => r.where)).toEqual(
      expect.arrayContaining(['row 2 (tin 12345)', 'row 3 (tin 223456789)', 'row 4 (tin 323456789)']),
    );
    expect(await queryValue(conn, 'SELECT row_no FROM mst')).toBe(1);
  });
  it('loaded in place, keeps every row flagged and numbers the usable ones as the copy does', async () => {
    const text = [
      header,
      '123456789,Ana,,Pérez,,1980-01-02,1 Main St,,Austin,TX,78701,2023',
      '12345,Bad,,Tin,,,,,,,,',
      '223-45-6789,Bo,,Lee,,,,,,,,',
      '323456789,Jo,,Doe,,,,,,,,20x1',
      '423456789,Cy,,Ray,,,9 Elm St,,,,,2024',
    ].join('\n');
    const f = file('inplace.csv', `${text}\n`);
    const copied = await loadMaster(conn, f, 'mst_copy');
    const inPlace = await loadMaster(conn, f, 'mst_in_place', undefined, { inPlace: true });
    expect(inPlace).toEqual(copied);
    expect(await queryValue(conn, 'SELECT count(*) FROM mst_in_place')).toBe(5);
    expect(await queryValue(conn, 'SELECT count(*) FROM mst_in_place WHERE problem IS NOT NULL')).toBe(2);
    const differ = await queryValue<number>(
      conn,
      `SELECT count(*) FROM (
         (SELECT * FROM (${masterRowsSql('mst_in_place')}) EXCEPT ALL SELECT * EXCLUDE (problem) FROM mst_copy)
         UNION ALL
         (SELECT * EXCLUDE (problem) FROM mst_copy EXCEPT ALL SELECT * FROM (${masterRowsSql('mst_in_place')})))`,
    );
    expect(differ).toBe(0);
    expect(
      await queryValue(
        conn,
        `SELECT string_agg(row_no::VARCHAR, ',' ORDER BY row_no) FROM (${masterRowsSql('mst_in_place')})`,
      ),
    ).toBe('1,3,5');
  });
  it('keeps a TIN written with dashes or spaces as its nine digits, the form requests are compared in', async () => {
    const text = [header, '123-45-6789,Ana,,Pérez,,,,,,,,', '223 45 6789,Bo,,Lee,,,,,,,,'].join('\n');
    const m = await loadMaster(conn, file('dashes.csv', `${text}\n`), 'mst');
    expect(m.rows).toBe(2);
    expect(m.taxpayers).toBe(2);
    expect(await queryValue(conn, "SELECT string_agg(tin, ',' ORDER BY tin) FROM mst")).toBe(
      '123456789,223456789',
    );
  });
  it('loads Parquet with the same columns', async () => {
    const csv = file(
      'm2.csv',
      `${header}\n123456789,Ana,,Perez,,1980-01-02,1 Main St,,Austin,TX,78701,2023\n`,
    );
    const pq = path.join(dir, 'm2.parquet');
    await conn.run(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${pq}' (FORMAT parquet)`);
    const m = await loadMaster(conn, pq, 'mst');
    expect(m).toMatchObject({ rows: 1, taxpayers: 1, rejected: 0, format: 'parquet' });
  });
  it('stops on missing columns, missing file, wrong format, no usable row', async () => {
    await expectError(
      loadMaster(conn, file('m3.csv', 'tin,given_name\n123456789,A\n'), 'mst'),
      'CUS_INPUT_MISSING_COLUMNS',
      /m3\.csv: header lacks required column\(s\) family_name/,
    );
    await expectError(
      loadMaster(conn, path.join(dir, 'none.csv'), 'mst'),
      'CUS_INPUT_NOT_FOUND',
      /none\.csv/,
    );
    await expectError(
      loadMaster(conn, file('m.txt', 'x'), 'mst'),
      'CUS_INPUT_UNREADABLE',
      /must be \.csv or \.parquet/,
    );
    await expectError(
      loadMaster(conn, file('m4.csv', `${header}\n1,A,,B,,,,,,,,\n`), 'mst'),
      'CUS_MASTER_EMPTY',
      /m4\.csv: no usable row \(1 rejected\)/,
    );
  });
});

describe('the parallel CSV reader and the record-by-record reader give the same table', () => {
  const same = async (f: string) => {
    await loadBatchRecords(conn, f, 'by_record', dir, undefined, { recordByRecord: true });
    await loadBatchRecords(conn, f, 'fast', dir);
    const a = await queryRows(conn, 'SELECT * FROM by_record ORDER BY row_no');
    const b = await queryRows(conn, 'SELECT * FROM fast ORDER BY row_no');
    expect(b).toEqual(a);
    return a;
  };

  it('on rows with every field check (A17) and plain ones, read by DuckDB', async () => {
    const rows = [
      lawfulRequest(1),
      lawfulRequest(2, { given_name: 'JOSÉ', family_name: 'NÚÑEZ, Jr' }), // non-ASCII, quoted comma
      lawfulRequest(3, { date_of_birth: '2023-02-29' }), // no such day
      lawfulRequest(4, { date_of_birth: '2024-02-29' }), // a leap day
      lawfulRequest(5, { date_of_birth: '1980-13-01' }),
      lawfulRequest(6, { date_of_birth: ' 1980-02-03 ' }), // spaces: trimmed, valid
      lawfulRequest(7, { date_of_birth: '0000-02-29' }), // JavaScript's calendar reads year 0 as 1900
      lawfulRequest(8, { date_of_birth: '3/4/1980' }),
      lawfulRequest(9, { request_id: '' }),
      lawfulRequest(10, { request_id: '\t' }),
      lawfulRequest(11, { family_name: 'Lo\u0007pez' }), // control character
      lawfulRequest(12, { street: '12 Main\uFFFD St' }), // replacement character
      lawfulRequest(13, { middle_name: 'say "hi"' }), // quotes inside a quoted field
      lawfulRequest(14, { request_id: 'R\u00A014' }), // a no-break space in the id
      lawfulRequest(15, { date_of_birth: '' }),
    ];
    const f = file('fast-same.csv', csvOf(rows));
    expect(await loadCsvFast(conn, f, 'probe', () => undefined)).not.toBe(false); // DuckDB read it
    const got = await same(f);
    expect(got.filter((r) => r.problem !== null).map((r) => r.row_no)).toEqual([3, 5, 7, 8, 9, 10, 11, 12]);
    expect(got.find((r) => r.row_no === 11)!.problem).toBe(
      'family_name contains the control character U+0007',
    );
    expect(got.find((r) => r.row_no === 3)!.problem).toBe(
      "date_of_birth '2023-02-29' is not a valid YYYY-MM-DD date",
    );
  });

  it('on a synthetic batch', async () => {
    const root = tempDir();
    const { generateSynthetic } = await import('../synth/generate.js');
    await generateSynthetic({ out: root, seed: 3, taxpayers: 500, requests: 3000, threads: 1 });
    const rows = await same(path.join(root, 'batch', 'requests.csv'));
    expect(rows).toHaveLength(3000);
  });

  it('leaves irregular files to the record-by-record reader, which names the line', async () => {
    const header = csvOf([lawfulRequest(1)]).split('\n')[0]!;
    const line = csvOf([lawfulRequest(2)]).split('\n')[1]!;
    const cases: Record<string, string | Buffer> = {
      'blank line': `${header}\n${line}\n\n${line}\n`,
      'field over two lines': csvOf([lawfulRequest(1, { street: '1 Main\nSt' }), lawfulRequest(2)]),
      'not UTF-8': Buffer.concat([Buffer.from(`${header}\n`), Buffer.from([0xff, 0xfe, 0x0a])]),
      'header only': `${header}\n`,
    };
    for (const [label, content] of Object.entries(cases)) {
      const f = file(`irregular-${label.replaceAll(' ', '-')}.csv`, content);
      expect(await loadCsvFast(conn, f, 'probe', () => undefined), label).toBe(false);
    }
    const rows = await same(file('blank.csv', cases['blank line']!));
    expect(rows.map((r) => r.line_no)).toEqual([2, 4]);
  });

  it('reads rows with a wrong field count as the record-by-record reader does, in their place', async () => {
    const header = csvOf([lawfulRequest(1)]).split('\n')[0]!;
    const line = (i: number) => csvOf([lawfulRequest(i)]).split('\n')[1]!;
    const f = file(
      'short-long.csv',
      `${header}\n${line(1)}\nR2,Maria\n${line(3)}\n${line(4)},extra\n${line(5)}\n`,
    );
    expect(await loadCsvFast(conn, f, 'probe', () => undefined)).not.toBe(false);
    const rows = await same(f);
    expect(rows.map((r) => [r.row_no, r.line_no, r.request_id, r.problem])).toEqual([
      [1, 2, 'R1', null],
      [2, 3, 'R2', 'row has 2 fields, the header has 18'],
      [3, 4, 'R3', null],
      [4, 5, 'R4', 'row has 19 fields, the header has 18'],
      [5, 6, 'R5', null],
    ]);
    // A quote inside an unquoted field is not CSV: the whole file is refused, as before.
    const broken = file('broken-quote.csv', `${header}\n${line(1)}\nR2,Ma"ria\n`);
    expect(await loadCsvFast(conn, broken, 'probe', () => undefined)).toBe(false);
  });

  it('counts lines with or without a final newline, and tells UTF-8 from not', async () => {
    expect(await scanCsvBytes(file('l1.txt', 'a\nb\n'))).toEqual({
      lines: 2,
      utf8: true,
      quotesStrict: true,
    });
    expect(await scanCsvBytes(file('l2.txt', 'a\nb'))).toEqual({ lines: 2, utf8: true, quotesStrict: true });
    expect((await scanCsvBytes(file('l3.txt', Buffer.from([0x61, 0xc3])))).utf8).toBe(false);
  });

  it('tells quotes strict CSV accepts from stray ones, which DuckDB would forgive', async () => {
    const strict = async (text: string) => (await scanCsvBytes(file('q.csv', text))).quotesStrict;
    expect(await strict('a,"b, c",d\n"x ""y""",z\r\n""\n')).toBe(true);
    expect(await strict('a,"b" ,c\n')).toBe(false); // a space after the closing quote
    expect(await strict('a,b",c\n')).toBe(false); // a quote inside an unquoted field
    expect(await strict('a,b""c,d\n')).toBe(false);
    expect(await strict('a,"b\n')).toBe(false); // never closed
    expect(await strict('\uFEFF"a",b\n')).toBe(true); // after a byte-order mark
    // The record-by-record reader refuses each of those files, and so the loader does.
    const header = csvOf([lawfulRequest(1)]).split('\n')[0]!;
    const rest = csvOf([lawfulRequest(2)])
      .split('\n')[1]!
      .replace(/^R2/, '');
    for (const bad of ['"R2" ', 'R2"', 'R""2']) {
      const f = file('stray.csv', `${header}\n${bad}${rest}\n`);
      expect(await loadCsvFast(conn, f, 'probe', () => undefined), bad).toBe(false);
      await expect(loadBatchRecords(conn, f, 'stray', dir)).rejects.toThrow(/Quote/);
    }
  });
});
