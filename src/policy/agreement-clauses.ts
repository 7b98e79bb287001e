import { REASON_CODES } from '../core/reason-codes.js';

/**
 * The clauses of an agreement document, in document order: the path of each (snake_case, as
 * written in the YAML), a plain-English name, and the rule of shared/spec/disclosure-rules.md
 * it sets or implements. Validation, the loader's messages and the diff all name clauses
 * from this one list.
 */
export interface ClauseInfo {
  readonly path: string;
  readonly label: string;
  readonly rule?: string;
}

export const CLAUSES: readonly ClauseInfo[] = [
  { path: 'id', label: 'Agreement identifier' },
  { path: 'version', label: 'Version' },
  { path: 'title', label: 'Title' },
  { path: 'parties', label: 'Parties' },
  { path: 'parties.discloser', label: 'Disclosing agency' },
  { path: 'parties.recipient', label: 'Recipient agency', rule: 'A1' },
  { path: 'authorities', label: 'Legal authority', rule: 'A1' },
  { path: 'signatories', label: 'Authorised signatories', rule: 'A2' },
  { path: 'criminal_statutes', label: 'Recognised criminal statutes', rule: 'A7' },
  { path: 'required_elements', label: 'Required request elements' },
  { path: 'disclosable_fields', label: 'Fields that may be disclosed', rule: 'A12' },
  { path: 'matching', label: 'Matching requirements' },
  { path: 'matching.require_address_corroboration', label: 'Address corroboration required', rule: 'C1' },
  { path: 'matching.threshold', label: 'Match probability threshold', rule: 'C3' },
  { path: 'matching.ambiguity_margin', label: 'Ambiguity margin', rule: 'C2' },
  { path: 'limits', label: 'Limits' },
  { path: 'limits.justification_max_repeats', label: 'Most repeats of one justification', rule: 'A9' },
  { path: 'limits.justification_min_length', label: 'Shortest specific justification', rule: 'A9' },
  { path: 'limits.officer_max_records', label: 'Most records per officer', rule: 'A11' },
  { path: 'limits.counsel_threshold', label: 'Batch size needing counsel sign-off', rule: 'B1' },
  { path: 'limits.bulk_defect_share', label: 'Defect share flagging a batch', rule: 'B2' },
  { path: 'safeguards', label: 'Recipient safeguards', rule: 'A14' },
  { path: 'safeguards.certified', label: 'Safeguards certified', rule: 'A14' },
  { path: 'safeguards.certified_on', label: 'Safeguards certified on', rule: 'A14' },
  { path: 'safeguards.expires', label: 'Safeguards certification expires', rule: 'A14' },
  { path: 'court_orders', label: 'Court orders and injunctions', rule: 'A13' },
  { path: 'term', label: 'Term', rule: 'A1' },
  { path: 'term.effective', label: 'Term begins', rule: 'A1' },
  { path: 'term.expires', label: 'Term ends', rule: 'A1' },
  { path: 'disposition_days', label: 'Disposition period (days)', rule: 'D8' },
  { path: 'changes', label: 'Versions and rationale' },
];

const BY_PATH = new Map(CLAUSES.map((c) => [c.path, c]));

/** The clause a path falls under: `criminal_statutes[3]` → `criminal_statutes`. */
export function clauseOf(path: string): ClauseInfo | undefined {
  let p = path.replace(/\[[^\]]*\]/g, '');
  for (;;) {
    const hit = BY_PATH.get(p);
    if (hit) return hit;
    const dot = p.lastIndexOf('.');
    if (dot < 0) return undefined;
    p = p.slice(0, dot);
  }
}

/** Plain-English name of the clause at `path`, or the path itself. */
export function clauseLabel(path: string): string {
  return clauseOf(path)?.label ?? path;
}

const STATUTORY_RULES = new Set<string>(
  Object.values(REASON_CODES)
    .filter((r) => r.kind === 'statutory')
    .map((r) => r.rule),
);

export function isStatutoryRule(rule: string): boolean {
  return STATUTORY_RULES.has(rule);
}

/** `rule A7 (statutory)`, `rule C3`. */
export function ruleLabel(rule: string): string {
  return isStatutoryRule(rule) ? `rule ${rule} (statutory)` : `rule ${rule}`;
}
