import { describe, expect, it } from 'vitest';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { Rng } from './prng.js';
import {
  addressInvalid,
  BatchCounts,
  expectedCodes,
  manifestCodes,
  normalizeJustification,
  normalizeOfficer,
  periodsInvalid,
  type RequestFields,
} from './rules.js';
import { invalidStatute, NOT_RECOGNISED, validStatute } from './statutes.js';

const address = (street: string, city = 'HOUSTON', state = 'TX', zip = '77002') => ({
  street,
  city,
  state,
  zip,
});

describe('rule A4 (address)', () => {
  it.each(['123 N MAIN ST', '123 Main Street Apt 4B', '4500 CAMINO REAL', '12 2ND AVE #3'])(
    'accepts %s',
    (s) => expect(addressInvalid(address(s))).toBe(false),
  );

  it.each([
    '',
    '1234',
    'Failed to Provide',
    'Unknown Address',
    'NA NA',
    'N/A',
    'UNKNOWN',
    '00000',
    'NONE',
    'MAIN ST',
    'N MAIN STREET',
  ])('refuses %j', (s) => expect(addressInvalid(address(s))).toBe(true));

  it('needs a ZIP code or a city and state', () => {
    expect(addressInvalid(address('1 OAK ST', '', '', '78501'))).toBe(false);
    expect(addressInvalid(address('1 OAK ST', 'LAREDO', 'TX', ''))).toBe(false);
    expect(addressInvalid(address('1 OAK ST', '', '', ''))).toBe(true);
    expect(addressInvalid(address('1 OAK ST', 'NA', 'NA', '00000'))).toBe(true);
  });
});

describe('rule A5 (taxable periods)', () => {
  it.each(['2024', '2023;2024', '2022; 2023', '1900'])('accepts %s', (p) =>
    expect(periodsInvalid(p, 2026)).toBe(false),
  );
  it.each(['', 'FY23', '1899', '2028', '23', 'N/A', '2024;FY25', '2023-2024'])('refuses %j', (p) =>
    expect(periodsInvalid(p, 2026)).toBe(true),
  );
});

describe('statute spellings', () => {
  it('writes recognised statutes in varied ways, and unrecognised ones', () => {
    const rng = new Rng(9);
    const spellings = new Set(Array.from({ length: 300 }, () => validStatute(rng)));
    expect(spellings.size).toBeGreaterThan(40);
    expect([...spellings].some((s) => s.includes('§'))).toBe(true);
    expect(NOT_RECOGNISED).toContain(invalidStatute(rng));
  });
});

function fields(over: Partial<RequestFields>): RequestFields {
  return {
    request_id: 'R1',
    given_name: 'JOSE',
    middle_name: '',
    family_name: 'GARCIA',
    name_suffix: '',
    date_of_birth: '1980-01-02',
    street: '12 OAK ST',
    unit: '',
    city: 'LAREDO',
    state: 'TX',
    zip: '78040',
    tin: '',
    taxable_periods: '2024',
    criminal_statute: '8 USC 1326',
    case_number: 'HSI-1',
    requesting_officer: 'SA Ann Lee',
    justification: 'Subject JOSE GARCIA (A123) reentered after removal, seen 2025-01-02 at Laredo.',
    ...over,
  };
}

describe('rule A9 normal form', () => {
  it('sets aside the record’s own name, case and statute, case and spacing', () => {
    const a = fields({ justification: 'Locate  JOSE GARCIA, case HSI-1 under 8 USC 1326.' });
    const b = fields({
      given_name: 'Maria',
      family_name: 'Lopez',
      case_number: 'HSI-2',
      criminal_statute: '8 U.S.C. § 1325',
      justification: 'locate maria lopez, case hsi-2 under 8 U.S.C. § 1325.',
    });
    expect(normalizeJustification(a)).toBe(normalizeJustification(b));
    expect(normalizeJustification(a)).toBe('locate , case under .');
  });

  it('counts repeats over the batch: more than 10 others is not specific', () => {
    const counts = new BatchCounts();
    const rows = Array.from({ length: 12 }, (_, i) =>
      fields({
        request_id: `R${i}`,
        justification: 'Information requested for an ongoing criminal investigation.',
      }),
    );
    const ctx = { agreement: BUILTIN_AGREEMENT, currentYear: 2026, batchCodes: [] };
    for (const r of rows.slice(0, 11)) counts.add(r);
    expect(expectedCodes(rows[0]!, false, counts, new Set(), ctx)).toEqual([]);
    counts.add(rows[11]!);
    expect(expectedCodes(rows[0]!, false, counts, new Set(), ctx)).toEqual(['MISSING_SPECIFIC_REASON']);
  });

  it('normalises officers by case and spacing only', () => {
    expect(normalizeOfficer('  SA  Ann   LEE ')).toBe('sa ann lee');
    expect(normalizeOfficer(' ')).toBe('');
  });
});

describe('expected codes', () => {
  const ctx = { agreement: BUILTIN_AGREEMENT, currentYear: 2026, batchCodes: [] };
  it('lists every defect, sorted; a malformed record only MALFORMED_RECORD', () => {
    const r = fields({
      given_name: '',
      street: 'UNKNOWN',
      criminal_statute: '8 USC 1227(a)(1)(B)',
      case_number: '',
    });
    expect(expectedCodes(r, false, new BatchCounts(), new Set(), ctx)).toEqual([
      'MISSING_CASE_NUMBER',
      'MISSING_NAME',
      'MISSING_OR_INVALID_ADDRESS',
      'NOT_NONTAX_CRIMINAL',
    ]);
    expect(expectedCodes(r, true, new BatchCounts(), new Set(), ctx)).toEqual(['MALFORMED_RECORD']);
  });

  it('marks a later row with a used request_id as a duplicate', () => {
    const seen = new Set<string>();
    const counts = new BatchCounts();
    expect(expectedCodes(fields({}), false, counts, seen, ctx)).toEqual([]);
    expect(expectedCodes(fields({}), false, counts, seen, ctx)).toEqual(['DUPLICATE_REQUEST']);
  });

  it('applies manifest-level codes (A1, A2)', () => {
    expect(
      manifestCodes(BUILTIN_AGREEMENT, '26 U.S.C. § 6103(i)(2)', 'secretary of homeland security'),
    ).toEqual([]);
    expect(manifestCodes(BUILTIN_AGREEMENT, '26 USC 6103(i)(2)', 'Deputy Director, ICE')).toEqual([
      'UNAUTHORIZED_SIGNATORY',
    ]);
    expect(manifestCodes(BUILTIN_AGREEMENT, '8 USC 1357', 'Secretary of Homeland Security')).toEqual([
      'NO_STATUTORY_BASIS',
    ]);
  });
});
