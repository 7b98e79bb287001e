import { describe, expect, it } from 'vitest';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { draft } from '../test-support/agreement-helpers.js';
import { type AgreementProblem, validateAgreement } from './agreement-validate.js';

const B = BUILTIN_AGREEMENT;

function problems(patch: Parameters<typeof draft>[0]): AgreementProblem[] {
  return validateAgreement(draft(patch));
}

function only(patch: Parameters<typeof draft>[0]): AgreementProblem {
  const ps = problems(patch);
  expect(ps).toHaveLength(1);
  return ps[0]!;
}

describe('validateAgreement: the built-in agreement', () => {
  it('has no problem', () => {
    expect(validateAgreement(B)).toEqual([]);
  });
});

describe('validateAgreement: statutory rules cannot be loosened', () => {
  it('A1: authorities must not be empty', () => {
    expect(only({ authorities: [] })).toMatchObject({ path: 'authorities', rule: 'A1' });
  });

  it('A1: an authority must be a citation, and one this gateway implements', () => {
    expect(only({ authorities: ['the Privacy Act'] })).toMatchObject({ path: 'authorities[0]', rule: 'A1' });
    const p = only({ authorities: ['26 USC 6103(i)(1)'] });
    expect(p).toMatchObject({ path: 'authorities[0]', rule: 'A1' });
    expect(p.message).toContain('26 USC 6103(i)(2)');
    expect(only({ authorities: ['26 USC 6103'] }).rule).toBe('A1');
  });

  it('A1: spelling variants and subsections of 26 USC 6103(i)(2) are accepted', () => {
    expect(problems({ authorities: ['26 U.S.C. § 6103(i)(2)'] })).toEqual([]);
    expect(problems({ authorities: ['IRC § 6103(i)(2)'] })).toEqual([]);
    expect(problems({ authorities: ['26 USC 6103(i)(2)(A)'] })).toEqual([]);
  });

  it('A2: a delegate needs a counsel approval', () => {
    const p = only({
      signatories: [...B.signatories, { title: 'Director, ICE', delegate: { counselApproval: '  ' } }],
    });
    expect(p).toMatchObject({ path: 'signatories[2].delegate.counsel_approval', rule: 'A2' });
    expect(
      problems({
        signatories: [
          ...B.signatories,
          { title: 'Director, ICE', delegate: { counselApproval: 'OCC-2025-14' } },
        ],
      }),
    ).toEqual([]);
  });

  it('A2: at least one signatory, each with a title, none twice', () => {
    expect(only({ signatories: [] })).toMatchObject({ path: 'signatories', rule: 'A2' });
    expect(only({ signatories: [{ title: '' }] })).toMatchObject({
      path: 'signatories[0].title',
      rule: 'A2',
    });
    expect(
      only({
        signatories: [
          { title: 'Secretary of Homeland Security' },
          { title: 'secretary of homeland  security.' },
        ],
      }),
    ).toMatchObject({ path: 'signatories[1]', rule: 'A2' });
  });

  it.each(['8 USC 1227', '8 U.S.C. § 1227(a)(2)', '8 USC 1182', '8 USC 1229a', '8 USC 1231', '26 USC 7201'])(
    'A7: %s is never a criminal statute',
    (statute) => {
      const p = only({ criminalStatutes: [...B.criminalStatutes, statute] });
      expect(p).toMatchObject({ path: `criminal_statutes[${B.criminalStatutes.length}]`, rule: 'A7' });
      expect(p.message).toContain(statute);
    },
  );

  it('A7: a statute must be a USC citation; the list must not be empty', () => {
    expect(only({ criminalStatutes: ['illegal entry'] })).toMatchObject({
      path: 'criminal_statutes[0]',
      rule: 'A7',
    });
    expect(only({ criminalStatutes: [] })).toMatchObject({ path: 'criminal_statutes', rule: 'A7' });
  });

  it('A7: a statute listed twice (after normalising) is a problem', () => {
    expect(only({ criminalStatutes: ['8 USC 1326', '8 U.S.C. § 1326'] })).toMatchObject({
      path: 'criminal_statutes[1]',
      rule: 'A7',
    });
  });

  it.each([
    ['given_name', 'A3'],
    ['family_name', 'A3'],
    ['address', 'A4'],
    ['taxable_periods', 'A5'],
    ['criminal_statute', 'A6'],
    ['case_number', 'A8'],
    ['justification', 'A9'],
    ['requesting_officer', 'A10'],
  ])('A3–A10: dropping the required element %s is refused under rule %s', (element, rule) => {
    const p = only({ requiredElements: B.requiredElements.filter((e) => e !== element) });
    expect(p).toMatchObject({ path: 'required_elements', rule });
    expect(p.message).toContain(element);
  });

  it('required elements: more may be required; unknown ones are refused', () => {
    expect(problems({ requiredElements: [...B.requiredElements, 'date_of_birth', 'tin'] })).toEqual([]);
    expect(only({ requiredElements: [...B.requiredElements, 'eye_colour'] }).path).toBe(
      'required_elements[8]',
    );
  });

  it.each(['income', 'wages', 'employer', 'bank', 'dependents', 'tin', 'date_of_birth'])(
    'A12: disclosing %s is refused',
    (field) => {
      const p = only({ disclosableFields: [...B.disclosableFields, field] });
      expect(p).toMatchObject({ path: `disclosable_fields[${B.disclosableFields.length}]`, rule: 'A12' });
      expect(p.message).toContain(field);
    },
  );

  it('A12/D1: a subset of the name and address fields is allowed, an empty list is not', () => {
    expect(
      problems({ disclosableFields: ['given_name', 'family_name', 'street', 'city', 'state', 'zip'] }),
    ).toEqual([]);
    expect(only({ disclosableFields: [] })).toMatchObject({ path: 'disclosable_fields', rule: 'D1' });
  });

  it('C1: address corroboration cannot be turned off', () => {
    expect(only({ matching: { ...B.matching, requireAddressCorroboration: false } })).toMatchObject({
      path: 'matching.require_address_corroboration',
      rule: 'C1',
    });
  });

  it('A14: a certification carries its date, and expires after it', () => {
    expect(only({ safeguards: { certified: true, certifiedOn: undefined } })).toMatchObject({
      path: 'safeguards.certified_on',
      rule: 'A14',
    });
    expect(
      only({ safeguards: { certified: true, certifiedOn: '2025-01-01', expires: '2025-01-01' } }),
    ).toMatchObject({ path: 'safeguards.expires', rule: 'A14' });
    expect(problems({ safeguards: { certified: false, certifiedOn: undefined } })).toEqual([]);
  });

  it('A13: court orders are complete and do not end before they begin', () => {
    const order = {
      reference: 'No. 25-cv-1 (example)',
      court: 'Example District Court',
      enjoins: ['Department of Homeland Security'],
      effective: '2025-05-01',
    };
    expect(problems({ courtOrders: [order] })).toEqual([]);
    expect(problems({ courtOrders: [{ ...order, expires: '2025-05-01' }] })).toEqual([]);
    expect(only({ courtOrders: [{ ...order, expires: '2025-04-30' }] })).toMatchObject({
      path: 'court_orders[0].expires',
      rule: 'A13',
    });
    expect(only({ courtOrders: [{ ...order, enjoins: [] }] })).toMatchObject({
      path: 'court_orders[0].enjoins',
      rule: 'A13',
    });
    expect(only({ courtOrders: [{ ...order, effective: '2025-02-30' }] })).toMatchObject({
      path: 'court_orders[0].effective',
    });
  });
});

describe('validateAgreement: numbers, just inside and just outside their limits', () => {
  const m = (patch: Partial<(typeof B)['matching']>) => ({ matching: { ...B.matching, ...patch } });
  const l = (patch: Partial<(typeof B)['limits']>) => ({ limits: { ...B.limits, ...patch } });
  type Case = [string, Parameters<typeof draft>[0], string | null, string?];
  const cases: Case[] = [
    ['threshold 0.99 (floor)', m({ threshold: 0.99 }), null],
    ['threshold 0.9899', m({ threshold: 0.9899 }), 'matching.threshold', 'C3'],
    ['threshold 0.5', m({ threshold: 0.5 }), 'matching.threshold', 'C3'],
    ['threshold 0.999999', m({ threshold: 0.999999 }), null],
    ['threshold 1', m({ threshold: 1 }), 'matching.threshold', 'C3'],
    ['threshold NaN', m({ threshold: Number.NaN }), 'matching.threshold', 'C3'],
    ['ambiguity margin 0', m({ ambiguityMargin: 0 }), null],
    ['ambiguity margin 0.5', m({ ambiguityMargin: 0.5 }), null],
    ['ambiguity margin -0.01', m({ ambiguityMargin: -0.01 }), 'matching.ambiguity_margin', 'C2'],
    ['justification_min_length 20', l({ justificationMinLength: 20 }), null],
    [
      'justification_min_length 19',
      l({ justificationMinLength: 19 }),
      'limits.justification_min_length',
      'A9',
    ],
    ['justification_min_length 500', l({ justificationMinLength: 500 }), null],
    [
      'justification_min_length 20.5',
      l({ justificationMinLength: 20.5 }),
      'limits.justification_min_length',
      'A9',
    ],
    ['justification_max_repeats 0', l({ justificationMaxRepeats: 0 }), null],
    [
      'justification_max_repeats -1',
      l({ justificationMaxRepeats: -1 }),
      'limits.justification_max_repeats',
      'A9',
    ],
    ['justification_max_repeats 10', l({ justificationMaxRepeats: 10 }), null],
    [
      'justification_max_repeats 11',
      l({ justificationMaxRepeats: 11 }),
      'limits.justification_max_repeats',
      'A9',
    ],
    [
      'justification_max_repeats 2.5',
      l({ justificationMaxRepeats: 2.5 }),
      'limits.justification_max_repeats',
      'A9',
    ],
    ['officer_max_records 1', l({ officerMaxRecords: 1 }), null],
    ['officer_max_records 0', l({ officerMaxRecords: 0 }), 'limits.officer_max_records', 'A11'],
    ['officer_max_records 200', l({ officerMaxRecords: 200 }), null],
    ['officer_max_records 201', l({ officerMaxRecords: 201 }), 'limits.officer_max_records', 'A11'],
    ['counsel_threshold 1', l({ counselThreshold: 1 }), null],
    ['counsel_threshold 0', l({ counselThreshold: 0 }), 'limits.counsel_threshold', 'B1'],
    ['counsel_threshold 100.5', l({ counselThreshold: 100.5 }), 'limits.counsel_threshold', 'B1'],
    ['bulk_defect_share 0.5', l({ bulkDefectShare: 0.5 }), null],
    ['bulk_defect_share 0.5001', l({ bulkDefectShare: 0.5001 }), 'limits.bulk_defect_share', 'B2'],
    ['bulk_defect_share 0.0001', l({ bulkDefectShare: 0.0001 }), null],
    ['bulk_defect_share 0', l({ bulkDefectShare: 0 }), 'limits.bulk_defect_share', 'B2'],
    ['disposition_days 1', { dispositionDays: 1 }, null],
    ['disposition_days 0', { dispositionDays: 0 }, 'disposition_days', 'D8'],
    ['disposition_days 365', { dispositionDays: 365 }, null],
    ['disposition_days 366', { dispositionDays: 366 }, 'disposition_days', 'D8'],
    ['disposition_days 30.5', { dispositionDays: 30.5 }, 'disposition_days', 'D8'],
    [
      'term expires the day after it begins',
      { term: { effective: '2025-04-07', expires: '2025-04-08' } },
      null,
    ],
    [
      'term expires the day it begins',
      { term: { effective: '2025-04-07', expires: '2025-04-07' } },
      'term.expires',
      'A1',
    ],
    [
      'term expires before it begins',
      { term: { effective: '2025-04-07', expires: '2025-01-01' } },
      'term.expires',
      'A1',
    ],
    ['term begins on an unreal date', { term: { effective: '2025-13-01' } }, 'term.effective', 'A1'],
  ];
  it.each(cases)('%s', (_name, patch, path, rule) => {
    const ps = problems(patch);
    if (path === null) expect(ps).toEqual([]);
    else {
      expect(ps).toHaveLength(1);
      expect(ps[0]).toMatchObject(rule === undefined ? { path } : { path, rule });
    }
  });
});

describe('validateAgreement: versions and rationale', () => {
  const v1 = B.changes[0]!;
  it('a new version needs its own change entry', () => {
    expect(only({ version: 2 })).toMatchObject({ path: 'changes' });
    expect(
      problems({ version: 2, changes: [v1, { version: 2, date: '2025-09-01', rationale: 'Tighter.' }] }),
    ).toEqual([]);
  });
  it('every change needs a rationale', () => {
    expect(only({ changes: [{ ...v1, rationale: '   ' }] })).toMatchObject({ path: 'changes[0].rationale' });
  });
  it('versions strictly increase', () => {
    const ps = problems({
      version: 2,
      changes: [
        { version: 2, date: '2025-04-07', rationale: 'a' },
        { version: 2, date: '2025-05-01', rationale: 'b' },
      ],
    });
    expect(ps.map((p) => p.path)).toEqual(['changes[1].version']);
    expect(
      only({
        changes: [
          { ...v1, version: 1 },
          { version: 0, date: '2025-05-01', rationale: 'x' },
        ],
      }).path,
    ).toBe('changes[1].version');
  });
  it('no change may be later than the document version', () => {
    const ps = problems({ changes: [v1, { version: 2, date: '2025-05-01', rationale: 'x' }] });
    expect(ps.map((p) => p.path)).toEqual(['changes[1].version']);
  });
  it('change dates do not go backwards', () => {
    expect(only({ version: 2, changes: [v1, { version: 2, date: '2025-01-01', rationale: 'x' }] }).path).toBe(
      'changes[1].date',
    );
  });
  it('the version is a whole number from 1', () => {
    expect(problems({ version: 0 }).map((p) => p.path)).toContain('version');
    expect(problems({ version: 1.5 }).map((p) => p.path)).toContain('version');
  });
  it('the id is usable in a stamp', () => {
    expect(only({ id: 'IRS DHS@2025' }).path).toBe('id');
    expect(only({ id: '' }).path).toBe('id');
  });
  it('parties are named', () => {
    expect(only({ parties: { discloser: 'Internal Revenue Service', recipient: ' ' } })).toMatchObject({
      path: 'parties.recipient',
      rule: 'A1',
    });
  });
});
