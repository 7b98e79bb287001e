import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryValue } from '../store/duckdb.js';
import { type Harness, one, openHarness } from './test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(() => h.close());

const soundex = (x: string | null) => queryValue<string | null>(h.conn, 'SELECT soundex($1::VARCHAR)', [x]);

describe('soundex(x): American Soundex as a SQL macro', () => {
  it.each([
    ['Robert', 'R163'],
    ['Rupert', 'R163'],
    ['Ashcraft', 'A261'],
    ['Ashcroft', 'A261'],
    ['Tymczak', 'T522'],
    ['Pfister', 'P236'],
    ['Honeyman', 'H555'],
    ['Rubin', 'R150'],
    ['Lee', 'L000'],
    ['Lloyd', 'L300'],
    ['Gutierrez', 'G362'],
    ['Jackson', 'J250'],
    ['Washington', 'W252'],
    ['Müller', 'M460'],
    ["O'Hara", 'O600'],
    ['a', 'A000'],
  ])('%s → %s', async (name, code) => {
    expect(await soundex(name)).toBe(code);
  });

  it('is NULL for no letters', async () => {
    expect(await soundex(null)).toBeNull();
    expect(await soundex('')).toBeNull();
    expect(await soundex('1234')).toBeNull();
  });
});

describe('family_phonetic', () => {
  it('is the soundex of family_first', async () => {
    const r = await one(h, { family_name: 'de la Tymczak-Robert' });
    expect(r.family_first).toBe('TYMCZAK');
    expect(r.family_phonetic).toBe('T522');
  });

  it('agrees for spelling variants', async () => {
    const [a, b] = await h.requests([{ family_name: 'Hernández' }, { family_name: 'Hernandes' }]);
    expect(a!.family_phonetic).toBe('H655');
    expect(b!.family_phonetic).toBe(a!.family_phonetic);
  });
});
