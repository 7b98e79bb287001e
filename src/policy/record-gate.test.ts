import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agreement } from '../core/agreement.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { loadBatchRecords } from '../ingest/batch-reader.js';
import { type DuckDBConnection, openDuck, queryRows } from '../store/duckdb.js';
import { csvOf, lawfulRequest, tempDir } from '../test-support/requests.js';
import { runRecordGate } from './record-gate.js';

let duck: Awaited<ReturnType<typeof openDuck>>;
let conn: DuckDBConnection;
const dir = tempDir();

beforeAll(async () => {
  duck = await openDuck({ threads: 1 });
  conn = duck.conn;
});
afterAll(() => duck.close());

/** Runs the gate over the rows; returns the codes per request_id (sorted). */
async function gate(
  rows: Record<string, string>[],
  agreement: Agreement = BUILTIN_AGREEMENT,
  batchRequestedFields: string[] = [],
): Promise<Map<string, string[]>> {
  const file = path.join(dir, 'requests.csv');
  writeFileSync(file, csvOf(rows));
  await loadBatchRecords(conn, file, 'batch_raw', dir);
  await runRecordGate(conn, 'batch_raw', 'gate_codes', {
    agreement,
    asOf: '2026-01-15',
    batchRequestedFields,
  });
  const result = await queryRows<{ request_id: string; codes: string[] }>(
    conn,
    'SELECT b.request_id, list(g.code ORDER BY g.code) FILTER (WHERE g.code IS NOT NULL) AS codes FROM batch_raw b LEFT JOIN gate_codes g USING (row_no) GROUP BY b.request_id, b.row_no ORDER BY b.row_no',
  );
  return new Map(result.map((r) => [r.request_id, r.codes ?? []]));
}

async function codesOf(over: Record<string, string>): Promise<string[]> {
  const m = await gate([lawfulRequest(1, over)]);
  return m.get(over.request_id ?? 'R1') ?? [];
}

describe('record-level legal gate', () => {
  it('passes a lawful record with no code', async () => {
    expect(await codesOf({})).toEqual([]);
  });

  it('A3 MISSING_NAME: given or family name missing', async () => {
    expect(await codesOf({ given_name: '' })).toEqual(['MISSING_NAME']);
    expect(await codesOf({ family_name: '   ' })).toEqual(['MISSING_NAME']);
  });

  describe('A4 MISSING_OR_INVALID_ADDRESS', () => {
    it.each([
      ['empty street', { street: '' }],
      ['Failed to Provide', { street: 'Failed to Provide' }],
      ['Unknown Address', { street: 'Unknown Address' }],
      ['NA NA', { street: 'NA NA' }],
      ['N/A', { street: 'N/A' }],
      ['UNKNOWN', { street: 'UNKNOWN' }],
      ['00000', { street: '00000' }],
      ['NONE', { street: 'NONE' }],
      ['ZIP only in the street', { street: '62701' }],
      ['bare number', { street: '123' }],
      ['street with no house number', { street: 'Main Street' }],
      ['house number then a placeholder', { street: '12 Unknown' }],
      ['no ZIP and no city/state', { zip: '', city: '', state: '' }],
      ['ZIP 00000 and no city', { zip: '00000', city: '' }],
    ])('%s', async (_label, over) => {
      expect(await codesOf(over as Record<string, string>)).toEqual(['MISSING_OR_INVALID_ADDRESS']);
    });
    it.each([
      ['ordinary', { street: '12 Elm St' }],
      ['house number with letter', { street: '12B Elm St' }],
      ['ZIP+4', { zip: '62701-1234' }],
      ['city and state without ZIP', { zip: '' }],
      ['half number', { street: '12 1/2 Elm St' }],
    ])('accepts %s', async (_label, over) => {
      expect(await codesOf(over as Record<string, string>)).toEqual([]);
    });
  });

  describe('A5 MISSING_TAXABLE_PERIOD', () => {
    it.each(['', 'FY23', '1899', '2027', '22', '2023;', '2023;abcd', ' ; '])('refuses %j', async (p) => {
      const expected = p === '2023;' ? [] : ['MISSING_TAXABLE_PERIOD'];
      expect(await codesOf({ taxable_periods: p })).toEqual(expected);
    });
    it.each(['1900', '2026', '2022;2023', ' 2021 ; 2022 '])('accepts %j (as of 2026)', async (p) => {
      expect(await codesOf({ taxable_periods: p })).toEqual([]);
    });
  });

  it('A6 MISSING_STATUTORY_AUTHORITY', async () => {
    expect(await codesOf({ criminal_statute: ' ' })).toEqual(['MISSING_STATUTORY_AUTHORITY']);
  });

  it('A7 NOT_NONTAX_CRIMINAL: civil, removal and tax provisions; spelling variants of listed ones pass', async () => {
    for (const s of [
      '8 USC 1227(a)(1)(B)',
      '8 USC 1182(a)(6)(A)',
      '8 USC 1229a',
      '8 USC 1231',
      '26 USC 7201',
      'overstay',
    ]) {
      expect(await codesOf({ criminal_statute: s })).toEqual(['NOT_NONTAX_CRIMINAL']);
    }
    for (const s of ['8 U.S.C. § 1326(a)', '8 usc 1326', '18 USC 1546(a)'])
      expect(await codesOf({ criminal_statute: s })).toEqual([]);
  });

  it('A8 MISSING_CASE_NUMBER', async () => {
    expect(await codesOf({ case_number: '' })).toEqual(['MISSING_CASE_NUMBER']);
  });

  it('A9 MISSING_SPECIFIC_REASON: missing or shorter than 20 characters', async () => {
    expect(await codesOf({ justification: '' })).toEqual(['MISSING_SPECIFIC_REASON']);
    expect(await codesOf({ justification: 'x'.repeat(19) })).toEqual(['MISSING_SPECIFIC_REASON']);
    expect(await codesOf({ justification: `  ${'x'.repeat(20)}  ` })).toEqual([]);
  });

  it('A9: the same text (after removing own name, case, statute) on more than 10 other records', async () => {
    const boiler = (i: number) =>
      `Subject MARIA LOPEZ${i}  in case CASE-${i} under 8 USC 1326(a) is removable.`;
    const eleven = Array.from({ length: 11 }, (_, i) => lawfulRequest(i, { justification: boiler(i) }));
    const r11 = await gate(eleven);
    expect([...r11.values()].every((c) => c.length === 0)).toBe(true); // 10 others: allowed
    const twelve = Array.from({ length: 12 }, (_, i) => lawfulRequest(i, { justification: boiler(i) }));
    const r12 = await gate(twelve);
    expect([...r12.values()].every((c) => c.join() === 'MISSING_SPECIFIC_REASON')).toBe(true);
  });

  it('A9 and A11 numbers come from the agreement', async () => {
    const strict: Agreement = {
      ...BUILTIN_AGREEMENT,
      limits: { ...BUILTIN_AGREEMENT.limits, justificationMaxRepeats: 1, officerMaxRecords: 2 },
    };
    const rows = Array.from({ length: 3 }, (_, i) =>
      lawfulRequest(i, {
        justification: 'The same boilerplate justification text',
        requesting_officer: 'Agent Smith',
      }),
    );
    const r = await gate(rows, strict);
    expect(
      [...r.values()].every(
        (c) => c.join() === 'ENGAGEMENT_IMPLAUSIBLE;MISSING_SPECIFIC_REASON'.split(';').join(),
      ),
    ).toBe(true);
  });

  it('A10 NO_ENGAGED_RECIPIENT', async () => {
    expect(await codesOf({ requesting_officer: '' })).toEqual(['NO_ENGAGED_RECIPIENT']);
  });

  it('A11 ENGAGEMENT_IMPLAUSIBLE: an officer on more than 200 records, all of them refused', async () => {
    const at200 = Array.from({ length: 200 }, (_, i) =>
      lawfulRequest(i, { requesting_officer: 'Agent  Smith' }),
    );
    expect([...(await gate(at200)).values()].every((c) => c.length === 0)).toBe(true);
    const at201 = Array.from({ length: 201 }, (_, i) =>
      lawfulRequest(i, { requesting_officer: i % 2 ? 'agent smith' : 'Agent Smith ' }),
    );
    expect([...(await gate(at201)).values()].every((c) => c.join() === 'ENGAGEMENT_IMPLAUSIBLE')).toBe(true);
  });

  it('A12 TRI_REQUIRES_COURT_ORDER: a record or the batch asking beyond identity', async () => {
    expect(await codesOf({ requested_fields: 'address;wages' })).toEqual(['TRI_REQUIRES_COURT_ORDER']);
    expect(await codesOf({ requested_fields: 'name;address' })).toEqual([]);
    const r = await gate([lawfulRequest(1)], BUILTIN_AGREEMENT, ['employer']);
    expect(r.get('R1')).toEqual(['TRI_REQUIRES_COURT_ORDER']);
  });

  it('A16 DUPLICATE_REQUEST: the later rows with a used request_id', async () => {
    const rows = [
      lawfulRequest(1),
      lawfulRequest(2),
      lawfulRequest(1, { family_name: 'Other', case_number: '' }),
    ];
    const file = path.join(dir, 'dups.csv');
    writeFileSync(file, csvOf(rows));
    await loadBatchRecords(conn, file, 'batch_raw', dir);
    await runRecordGate(conn, 'batch_raw', 'gate_codes', {
      agreement: BUILTIN_AGREEMENT,
      asOf: '2026-01-15',
      batchRequestedFields: [],
    });
    const codes = await queryRows<{ row_no: number; code: string }>(
      conn,
      'SELECT row_no, code FROM gate_codes ORDER BY row_no, code',
    );
    expect(codes).toEqual([
      { row_no: 3, code: 'DUPLICATE_REQUEST' },
      { row_no: 3, code: 'MISSING_CASE_NUMBER' },
    ]);
  });

  it('A17 MALFORMED_RECORD: bad date, wrong column count, control character — only that code', async () => {
    const rows = [
      lawfulRequest(1, { date_of_birth: '1985-13-45', given_name: '' }),
      lawfulRequest(2, { justification: 'bad \u0001 character in the text here' }),
      lawfulRequest(3),
    ];
    const file = path.join(dir, 'malformed.csv');
    const text = csvOf(rows).replace(/\n$/, '\nR4,too,few,fields\n');
    writeFileSync(file, text);
    const loaded = await loadBatchRecords(conn, file, 'batch_raw', dir);
    expect(loaded).toMatchObject({ rows: 4, malformed: 3 });
    await runRecordGate(conn, 'batch_raw', 'gate_codes', {
      agreement: BUILTIN_AGREEMENT,
      asOf: '2026-01-15',
      batchRequestedFields: [],
    });
    const codes = await queryRows<{ request_id: string; code: string; problem: string }>(
      conn,
      'SELECT request_id, code, problem FROM gate_codes JOIN batch_raw USING (row_no) ORDER BY row_no',
    );
    expect(codes.map((c) => [c.request_id, c.code])).toEqual([
      ['R1', 'MALFORMED_RECORD'],
      ['R2', 'MALFORMED_RECORD'],
      ['R4', 'MALFORMED_RECORD'],
    ]);
    expect(codes[0]!.problem).toContain("date_of_birth '1985-13-45'");
    expect(codes[1]!.problem).toContain('U+0001');
    expect(codes[2]!.problem).toContain('4 fields');
  });

  it('reports every code a record earns', async () => {
    expect(await codesOf({ given_name: '', street: 'N/A', case_number: '', requesting_officer: '' })).toEqual(
      ['MISSING_CASE_NUMBER', 'MISSING_NAME', 'MISSING_OR_INVALID_ADDRESS', 'NO_ENGAGED_RECIPIENT'],
    );
  });
});

describe('agreement-required elements beyond the statute', () => {
  it('MISSING_REQUIRED_ELEMENT when the agreement requires a date of birth or TIN', async () => {
    const strict: Agreement = {
      ...BUILTIN_AGREEMENT,
      requiredElements: [...BUILTIN_AGREEMENT.requiredElements, 'date_of_birth', 'tin'],
    };
    const r = await gate(
      [
        lawfulRequest(1, { date_of_birth: '' }),
        lawfulRequest(2, { tin: '123456789' }),
        lawfulRequest(3, { tin: '123456789', date_of_birth: '' }),
      ],
      strict,
    );
    expect(r.get('R1')).toEqual(['MISSING_REQUIRED_ELEMENT']);
    expect(r.get('R2')).toEqual([]);
    expect(r.get('R3')).toEqual(['MISSING_REQUIRED_ELEMENT']);
    const builtin = await gate([lawfulRequest(1, { date_of_birth: '' })]);
    expect(builtin.get('R1')).toEqual([]);
  });
});
