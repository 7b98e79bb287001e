import { describe, expect, it } from 'vitest';
import { BUILTIN_AGREEMENT } from './builtin-agreement.js';
import { isNeverCriminal, normalizeStatute, statuteRecognized } from './statute.js';

const list = BUILTIN_AGREEMENT.criminalStatutes;

describe('statute normalisation', () => {
  it.each([
    ['8 USC 1326(a)', '8 USC 1326(a)'],
    ['8 U.S.C. § 1326(a)', '8 USC 1326(a)'],
    ['8 usc 1326', '8 USC 1326'],
    ['8 U.S.C. §1229a', '8 USC 1229a'],
    ['18 U.S.C. 1546(a)', '18 USC 1546(a)'],
    ['8 USC 1253(a)(1)', '8 USC 1253(a)(1)'],
  ])('%s → %s', (raw, canon) => {
    expect(normalizeStatute(raw)).toBe(canon);
  });

  it('returns null for text that is not a citation', () => {
    expect(normalizeStatute('illegal entry')).toBeNull();
    expect(normalizeStatute('')).toBeNull();
  });
});

describe('rule A7: recognised non-tax criminal statutes', () => {
  it.each([
    '8 USC 1326(a)',
    '8 U.S.C. § 1326(a)',
    '8 usc 1326',
    '8 USC 1253(a)(1)',
    '18 USC 1546(a)',
    '18 U.S.C. 1028',
  ])('recognises %s', (s) => expect(statuteRecognized(s, list)).toBe(true));
  it.each([
    '8 USC 1227(a)(1)(B)',
    '8 USC 1182',
    '8 USC 1229a',
    '8 USC 1231',
    '26 USC 7201',
    '8 USC 1253(b)',
    '18 USC 19',
    'trespass',
  ])('refuses %s', (s) => expect(statuteRecognized(s, list)).toBe(false));
  it('knows civil, removal and tax provisions are never criminal statutes', () => {
    expect(isNeverCriminal('8 U.S.C. § 1227(a)(2)')).toBe(true);
    expect(isNeverCriminal('26 USC 7201')).toBe(true);
    expect(isNeverCriminal('8 USC 1326')).toBe(false);
  });
});
