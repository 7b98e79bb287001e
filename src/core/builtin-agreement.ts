import { type Agreement, DISCLOSABLE_FIELDS } from './agreement.js';

/**
 * The built-in §6103(i)(2) agreement `IRS-DHS-2025`: the default fixture that demos, tests and
 * benchmarks run under (shared/spec/disclosure-rules.md) — not a statement about any real
 * agency's standing. Every value can be replaced by an agreement file.
 */
export const BUILTIN_AGREEMENT: Agreement = {
  id: 'IRS-DHS-2025',
  version: 1,
  title: 'Disclosure of taxpayer identity for non-tax criminal investigations under 26 USC 6103(i)(2)',
  parties: { discloser: 'Internal Revenue Service', recipient: 'Department of Homeland Security' },
  authorities: ['26 USC 6103(i)(2)'],
  signatories: [
    { title: 'Secretary of Homeland Security' },
    { title: 'Inspector General, Department of Homeland Security' },
  ],
  criminalStatutes: [
    '8 USC 1253(a)',
    '8 USC 1306',
    '8 USC 1324',
    '8 USC 1325',
    '8 USC 1326',
    '8 USC 1327',
    '8 USC 1328',
    '18 USC 911',
    '18 USC 1001',
    '18 USC 1015',
    '18 USC 1028',
    '18 USC 1425',
    '18 USC 1426',
    '18 USC 1546',
  ],
  requiredElements: [
    'given_name',
    'family_name',
    'address',
    'taxable_periods',
    'criminal_statute',
    'case_number',
    'justification',
    'requesting_officer',
  ],
  disclosableFields: [...DISCLOSABLE_FIELDS],
  matching: { requireAddressCorroboration: true, threshold: 0.99, ambiguityMargin: 3 },
  limits: {
    justificationMaxRepeats: 10,
    justificationMinLength: 20,
    officerMaxRecords: 200,
    counselThreshold: 10_000,
    bulkDefectShare: 0.5,
  },
  safeguards: { certified: true, certifiedOn: '2025-01-01' },
  courtOrders: [],
  term: { effective: '2025-04-07' },
  dispositionDays: 90,
  changes: [
    {
      version: 1,
      date: '2025-04-07',
      rationale: 'Built-in default: the terms of rules section A with their default numbers.',
    },
  ],
};
