import { DISCLOSABLE_FIELDS, REQUEST_ELEMENTS, STATUTORY_REQUEST_ELEMENTS } from '../core/agreement.js';
import {
  formatStatute,
  isNeverCriminal,
  normalizeStatute,
  parseStatute,
  statuteWithin,
} from '../core/statute.js';
import { type AgreementDraft, isIsoDate } from './agreement-schema.js';
import { normalizeName, parseAuthority } from './agreement-status.js';

/**
 * Validation of an agreement's values. An agreement may tighten any rule and set the numbers
 * within the limits below; it may never loosen a statutory rule
 * (shared/spec/disclosure-rules.md). Every problem names the clause (its path in the
 * document) and, where one applies, the rule. docs/agreements.md explains each limit.
 */
export interface AgreementProblem {
  /** Clause path as written in the document, e.g. `limits.officer_max_records`, `criminal_statutes[3]`. */
  readonly path: string;
  /** The rule of the disclosure rules the clause implements, e.g. `A7`. */
  readonly rule?: string;
  readonly message: string;
}

/** The limits within which an agreement may set its numbers. */
export const AGREEMENT_BOUNDS = {
  /** C3: lowest threshold allowed (inclusive): the built-in 0.99. Precision first. */
  thresholdMin: 0.99,
  /** C3: the threshold must stay below 1 (exclusive), which no match probability reaches. */
  thresholdBelow: 1,
  /** C2: the ambiguity margin may be 0 (only exact ties ambiguous) or more. */
  ambiguityMarginMin: 0,
  /** A9: the statutory floor for a specific justification; agreements may raise it. */
  justificationMinLengthMin: 20,
  /** A9: most repeats of one justification allowed; agreements may lower it. */
  justificationMaxRepeatsMax: 10,
  /** A11: most records per officer allowed; agreements may lower it. */
  officerMaxRecordsMax: 200,
  /** B1: a counsel threshold is a positive batch size. */
  counselThresholdMin: 1,
  /** B2: the share is above 0 and at most one half (exclusive 0, inclusive 0.5). */
  bulkDefectShareMax: 0.5,
  /** D8: return-or-destroy within one day to one year. */
  dispositionDaysMin: 1,
  dispositionDaysMax: 365,
} as const;

/** The only authority whose rules this gateway implements: a written request under §6103(i)(2). */
export const IMPLEMENTED_AUTHORITY = '26 USC 6103(i)(2)';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const blank = (s: string): boolean => s.trim() === '';
const isInt = (n: number): boolean => Number.isInteger(n);

export function validateAgreement(a: AgreementDraft): AgreementProblem[] {
  const problems: AgreementProblem[] = [];
  const add = (path: string, message: string, rule?: string): void => {
    problems.push(rule === undefined ? { path, message } : { path, rule, message });
  };
  const text = (path: string, value: string, rule?: string): void => {
    if (blank(value)) add(path, 'must not be empty', rule);
  };
  const dateField = (path: string, value: string | undefined, rule?: string): boolean => {
    if (value === undefined) return false;
    if (isIsoDate(value)) return true;
    add(path, `'${value}' is not a real date written YYYY-MM-DD`, rule);
    return false;
  };
  const duplicates = (path: string, values: readonly string[], key: (v: string) => string, rule?: string) => {
    const seen = new Map<string, number>();
    values.forEach((v, i) => {
      const k = key(v);
      const first = seen.get(k);
      if (first === undefined) seen.set(k, i);
      else add(`${path}[${i}]`, `'${v}' repeats ${path}[${first}]`, rule);
    });
  };

  // Identity of the document.
  if (blank(a.id)) add('id', 'must not be empty');
  else if (!ID_PATTERN.test(a.id))
    add('id', `'${a.id}' may hold only letters, digits, '.', '_' and '-' (it is stamped as ID@VERSION)`);
  if (!isInt(a.version) || a.version < 1)
    add('version', `must be a whole number of at least 1, not ${a.version}`);
  text('title', a.title);
  text('parties.discloser', a.parties.discloser);
  text('parties.recipient', a.parties.recipient, 'A1');

  // A1: legal authority.
  if (a.authorities.length === 0)
    add('authorities', 'must name at least one legal authority: without one every record is refused', 'A1');
  const implemented = parseStatute(IMPLEMENTED_AUTHORITY)!;
  a.authorities.forEach((cited, i) => {
    const s = parseAuthority(cited);
    if (!s) add(`authorities[${i}]`, `'${cited}' is not a citation of the United States Code`, 'A1');
    else if (!statuteWithin(s, implemented))
      add(
        `authorities[${i}]`,
        `'${cited}' is not a basis this gateway implements: its rules are those of a written request ` +
          `under ${IMPLEMENTED_AUTHORITY}; other routes need their own rule set`,
        'A1',
      );
  });
  duplicates(
    'authorities',
    a.authorities,
    (v) => {
      const s = parseAuthority(v);
      return s ? formatStatute(s) : v;
    },
    'A1',
  );

  // A2: signatories.
  if (a.signatories.length === 0)
    add(
      'signatories',
      'must name at least one authorised signatory: without one every batch is refused',
      'A2',
    );
  a.signatories.forEach((s, i) => {
    text(`signatories[${i}].title`, s.title, 'A2');
    if (s.delegate !== undefined && blank(s.delegate.counselApproval))
      add(
        `signatories[${i}].delegate.counsel_approval`,
        `delegate '${s.title}' has no counsel approval: a delegate may sign only under a recorded counsel approval`,
        'A2',
      );
  });
  duplicates(
    'signatories',
    a.signatories.map((s) => s.title),
    normalizeName,
    'A2',
  );

  // A7: recognised criminal statutes.
  if (a.criminalStatutes.length === 0)
    add('criminal_statutes', 'must list at least one non-tax criminal statute', 'A7');
  a.criminalStatutes.forEach((cited, i) => {
    const path = `criminal_statutes[${i}]`;
    if (!parseStatute(cited))
      add(path, `'${cited}' is not a citation of the United States Code (e.g. '8 USC 1326')`, 'A7');
    else if (isNeverCriminal(cited))
      add(
        path,
        parseStatute(cited)!.title === 26
          ? `'${cited}' is a Title 26 (tax) provision, never a non-tax criminal statute`
          : `'${cited}' is a civil or removal provision of the immigration law, not a criminal statute`,
        'A7',
      );
  });
  duplicates('criminal_statutes', a.criminalStatutes, (v) => normalizeStatute(v) ?? v, 'A7');

  // A3–A10: required request elements.
  const known = new Set<string>(REQUEST_ELEMENTS);
  a.requiredElements.forEach((e, i) => {
    if (!known.has(e))
      add(
        `required_elements[${i}]`,
        `'${e}' is not a request element; the elements are: ${REQUEST_ELEMENTS.join(', ')}`,
      );
  });
  for (const [element, rule] of Object.entries(STATUTORY_REQUEST_ELEMENTS)) {
    if (!a.requiredElements.includes(element))
      add('required_elements', `must include '${element}': the statute requires it of every request`, rule);
  }
  duplicates('required_elements', a.requiredElements, (v) => v);

  // A12 / D1: fields that may be disclosed.
  const disclosable = new Set<string>(DISCLOSABLE_FIELDS);
  if (a.disclosableFields.length === 0)
    add('disclosable_fields', 'must list at least one field, or nothing could ever be released', 'D1');
  a.disclosableFields.forEach((f, i) => {
    if (!disclosable.has(f))
      add(
        `disclosable_fields[${i}]`,
        `'${f}' is return information beyond taxpayer identity; only name and address of record ` +
          `may be disclosed (${DISCLOSABLE_FIELDS.join(', ')}; D1)`,
        'A12',
      );
  });
  duplicates('disclosable_fields', a.disclosableFields, (v) => v, 'A12');

  // C1–C3: matching.
  const m = a.matching;
  if (m.requireAddressCorroboration !== true)
    add(
      'matching.require_address_corroboration',
      'cannot be turned off: a record is disclosed only when name and address corroborate one taxpayer',
      'C1',
    );
  const B = AGREEMENT_BOUNDS;
  if (!Number.isFinite(m.threshold) || m.threshold < B.thresholdMin || m.threshold >= B.thresholdBelow)
    add(
      'matching.threshold',
      `must be a probability of at least ${B.thresholdMin} and below ${B.thresholdBelow}, not ${m.threshold}` +
        ' (an agreement may raise the threshold, never lower it)',
      'C3',
    );
  if (!Number.isFinite(m.ambiguityMargin) || m.ambiguityMargin < B.ambiguityMarginMin)
    add('matching.ambiguity_margin', `must be 0 or more, not ${m.ambiguityMargin}`, 'C2');

  // A9, A11, B1, B2: the numbers.
  const l = a.limits;
  if (!isInt(l.justificationMaxRepeats) || l.justificationMaxRepeats < 0)
    add(
      'limits.justification_max_repeats',
      `must be a whole number, 0 or more, not ${l.justificationMaxRepeats}`,
      'A9',
    );
  else if (l.justificationMaxRepeats > B.justificationMaxRepeatsMax)
    add(
      'limits.justification_max_repeats',
      `must be at most ${B.justificationMaxRepeatsMax}, not ${l.justificationMaxRepeats}: ` +
        'an agreement may lower it, never raise it',
      'A9',
    );
  if (!isInt(l.justificationMinLength))
    add('limits.justification_min_length', `must be a whole number, not ${l.justificationMinLength}`, 'A9');
  else if (l.justificationMinLength < B.justificationMinLengthMin)
    add(
      'limits.justification_min_length',
      `must be at least ${B.justificationMinLengthMin} characters, not ${l.justificationMinLength}: ` +
        'an agreement may raise it, never lower it',
      'A9',
    );
  if (!isInt(l.officerMaxRecords) || l.officerMaxRecords < 1)
    add('limits.officer_max_records', `must be a whole number, 1 or more, not ${l.officerMaxRecords}`, 'A11');
  else if (l.officerMaxRecords > B.officerMaxRecordsMax)
    add(
      'limits.officer_max_records',
      `must be at most ${B.officerMaxRecordsMax}, not ${l.officerMaxRecords}: ` +
        'an agreement may lower it, never raise it',
      'A11',
    );
  if (!isInt(l.counselThreshold) || l.counselThreshold < B.counselThresholdMin)
    add(
      'limits.counsel_threshold',
      `must be a whole number of records, ${B.counselThresholdMin} or more, not ${l.counselThreshold}`,
      'B1',
    );
  if (
    !Number.isFinite(l.bulkDefectShare) ||
    l.bulkDefectShare <= 0 ||
    l.bulkDefectShare > B.bulkDefectShareMax
  )
    add(
      'limits.bulk_defect_share',
      `must be a share above 0 and at most ${B.bulkDefectShareMax}, not ${l.bulkDefectShare}`,
      'B2',
    );

  // A14: recipient safeguards.
  const s = a.safeguards;
  const certifiedOn = dateField('safeguards.certified_on', s.certifiedOn, 'A14');
  const safeguardsExpire = dateField('safeguards.expires', s.expires, 'A14');
  if (s.certified && s.certifiedOn === undefined)
    add('safeguards.certified_on', 'a certification must carry the date it was made', 'A14');
  if (certifiedOn && safeguardsExpire && s.expires! <= s.certifiedOn!)
    add('safeguards.expires', `${s.expires} is not after the certification date ${s.certifiedOn}`, 'A14');

  // A13: court orders and injunctions.
  a.courtOrders.forEach((o, i) => {
    const p = `court_orders[${i}]`;
    text(`${p}.reference`, o.reference, 'A13');
    text(`${p}.court`, o.court, 'A13');
    if (o.enjoins.length === 0) add(`${p}.enjoins`, 'must name at least one agency or office', 'A13');
    o.enjoins.forEach((e, j) => {
      text(`${p}.enjoins[${j}]`, e, 'A13');
    });
    const from = dateField(`${p}.effective`, o.effective, 'A13');
    const to = dateField(`${p}.expires`, o.expires, 'A13');
    if (from && to && o.expires! < o.effective)
      add(`${p}.expires`, `${o.expires} is before the order takes effect (${o.effective})`, 'A13');
  });
  duplicates(
    'court_orders',
    a.courtOrders.map((o) => o.reference),
    normalizeName,
    'A13',
  );

  // Term.
  const effective = dateField('term.effective', a.term.effective, 'A1');
  const expires = dateField('term.expires', a.term.expires, 'A1');
  if (effective && expires && a.term.expires! <= a.term.effective)
    add('term.expires', `${a.term.expires} is not after the effective date ${a.term.effective}`, 'A1');

  // D8: disposition.
  if (
    !isInt(a.dispositionDays) ||
    a.dispositionDays < B.dispositionDaysMin ||
    a.dispositionDays > B.dispositionDaysMax
  )
    add(
      'disposition_days',
      `must be a whole number of days from ${B.dispositionDaysMin} to ${B.dispositionDaysMax}, not ${a.dispositionDays}`,
      'D8',
    );

  // Versions and rationale.
  let previous: { version: number; date: string } | undefined;
  a.changes.forEach((c, i) => {
    const p = `changes[${i}]`;
    if (!isInt(c.version) || c.version < 1)
      add(`${p}.version`, `must be a whole number of at least 1, not ${c.version}`);
    else if (previous && c.version <= previous.version)
      add(`${p}.version`, `versions must increase: ${c.version} follows ${previous.version}`);
    const dated = dateField(`${p}.date`, c.date);
    if (dated && previous && isIsoDate(previous.date) && c.date < previous.date)
      add(`${p}.date`, `${c.date} is before the date of the previous change (${previous.date})`);
    if (blank(c.rationale)) add(`${p}.rationale`, 'every change needs a written rationale');
    if (c.version > a.version)
      add(`${p}.version`, `records version ${c.version}, later than the document's version ${a.version}`);
    previous = { version: c.version, date: c.date };
  });
  if (isInt(a.version) && !a.changes.some((c) => c.version === a.version))
    add(
      'changes',
      `has no entry for the current version ${a.version}: every version needs a written rationale`,
    );

  return problems;
}
