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
  /**
   * Elements every request record must carry. Always includes the statutory elements
   * (`STATUTORY_REQUEST_ELEMENTS`, rules A3–A10); an agreement may require more, never fewer.
   */
  readonly requiredElements: readonly RequestElement[];
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

/**
 * Elements of a request record an agreement can require. `address` is the whole address
 * (street with house number, city, state, ZIP: rule A4); the others are request columns
 * (interchange spec, section 2).
 */
export const REQUEST_ELEMENTS = [
  'given_name',
  'family_name',
  'address',
  'taxable_periods',
  'criminal_statute',
  'case_number',
  'justification',
  'requesting_officer',
  'middle_name',
  'date_of_birth',
  'tin',
] as const;
export type RequestElement = (typeof REQUEST_ELEMENTS)[number];

/** The elements the statute requires of every request, with the rule that enforces each. */
export const STATUTORY_REQUEST_ELEMENTS = {
  given_name: 'A3',
  family_name: 'A3',
  address: 'A4',
  taxable_periods: 'A5',
  criminal_statute: 'A6',
  case_number: 'A8',
  justification: 'A9',
  requesting_officer: 'A10',
} as const satisfies Partial<Record<RequestElement, string>>;

/** `id@version`, the stamp recorded on every decision. */
export function agreementStamp(a: Pick<Agreement, 'id' | 'version'>): string {
  return `${a.id}@${a.version}`;
}
