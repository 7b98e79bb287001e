import { describe, expect, it } from 'vitest';
import type { Agreement } from '../core/agreement.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import type { Manifest } from '../ingest/manifest.js';
import { runBatchGate } from './batch-gate.js';

const manifest: Manifest = {
  batchId: 'B-1',
  requestingAgency: 'Department of Homeland Security',
  agreementId: 'IRS-DHS-2025',
  statutoryAuthority: '26 U.S.C. § 6103(i)(2)',
  signedBy: { name: 'A. Person', title: 'Secretary of Homeland Security' },
  signedOn: '2025-06-02',
  recordsPath: '/x/requests.csv',
  requestedFields: [],
  manifestPath: '/x/manifest.json',
};
const AS_OF = '2026-01-15';
const codes = (m: Partial<Manifest>, a: Agreement = BUILTIN_AGREEMENT, asOf = AS_OF) =>
  runBatchGate({ ...manifest, ...m }, a, asOf).codes;

describe('batch-level legal gate', () => {
  it('passes a lawful manifest under the built-in agreement', () => {
    expect(codes({})).toEqual([]);
  });

  it('A1 NO_STATUTORY_BASIS: missing, or not an authority the agreement names', () => {
    expect(codes({ statutoryAuthority: '' })).toEqual(['NO_STATUTORY_BASIS']);
    expect(codes({ statutoryAuthority: '26 USC 6103(i)(1)' })).toEqual(['NO_STATUTORY_BASIS']);
    expect(codes({ statutoryAuthority: '26 usc 6103(i)(2)' })).toEqual([]);
  });

  it('A2 UNAUTHORIZED_SIGNATORY: a title not on the list (case and punctuation ignored); delegates only with counsel approval', () => {
    expect(codes({ signedBy: { name: 'X', title: 'Acting Director, ICE' } })).toEqual([
      'UNAUTHORIZED_SIGNATORY',
    ]);
    expect(codes({ signedBy: { name: 'X', title: '' } })).toEqual(['UNAUTHORIZED_SIGNATORY']);
    expect(
      codes({ signedBy: { name: 'X', title: 'inspector general department of homeland security' } }),
    ).toEqual([]);
    const withDelegate: Agreement = {
      ...BUILTIN_AGREEMENT,
      signatories: [
        ...BUILTIN_AGREEMENT.signatories,
        { title: 'Director, Office of Investigations', delegate: { counselApproval: 'OCC-2025-114' } },
      ],
    };
    expect(
      codes({ signedBy: { name: 'X', title: 'Director, Office of Investigations' } }, withDelegate),
    ).toEqual([]);
  });

  it('refuses everything when the agreement is expired or not yet in force', () => {
    expect(
      codes({}, { ...BUILTIN_AGREEMENT, term: { effective: '2024-01-01', expires: '2026-01-15' } }),
    ).toEqual(['AGREEMENT_NOT_IN_FORCE']);
    expect(
      codes({}, { ...BUILTIN_AGREEMENT, term: { effective: '2024-01-01', expires: '2026-01-16' } }),
    ).toEqual([]);
    expect(codes({}, { ...BUILTIN_AGREEMENT, term: { effective: '2026-02-01' } })).toEqual([
      'AGREEMENT_NOT_IN_FORCE',
    ]);
  });

  it('A13 ENJOINED: an active court order naming the recipient refuses everything; an expired one does not', () => {
    const order = {
      reference: 'Civ. No. 25-1234',
      court: 'D.D.C.',
      enjoins: ['Department of Homeland Security'],
      effective: '2025-11-01',
    };
    expect(codes({}, { ...BUILTIN_AGREEMENT, courtOrders: [order] })).toEqual(['ENJOINED']);
    expect(codes({}, { ...BUILTIN_AGREEMENT, courtOrders: [{ ...order, expires: '2025-12-31' }] })).toEqual(
      [],
    );
    expect(
      codes({}, { ...BUILTIN_AGREEMENT, courtOrders: [{ ...order, enjoins: ['Department of Labor'] }] }),
    ).toEqual([]);
  });

  it('A14 RECIPIENT_SAFEGUARDS_NOT_MET: no current certification', () => {
    expect(codes({}, { ...BUILTIN_AGREEMENT, safeguards: { certified: false } })).toEqual([
      'RECIPIENT_SAFEGUARDS_NOT_MET',
    ]);
    expect(
      codes(
        {},
        {
          ...BUILTIN_AGREEMENT,
          safeguards: { certified: true, certifiedOn: '2025-01-01', expires: '2026-01-15' },
        },
      ),
    ).toEqual(['RECIPIENT_SAFEGUARDS_NOT_MET']);
  });

  it('a manifest naming another agreement or another agency is refused', () => {
    expect(codes({ agreementId: 'IRS-DOJ-2024' })).toEqual(['AGREEMENT_MISMATCH']);
    expect(codes({ requestingAgency: 'Department of Labor' })).toEqual(['AGREEMENT_MISMATCH']);
  });

  it('reports every batch-level defect at once', () => {
    expect(
      codes(
        { statutoryAuthority: '', signedBy: { name: '', title: '' } },
        { ...BUILTIN_AGREEMENT, safeguards: { certified: false } },
      ),
    ).toEqual(['NO_STATUTORY_BASIS', 'UNAUTHORIZED_SIGNATORY', 'RECIPIENT_SAFEGUARDS_NOT_MET']);
  });
});
