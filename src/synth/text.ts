import type { Rng } from './prng.js';

/** Strips diacritics (José → Jose, Peña → Pena), keeping everything else. */
export function foldAccents(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFC');
}
const NON_ASCII = /[^\u0000-\u007f]/;

/** `GARCÍA-LÓPEZ` → `García-López`, `O'BRIEN` → `O'Brien`, `DE LA CRUZ` → `De La Cruz`. */
export function titleCase(s: string): string {
  const lower = s.toLowerCase();
  let out = '';
  let from = 0;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    // Start of the string or after a space, hyphen, apostrophe or full stop.
    if (i === 0 || c === 0 || WORD_START.has(lower.charCodeAt(i - 1))) {
      out += lower.slice(from, i) + lower[i]!.toUpperCase();
      from = i + 1;
    }
  }
  return out + lower.slice(from);
}
const WORD_START = new Set([32, 45, 39, 46]);

/** How a person or clerk typed a name or address: 0 upper case, 1 title case, 2 lower case. */
export type CaseStyle = 0 | 1 | 2;
export const UPPER: CaseStyle = 0;
export const TITLE: CaseStyle = 1;
export const LOWER: CaseStyle = 2;

export function applyCase(s: string, style: CaseStyle): string {
  if (style === UPPER) return s;
  if (style === TITLE) return titleCase(s);
  return s.toLowerCase();
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

const KEYBOARD_ROWS = ['QWERTYUIOP', 'ASDFGHJKL', 'ZXCVBNM'];
const NEIGHBOURS = new Map<string, string>();
for (let r = 0; r < KEYBOARD_ROWS.length; r++) {
  const row = KEYBOARD_ROWS[r]!;
  for (let i = 0; i < row.length; i++) {
    let n = '';
    if (i > 0) n += row[i - 1];
    if (i < row.length - 1) n += row[i + 1];
    const up = KEYBOARD_ROWS[r - 1];
    const down = KEYBOARD_ROWS[r + 1];
    if (up?.[i]) n += up[i];
    if (down?.[i]) n += down[i];
    NEIGHBOURS.set(row[i]!, n);
  }
}

/**
 * One typing error in a word of upper-case letters: a neighbouring key, a dropped letter, a
 * doubled letter or two letters swapped. Never touches the first letter of the word (so a
 * street keeps starting with a letter or digit) and never empties it.
 */
export function typo(word: string, rng: Rng): string {
  const chars = [...word];
  const positions: number[] = [];
  for (let i = 1; i < chars.length; i++) if (/[A-Z]/.test(chars[i]!)) positions.push(i);
  if (positions.length === 0) return word;
  const i = rng.pick(positions);
  const c = chars[i]!;
  const kind = rng.weighted([4, 2, 2, 2]);
  if (kind === 0) {
    const n = NEIGHBOURS.get(c) ?? 'E';
    chars[i] = n[rng.int(n.length)]!;
  } else if (kind === 1 && chars.length > 3) {
    chars.splice(i, 1);
  } else if (kind === 2) {
    chars.splice(i, 0, c);
  } else {
    const j = i + 1 < chars.length && /[A-Z]/.test(chars[i + 1]!) ? i + 1 : i - 1;
    if (j >= 1) {
      chars[i] = chars[j]!;
      chars[j] = c;
    } else {
      chars.splice(i, 0, c);
    }
  }
  const out = chars.join('');
  return out === word ? `${word}${c}` : out;
}

/** One or (sometimes) two typing errors. */
export function typos(word: string, rng: Rng): string {
  const once = typo(word, rng);
  return rng.chance(0.2) ? typo(once, rng) : once;
}
