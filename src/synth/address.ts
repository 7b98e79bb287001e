import type { Rng } from './prng.js';
import type { Place, Tables } from './tables.js';
import { titleCase, typo } from './text.js';

/**
 * US-style addresses as structure (house number, directionals, street, type, unit, place,
 * ZIP), rendered to the interchange columns in the many ways people and clerks write them:
 * `123 N MAIN ST APT 4B` and `123 North Main Street, #4B` are one address.
 */
export interface Address {
  readonly num: number;
  /** Index into DIRECTIONALS, or -1. */
  readonly pre: number;
  readonly street: number;
  /** Index into STREET_TYPES, or -1 (bare street names). */
  readonly type: number;
  readonly post: number;
  /** Index into UNIT_TYPES, or -1 when there is no unit. */
  readonly unitType: number;
  readonly unitId: string;
  readonly place: number;
  /** Five digits. */
  readonly zip: string;
  /** Four digits, or ''. */
  readonly plus4: string;
  /** Cache of the canonical master rendering (street,unit,city,state,zip as CSV). */
  canonical?: string;
}

export const DIRECTIONALS: readonly (readonly [string, string])[] = [
  ['N', 'NORTH'],
  ['S', 'SOUTH'],
  ['E', 'EAST'],
  ['W', 'WEST'],
  ['NE', 'NORTHEAST'],
  ['NW', 'NORTHWEST'],
  ['SE', 'SOUTHEAST'],
  ['SW', 'SOUTHWEST'],
];
const DIR_WEIGHTS = [6, 6, 5, 5, 1, 1, 1, 1];

/** USPS abbreviation, long form, other spellings seen in the wild. */
export const STREET_TYPES: readonly (readonly [string, string, readonly string[]])[] = [
  ['ST', 'STREET', ['STR']],
  ['AVE', 'AVENUE', ['AV']],
  ['RD', 'ROAD', []],
  ['DR', 'DRIVE', ['DRV']],
  ['LN', 'LANE', []],
  ['BLVD', 'BOULEVARD', ['BLV']],
  ['CT', 'COURT', []],
  ['PL', 'PLACE', []],
  ['WAY', 'WAY', []],
  ['CIR', 'CIRCLE', []],
  ['PKWY', 'PARKWAY', ['PKY']],
  ['HWY', 'HIGHWAY', []],
  ['TER', 'TERRACE', []],
  ['TRL', 'TRAIL', []],
  ['LOOP', 'LOOP', []],
];
const TYPE_WEIGHTS = [34, 22, 12, 12, 6, 5, 4, 2, 3, 2, 1, 1, 1, 1, 1];

/** Unit designators: abbreviation and long form ('#' has none). */
export const UNIT_TYPES: readonly (readonly [string, string])[] = [
  ['APT', 'APARTMENT'],
  ['#', '#'],
  ['UNIT', 'UNIT'],
  ['LOT', 'LOT'],
  ['TRLR', 'TRAILER'],
  ['STE', 'SUITE'],
];
const UNIT_WEIGHTS = [62, 13, 15, 4, 3, 3];

function zipIn(place: Place, rng: Rng): string {
  return place.zips[rng.int(place.zips.length)]!;
}

function houseNumber(rng: Rng): number {
  const k = rng.next();
  if (k < 0.15) return rng.range(1, 99);
  if (k < 0.5) return rng.range(100, 999);
  if (k < 0.9) return rng.range(1000, 9999);
  return rng.range(10000, 29999);
}

function unitId(rng: Rng): string {
  const k = rng.next();
  if (k < 0.6) return String(rng.range(1, 350));
  if (k < 0.85) return `${rng.range(1, 30)}${'ABCDEFGH'[rng.int(8)]}`;
  return 'ABCDEFGH'[rng.int(8)]!;
}

/** A new address; in `near`'s city when given (most moves stay close). */
export function randomAddress(t: Tables, rng: Rng, near?: Address): Address {
  const place = near && rng.chance(0.67) ? near.place : t.placeAlias.sample(rng);
  const street = t.streetAlias.sample(rng);
  const bare = t.streets[street]!.bare;
  const unitType = rng.chance(0.28) ? rng.weighted(UNIT_WEIGHTS) : -1;
  return {
    num: houseNumber(rng),
    pre: rng.chance(0.2) ? rng.weighted(DIR_WEIGHTS) : -1,
    street,
    type: bare ? -1 : rng.weighted(TYPE_WEIGHTS),
    post: !bare && rng.chance(0.03) ? rng.weighted(DIR_WEIGHTS) : -1,
    unitType,
    unitId: unitType >= 0 ? unitId(rng) : '',
    place,
    zip: zipIn(t.places[place]!, rng),
    plus4: rng.chance(0.12) ? String(rng.range(1, 9999)).padStart(4, '0') : '',
  };
}

/** How an address is written. Bit flags; 0 is the USPS canonical form. */
export const LONG_TYPE = 1;
export const LONG_DIR = 2;
export const UNIT_IN_STREET = 4;
export const TITLE = 8;
export const ALT_NAME = 16;
export const SHOW_PLUS4 = 32;
export const UNIT_HASH = 64;
export const NO_UNIT = 128;
export const ALT_TYPE = 256;
export const ALT_CITY = 512;
export const ZIP9 = 1024;
export const NO_ZIP = 2048;
export const NO_CITY = 4096;
export const STREET_TYPO = 8192;

export interface RenderedAddress {
  street: string;
  unit: string;
  city: string;
  state: string;
  zip: string;
}

/** The street line without unit, e.g. `123 N MAIN ST`. */
export function streetLine(a: Address, t: Tables, style: number, rng?: Rng): string {
  const s = t.streets[a.street]!;
  let name = style & ALT_NAME && s.alts.length > 0 ? s.alts[a.num % s.alts.length]! : s.name;
  if (style & STREET_TYPO && rng) name = typo(name, rng);
  let line = String(a.num);
  if (a.pre >= 0) line += ` ${DIRECTIONALS[a.pre]![style & LONG_DIR ? 1 : 0]}`;
  line += ` ${name}`;
  if (a.type >= 0) {
    const ty = STREET_TYPES[a.type]!;
    line += ` ${style & ALT_TYPE && ty[2].length > 0 ? ty[2][0] : ty[style & LONG_TYPE ? 1 : 0]}`;
  }
  if (a.post >= 0) line += ` ${DIRECTIONALS[a.post]![style & LONG_DIR ? 1 : 0]}`;
  return line;
}

export function unitText(a: Address, style: number): string {
  if (a.unitType < 0 || style & NO_UNIT) return '';
  const u = UNIT_TYPES[a.unitType]!;
  if (style & UNIT_HASH || u[0] === '#') return `#${a.unitId}`;
  return `${u[style & LONG_TYPE ? 1 : 0]} ${a.unitId}`;
}

/** The five interchange columns for an address written in `style`. */
export function renderAddress(a: Address, t: Tables, style: number, rng?: Rng): RenderedAddress {
  const place = t.places[a.place]!;
  let street = streetLine(a, t, style, rng);
  let unit = unitText(a, style);
  if (unit && style & UNIT_IN_STREET) {
    street = `${street} ${unit}`;
    unit = '';
  }
  let city = style & ALT_CITY && place.alts.length > 0 ? place.alts[a.num % place.alts.length]! : place.city;
  if (style & NO_CITY) city = '';
  let zip = a.zip;
  if (style & SHOW_PLUS4 && a.plus4) zip = style & ZIP9 ? `${a.zip}${a.plus4}` : `${a.zip}-${a.plus4}`;
  if (style & NO_ZIP) zip = '';
  if (style & TITLE) {
    street = titleCase(street);
    unit = unit.startsWith('#') ? unit : titleCase(unit);
    city = titleCase(city);
  }
  return { street, unit, city, state: place.state, zip };
}

/** A random master-file writing style: mostly canonical. */
export function masterStyle(rng: Rng): number {
  if (rng.chance(0.8)) return SHOW_PLUS4;
  let s = SHOW_PLUS4;
  if (rng.chance(0.4)) s |= LONG_TYPE;
  if (rng.chance(0.3)) s |= LONG_DIR;
  if (rng.chance(0.2)) s |= UNIT_IN_STREET;
  if (rng.chance(0.25)) s |= TITLE;
  if (rng.chance(0.2)) s |= UNIT_HASH;
  if (rng.chance(0.1)) s |= ALT_TYPE;
  return s;
}

/** A random request writing style for an address known to the requester. */
export function requestStyle(rng: Rng, allowTypo: boolean): number {
  let s = 0;
  if (rng.chance(0.35)) s |= LONG_TYPE;
  if (rng.chance(0.3)) s |= LONG_DIR;
  if (rng.chance(0.15)) s |= UNIT_IN_STREET;
  if (rng.chance(0.2)) s |= TITLE;
  if (rng.chance(0.2)) s |= ALT_NAME;
  if (rng.chance(0.2)) s |= SHOW_PLUS4;
  if (rng.chance(0.15)) s |= UNIT_HASH;
  if (rng.chance(0.2)) s |= NO_UNIT;
  if (rng.chance(0.05)) s |= ALT_TYPE;
  if (rng.chance(0.1)) s |= ALT_CITY;
  if (rng.chance(0.02)) s |= ZIP9 | SHOW_PLUS4;
  if (rng.chance(0.04)) s |= NO_ZIP;
  else if (rng.chance(0.03)) s |= NO_CITY;
  if (allowTypo && rng.chance(0.04)) s |= STREET_TYPO;
  return s;
}

/** Same place on the ground? (The truth file's `address_on_record` compares structure.) */
export function sameAddress(a: Address, b: Address): boolean {
  return (
    a.num === b.num &&
    a.pre === b.pre &&
    a.street === b.street &&
    a.type === b.type &&
    a.post === b.post &&
    a.unitType === b.unitType &&
    a.unitId === b.unitId &&
    a.place === b.place &&
    a.zip === b.zip
  );
}
