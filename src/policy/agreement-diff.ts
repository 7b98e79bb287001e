import type { Agreement, CourtOrder, Signatory } from '../core/agreement.js';
import { formatStatute, statuteWithin } from '../core/statute.js';
import { clauseLabel } from './agreement-clauses.js';
import { normalizeAgencyName, normalizeName, parseAuthority } from './agreement-status.js';

/**
 * A clause-by-clause difference between two agreements, for the lawyers who review a draft.
 * Each change says whether it makes the gateway disclose less (`tighter`), more (`looser`),
 * or neither clearly (`changed`: names, dates of record, rationale).
 */
export type ChangeEffect = 'tighter' | 'looser' | 'changed';

export interface ClauseChange {
  /** Clause path in the document, e.g. `matching.threshold`. */
  readonly clause: string;
  /** Plain-English name of the clause. */
  readonly label: string;
  readonly before: string;
  readonly after: string;
  readonly effect: ChangeEffect;
}

const NONE = '(none)';
const ABSENT = '(not listed)';

/** Effect of a number changing when a higher value discloses less (`up`) or more (`down`). */
function numberEffect(before: number, after: number, tighterWhen: 'higher' | 'lower'): ChangeEffect {
  return after > before === (tighterWhen === 'higher') ? 'tighter' : 'looser';
}

/**
 * Effect of an optional end date moving: a later end, or none at all, keeps something in
 * force longer. `longerIs` says whether that discloses more (an agreement's term) or less (an
 * injunction).
 */
function endDateEffect(
  before: string | undefined,
  after: string | undefined,
  longerIs: ChangeEffect,
): ChangeEffect {
  const shorter: ChangeEffect = longerIs === 'looser' ? 'tighter' : 'looser';
  if (before === undefined) return shorter;
  if (after === undefined) return longerIs;
  return after > before ? longerIs : shorter;
}

export function diffAgreements(a: Agreement, b: Agreement): ClauseChange[] {
  const out: ClauseChange[] = [];
  const push = (
    clause: string,
    before: string,
    after: string,
    effect: ChangeEffect,
    label?: string,
  ): void => {
    out.push({ clause, label: label ?? clauseLabel(clause), before, after, effect });
  };
  const scalar = (
    clause: string,
    before: string | number | boolean | undefined,
    after: string | number | boolean | undefined,
    effect: (x: typeof before, y: typeof after) => ChangeEffect,
  ): void => {
    if (before === after) return;
    push(
      clause,
      before === undefined ? NONE : String(before),
      after === undefined ? NONE : String(after),
      effect(before, after),
    );
  };
  /**
   * A list clause: removals and additions as separate rows. `covered(x, list)` says whether
   * an item is already within the other list's reach (a statute under a listed section), so
   * adding or removing it changes nothing in effect.
   */
  const list = (
    clause: string,
    before: readonly string[],
    after: readonly string[],
    key: (s: string) => string,
    addedIs: ChangeEffect,
    covered: (x: string, among: readonly string[]) => boolean = () => false,
  ): void => {
    const beforeKeys = new Set(before.map(key));
    const afterKeys = new Set(after.map(key));
    const removed = before.filter((x) => !afterKeys.has(key(x)));
    const added = after.filter((x) => !beforeKeys.has(key(x)));
    const removedIs: ChangeEffect = addedIs === 'looser' ? 'tighter' : 'looser';
    if (removed.length > 0) {
      const neutral = removed.every((x) => covered(x, after));
      push(
        clause,
        removed.join(', '),
        ABSENT,
        neutral ? 'changed' : removedIs,
        `${clauseLabel(clause)}: removed`,
      );
    }
    if (added.length > 0) {
      const neutral = added.every((x) => covered(x, before));
      push(clause, ABSENT, added.join(', '), neutral ? 'changed' : addedIs, `${clauseLabel(clause)}: added`);
    }
  };
  // Citations (authorities and statutes) compare in canonical spelling; `IRC` reads as 26 USC.
  const citationKey = (x: string): string => {
    const s = parseAuthority(x);
    return s ? formatStatute(s) : x;
  };
  const statuteCovered = (x: string, among: readonly string[]): boolean => {
    const s = parseAuthority(x);
    return (
      s !== null &&
      among.some((y) => {
        const l = parseAuthority(y);
        return l !== null && statuteWithin(s, l);
      })
    );
  };
  const changed = (): ChangeEffect => 'changed';

  scalar('id', a.id, b.id, changed);
  scalar('version', a.version, b.version, changed);
  scalar('title', a.title, b.title, changed);
  scalar('parties.discloser', a.parties.discloser, b.parties.discloser, changed);
  scalar('parties.recipient', a.parties.recipient, b.parties.recipient, changed);

  list('authorities', a.authorities, b.authorities, citationKey, 'looser', statuteCovered);
  diffSignatories(a.signatories, b.signatories, push);
  list('criminal_statutes', a.criminalStatutes, b.criminalStatutes, citationKey, 'looser', statuteCovered);
  list('required_elements', a.requiredElements, b.requiredElements, (s) => s, 'tighter');
  list('disclosable_fields', a.disclosableFields, b.disclosableFields, (s) => s, 'looser');

  scalar(
    'matching.require_address_corroboration',
    a.matching.requireAddressCorroboration,
    b.matching.requireAddressCorroboration,
    (_, y) => (y ? 'tighter' : 'looser'),
  );
  const num = (clause: string, x: number, y: number, tighterWhen: 'higher' | 'lower') =>
    scalar(clause, x, y, () => numberEffect(x, y, tighterWhen));
  num('matching.threshold', a.matching.threshold, b.matching.threshold, 'higher');
  num('matching.ambiguity_margin', a.matching.ambiguityMargin, b.matching.ambiguityMargin, 'higher');
  num(
    'limits.justification_max_repeats',
    a.limits.justificationMaxRepeats,
    b.limits.justificationMaxRepeats,
    'lower',
  );
  num(
    'limits.justification_min_length',
    a.limits.justificationMinLength,
    b.limits.justificationMinLength,
    'higher',
  );
  num('limits.officer_max_records', a.limits.officerMaxRecords, b.limits.officerMaxRecords, 'lower');
  num('limits.counsel_threshold', a.limits.counselThreshold, b.limits.counselThreshold, 'lower');
  num('limits.bulk_defect_share', a.limits.bulkDefectShare, b.limits.bulkDefectShare, 'lower');

  scalar('safeguards.certified', a.safeguards.certified, b.safeguards.certified, (_, y) =>
    y ? 'looser' : 'tighter',
  );
  scalar('safeguards.certified_on', a.safeguards.certifiedOn, b.safeguards.certifiedOn, changed);
  scalar('safeguards.expires', a.safeguards.expires, b.safeguards.expires, () =>
    endDateEffect(a.safeguards.expires, b.safeguards.expires, 'looser'),
  );

  diffCourtOrders(a.courtOrders, b.courtOrders, push);

  scalar('term.effective', a.term.effective, b.term.effective, (x, y) =>
    String(y) < String(x) ? 'looser' : 'tighter',
  );
  scalar('term.expires', a.term.expires, b.term.expires, () =>
    endDateEffect(a.term.expires, b.term.expires, 'looser'),
  );
  num('disposition_days', a.dispositionDays, b.dispositionDays, 'lower');

  const known = new Map(a.changes.map((c) => [c.version, c]));
  for (const c of b.changes) {
    const before = known.get(c.version);
    if (before && before.rationale === c.rationale && before.date === c.date) continue;
    push(
      `changes[v${c.version}]`,
      before ? `${before.date}: ${before.rationale}` : NONE,
      `${c.date}: ${c.rationale}`,
      'changed',
      `Rationale of version ${c.version}`,
    );
  }
  return out;
}

type Push = (clause: string, before: string, after: string, effect: ChangeEffect, label?: string) => void;

function describeSignatory(s: Signatory): string {
  return s.delegate ? `${s.title} (delegate, counsel approval ${s.delegate.counselApproval})` : s.title;
}

function diffSignatories(a: readonly Signatory[], b: readonly Signatory[], push: Push): void {
  const before = new Map(a.map((s) => [normalizeName(s.title), s]));
  const after = new Map(b.map((s) => [normalizeName(s.title), s]));
  const removed = a.filter((s) => !after.has(normalizeName(s.title)));
  const added = b.filter((s) => !before.has(normalizeName(s.title)));
  if (removed.length > 0)
    push(
      'signatories',
      removed.map(describeSignatory).join('; '),
      ABSENT,
      'tighter',
      'Authorised signatories: removed',
    );
  if (added.length > 0)
    push(
      'signatories',
      ABSENT,
      added.map(describeSignatory).join('; '),
      'looser',
      'Authorised signatories: added',
    );
  for (const [key, s] of after) {
    const old = before.get(key);
    // Spelling of the title does not matter (it compares normalised); the ground of authority does.
    if (!old || old.delegate?.counselApproval === s.delegate?.counselApproval) continue;
    push(
      'signatories',
      describeSignatory(old),
      describeSignatory(s),
      'changed',
      `Authorised signatory: ${s.title}`,
    );
  }
}

function describeOrder(o: CourtOrder): string {
  const until = o.expires ? ` until ${o.expires}` : '';
  return `${o.reference} (${o.court}) enjoins ${o.enjoins.join(', ')} from ${o.effective}${until}`;
}

function diffCourtOrders(a: readonly CourtOrder[], b: readonly CourtOrder[], push: Push): void {
  const key = (o: CourtOrder) => normalizeName(o.reference);
  const before = new Map(a.map((o) => [key(o), o]));
  const after = new Map(b.map((o) => [key(o), o]));
  for (const o of a)
    if (!after.has(key(o))) push('court_orders', describeOrder(o), ABSENT, 'looser', 'Court order: removed');
  for (const o of b)
    if (!before.has(key(o))) push('court_orders', ABSENT, describeOrder(o), 'tighter', 'Court order: added');
  for (const [k, o] of after) {
    const old = before.get(k);
    if (!old || describeOrder(old) === describeOrder(o)) continue;
    // An order that binds more agencies or for longer discloses less.
    const oldNames = new Set(old.enjoins.map(normalizeAgencyName));
    const newNames = new Set(o.enjoins.map(normalizeAgencyName));
    const moves: ChangeEffect[] = [];
    if ([...newNames].some((n) => !oldNames.has(n))) moves.push('tighter');
    if ([...oldNames].some((n) => !newNames.has(n))) moves.push('looser');
    if (o.effective !== old.effective) moves.push(o.effective < old.effective ? 'tighter' : 'looser');
    if (o.expires !== old.expires) moves.push(endDateEffect(old.expires, o.expires, 'tighter'));
    const effect: ChangeEffect =
      moves.length > 0 && moves.every((m) => m === moves[0]) ? moves[0]! : 'changed';
    push('court_orders', describeOrder(old), describeOrder(o), effect, `Court order ${o.reference}`);
  }
}

/**
 * Splits text into lines of at most `width` characters. A list (`a, b, c`) whose items fit
 * the width breaks only between items; other text breaks between words.
 */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    const items = para.split(/(?<=,) /);
    const tokens = items.every((i) => i.length <= width) ? items : para.split(' ');
    let line = '';
    for (const token of tokens) {
      let t = token;
      while (t.length > width) {
        if (line !== '') lines.push(line);
        lines.push(t.slice(0, width));
        line = '';
        t = t.slice(width);
      }
      if (line === '') line = t;
      else if (line.length + 1 + t.length <= width) line += ` ${t}`;
      else {
        lines.push(line);
        line = t;
      }
    }
    lines.push(line);
  }
  return lines;
}

const COLUMNS = [
  { title: 'CLAUSE', max: 34 },
  { title: 'BEFORE', max: 32 },
  { title: 'AFTER', max: 32 },
  { title: 'EFFECT', max: 7 },
] as const;

/** The cells of one change: the clause's name with its path beneath, before, after, effect. */
function cells(ch: ClauseChange): string[] {
  return [`${ch.label}\n(${ch.clause})`, ch.before, ch.after, ch.effect];
}

/** A readable text table of the changes, long cells wrapped within their column. */
export function formatDiff(changes: readonly ClauseChange[]): string {
  if (changes.length === 0) return 'No differences: the two agreements agree clause by clause.\n';
  const rows = changes.map(cells);
  const widths = COLUMNS.map((c, i) =>
    Math.min(c.max, Math.max(c.title.length, ...rows.flatMap((r) => r[i]!.split('\n').map((l) => l.length)))),
  );
  const render = (cells: readonly string[]): string[] => {
    const wrapped = cells.map((cell, i) => wrap(cell, widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    const lines: string[] = [];
    for (let r = 0; r < height; r++)
      lines.push(
        wrapped
          .map((w, i) => (w[r] ?? '').padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
    return lines;
  };
  const lines = [
    ...render(COLUMNS.map((c) => c.title)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.flatMap((r, i) => (i === 0 ? render(r) : ['', ...render(r)])),
  ];
  const count = (e: ChangeEffect) => changes.filter((c) => c.effect === e).length;
  const n = changes.length;
  lines.push(
    '',
    `${n} change${n === 1 ? '' : 's'}: ${count('tighter')} tighter (discloses less), ` +
      `${count('looser')} looser (discloses more), ${count('changed')} other.`,
  );
  return `${lines.join('\n')}\n`;
}
