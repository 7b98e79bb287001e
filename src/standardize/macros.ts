/**
 * The SQL macros of the standardiser. Everything here is plain DuckDB SQL, applied in bulk by
 * one `CREATE TABLE … AS SELECT` (standardize.ts); nothing runs per row in JavaScript.
 *
 * Macros whose text depends on the reference files (directionals, unit designators) are
 * generated at install time from the loaded tables (install.ts); the ones here are static.
 * Regular expressions are RE2: no look-around and no back-references.
 */

/** Words dropped from family names when other tokens remain (README.md, "Family names"). */
export const FAMILY_PARTICLES = [
  'DE',
  'DEL',
  'DELA',
  'DELAS',
  'DELOS',
  'DELLA',
  'LA',
  'LAS',
  'LOS',
  'LE',
  'Y',
  'E',
  'DA',
  'DAS',
  'DO',
  'DOS',
  'DI',
  'DU',
  'VAN',
  'VON',
  'DER',
  'DEN',
  'TER',
  'TEN',
] as const;

/** Street suffixes after which a trailing number is part of the name, never a unit (HWY 50, RD 12). */
export const ROUTE_SUFFIXES = [
  'HWY',
  'RTE',
  'RD',
  'FWY',
  'EXPY',
  'TPKE',
  'PIKE',
  'BYP',
  'SKWY',
  'CSWY',
] as const;

export const sqlList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
export const sqlTuple = (xs: readonly string[]) => `(${xs.map((x) => `'${x}'`).join(', ')})`;

const ORDINAL_UNITS = [
  'FIRST',
  'SECOND',
  'THIRD',
  'FOURTH',
  'FIFTH',
  'SIXTH',
  'SEVENTH',
  'EIGHTH',
  'NINTH',
  'TENTH',
  'ELEVENTH',
  'TWELFTH',
  'THIRTEENTH',
  'FOURTEENTH',
  'FIFTEENTH',
  'SIXTEENTH',
  'SEVENTEENTH',
  'EIGHTEENTH',
  'NINETEENTH',
];
const ORDINAL_TENS = [
  'TWENTIETH',
  'THIRTIETH',
  'FORTIETH',
  'FIFTIETH',
  'SIXTIETH',
  'SEVENTIETH',
  'EIGHTIETH',
  'NINETIETH',
];
const CARDINAL_TENS = ['TWENTY', 'THIRTY', 'FORTY', 'FIFTY', 'SIXTY', 'SEVENTY', 'EIGHTY', 'NINETY'];
const UNIT_ORDINAL_RE = ORDINAL_UNITS.slice(0, 9).join('|');
const CARDINAL_TENS_RE = CARDINAL_TENS.join('|');

/** Words of a street name spelt several ways, rewritten by std_street_word. */
const STREET_WORD_VARIANTS = [
  'SAINT',
  'MOUNT',
  'FORT',
  'HIGHWAY',
  'HIGHWY',
  'HIWAY',
  'HIWY',
  'HWAY',
  'ROUTE',
  'RT',
];

/** Typographic apostrophes (´ ‘ ’ ʼ), made ASCII by std_fold; ASCII ones are then removed. */
const APOSTROPHES_UNICODE = '\u00B4\u2018\u2019\u02BC';
/** As many ASCII apostrophes, each doubled for the SQL literal. */
const APOSTROPHES_ASCII = "''".repeat(4);

export const STATIC_MACROS: readonly string[] = [
  // Upper-case ASCII: accents stripped, letters that strip_accents keeps spelt out, typographic
  // apostrophes made ASCII. Plain ASCII (strlen = length) takes the fast path.
  `CREATE OR REPLACE MACRO std_fold(x) AS CASE WHEN strlen(x) = length(x) THEN upper(x) ELSE
    translate(
      replace(replace(replace(replace(upper(strip_accents(x)), 'ẞ', 'SS'), 'Æ', 'AE'), 'Œ', 'OE'), 'Þ', 'TH'),
      'ØŁĐÐİ${APOSTROPHES_UNICODE}', 'OLDDI${APOSTROPHES_ASCII}') END`,

  // Names and cities: apostrophes removed, any other non-alphanumeric run → one space; NULL when empty.
  `CREATE OR REPLACE MACRO std_clean(x) AS
    nullif(trim(regexp_replace(replace(replace(std_fold(x), '''', ''), chr(96), ''), '[^A-Z0-9]+', ' ', 'g')), '')`,

  // Address text: like std_clean but keeps '#' (spaced before), '/' and '-' (units, fractions,
  // 12-A); periods and apostrophes removed.
  `CREATE OR REPLACE MACRO std_addr_fold(x) AS trim(regexp_replace(
    replace(replace(replace(replace(std_fold(x), '.', ''), '''', ''), chr(96), ''), '#', ' #'),
    '[^A-Z0-9#/-]+', ' ', 'g'))`,

  // --- name suffixes -------------------------------------------------------------------------
  `CREATE OR REPLACE MACRO std_suffix_code(t) AS CASE
    WHEN t IN ('JR', 'JNR', 'JUNIOR') THEN 'JR'
    WHEN t IN ('SR', 'SNR', 'SENIOR') THEN 'SR'
    WHEN t IN ('II', '2ND') THEN 'II'
    WHEN t IN ('III', '3RD') THEN 'III'
    WHEN t IN ('IV', '4TH') THEN 'IV'
    WHEN t IN ('V', '5TH') THEN 'V'
  END`,
  // The name_suffix field: the whole value, a bare 2..5, or its first or last word ("JR ESQ").
  String.raw`CREATE OR REPLACE MACRO std_suffix_field(s) AS coalesce(
    std_suffix_code(s),
    CASE s WHEN '2' THEN 'II' WHEN '3' THEN 'III' WHEN '4' THEN 'IV' WHEN '5' THEN 'V' END,
    std_suffix_code(split_part(s, ' ', 1)),
    std_suffix_code(regexp_extract(s, '(\S+)$', 1)))`,
  // A suffix written as the last word of a name (see std_last_word). V only when allow_v: at
  // the end of a given name it is more likely a middle initial than "the fifth".
  `CREATE OR REPLACE MACRO std_suffix_word(t, allow_v) AS CASE
    WHEN t IN ('JR', 'JNR', 'JUNIOR', 'SR', 'SNR', 'SENIOR', 'II', 'III', 'IV', '2ND', '3RD', '4TH')
      OR (allow_v AND t = 'V') THEN std_suffix_code(t)
  END`,
  // The last word of a name of two words or more; '' for one word or none.
  String.raw`CREATE OR REPLACE MACRO std_last_word(s) AS regexp_extract(s, ' (\S+)$', 1)`,
  String.raw`CREATE OR REPLACE MACRO std_drop_last_word(s) AS regexp_replace(s, ' \S+$', '')`,

  // --- family names --------------------------------------------------------------------------
  // SAINT → ST, then ST/STE/MC/O/D glued to the next word (ST JOHN = STJOHN, O BRIEN = OBRIEN).
  String.raw`CREATE OR REPLACE MACRO std_family_glue(s) AS CASE WHEN regexp_matches(s, '\b(SAINTE?|STE?|MC|O|D) ')
    THEN regexp_replace(
      regexp_replace(regexp_replace(s, '\bSAINT\b', 'ST', 'g'), '\bSAINTE\b', 'STE', 'g'),
      '(^| )(ST|STE|MC|O|D) ', '\1\2', 'g')
    ELSE s END`,
  `CREATE OR REPLACE MACRO std_family_particles() AS ${sqlList(FAMILY_PARTICLES)}`,
  // Tokens minus particles, all of them when only particles are left (s: the name, toks: its words).
  String.raw`CREATE OR REPLACE MACRO std_drop_particles(s, toks) AS CASE
    WHEN regexp_matches(s, '\b(${FAMILY_PARTICLES.join('|')})\b') THEN coalesce(
      nullif(list_filter(toks, t -> NOT list_contains(std_family_particles(), t)), []), toks)
    ELSE toks END`,
  // Duplicates dropped, first occurrence kept in place (list_distinct does not keep order).
  `CREATE OR REPLACE MACRO std_list_dedupe(l) AS CASE WHEN len(l) > 1
    THEN list_filter(l, (x, i) -> list_position(l, x) = i) ELSE l END`,

  // --- American Soundex ----------------------------------------------------------------------
  // Codes: BFPV 1, CGJKQSXZ 2, DT 3, L 4, MN 5, R 6; vowels and Y separate equal codes (0); H and
  // W do not (deleted, so the codes on both sides merge). The first letter is kept and its code
  // suppresses an equal code right after it (an initial H or W has no code).
  // Letter codes by position in the alphabet ('-' for H and W); faster than translate().
  `CREATE OR REPLACE MACRO std_soundex_codes(s) AS array_to_string(
    list_transform(string_split(s, ''), c -> substr('0123012-02245501262301-202', ascii(c) - 64, 1)), '')`,
  // s: upper-case letters only. The lambda binds the codes once per value.
  String.raw`CREATE OR REPLACE MACRO std_soundex_letters(s) AS CASE WHEN s <> '' THEN
    list_transform([std_soundex_codes(s)], c -> rpad(s[1] || left(replace(regexp_replace(
        replace(c[1], '-', '0') || replace(c[2:], '-', ''),
        '(1)1*|(2)2*|(3)3*|(4)4*|(5)5*|(6)6*', '\1\2\3\4\5\6', 'g')[2:], '0', ''), 3), 4, '0'))[1]
  END`,
  `CREATE OR REPLACE MACRO soundex(x) AS
    list_transform([regexp_replace(std_fold(x), '[^A-Z]', '', 'g')], s -> std_soundex_letters(s))[1]`,

  // --- streets -------------------------------------------------------------------------------
  `CREATE OR REPLACE MACRO std_ordinal(n) AS CAST(n AS VARCHAR) || CASE
    WHEN n % 100 BETWEEN 11 AND 13 THEN 'TH'
    WHEN n % 10 = 1 THEN 'ST' WHEN n % 10 = 2 THEN 'ND' WHEN n % 10 = 3 THEN 'RD'
    ELSE 'TH' END`,
  // Number of a spelt ordinal: FIFTH 5, TWENTIETH 20, TWENTYFIRST 21 (glued by std_street_rest).
  `CREATE OR REPLACE MACRO std_ordinal_word(t) AS coalesce(
    list_position(${sqlList(ORDINAL_UNITS)}, t),
    10 + 10 * list_position(${sqlList(ORDINAL_TENS)}, t),
    10 + 10 * list_position(${sqlList(CARDINAL_TENS)}, regexp_extract(t, '^(${CARDINAL_TENS_RE})(${UNIT_ORDINAL_RE})$', 1))
      + list_position(${sqlList(ORDINAL_UNITS)}, regexp_extract(t, '^(${CARDINAL_TENS_RE})(${UNIT_ORDINAL_RE})$', 2)))`,
  // One word of a street name, spelt uniformly.
  `CREATE OR REPLACE MACRO std_street_word(t) AS CASE
    WHEN regexp_full_match(t, '[0-9]{1,5}(ST|ND|RD|TH|D)') THEN std_ordinal(CAST(regexp_extract(t, '^[0-9]+') AS INTEGER))
    WHEN std_ordinal_word(t) IS NOT NULL THEN std_ordinal(std_ordinal_word(t))
    WHEN t = 'SAINT' THEN 'ST'
    WHEN t = 'MOUNT' THEN 'MT'
    WHEN t = 'FORT' THEN 'FT'
    WHEN t IN ('HIGHWAY', 'HIGHWY', 'HIWAY', 'HIWY', 'HWAY') THEN 'HWY'
    WHEN t IN ('ROUTE', 'RT') THEN 'RTE'
    ELSE t END`,
  // Names that need std_street_word at all: a spelt ordinal, 2D/3D, or a word spelt several ways.
  String.raw`CREATE OR REPLACE MACRO std_street_needs_words(s) AS regexp_matches(s,
    '\b(${[...ORDINAL_UNITS, ...ORDINAL_TENS].join('|')}|(${CARDINAL_TENS_RE})(${UNIT_ORDINAL_RE})|[0-9]*[23]D|${STREET_WORD_VARIANTS.join('|')})\b')`,
  // Compound ordinals glued into one word (TWENTY FIRST → TWENTYFIRST, read by std_ordinal_word).
  String.raw`CREATE OR REPLACE MACRO std_glue_ordinals(s) AS CASE WHEN contains(s, 'TY ')
    THEN regexp_replace(s, '\b(${CARDINAL_TENS_RE}) (${UNIT_ORDINAL_RE})\b', '\1\2', 'g') ELSE s END`,
  // The street after the house number: separators to spaces (s: read several times, keep it cheap).
  `CREATE OR REPLACE MACRO std_street_rest(s) AS CASE WHEN regexp_matches(s, '[#/-]')
    THEN trim(regexp_replace(s, '[#/ -]+', ' ', 'g')) ELSE trim(s) END`,
  // A street name's words (toks: a column, read several times) joined, normalised when needed.
  `CREATE OR REPLACE MACRO std_street_words(toks) AS CASE
    WHEN std_street_needs_words(array_to_string(toks, ' '))
      THEN array_to_string(list_transform(toks, t -> std_street_word(t)), ' ')
    ELSE array_to_string(toks, ' ') END`,
  // Martin Luther King written any usual way; a bare number before a street suffix is an ordinal (5 AVE → 5TH AVE).
  `CREATE OR REPLACE MACRO std_street_name_fix(name, suffix) AS CASE
    WHEN name = '' THEN NULL
    WHEN regexp_full_match(name, '(DR )?(MLK|M L K|MARTIN L KING|MARTIN LUTHER KING)( JR)?') THEN 'MARTIN LUTHER KING'
    WHEN regexp_full_match(name, '[0-9]{1,4}') AND suffix IS NOT NULL AND suffix NOT IN ${sqlTuple(ROUTE_SUFFIXES)}
      THEN std_ordinal(CAST(name AS INTEGER))
    ELSE name END`,
  // Leading house number: digits, then a letter (12B, 12-A → 12A), a second number (123-45) or a fraction (12 1/2).
  String.raw`CREATE OR REPLACE MACRO std_house_raw(s) AS
    regexp_extract(s, '^([0-9]+(-?[A-Z]\b| ?- ?[A-Z]\b| ?- ?[0-9]+\b| [0-9]/[0-9]\b)?)', 1)`,
  String.raw`CREATE OR REPLACE MACRO std_house_hyphen(h) AS CASE WHEN contains(h, '-')
    THEN regexp_replace(regexp_replace(h, ' ?- ?', '-'), '-([A-Z])$', '\1') ELSE h END`,
  String.raw`CREATE OR REPLACE MACRO std_house_number(raw) AS nullif(std_house_hyphen(
    CASE WHEN starts_with(raw, '0') THEN regexp_replace(raw, '^0+([0-9])', '\1') ELSE raw END), '')`,

  // --- other fields --------------------------------------------------------------------------
  String.raw`CREATE OR REPLACE MACRO std_city_needs_words(c) AS regexp_matches(c, '\b(SAINTE?|FORT|MOUNT)\b')`,
  // City (c: cleaned, see std_clean): SAINT, SAINTE, FORT, MOUNT abbreviated as usually written.
  String.raw`CREATE OR REPLACE MACRO std_city_words(c) AS regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    c, '\bSAINT\b', 'ST', 'g'), '\bSAINTE\b', 'STE', 'g'), '\bFORT\b', 'FT', 'g'), '\bMOUNT\b', 'MT', 'g')`,
  // Five digits, optionally followed by four more or by a non-digit and anything (ZIP+4); 00000 is no ZIP.
  `CREATE OR REPLACE MACRO std_zip5(x) AS
    nullif(nullif(regexp_extract(trim(x), '^([0-9]{5})([0-9]{4})?([^0-9].*)?$', 1), ''), '00000')`,
  // Nine digits once dashes and spaces are gone; 000000000 is a placeholder, not a TIN.
  String.raw`CREATE OR REPLACE MACRO std_tin(x) AS
    nullif(nullif(regexp_extract(regexp_replace(x, '[\s-]', '', 'g'), '^([0-9]{9})$', 1), ''), '000000000')`,
  `CREATE OR REPLACE MACRO std_dob(x) AS CAST(try_strptime(trim(x), '%Y-%m-%d') AS DATE)`,
];
