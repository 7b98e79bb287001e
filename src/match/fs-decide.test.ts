import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agreement } from '../core/agreement.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { type DuckDBConnection, openDuck, queryRows } from '../store/duckdb.js';
import { testModel } from '../test-support/fs-model.js';
import { COMPARISONS } from './comparisons.js';
import { decideMatches } from './fs-decide.js';

let duck: Awaited<ReturnType<typeof openDuck>>;
let conn: DuckDBConnection;
beforeAll(async () => {
  duck = await openDuck({ threads: 1 });
  conn = duck.conn;
});
afterAll(() => duck.close());

interface Cand {
  row: number;
  tin: string;
  weight: number;
  levels?: Partial<Record<string, number>>;
}
const GOOD = { given: 4, family: 4, middle: -1, suffix: 2, dob: 5, address: 4, tin: -1 };

/** Decides over hand-made scored candidates; returns row → [outcome, codes]. */
async function decide(
  cands: Cand[],
  agreement: Agreement = BUILTIN_AGREEMENT,
): Promise<Map<number, { outcome: string; codes: string[]; master_tin: string | null }>> {
  // Scored pairs hold TINs as integers: each test name gets one, and the decisions give it back.
  const names = [...new Set(cands.map((c) => c.tin))];
  const tinOf = (name: string) => 100_000_000 + names.indexOf(name);
  const rows = cands.map((c) => {
    const l = { ...GOOD, ...c.levels };
    return `(${c.row}, ${tinOf(c.tin)}, ${c.weight}, ${COMPARISONS.map((x) => l[x.id as keyof typeof l]).join(', ')}, true, false, false, NULL::DOUBLE, NULL::DOUBLE)`;
  });
  const cols = [
    'row_no',
    'tin',
    'weight',
    ...COMPARISONS.map((c) => `l_${c.id}`),
    'addr_current',
    'swapped',
    'suffix_pair',
    'tf_given_p',
    'tf_family_p',
  ];
  await conn.run(
    `CREATE OR REPLACE TABLE scored AS SELECT * FROM (VALUES ${rows.join(', ')}) t(${cols.join(', ')})`,
  );
  const ids = [...new Set(cands.map((c) => c.row))];
  await conn.run(
    `CREATE OR REPLACE TABLE reqs AS SELECT * FROM (VALUES ${ids.map((i) => `(${i})`).join(', ')}) t(row_no)`,
  );
  await decideMatches(conn, 'reqs', 'scored', 'res', testModel(), agreement);
  const out = await queryRows<{
    row_no: number;
    outcome: string;
    codes: string[];
    master_tin: string | null;
  }>(conn, 'SELECT row_no, outcome, codes, master_tin FROM res');
  const nameOf = (tin: string | null) => (tin === null ? null : names[Number(tin) - 100_000_000]!);
  return new Map(out.map((r) => [r.row_no, { ...r, master_tin: nameOf(r.master_tin) }]));
}

const logit = (p: number) => Math.log2(p / (1 - p));

describe('decision thresholds from the agreement (rule C3) and the ambiguity margin (rule C2)', () => {
  it('discloses at the threshold, not just under it', async () => {
    const t = BUILTIN_AGREEMENT.matching.threshold;
    const r = await decide([
      { row: 1, tin: 'A', weight: logit(t) + 1e-9 },
      { row: 2, tin: 'B', weight: logit(t) - 1e-6 },
    ]);
    expect(r.get(1)!.outcome).toBe('disclosed');
    expect(r.get(2)).toMatchObject({ outcome: 'no_match', codes: ['LOW_CONFIDENCE'], master_tin: null });
  });

  it('a stricter agreement threshold refuses what the default discloses', async () => {
    const strict: Agreement = {
      ...BUILTIN_AGREEMENT,
      matching: { ...BUILTIN_AGREEMENT.matching, threshold: 0.999 },
    };
    const r = await decide([{ row: 1, tin: 'A', weight: logit(0.995) }], strict);
    expect(r.get(1)!.codes).toEqual(['LOW_CONFIDENCE']);
  });

  it('a runner-up within the margin makes the record ambiguous; just outside, it does not', async () => {
    const m = BUILTIN_AGREEMENT.matching.ambiguityMargin;
    const r = await decide([
      { row: 1, tin: 'A', weight: 30 },
      { row: 1, tin: 'B', weight: 30 - m },
      { row: 2, tin: 'C', weight: 30 },
      { row: 2, tin: 'D', weight: 30 - m - 0.01, levels: { address: 3 } },
    ]);
    expect(r.get(1)).toMatchObject({ outcome: 'ambiguous', codes: ['AMBIGUOUS_MATCH'], master_tin: 'A' });
    expect(r.get(2)).toMatchObject({ outcome: 'disclosed', master_tin: 'C' });
  });

  it('between candidates of equal weight the lowest TIN is the best, the other the runner-up', async () => {
    // TINs are numbered in order of first mention: B < A, D < C.
    const r = await decide([
      { row: 1, tin: 'B', weight: 25 },
      { row: 1, tin: 'A', weight: 25 },
      { row: 2, tin: 'D', weight: 25, levels: { given: 0 } },
      { row: 2, tin: 'C', weight: 25 },
    ]);
    expect(r.get(1)).toMatchObject({ outcome: 'ambiguous', codes: ['AMBIGUOUS_MATCH'], master_tin: 'B' });
    // The best (D) is vetoed by its given name; C, of equal weight, is its runner-up.
    expect(r.get(2)).toMatchObject({ outcome: 'ambiguous', codes: ['AMBIGUOUS_MATCH'], master_tin: 'D' });
  });

  it('a runner-up vetoed by a conflicting field does not make a record ambiguous', async () => {
    const r = await decide([
      { row: 1, tin: 'A', weight: 30 },
      { row: 1, tin: 'B', weight: 29.5, levels: { given: 0, dob: 0 } },
    ]);
    expect(r.get(1)!.outcome).toBe('disclosed');
  });

  it('a runner-up named exactly beats a best named only closely: ambiguous', async () => {
    const r = await decide([
      { row: 1, tin: 'A', weight: 40, levels: { given: 2, middle: 2 } },
      { row: 1, tin: 'B', weight: 30 },
    ]);
    expect(r.get(1)!.codes).toEqual(['AMBIGUOUS_MATCH']);
  });

  it.each([
    ['given name different', { given: 0 }, 'IDENTITY_CONFLICT'],
    ['given name merely similar', { given: 1 }, 'IDENTITY_CONFLICT'],
    ['family name different (birth date not exact)', { family: 0, dob: 3 }, 'IDENTITY_CONFLICT'],
    ['birth date different', { dob: 0 }, 'IDENTITY_CONFLICT'],
    ['birth date same year only', { dob: 1 }, 'IDENTITY_CONFLICT'],
    ['middle initials differ', { middle: 0 }, 'IDENTITY_CONFLICT'],
    ['Jr against Sr', { suffix: 0 }, 'IDENTITY_CONFLICT'],
    ['suffix on one side, birth date not exact', { suffix: 1, dob: 4 }, 'IDENTITY_CONFLICT'],
    ['address only same street', { address: 2 }, 'ADDRESS_NOT_CONFIRMED'],
    ['no birth date to compare', { dob: -1 }, 'BIRTH_DATE_NOT_CONFIRMED'],
    ['given name a nickname, no middle name', { given: 3 }, 'GIVEN_NAME_NOT_CONFIRMED'],
  ])('veto or review: %s', async (_label, levels, code) => {
    const r = await decide([{ row: 1, tin: 'A', weight: 40, levels }]);
    expect(r.get(1)!.codes).toEqual([code]);
  });

  it('family name different but given name and birth date exact (a married name, or a namesake): held for review', async () => {
    const r = await decide([{ row: 1, tin: 'A', weight: 40, levels: { family: 0 } }]);
    expect(r.get(1)).toMatchObject({ outcome: 'pending_review', codes: ['FAMILY_NAME_NOT_CONFIRMED'] });
    // One step short of exact on the birth date: vetoed outright.
    const v = await decide([{ row: 1, tin: 'A', weight: 40, levels: { family: 0, dob: 4 } }]);
    expect(v.get(1)!.codes).toEqual(['IDENTITY_CONFLICT']);
  });

  it('family name only alike in sound (SANDERS, ANDERSON): confirmed by an exact birth date, else held for review', async () => {
    const exact = await decide([{ row: 1, tin: 'A', weight: 40, levels: { family: 1 } }]);
    expect(exact.get(1)!.outcome).toBe('disclosed');
    for (const dob of [2, 3, 4]) {
      const r = await decide([{ row: 1, tin: 'A', weight: 40, levels: { family: 1, dob } }]);
      expect(r.get(1), `dob level ${dob}`).toMatchObject({
        outcome: 'pending_review',
        codes: ['FAMILY_NAME_NOT_CONFIRMED'],
      });
    }
    // A family name sharing a token is not held on that account.
    const shared = await decide([{ row: 1, tin: 'A', weight: 40, levels: { family: 2, dob: 3 } }]);
    expect(shared.get(1)!.outcome).toBe('disclosed');
  });

  it('a married-name candidate still makes a close best candidate ambiguous', async () => {
    const r = await decide([
      { row: 1, tin: 'A', weight: 40 },
      { row: 1, tin: 'B', weight: 39.5, levels: { family: 0 } },
    ]);
    expect(r.get(1)!.codes).toEqual(['AMBIGUOUS_MATCH']);
  });
});

describe('twins at one address (rule C2)', () => {
  it('another candidate fitting as well but for the given name holds the record for review, vetoed or not', async () => {
    const r = await decide([
      // The request names ROBERT exactly; EDWARD, his twin, shares birth date, family name and address.
      { row: 1, tin: 'ROBERT', weight: 50 },
      { row: 1, tin: 'EDWARD', weight: 20, levels: { given: 0 } },
      // A brother with another birth date does not hold it.
      { row: 2, tin: 'ROBERT', weight: 50 },
      { row: 2, tin: 'JAMES', weight: 15, levels: { given: 0, dob: 0 } },
      // Nor a neighbour at another address level.
      { row: 3, tin: 'ROBERT', weight: 50 },
      { row: 3, tin: 'NEIGHBOUR', weight: 10, levels: { given: 0, family: 0, address: 3 } },
    ]);
    expect(r.get(1)).toMatchObject({
      outcome: 'pending_review',
      codes: ['TWIN_NOT_EXCLUDED'],
      master_tin: 'ROBERT',
    });
    expect(r.get(2)!.outcome).toBe('disclosed');
    expect(r.get(3)!.outcome).toBe('disclosed');
    // A twin whose birth date the master does not hold cannot be told apart by it either.
    const noDob = await decide([
      { row: 1, tin: 'JUAN', weight: 50 },
      { row: 1, tin: 'JUANA', weight: 38, levels: { given: 2, dob: -1 } },
    ]);
    expect(noDob.get(1)).toMatchObject({
      outcome: 'pending_review',
      codes: ['TWIN_NOT_EXCLUDED'],
      master_tin: 'JUAN',
    });
  });
});

describe('siblings who differ only in the spelling of the given name (rule C2)', () => {
  it('a runner-up as close on birth date and address, with a close given name, makes the record ambiguous', async () => {
    const r = await decide([
      { row: 1, tin: 'ANGEL', weight: 40, levels: { dob: 2 } },
      { row: 1, tin: 'ANGELA', weight: 35, levels: { given: 2, dob: 2 } },
      { row: 2, tin: 'ANGEL', weight: 40, levels: { dob: 2 } },
      { row: 2, tin: 'ANGELA', weight: 30, levels: { given: 2, dob: 0 } },
    ]);
    expect(r.get(1)!.codes).toEqual(['AMBIGUOUS_MATCH']);
    // A sibling whose birth date disagrees is told apart (and vetoed): not ambiguous.
    expect(r.get(2)!.outcome).toBe('disclosed');
  });
});
