import { describe, expect, it } from 'vitest';
import type { CourtOrder } from '../core/agreement.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { agreement } from '../test-support/agreement-helpers.js';
import {
  activeCourtOrders,
  agreementInForce,
  authorityRecognized,
  safeguardsCurrent,
  signatoryAuthorized,
} from './agreement-status.js';

describe('agreementInForce (term)', () => {
  const a = agreement({ term: { effective: '2025-04-07', expires: '2026-04-07' } });
  it('is in force from the effective date through the day before expiry', () => {
    expect(agreementInForce(a, '2025-04-07')).toEqual({ inForce: true });
    expect(agreementInForce(a, '2026-04-06')).toEqual({ inForce: true });
  });
  it('is not yet in force before the effective date', () => {
    const r = agreementInForce(a, '2025-04-06');
    expect(r.inForce).toBe(false);
    expect(r.reason).toContain('not yet in force');
    expect(r.reason).toContain('2025-04-07');
  });
  it('has expired on and after the expiry date', () => {
    const r = agreementInForce(a, '2026-04-07');
    expect(r.inForce).toBe(false);
    expect(r.reason).toContain('expired');
  });
  it('without an expiry date stays in force', () => {
    expect(agreementInForce(BUILTIN_AGREEMENT, '2099-01-01').inForce).toBe(true);
  });
  it('refuses a date that is not YYYY-MM-DD', () => {
    expect(() => agreementInForce(a, '7 April 2025')).toThrow(RangeError);
  });
});

describe('activeCourtOrders (rule A13)', () => {
  const order: CourtOrder = {
    reference: 'No. 25-cv-0001 (example)',
    court: 'Example District Court',
    enjoins: ['U.S. Department of Homeland Security'],
    effective: '2025-05-01',
    expires: '2025-12-31',
  };
  const open: CourtOrder = { ...order, reference: 'No. 25-cv-0002', enjoins: ['Internal Revenue Service'] };
  delete (open as { expires?: string }).expires;
  const a = agreement({ courtOrders: [order, open] });

  it.each([
    'Department of Homeland Security',
    'department of homeland security',
    'the Department of Homeland Security.',
    'U.S. Department  of Homeland-Security',
  ])('names the recipient written %s', (recipient) => {
    expect(activeCourtOrders(a, recipient, '2025-06-01')).toEqual([order]);
  });
  it('is active on its effective and expiry dates, not outside them', () => {
    expect(activeCourtOrders(a, 'Department of Homeland Security', '2025-05-01')).toHaveLength(1);
    expect(activeCourtOrders(a, 'Department of Homeland Security', '2025-12-31')).toHaveLength(1);
    expect(activeCourtOrders(a, 'Department of Homeland Security', '2025-04-30')).toEqual([]);
    expect(activeCourtOrders(a, 'Department of Homeland Security', '2026-01-01')).toEqual([]);
  });
  it('ignores orders naming other agencies', () => {
    expect(activeCourtOrders(a, 'Department of Labor', '2025-06-01')).toEqual([]);
    expect(activeCourtOrders(a, 'Homeland Security', '2025-06-01')).toEqual([]);
  });
  it('an order without expiry stays active', () => {
    expect(activeCourtOrders(a, 'internal revenue service', '2099-01-01')).toEqual([open]);
  });
  it('none in the built-in agreement', () => {
    expect(activeCourtOrders(BUILTIN_AGREEMENT, 'Department of Homeland Security', '2025-06-01')).toEqual([]);
  });
});

describe('safeguardsCurrent (rule A14)', () => {
  it('holds in the built-in agreement from its certification date', () => {
    expect(safeguardsCurrent(BUILTIN_AGREEMENT, '2025-06-01')).toBe(true);
    expect(safeguardsCurrent(BUILTIN_AGREEMENT, '2024-12-31')).toBe(false);
  });
  it('lapses on the expiry date', () => {
    const a = agreement({
      safeguards: { certified: true, certifiedOn: '2025-01-01', expires: '2026-01-01' },
    });
    expect(safeguardsCurrent(a, '2025-12-31')).toBe(true);
    expect(safeguardsCurrent(a, '2026-01-01')).toBe(false);
  });
  it('does not hold without certification', () => {
    expect(safeguardsCurrent(agreement({ safeguards: { certified: false } }), '2025-06-01')).toBe(false);
  });
});

describe('signatoryAuthorized (rule A2)', () => {
  it.each([
    'Secretary of Homeland Security',
    'SECRETARY OF HOMELAND SECURITY',
    'Secretary of Homeland Security.',
    '  secretary   of homeland security ',
    'Inspector General Department of Homeland Security',
    'Inspector General -- Department of Homeland Security',
  ])('recognises %s', (title) => {
    expect(signatoryAuthorized(BUILTIN_AGREEMENT, title)).toBe(true);
  });
  it.each(['Acting Director, ICE', 'Secretary', 'Deputy Secretary of Homeland Security', ''])(
    'refuses %s',
    (title) => {
      expect(signatoryAuthorized(BUILTIN_AGREEMENT, title)).toBe(false);
    },
  );
  it('a delegate counts only with a counsel approval', () => {
    const withApproval = agreement({
      signatories: [{ title: 'Acting Director, ICE', delegate: { counselApproval: 'OCC-2025-014' } }],
    });
    const withoutApproval = agreement({
      signatories: [{ title: 'Acting Director, ICE', delegate: { counselApproval: ' ' } }],
    });
    expect(signatoryAuthorized(withApproval, 'acting director ice')).toBe(true);
    expect(signatoryAuthorized(withoutApproval, 'Acting Director, ICE')).toBe(false);
  });
});

describe('authorityRecognized (rule A1)', () => {
  it.each([
    '26 USC 6103(i)(2)',
    '26 U.S.C. § 6103(i)(2)',
    '26 u.s.c. §6103 (i) (2)',
    '26 USC  6103(I)(2)',
    'IRC § 6103(i)(2)',
    'I.R.C. 6103(i)(2)',
    '26 USC 6103(i)(2)(A)',
  ])('recognises %s', (cited) => {
    expect(authorityRecognized(BUILTIN_AGREEMENT, cited)).toBe(true);
  });
  it.each(['26 USC 6103(i)', '26 USC 6103(i)(1)', '26 USC 6103', '8 USC 1326', 'section 6103', ''])(
    'refuses %s',
    (cited) => {
      expect(authorityRecognized(BUILTIN_AGREEMENT, cited)).toBe(false);
    },
  );
});
