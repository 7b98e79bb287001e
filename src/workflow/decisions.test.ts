import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agreement } from '../core/agreement.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { type DuckDBConnection, openDuck, queryRows } from '../store/duckdb.js';
import { assembleDecisions, batchHolds } from './decisions.js';

let duck: Awaited<ReturnType<typeof openDuck>>;
let conn: DuckDBConnection;
beforeAll(async () => {
  duck = await openDuck({ threads: 1 });
  conn = duck.conn;
});
afterAll(() => duck.close());

const limits = (counselThreshold: number, bulkDefectShare: number): Agreement => ({
  ...BUILTIN_AGREEMENT,
  limits: { ...BUILTIN_AGREEMENT.limits, counselThreshold, bulkDefectShare },
});

async function gate(codes: string[]): Promise<void> {
  const values = codes.length ? codes.map((c, i) => `(${i + 1}, '${c}')`).join(', ') : "(0, 'NONE')";
  await conn.run(
    `CREATE OR REPLACE TABLE g AS SELECT * FROM (VALUES ${values}) t(row_no, code) WHERE code <> 'NONE'`,
  );
}

describe('batch holds (rules B1, B2)', () => {
  it('B1: more records than the counsel threshold — not equal to it', async () => {
    await gate([]);
    expect(await batchHolds(conn, 'g', limits(10, 0.5), 10)).toEqual([]);
    expect(await batchHolds(conn, 'g', limits(10, 0.5), 11)).toEqual(['COUNSEL_SIGNOFF_REQUIRED']);
  });

  it('B2: more than the share of records refused under A9/A11 — not exactly that share', async () => {
    await gate([
      'MISSING_SPECIFIC_REASON',
      'ENGAGEMENT_IMPLAUSIBLE',
      'MISSING_SPECIFIC_REASON',
      'MISSING_SPECIFIC_REASON',
      'ENGAGEMENT_IMPLAUSIBLE',
    ]);
    expect(await batchHolds(conn, 'g', limits(100, 0.5), 10)).toEqual([]);
    expect(await batchHolds(conn, 'g', limits(100, 0.5), 9)).toEqual(['BULK_DEFECT_REVIEW']);
    await gate([
      'MISSING_NAME',
      'MISSING_NAME',
      'MISSING_NAME',
      'MISSING_NAME',
      'MISSING_NAME',
      'MISSING_NAME',
    ]);
    expect(await batchHolds(conn, 'g', limits(100, 0.5), 10)).toEqual([]);
  });

  it('a held batch discloses nothing: matched records wait as pending_review with the hold named', async () => {
    await conn.run(
      `CREATE OR REPLACE TABLE b AS SELECT * FROM (VALUES (1, 2, 'R1', NULL), (2, 3, 'R2', NULL)) t(row_no, line_no, request_id, problem)`,
    );
    await gate([]);
    await conn.run(`CREATE OR REPLACE TABLE m AS SELECT * FROM (VALUES
      (1, 'disclosed', '123456789', 0.999, ['MATCH_CONFIRMED', 'ADDRESS_IS_CURRENT'], NULL),
      (2, 'no_match', NULL, 0.2, ['LOW_CONFIDENCE'], NULL)) t(row_no, outcome, master_tin, match_probability, codes, evidence)`);
    await assembleDecisions(conn, {
      batchCodes: [],
      holds: ['COUNSEL_SIGNOFF_REQUIRED'],
      agreement: BUILTIN_AGREEMENT,
      asOf: '2026-01-15',
      batchId: 'B',
      matcherVersion: 'test',
      tables: { batch: 'b', gate: 'g', matches: 'm', target: 'd' },
    });
    const rows = await queryRows<{
      request_id: string;
      outcome: string;
      reason_codes: string[];
      master_tin: string | null;
    }>(conn, 'SELECT request_id, outcome, reason_codes, master_tin FROM d ORDER BY row_no');
    expect(rows).toEqual([
      {
        request_id: 'R1',
        outcome: 'pending_review',
        reason_codes: ['COUNSEL_SIGNOFF_REQUIRED', 'MATCH_CONFIRMED', 'ADDRESS_IS_CURRENT'],
        master_tin: '123456789',
      },
      { request_id: 'R2', outcome: 'no_match', reason_codes: ['LOW_CONFIDENCE'], master_tin: null },
    ]);
  });

  it('a record that reached no decision is an error, never a silent pass', async () => {
    await conn.run(
      `CREATE OR REPLACE TABLE b AS SELECT * FROM (VALUES (1, 2, 'R1', NULL)) t(row_no, line_no, request_id, problem)`,
    );
    await gate([]);
    await conn.run(
      'CREATE OR REPLACE TABLE m (row_no BIGINT, outcome VARCHAR, master_tin VARCHAR, match_probability DOUBLE, codes VARCHAR[], evidence VARCHAR)',
    );
    await expect(
      assembleDecisions(conn, {
        batchCodes: [],
        holds: [],
        agreement: BUILTIN_AGREEMENT,
        asOf: '2026-01-15',
        batchId: 'B',
        matcherVersion: 't',
        tables: { batch: 'b', gate: 'g', matches: 'm', target: 'd' },
      }),
    ).rejects.toThrow(/reached no decision/);
  });
});
