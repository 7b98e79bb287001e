import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './errors.js';
import { REASON_CODES } from './reason-codes.js';

describe('error registry', () => {
  it('documents every error code in docs/errors.md, and nothing else', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\|\s*`(CUS_[A-Z0-9_]+)`\s*\|\s*(\d+)\s*\|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    expect(Object.fromEntries(documented)).toEqual(
      Object.fromEntries(Object.entries(ERROR_CODES).map(([k, v]) => [k, v.exit])),
    );
  });
});

describe('reason codes', () => {
  it('covers every code of the disclosure rules', () => {
    const spec = [
      'NO_STATUTORY_BASIS',
      'UNAUTHORIZED_SIGNATORY',
      'MISSING_NAME',
      'MISSING_OR_INVALID_ADDRESS',
      'MISSING_TAXABLE_PERIOD',
      'MISSING_STATUTORY_AUTHORITY',
      'NOT_NONTAX_CRIMINAL',
      'MISSING_CASE_NUMBER',
      'MISSING_SPECIFIC_REASON',
      'NO_ENGAGED_RECIPIENT',
      'ENGAGEMENT_IMPLAUSIBLE',
      'TRI_REQUIRES_COURT_ORDER',
      'ENJOINED',
      'RECIPIENT_SAFEGUARDS_NOT_MET',
      'WITHHELD_I6',
      'DUPLICATE_REQUEST',
      'MALFORMED_RECORD',
      'COUNSEL_SIGNOFF_REQUIRED',
      'BULK_DEFECT_REVIEW',
      'ADDRESS_NOT_CONFIRMED',
      'AMBIGUOUS_MATCH',
      'NO_MATCH',
      'LOW_CONFIDENCE',
      'TIN_NAME_CONFLICT',
      'DISPOSITION_OVERDUE',
      'IMPROPERLY_DISCLOSED',
    ];
    for (const code of spec) expect(REASON_CODES).toHaveProperty(code);
  });
});
