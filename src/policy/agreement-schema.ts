import { z } from 'zod';
import type { Agreement, AgreementChange, CourtOrder, Signatory } from '../core/agreement.js';

/**
 * The agreement document as written (YAML, snake_case keys) and its mapping to the in-memory
 * `Agreement` (camelCase). The schema checks shape only: every clause present with the right
 * type, dates written YYYY-MM-DD, and no unknown key anywhere, since an unknown key may be a
 * misspelt clause that its author believes is in force. What the values may be (the legal
 * limits) is checked by `validateAgreement` in agreement-validate.ts.
 */

/** A real calendar date written YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

const date = z.string().refine(isIsoDate, { message: 'must be a real date written YYYY-MM-DD' });

export const SignatorySchema = z.strictObject({
  title: z.string(),
  delegate: z.strictObject({ counsel_approval: z.string() }).nullish(),
});

export const CourtOrderSchema = z.strictObject({
  reference: z.string(),
  court: z.string(),
  enjoins: z.array(z.string()),
  effective: date,
  expires: date.nullish(),
});

export const AgreementChangeSchema = z.strictObject({
  version: z.number(),
  date,
  rationale: z.string(),
});

export const AgreementDocumentSchema = z.strictObject({
  id: z.string(),
  version: z.number(),
  title: z.string(),
  parties: z.strictObject({ discloser: z.string(), recipient: z.string() }),
  authorities: z.array(z.string()),
  signatories: z.array(SignatorySchema),
  criminal_statutes: z.array(z.string()),
  required_elements: z.array(z.string()),
  disclosable_fields: z.array(z.string()),
  matching: z.strictObject({
    require_address_corroboration: z.boolean(),
    threshold: z.number(),
    ambiguity_margin: z.number(),
  }),
  limits: z.strictObject({
    justification_max_repeats: z.number(),
    justification_min_length: z.number(),
    officer_max_records: z.number(),
    counsel_threshold: z.number(),
    bulk_defect_share: z.number(),
  }),
  safeguards: z.strictObject({
    certified: z.boolean(),
    certified_on: date.nullish(),
    expires: date.nullish(),
  }),
  court_orders: z.array(CourtOrderSchema),
  term: z.strictObject({ effective: date, expires: date.nullish() }),
  disposition_days: z.number(),
  changes: z.array(AgreementChangeSchema),
});

/** The document as written, after the shape check. */
export type AgreementDocument = z.infer<typeof AgreementDocumentSchema>;

/**
 * An agreement whose shape is right but whose values are not yet validated: the lists hold
 * any text and address corroboration may be off. `validateAgreement` takes this wider type,
 * so that it can name the rule a draft would break; an `Agreement` is also an `AgreementDraft`.
 */
export interface AgreementDraft
  extends Omit<Agreement, 'matching' | 'disclosableFields' | 'requiredElements'> {
  readonly requiredElements: readonly string[];
  readonly disclosableFields: readonly string[];
  readonly matching: {
    readonly requireAddressCorroboration: boolean;
    readonly threshold: number;
    readonly ambiguityMargin: number;
  };
}

/** Optional clauses are left out, never set to `undefined`, so agreements compare cleanly. */
function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === undefined || value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

export function documentToDraft(doc: AgreementDocument): AgreementDraft {
  const signatories: Signatory[] = doc.signatories.map((s) => ({
    title: s.title,
    ...optional('delegate', s.delegate ? { counselApproval: s.delegate.counsel_approval } : undefined),
  }));
  const courtOrders: CourtOrder[] = doc.court_orders.map((o) => ({
    reference: o.reference,
    court: o.court,
    enjoins: [...o.enjoins],
    effective: o.effective,
    ...optional('expires', o.expires),
  }));
  const changes: AgreementChange[] = doc.changes.map((c) => ({
    version: c.version,
    date: c.date,
    rationale: c.rationale,
  }));
  return {
    id: doc.id,
    version: doc.version,
    title: doc.title,
    parties: { discloser: doc.parties.discloser, recipient: doc.parties.recipient },
    authorities: [...doc.authorities],
    signatories,
    criminalStatutes: [...doc.criminal_statutes],
    requiredElements: [...doc.required_elements],
    disclosableFields: [...doc.disclosable_fields],
    matching: {
      requireAddressCorroboration: doc.matching.require_address_corroboration,
      threshold: doc.matching.threshold,
      ambiguityMargin: doc.matching.ambiguity_margin,
    },
    limits: {
      justificationMaxRepeats: doc.limits.justification_max_repeats,
      justificationMinLength: doc.limits.justification_min_length,
      officerMaxRecords: doc.limits.officer_max_records,
      counselThreshold: doc.limits.counsel_threshold,
      bulkDefectShare: doc.limits.bulk_defect_share,
    },
    safeguards: {
      certified: doc.safeguards.certified,
      ...optional('certifiedOn', doc.safeguards.certified_on),
      ...optional('expires', doc.safeguards.expires),
    },
    courtOrders,
    term: { effective: doc.term.effective, ...optional('expires', doc.term.expires) },
    dispositionDays: doc.disposition_days,
    changes,
  };
}

/** The document form of an agreement (snake_case, optional clauses left out when unset). */
export function agreementToDocument(a: AgreementDraft): AgreementDocument {
  return {
    id: a.id,
    version: a.version,
    title: a.title,
    parties: { discloser: a.parties.discloser, recipient: a.parties.recipient },
    authorities: [...a.authorities],
    signatories: a.signatories.map((s) => ({
      title: s.title,
      ...optional('delegate', s.delegate ? { counsel_approval: s.delegate.counselApproval } : undefined),
    })),
    criminal_statutes: [...a.criminalStatutes],
    required_elements: [...a.requiredElements],
    disclosable_fields: [...a.disclosableFields],
    matching: {
      require_address_corroboration: a.matching.requireAddressCorroboration,
      threshold: a.matching.threshold,
      ambiguity_margin: a.matching.ambiguityMargin,
    },
    limits: {
      justification_max_repeats: a.limits.justificationMaxRepeats,
      justification_min_length: a.limits.justificationMinLength,
      officer_max_records: a.limits.officerMaxRecords,
      counsel_threshold: a.limits.counselThreshold,
      bulk_defect_share: a.limits.bulkDefectShare,
    },
    safeguards: {
      certified: a.safeguards.certified,
      ...optional('certified_on', a.safeguards.certifiedOn),
      ...optional('expires', a.safeguards.expires),
    },
    court_orders: a.courtOrders.map((o) => ({
      reference: o.reference,
      court: o.court,
      enjoins: [...o.enjoins],
      effective: o.effective,
      ...optional('expires', o.expires),
    })),
    term: { effective: a.term.effective, ...optional('expires', a.term.expires) },
    disposition_days: a.dispositionDays,
    changes: a.changes.map((c) => ({ version: c.version, date: c.date, rationale: c.rationale })),
  };
}
