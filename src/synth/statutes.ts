import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { statuteRecognized } from '../core/statute.js';
import type { Rng } from './prng.js';

/**
 * Statute citations as officers write them. Valid ones cite a recognised non-tax criminal
 * statute of the built-in agreement (optionally a subsection under it) in one of the usual
 * spellings; invalid ones are civil or removal provisions, Title 26, sections not on the
 * agreement's list, and citations that are not citations at all (rule A7).
 */

/** Section, subsections seen in charging documents, weight. */
const RECOGNISED: readonly (readonly [string, readonly string[], number])[] = [
  ['8 USC 1326', ['', '(a)', '(b)(1)', '(b)(2)', '(a)(1)'], 35],
  ['8 USC 1325', ['', '(a)', '(a)(1)', '(c)'], 15],
  ['8 USC 1324', ['', '(a)(1)(A)(ii)', '(a)(1)(A)(iv)', '(a)(2)', '(a)(1)(A)(v)(I)'], 15],
  ['18 USC 1546', ['', '(a)'], 8],
  ['18 USC 1028', ['', '(a)(1)', '(a)(7)'], 6],
  ['18 USC 911', [''], 4],
  ['18 USC 1001', ['', '(a)', '(a)(2)'], 4],
  ['18 USC 1015', ['(a)', '(f)', ''], 3],
  ['8 USC 1253', ['(a)', '(a)(1)', '(a)(1)(C)'], 3],
  ['8 USC 1306', ['(a)', '(b)', ''], 2],
  ['8 USC 1327', [''], 1],
  ['8 USC 1328', [''], 1],
  ['18 USC 1425', ['', '(a)', '(b)'], 2],
  ['18 USC 1426', ['', '(a)'], 1],
];

export const NOT_RECOGNISED: readonly string[] = [
  '8 USC 1227(a)(1)(B)',
  '8 U.S.C. § 1227(a)(1)(B)',
  '8 USC 1227',
  '8 U.S.C. § 1182(a)(6)(A)(i)',
  '8 USC 1182(a)(9)(C)',
  '8 USC 1229a',
  '8 U.S.C. 1229a(b)',
  '8 USC 1231(a)(5)',
  '8 U.S.C. § 1231',
  '26 USC 7201',
  '26 U.S.C. § 7206(1)',
  '8 USC 1253(b)',
  'INA 237(a)(1)(B)',
  'INA 212(a)(6)(A)(i)',
  'illegal reentry',
  'overstay',
  '18 USC 1956',
  '21 USC 841(a)(1)',
];

/** Writes a canonical citation (`8 USC 1326` + `(a)`) the way officers do. */
function spell(section: string, sub: string, rng: Rng): string {
  const [title, , num] = section.split(' ');
  const k = rng.next();
  if (k < 0.4) return `${title} USC ${num}${sub}`;
  if (k < 0.65) return `${title} U.S.C. § ${num}${sub}`;
  if (k < 0.75) return `${title} U.S.C. ${num}${sub}`;
  if (k < 0.83) return `${title} U.S.C. §${num}${sub}`;
  if (k < 0.9) return `${title} usc ${num}${sub}`;
  if (k < 0.95) return `${title} U.S.C. Sec. ${num}${sub}`;
  return `${title} USC § ${num}${sub}`;
}

const WEIGHTS = RECOGNISED.map((r) => r[2]);

const checked = new Set<string>();

/** A recognised statute, spelled in one of the usual ways. */
export function validStatute(rng: Rng): string {
  const [section, subs] = RECOGNISED[rng.weighted(WEIGHTS)]!;
  const s = spell(section, rng.pick(subs), rng);
  if (!checked.has(s)) {
    if (!statuteRecognized(s, BUILTIN_AGREEMENT.criminalStatutes))
      throw new Error(`synth: statute spelling '${s}' is not recognised`);
    checked.add(s);
  }
  return s;
}

/** A citation the gate must refuse under A7. */
export function invalidStatute(rng: Rng): string {
  return rng.pick(NOT_RECOGNISED);
}

for (const s of NOT_RECOGNISED) {
  if (statuteRecognized(s, BUILTIN_AGREEMENT.criminalStatutes))
    throw new Error(`synth: '${s}' is recognised but listed as not recognised`);
}
