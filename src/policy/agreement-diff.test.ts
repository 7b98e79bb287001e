import { describe, expect, it } from 'vitest';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { agreement, STRICT_FILE } from '../test-support/agreement-helpers.js';
import { type ClauseChange, diffAgreements, formatDiff } from './agreement-diff.js';
import { loadAgreement } from './agreement-load.js';

const B = BUILTIN_AGREEMENT;

function effects(changes: readonly ClauseChange[]): Record<string, string> {
  return Object.fromEntries(changes.map((c) => [`${c.clause} ${c.label}`, c.effect]));
}

describe('diffAgreements', () => {
  it('finds no difference between an agreement and itself', () => {
    expect(diffAgreements(B, B)).toEqual([]);
    expect(formatDiff([])).toContain('No differences');
  });

  it('ignores spelling and order in lists', () => {
    const b = agreement({
      authorities: ['IRC § 6103(i)(2)'],
      criminalStatutes: [...B.criminalStatutes].reverse().map((s) => s.replace('USC', 'U.S.C. §')),
      signatories: [
        { title: 'inspector general department of homeland security' },
        { title: 'Secretary of Homeland Security' },
      ],
    });
    expect(diffAgreements(B, b)).toEqual([]);
  });

  it.each([
    ['matching.threshold', { matching: { ...B.matching, threshold: 0.995 } }, 'tighter'],
    ['matching.ambiguity_margin', { matching: { ...B.matching, ambiguityMargin: 1 } }, 'looser'],
    ['limits.officer_max_records', { limits: { ...B.limits, officerMaxRecords: 50 } }, 'tighter'],
    ['limits.justification_min_length', { limits: { ...B.limits, justificationMinLength: 40 } }, 'tighter'],
    ['limits.justification_max_repeats', { limits: { ...B.limits, justificationMaxRepeats: 2 } }, 'tighter'],
    ['limits.counsel_threshold', { limits: { ...B.limits, counselThreshold: 50_000 } }, 'looser'],
    ['limits.bulk_defect_share', { limits: { ...B.limits, bulkDefectShare: 0.2 } }, 'tighter'],
    ['disposition_days', { dispositionDays: 120 }, 'looser'],
    ['term.expires', { term: { effective: '2025-04-07', expires: '2026-04-07' } }, 'tighter'],
    ['term.effective', { term: { effective: '2025-01-01' } }, 'looser'],
    ['safeguards.certified', { safeguards: { certified: false } }, 'tighter'],
    [
      'safeguards.expires',
      { safeguards: { certified: true, certifiedOn: '2025-01-01', expires: '2026-01-01' } },
      'tighter',
    ],
    ['parties.recipient', { parties: { ...B.parties, recipient: 'Department of Labor' } }, 'changed'],
  ] as const)('%s: %o is %s', (clause, patch, effect) => {
    const changes = diffAgreements(B, agreement(patch as Parameters<typeof agreement>[0]));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ clause, effect });
    // And the reverse change has the opposite effect.
    const back = diffAgreements(agreement(patch as Parameters<typeof agreement>[0]), B);
    const opposite = { tighter: 'looser', looser: 'tighter', changed: 'changed' }[effect];
    expect(back[0]).toMatchObject({ clause, effect: opposite });
  });

  it('adding a statute is looser, removing one tighter, a subsection of a listed one neither', () => {
    const added = diffAgreements(B, agreement({ criminalStatutes: [...B.criminalStatutes, '18 USC 1542'] }));
    expect(added).toEqual([
      {
        clause: 'criminal_statutes',
        label: 'Recognised criminal statutes: added',
        before: '(not listed)',
        after: '18 USC 1542',
        effect: 'looser',
      },
    ]);
    const removed = diffAgreements(B, agreement({ criminalStatutes: B.criminalStatutes.slice(1) }));
    expect(removed).toMatchObject([
      { clause: 'criminal_statutes', before: '8 USC 1253(a)', effect: 'tighter' },
    ]);
    const sub = diffAgreements(B, agreement({ criminalStatutes: [...B.criminalStatutes, '8 USC 1326(a)'] }));
    expect(sub).toMatchObject([{ clause: 'criminal_statutes', effect: 'changed' }]);
  });

  it('fields: adding is looser, removing tighter; required elements the other way round', () => {
    expect(
      effects(
        diffAgreements(B, agreement({ disclosableFields: B.disclosableFields.filter((f) => f !== 'unit') })),
      ),
    ).toEqual({ 'disclosable_fields Fields that may be disclosed: removed': 'tighter' });
    expect(
      effects(diffAgreements(B, agreement({ requiredElements: [...B.requiredElements, 'date_of_birth'] }))),
    ).toEqual({ 'required_elements Required request elements: added': 'tighter' });
  });

  it('signatories: a new one is looser, a delegate approval changed is "changed"', () => {
    const withDelegate = agreement({
      signatories: [...B.signatories, { title: 'Director, ICE', delegate: { counselApproval: 'OCC-1' } }],
    });
    expect(diffAgreements(B, withDelegate)).toMatchObject([
      { clause: 'signatories', effect: 'looser', after: 'Director, ICE (delegate, counsel approval OCC-1)' },
    ]);
    const reapproved = agreement({
      signatories: [...B.signatories, { title: 'Director, ICE', delegate: { counselApproval: 'OCC-2' } }],
    });
    expect(diffAgreements(withDelegate, reapproved)).toMatchObject([
      { clause: 'signatories', effect: 'changed' },
    ]);
  });

  it('court orders: a new one is tighter, lifting one looser, extending one tighter', () => {
    const order = {
      reference: 'No. 25-cv-1',
      court: 'Example District Court',
      enjoins: ['Department of Homeland Security'],
      effective: '2025-05-01',
      expires: '2025-12-31',
    };
    const enjoined = agreement({ courtOrders: [order] });
    expect(diffAgreements(B, enjoined)).toMatchObject([{ clause: 'court_orders', effect: 'tighter' }]);
    expect(diffAgreements(enjoined, B)).toMatchObject([{ clause: 'court_orders', effect: 'looser' }]);
    const extended = agreement({ courtOrders: [{ ...order, expires: '2026-06-30' }] });
    expect(diffAgreements(enjoined, extended)).toMatchObject([{ clause: 'court_orders', effect: 'tighter' }]);
    expect(diffAgreements(extended, enjoined)).toMatchObject([{ clause: 'court_orders', effect: 'looser' }]);
  });

  it('a new version shows its rationale', () => {
    const b = agreement({
      version: 2,
      changes: [...B.changes, { version: 2, date: '2025-09-01', rationale: 'Counsel review.' }],
    });
    expect(diffAgreements(B, b)).toEqual([
      { clause: 'version', label: 'Version', before: '1', after: '2', effect: 'changed' },
      {
        clause: 'changes[v2]',
        label: 'Rationale of version 2',
        before: '(none)',
        after: '2025-09-01: Counsel review.',
        effect: 'changed',
      },
    ]);
  });

  it('the strict draft is tighter on every rule it changes', async () => {
    const changes = diffAgreements(B, await loadAgreement(STRICT_FILE));
    expect(changes.filter((c) => c.effect === 'looser')).toEqual([]);
    expect(changes.filter((c) => c.effect === 'tighter').length).toBeGreaterThanOrEqual(10);
  });
});

describe('formatDiff', () => {
  it('prints an aligned table with a summary', async () => {
    const text = formatDiff(diffAgreements(B, await loadAgreement(STRICT_FILE)));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^CLAUSE\s+BEFORE\s+AFTER\s+EFFECT$/);
    const effectColumn = lines[0]!.indexOf('EFFECT');
    const row = lines.find((l) => l.startsWith('Match probability threshold'))!;
    expect(row).toMatch(/0\.99\s+0\.995\s+tighter$/);
    expect(row.indexOf('tighter')).toBe(effectColumn);
    expect(text).toContain('(matching.threshold)');
    expect(lines.every((l) => l.length <= 112)).toBe(true);
    expect(text).toMatch(
      /\d+ changes: \d+ tighter \(discloses less\), 0 looser \(discloses more\), \d+ other\.\n$/,
    );
  });
});
