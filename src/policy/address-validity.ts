/**
 * Rule A4 as SQL: is the request's address a real address? Placeholders, ZIP-only, bare
 * numbers and streets without a house number are not (the 2025 disclosures accepted
 * "Failed to Provide" and ZIP codes as addresses; shared/research/disclosure-law.md).
 */

/** Placeholder texts, compared with everything but letters and digits removed. */
export const ADDRESS_PLACEHOLDERS = [
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
] as const;

const placeholderList = ADDRESS_PLACEHOLDERS.map((p) => `'${p}'`).join(', ');

/** SQL macros `addr_placeholder(text)` and `addr_invalid(street, city, state, zip)`. */
export const ADDRESS_MACROS_SQL = `
CREATE OR REPLACE MACRO addr_alnum(t) AS regexp_replace(upper(coalesce(t, '')), '[^A-Z0-9]', '', 'g');
CREATE OR REPLACE MACRO addr_placeholder(t) AS
  addr_alnum(t) IN (${placeholderList})
  OR regexp_full_match(addr_alnum(t), '(NA)+|0+|X+|(UNKNOWN)+');
CREATE OR REPLACE MACRO addr_street_norm(s) AS upper(trim(regexp_replace(coalesce(s, ''), '\\s+', ' ', 'g')));
CREATE OR REPLACE MACRO addr_street_invalid(s) AS
  addr_street_norm(s) = ''
  OR addr_placeholder(s)
  OR regexp_full_match(addr_street_norm(s), '[0-9 #-]+')
  OR NOT regexp_matches(addr_street_norm(s), '^[0-9]+[A-Z]?(-[0-9A-Z]+)?( 1/2)? +[A-Z0-9]')
  OR addr_placeholder(regexp_replace(addr_street_norm(s), '^[0-9]+[A-Z]?(-[0-9A-Z]+)?( 1/2)? +', ''));
CREATE OR REPLACE MACRO addr_zip_valid(z) AS
  regexp_full_match(trim(coalesce(z, '')), '[0-9]{5}(-?[0-9]{4})?') AND NOT starts_with(trim(z), '00000');
CREATE OR REPLACE MACRO addr_invalid(street, city, state, zip) AS
  addr_street_invalid(street)
  OR NOT (
    addr_zip_valid(zip)
    OR (trim(coalesce(city, '')) <> '' AND NOT addr_placeholder(city) AND regexp_full_match(upper(trim(coalesce(state, ''))), '[A-Z]{2}'))
  );
`;
