import type { Agreement, CourtOrder } from '../core/agreement.js';
import { parseStatute, type Statute, statuteWithin } from '../core/statute.js';
import { isIsoDate } from './agreement-schema.js';

/**
 * What an agreement says on a given day: whether it is in force, which court orders bind
 * the recipient, whether the recipient's safeguards are current, and whether a manifest's
 * signer and cited authority are ones the agreement recognises. Pure functions; dates are
 * `YYYY-MM-DD` text, compared as such.
 *
 * Expiry dates are read the way that discloses less: an agreement or a safeguards
 * certification is not relied on on its expiry date, while a court order still binds on its
 * expiry date.
 */

function checkDate(onDate: string): void {
  if (!isIsoDate(onDate)) throw new RangeError(`not a date written YYYY-MM-DD: '${onDate}'`);
}

/**
 * A title or agency name for comparison: case, punctuation and runs of whitespace ignored
 * (`Inspector General, Department of Homeland Security` = `inspector general department of
 * homeland  security`). Full stops and apostrophes vanish (`U.S.` = `US`); other punctuation
 * separates words.
 */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[.'’]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * An agency name for comparison: `normalizeName`, and a leading `the`, `US` or `United
 * States` dropped, so `the U.S. Department of Homeland Security` names the same agency as
 * `Department of Homeland Security`.
 */
export function normalizeAgencyName(name: string): string {
  return normalizeName(name).replace(/^(?:the )?(?:us |united states )?/, '');
}

/** Term (rule A1): in force from `term.effective` up to, not including, `term.expires`. */
export function agreementInForce(a: Agreement, onDate: string): { inForce: boolean; reason?: string } {
  checkDate(onDate);
  if (onDate < a.term.effective)
    return { inForce: false, reason: `not yet in force: its term begins on ${a.term.effective}` };
  if (a.term.expires !== undefined && onDate >= a.term.expires)
    return { inForce: false, reason: `expired: its term ended on ${a.term.expires}` };
  return { inForce: true };
}

/** Is a court order in effect on `onDate`? From `effective` through `expires`, inclusive. */
export function courtOrderActive(order: CourtOrder, onDate: string): boolean {
  checkDate(onDate);
  return order.effective <= onDate && (order.expires === undefined || onDate <= order.expires);
}

/** Rule A13: the court orders in effect on `onDate` that name `recipient`. */
export function activeCourtOrders(a: Agreement, recipient: string, onDate: string): CourtOrder[] {
  checkDate(onDate);
  const who = normalizeAgencyName(recipient);
  if (who === '') return [];
  return a.courtOrders.filter(
    (o) => courtOrderActive(o, onDate) && o.enjoins.some((e) => normalizeAgencyName(e) === who),
  );
}

/**
 * Rule A14: is the recipient's safeguards certification current on `onDate`? Certified, the
 * certification dated on or before that day, and not expired (an expiry date is the first
 * day the certification no longer holds).
 */
export function safeguardsCurrent(a: Agreement, onDate: string): boolean {
  checkDate(onDate);
  const s = a.safeguards;
  if (!s.certified) return false;
  if (s.certifiedOn !== undefined && onDate < s.certifiedOn) return false;
  if (s.expires !== undefined && onDate >= s.expires) return false;
  return true;
}

/**
 * Rule A2: is `title` one of the agreement's authorised signatories? Titles compare ignoring
 * case, punctuation and whitespace runs. A delegate counts only with a recorded counsel
 * approval.
 */
export function signatoryAuthorized(a: Agreement, title: string): boolean {
  const want = normalizeName(title);
  if (want === '') return false;
  return a.signatories.some(
    (s) =>
      normalizeName(s.title) === want &&
      (s.delegate === undefined || s.delegate.counselApproval.trim() !== ''),
  );
}

/** A citation of the Internal Revenue Code (`IRC § 6103(i)(2)`, `I.R.C. 6103`) is one of 26 USC. */
export function parseAuthority(raw: string): Statute | null {
  const text = raw
    .normalize('NFKC')
    .trim()
    .replace(/^(?:I\.?\s*R\.?\s*C\.?|Internal Revenue Code)\s*(?:§+|sec(?:tion|\.)?)?\s*/i, '26 USC ');
  return parseStatute(text);
}

/**
 * Rule A1: does the agreement name the cited legal authority? Spelling is normalised
 * (`26 USC 6103(i)(2)` = `26 U.S.C. § 6103(i)(2)` = `IRC 6103(i)(2)`), and a subsection
 * under a named authority is that authority (`26 USC 6103(i)(2)(A)`); a broader citation
 * (`26 USC 6103(i)`) is not.
 */
export function authorityRecognized(a: Agreement, cited: string): boolean {
  const c = parseAuthority(cited);
  if (!c) return false;
  return a.authorities.some((listed) => {
    const l = parseAuthority(listed);
    return l !== null && statuteWithin(c, l);
  });
}
