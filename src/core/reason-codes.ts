/**
 * The stable reason codes of Custodian. They appear in the decisions export, the evidence
 * files, the ledger and reports, so a code is never renamed or reused: add new ones only.
 * Section letters refer to `shared/spec/disclosure-rules.md`.
 */
export type ReasonKind =
  | 'statutory'
  | 'agreement'
  | 'data'
  | 'batch'
  | 'matching'
  | 'evidence'
  | 'accounting';

export interface ReasonCodeInfo {
  readonly rule: string;
  readonly kind: ReasonKind;
  readonly description: string;
}

export const REASON_CODES = {
  NO_STATUTORY_BASIS: {
    rule: 'A1',
    kind: 'statutory',
    description: 'The manifest cites no legal basis the agreement names.',
  },
  UNAUTHORIZED_SIGNATORY: {
    rule: 'A2',
    kind: 'statutory',
    description: 'The manifest signer is not an authorised signatory of the agreement.',
  },
  MISSING_NAME: { rule: 'A3', kind: 'statutory', description: 'Given or family name missing.' },
  MISSING_OR_INVALID_ADDRESS: {
    rule: 'A4',
    kind: 'statutory',
    description: 'Address missing, a placeholder, ZIP only, or without a house number.',
  },
  MISSING_TAXABLE_PERIOD: {
    rule: 'A5',
    kind: 'statutory',
    description: 'Taxable period missing or not a 4-digit year between 1900 and the current year.',
  },
  MISSING_STATUTORY_AUTHORITY: { rule: 'A6', kind: 'statutory', description: 'No criminal statute given.' },
  NOT_NONTAX_CRIMINAL: {
    rule: 'A7',
    kind: 'statutory',
    description: 'The statute is not a recognised non-tax criminal statute.',
  },
  MISSING_CASE_NUMBER: { rule: 'A8', kind: 'statutory', description: 'No case or investigation number.' },
  MISSING_SPECIFIC_REASON: {
    rule: 'A9',
    kind: 'statutory',
    description: 'Justification missing, too short, or boilerplate repeated across the batch.',
  },
  NO_ENGAGED_RECIPIENT: {
    rule: 'A10',
    kind: 'statutory',
    description: 'No officer named as personally and directly engaged.',
  },
  ENGAGEMENT_IMPLAUSIBLE: {
    rule: 'A11',
    kind: 'statutory',
    description: 'One officer named on more records than anyone can be personally engaged in.',
  },
  TRI_REQUIRES_COURT_ORDER: {
    rule: 'A12',
    kind: 'statutory',
    description: 'The request asks for return information beyond taxpayer identity.',
  },
  ENJOINED: {
    rule: 'A13',
    kind: 'statutory',
    description: 'The recipient is named in an active court order or injunction.',
  },
  RECIPIENT_SAFEGUARDS_NOT_MET: {
    rule: 'A14',
    kind: 'statutory',
    description: 'The recipient has no current safeguards certification.',
  },
  WITHHELD_I6: { rule: 'A15', kind: 'statutory', description: 'The taxpayer is flagged for withholding.' },
  MISSING_REQUIRED_ELEMENT: {
    rule: 'A3-A10',
    kind: 'agreement',
    description:
      'An element the agreement requires beyond the statute (middle name, date of birth, TIN) is missing.',
  },
  DUPLICATE_REQUEST: {
    rule: 'A16',
    kind: 'data',
    description: 'A request_id already used earlier in the batch.',
  },
  MALFORMED_RECORD: {
    rule: 'A17',
    kind: 'data',
    description: 'The row could not be read as a valid record.',
  },
  AGREEMENT_NOT_IN_FORCE: {
    rule: 'A1',
    kind: 'statutory',
    description: 'The agreement is not in force on the processing date (not yet effective, or expired).',
  },
  AGREEMENT_MISMATCH: {
    rule: 'A1',
    kind: 'statutory',
    description: 'The manifest names another agreement or another requesting agency than the one applied.',
  },
  COUNSEL_SIGNOFF_REQUIRED: {
    rule: 'B1',
    kind: 'batch',
    description: 'The batch is larger than the counsel threshold: held for counsel sign-off.',
  },
  BULK_DEFECT_REVIEW: {
    rule: 'B2',
    kind: 'batch',
    description: 'More than the agreement share of records refused under A9/A11: flagged for counsel.',
  },
  ADDRESS_NOT_CONFIRMED: {
    rule: 'C1',
    kind: 'matching',
    description: 'The requester address agrees with no address of record of the candidate.',
  },
  AMBIGUOUS_MATCH: {
    rule: 'C2',
    kind: 'matching',
    description: 'Two or more taxpayers fit too closely to tell apart.',
  },
  NO_MATCH: { rule: 'C3', kind: 'matching', description: 'No taxpayer candidate found.' },
  LOW_CONFIDENCE: {
    rule: 'C3',
    kind: 'matching',
    description: 'Best candidate scored under the agreement threshold.',
  },
  IDENTITY_CONFLICT: {
    rule: 'C2',
    kind: 'matching',
    description:
      'The best candidate disagrees on a field that tells people apart (given name, birth date, Jr/Sr): never disclosed.',
  },
  TWIN_NOT_EXCLUDED: {
    rule: 'C2',
    kind: 'matching',
    description:
      'Another taxpayer with the same birth date and family name shares the address of record (a twin): a requester may name one twin for the other; held for review.',
  },
  FAMILY_NAME_NOT_CONFIRMED: {
    rule: 'C2',
    kind: 'matching',
    description:
      "The family name shares nothing with the candidate's while given name and birth date agree exactly (a married name, or a namesake), or is only alike in sound while the birth date is not exact: held for review.",
  },
  BIRTH_DATE_NOT_CONFIRMED: {
    rule: 'C2',
    kind: 'matching',
    description:
      'A birth date is missing on one side and no TIN or Jr/Sr suffix tells relatives of one name at one address apart.',
  },
  GIVEN_NAME_NOT_CONFIRMED: {
    rule: 'C2',
    kind: 'matching',
    description:
      'The given name is a close spelling or nickname, not the same name, and no middle name or TIN confirms it (a twin could differ by one letter): held for review.',
  },
  TIN_NAME_CONFLICT: {
    rule: 'C4',
    kind: 'matching',
    description: 'The supplied TIN belongs to a taxpayer whose name does not agree.',
  },
  MATCH_CONFIRMED: {
    rule: 'C1',
    kind: 'evidence',
    description: 'Name and address corroborate exactly one taxpayer above the threshold.',
  },
  BASELINE_EXACT_MATCH: {
    rule: 'C1',
    kind: 'evidence',
    description: 'Baseline matcher: exact standardised name, birth date and address of record.',
  },
  TIN_CORROBORATES: {
    rule: 'C4',
    kind: 'evidence',
    description: 'The supplied TIN agrees with the matched taxpayer (supporting evidence only).',
  },
  ADDRESS_IS_CURRENT: {
    rule: 'C1',
    kind: 'evidence',
    description: 'The corroborating address is the taxpayer current address of record.',
  },
  ADDRESS_IS_PRIOR: {
    rule: 'C1',
    kind: 'evidence',
    description: 'The corroborating address is an earlier address of record.',
  },
  DISPOSITION_OVERDUE: {
    rule: 'D8',
    kind: 'accounting',
    description: 'A released batch passed its return-or-destroy date.',
  },
  IMPROPERLY_DISCLOSED: {
    rule: 'D9',
    kind: 'accounting',
    description: 'A past disclosure judged improper under a corrected agreement or matcher.',
  },
} as const satisfies Record<string, ReasonCodeInfo>;

export type ReasonCode = keyof typeof REASON_CODES;

export const ALL_REASON_CODES = Object.keys(REASON_CODES) as ReasonCode[];

export function isReasonCode(value: string): value is ReasonCode {
  return Object.hasOwn(REASON_CODES, value);
}
