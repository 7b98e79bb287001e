/** Column sets of the interchange formats (shared/spec/interchange.md). */

/** The request columns of the interchange spec (section 2). */
export const INTERCHANGE_REQUEST_COLUMNS = [
  'request_id',
  'given_name',
  'middle_name',
  'family_name',
  'name_suffix',
  'date_of_birth',
  'street',
  'unit',
  'city',
  'state',
  'zip',
  'tin',
  'taxable_periods',
  'criminal_statute',
  'case_number',
  'requesting_officer',
  'justification',
] as const;

export const REQUEST_COLUMNS = [
  ...INTERCHANGE_REQUEST_COLUMNS,
  /** Not in the interchange spec: what the request asks for beyond identity (rule A12). Optional. */
  'requested_fields',
] as const;
export type RequestColumn = (typeof REQUEST_COLUMNS)[number];

/** A records file without one of these columns cannot be a request batch: it stops with exit 2. */
export const REQUIRED_REQUEST_COLUMNS: readonly RequestColumn[] = [
  'request_id',
  'given_name',
  'family_name',
  'street',
  'taxable_periods',
  'criminal_statute',
  'case_number',
  'requesting_officer',
  'justification',
];

export const MASTER_COLUMNS = [
  'tin',
  'given_name',
  'middle_name',
  'family_name',
  'name_suffix',
  'date_of_birth',
  'street',
  'unit',
  'city',
  'state',
  'zip',
  'address_tax_year',
] as const;
export type MasterColumn = (typeof MASTER_COLUMNS)[number];

export const REQUIRED_MASTER_COLUMNS: readonly MasterColumn[] = ['tin', 'given_name', 'family_name'];
