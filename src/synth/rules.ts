import type { Agreement } from '../core/agreement.js';
import { parseStatute, statuteRecognized, statuteWithin } from '../core/statute.js';
import { INTERCHANGE_REQUEST_COLUMNS } from '../ingest/columns.js';

/**
 * The legal codes a request record must earn, computed from the record as written — the
 * truth file's `expected_codes`. These are the rules of shared/spec/disclosure-rules.md,
 * made precise the same way the gate does (src/policy/record-gate.ts); the generator only
 * produces values that are clearly on one side of each rule, so the two cannot disagree on
 * a judgement call.
 */

export interface RequestFields {
  request_id: string;
  given_name: string;
  middle_name: string;
  family_name: string;
  name_suffix: string;
  date_of_birth: string;
  street: string;
  unit: string;
  city: string;
  state: string;
  zip: string;
  tin: string;
  taxable_periods: string;
  criminal_statute: string;
  case_number: string;
  requesting_officer: string;
  justification: string;
}

/** The interchange columns, in the order the batch file is written. */
export const REQUEST_COLUMNS: readonly (keyof RequestFields)[] = INTERCHANGE_REQUEST_COLUMNS;

const blank = (s: string) => s.trim() === '';

/**
 * Placeholders of rule A4, compared with everything but letters and digits removed. Written
 * here on purpose rather than imported from src/policy: the truth file is an oracle for the
 * gate, and an oracle that shares the gate's code cannot catch the gate's mistakes.
 */
const PLACEHOLDERS = new Set([
  'FAILEDTOPROVIDE',
  'UNKNOWNADDRESS',
  'ADDRESSUNKNOWN',
  'UNKNOWN',
  'UNK',
  'NANA',
  'NA',
  'NONE',
  'NULL',
  'NIL',
  'NOTPROVIDED',
  'NOTGIVEN',
  'NOTAVAILABLE',
  'UNAVAILABLE',
  'NOADDRESS',
  'NOFIXEDADDRESS',
  'NOFIXEDABODE',
  'REFUSED',
  'TBD',
  'TBA',
  'PENDING',
  'SAMEASABOVE',
  'ADDRESS',
  'STREET',
]);

export function isPlaceholder(text: string): boolean {
  const a = text.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return PLACEHOLDERS.has(a) || /^(?:(?:NA)+|0+|X+|(?:UNKNOWN)+)$/.test(a);
}

const HOUSE = /^[0-9]+[A-Z]?(?:-[0-9A-Z]+)?(?: 1\/2)? +/;

function streetInvalid(street: string): boolean {
  const s = street.replace(/\s+/g, ' ').trim().toUpperCase();
  if (s === '' || isPlaceholder(s) || /^[0-9 #-]+$/.test(s)) return true;
  if (!/^[0-9]+[A-Z]?(?:-[0-9A-Z]+)?(?: 1\/2)? +[A-Z0-9]/.test(s)) return true;
  return isPlaceholder(s.replace(HOUSE, ''));
}

function zipValid(zip: string): boolean {
  const z = zip.trim();
  return /^[0-9]{5}(?:-?[0-9]{4})?$/.test(z) && !z.startsWith('00000');
}

/** Rule A4: no street with a house number, or neither a ZIP code nor a city and state. */
export function addressInvalid(r: Pick<RequestFields, 'street' | 'city' | 'state' | 'zip'>): boolean {
  if (streetInvalid(r.street)) return true;
  const cityState =
    !blank(r.city) && !isPlaceholder(r.city) && /^[A-Z]{2}$/.test(r.state.trim().toUpperCase());
  return !(zipValid(r.zip) || cityState);
}

/** Rule A5: every `;`-separated period a 4-digit year from 1900 to the current year, and at least one. */
export function periodsInvalid(periods: string, currentYear: number): boolean {
  const list = periods
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (list.length === 0) return true;
  return !list.every((p) => /^[0-9]{4}$/.test(p) && Number(p) >= 1900 && Number(p) <= currentYear);
}

/**
 * Rule A9's normal form of a justification: lower case; each of the record's own given name,
 * family name, case number and statute (lower-cased, trimmed, when not empty) replaced, in that
 * order, wherever it occurs; whitespace runs collapsed to one space; trimmed.
 */
export function normalizeJustification(
  r: Pick<RequestFields, 'justification' | 'given_name' | 'family_name' | 'case_number' | 'criminal_statute'>,
): string {
  let text = r.justification.toLowerCase();
  for (const own of [r.given_name, r.family_name, r.case_number, r.criminal_statute]) {
    const w = own.trim().toLowerCase();
    if (w !== '') text = text.replaceAll(w, ' ');
  }
  return text.replace(/\s+/g, ' ').trim();
}

/** Rule A11's officer key: lower case, whitespace runs collapsed, trimmed ('' = nobody named). */
export function normalizeOfficer(officer: string): string {
  return officer.replace(/\s+/g, ' ').trim().toLowerCase();
}

const recognisedCache = new WeakMap<Agreement, Map<string, boolean>>();

/** Rule A7 for one spelling, remembered per agreement (a batch uses few spellings). */
function statuteIsRecognised(statute: string, agreement: Agreement): boolean {
  let cache = recognisedCache.get(agreement);
  if (!cache) {
    cache = new Map();
    recognisedCache.set(agreement, cache);
  }
  let ok = cache.get(statute);
  if (ok === undefined) {
    ok = statuteRecognized(statute, agreement.criminalStatutes);
    if (cache.size < 100_000) cache.set(statute, ok);
  }
  return ok;
}

/** The record-level codes that need no batch context (A3–A8, A10, and A9's length test). */
export function recordCodes(r: RequestFields, agreement: Agreement, currentYear: number): string[] {
  const codes: string[] = [];
  if (blank(r.given_name) || blank(r.family_name)) codes.push('MISSING_NAME');
  if (addressInvalid(r)) codes.push('MISSING_OR_INVALID_ADDRESS');
  if (periodsInvalid(r.taxable_periods, currentYear)) codes.push('MISSING_TAXABLE_PERIOD');
  if (blank(r.criminal_statute)) codes.push('MISSING_STATUTORY_AUTHORITY');
  else if (!statuteIsRecognised(r.criminal_statute.trim(), agreement)) codes.push('NOT_NONTAX_CRIMINAL');
  if (blank(r.case_number)) codes.push('MISSING_CASE_NUMBER');
  if (r.justification.trim().length < agreement.limits.justificationMinLength)
    codes.push('MISSING_SPECIFIC_REASON');
  if (normalizeOfficer(r.requesting_officer) === '') codes.push('NO_ENGAGED_RECIPIENT');
  return codes;
}

/** A running count, shared by every record with the same key. */
export interface Counter {
  n: number;
}

/** The batch counts that bear on one record: its justification text's and its officer's. */
export interface RecordCounts {
  readonly justification: Counter;
  readonly officer: Counter | undefined;
}

/**
 * Counts over the non-malformed rows of a batch, for A9 (repeated justification text) and A11
 * (officer named too often).
 */
export class BatchCounts {
  readonly justifications = new Map<string, Counter>();
  readonly officers = new Map<string, Counter>();

  /** Counts a record; returns its counters (final once every record is added). */
  add(r: RequestFields): RecordCounts {
    const j = normalizeJustification(r);
    let jc = this.justifications.get(j);
    if (!jc) {
      jc = { n: 0 };
      this.justifications.set(j, jc);
    }
    jc.n++;
    const o = normalizeOfficer(r.requesting_officer);
    let oc: Counter | undefined;
    if (o !== '') {
      oc = this.officers.get(o);
      if (!oc) {
        oc = { n: 0 };
        this.officers.set(o, oc);
      }
      oc.n++;
    }
    return { justification: jc, officer: oc };
  }

  /** The counters of a record (added or not). */
  of(r: RequestFields): RecordCounts {
    const o = normalizeOfficer(r.requesting_officer);
    return {
      justification: this.justifications.get(normalizeJustification(r)) ?? { n: 0 },
      officer: o === '' ? undefined : (this.officers.get(o) ?? { n: 0 }),
    };
  }
}

export interface CodeContext {
  readonly agreement: Agreement;
  /** Year of the processing date: the latest valid taxable period. */
  readonly currentYear: number;
  /** Codes that apply to every non-malformed record (A1, A2 …). */
  readonly batchCodes: readonly string[];
}

/**
 * All codes of one record: the batch codes, the record's own codes, A9's repetition test,
 * A11 and A16. `seenIds` holds the request_ids of earlier non-malformed rows (updated here).
 * A malformed record earns MALFORMED_RECORD only.
 */
export function expectedCodes(
  r: RequestFields,
  malformed: boolean,
  counts: BatchCounts | RecordCounts,
  seenIds: Set<string>,
  ctx: CodeContext,
): string[] {
  if (malformed) return ['MALFORMED_RECORD'];
  const { limits } = ctx.agreement;
  const mine = counts instanceof BatchCounts ? counts.of(r) : counts;
  const codes = new Set<string>([...ctx.batchCodes, ...recordCodes(r, ctx.agreement, ctx.currentYear)]);
  if (mine.justification.n - 1 > limits.justificationMaxRepeats) codes.add('MISSING_SPECIFIC_REASON');
  if (mine.officer && mine.officer.n > limits.officerMaxRecords) codes.add('ENGAGEMENT_IMPLAUSIBLE');
  if (seenIds.has(r.request_id)) codes.add('DUPLICATE_REQUEST');
  else seenIds.add(r.request_id);
  return [...codes].sort();
}

/** Titles compared ignoring case, punctuation and spacing (rule A2). */
export function normalizeTitle(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[.'’]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Batch-level codes a manifest earns under the agreement (A1 authority, A2 signatory). */
export function manifestCodes(agreement: Agreement, authority: string, signerTitle: string): string[] {
  const codes: string[] = [];
  const cited = parseStatute(
    authority
      .normalize('NFKC')
      .trim()
      .replace(/^(?:I\.?\s*R\.?\s*C\.?|Internal Revenue Code)\s*(?:§+|sec(?:tion|\.)?)?\s*/i, '26 USC '),
  );
  const recognised =
    cited !== null &&
    agreement.authorities.some((a) => {
      const listed = parseStatute(a);
      return listed !== null && statuteWithin(cited, listed);
    });
  if (!recognised) codes.push('NO_STATUTORY_BASIS');
  const want = normalizeTitle(signerTitle);
  const signed =
    want !== '' &&
    agreement.signatories.some(
      (s) =>
        normalizeTitle(s.title) === want &&
        (s.delegate === undefined || s.delegate.counselApproval.trim() !== ''),
    );
  if (!signed) codes.push('UNAUTHORIZED_SIGNATORY');
  return codes;
}
