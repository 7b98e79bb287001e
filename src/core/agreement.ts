/**
 * A disclosure agreement: the negotiated terms between the tax agency and one requesting
 * agency, as data. The gateway enforces it; it may tighten any rule and set the numbers but
 * never loosen a statutory rule (shared/spec/disclosure-rules.md). Loading, validation and
 * diffing of agreement documents live in src/policy; this is the in-memory shape.
 */
export interface Signatory {
  /** Title, compared case-insensitively ignoring punctuation. */
  readonly title: string;
  /** A delegate is only valid with a recorded counsel approval. */
  readonly delegate?: { readonly counselApproval: string } | undefined;
}

export interface CourtOrder {
  readonly reference: string;
  readonly court: string;
  /** Agencies or offices the order names; compared case-insensitively. */
  readonly enjoins: readonly string[];
  readonly effective: string;
  readonly expires?: string | undefined;
}

export interface AgreementChange {
  readonly version: number;
  readonly date: string;
  readonly rationale: string;
}

export interface Agreement {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly parties: { readonly discloser: string; readonly recipient: string };
  /** Legal authorities the manifest's `statutory_authority` may cite. */
  readonly authorities: readonly string[];
  readonly signatories: readonly Signatory[];
  /** Recognised non-tax criminal statutes; a subsection under a listed section is recognised. */
  readonly criminalStatutes: readonly string[];
  /** Fields of the taxpayer's record that may be released. */
  readonly disclosableFields: readonly DisclosableField[];
  readonly matching: {
    readonly requireAddressCorroboration: true;
    /** Minimum match probability to disclose. */
    readonly threshold: number;
    /** A second candidate within this many match-weight units of the best makes the record ambiguous. */
    readonly ambiguityMargin: number;
  };
  readonly limits: {
    /** A9: the same justification on more than this many other records is not specific. */
    readonly justificationMaxRepeats: number;
    /** A9: shortest specific justification, in characters. */
    readonly justificationMinLength: number;
    /** A11: most records one officer may be named on. */
    readonly officerMaxRecords: number;
    /** B1: batches larger than this need counsel sign-off. */
    readonly counselThreshold: number;
    /** B2: share of records refused under A9/A11 above which the batch is flagged. */
    readonly bulkDefectShare: number;
  };
  readonly safeguards: {
    readonly certified: boolean;
    readonly certifiedOn?: string | undefined;
    readonly expires?: string | undefined;
  };
  readonly courtOrders: readonly CourtOrder[];
  readonly term: { readonly effective: string; readonly expires?: string | undefined };
  /** Days after release by which the recipient must return or destroy the data (D8). */
  readonly dispositionDays: number;
  readonly changes: readonly AgreementChange[];
}

export const DISCLOSABLE_FIELDS = [
  'given_name',
  'middle_name',
  'family_name',
  'name_suffix',
  'street',
  'unit',
  'city',
  'state',
  'zip',
] as const;
export type DisclosableField = (typeof DISCLOSABLE_FIELDS)[number];

/** `id@version`, the stamp recorded on every decision. */
export function agreementStamp(a: Pick<Agreement, 'id' | 'version'>): string {
  return `${a.id}@${a.version}`;
}
