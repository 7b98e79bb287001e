import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, one, openHarness } from './test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(() => h.close());

const intersects = (a: unknown, b: unknown) => (a as string[]).some((x) => (b as string[]).includes(x));

describe('case, diacritics and punctuation', () => {
  it.each([
    ['josé', 'JOSE'],
    ['  Zoë   Ann ', 'ZOE ANN'],
    ["O'Neil", 'ONEIL'],
    ['O’Neil', 'ONEIL'],
    ['Jean-Luc', 'JEAN LUC'],
    ['J.R.', 'J R'],
    ['Ñúñez', 'NUNEZ'],
    ['Søren', 'SOREN'],
    ['Straße', 'STRASSE'],
    ['Łukasz', 'LUKASZ'],
  ])('given %j → %j', async (given, std) => {
    const r = await one(h, { given_name: given });
    expect(r.given_std).toBe(std);
    expect(r.given_first).toBe(std.split(' ')[0]);
  });

  it('applies the same cleaning to family and middle names', async () => {
    const r = await one(h, { middle_name: 'm.', family_name: "D'Ángelo" });
    expect(r.middle_std).toBe('M');
    expect(r.middle_initial).toBe('M');
    expect(r.family_std).toBe('DANGELO');
  });
});

describe('hyphenated and compound family names', () => {
  it('turns hyphens into spaces and keeps every name as a token', async () => {
    const r = await one(h, { family_name: 'García-López' });
    expect(r.family_std).toBe('GARCIA LOPEZ');
    expect(r.family_tokens).toEqual(['GARCIA', 'LOPEZ']);
    expect(r.family_first).toBe('GARCIA');
  });

  it('gives a requester using one of two family names a shared token', async () => {
    const [both, one1, one2] = await h.requests([
      { family_name: 'Hernández Ruiz' },
      { family_name: 'Ruiz' },
      { family_name: 'hernandez' },
    ]);
    expect(intersects(both!.family_tokens, one1!.family_tokens)).toBe(true);
    expect(intersects(both!.family_tokens, one2!.family_tokens)).toBe(true);
  });

  it('drops a repeated token', async () => {
    const r = await one(h, { family_name: 'Garcia Garcia' });
    expect(r.family_tokens).toEqual(['GARCIA']);
  });
});

describe('particles', () => {
  it.each([
    ['de la Cruz', 'DE LA CRUZ', ['CRUZ']],
    ['Del Toro', 'DEL TORO', ['TORO']],
    ['García y López', 'GARCIA Y LOPEZ', ['GARCIA', 'LOPEZ']],
    ['van der Berg', 'VAN DER BERG', ['BERG']],
    ['Dos Santos', 'DOS SANTOS', ['SANTOS']],
    ['De', 'DE', ['DE']],
    ['De La', 'DE LA', ['DE', 'LA']],
  ])('%j → std %j, tokens %j', async (family, std, tokens) => {
    const r = await one(h, { family_name: family });
    expect(r.family_std).toBe(std);
    expect(r.family_tokens).toEqual(tokens);
    expect(r.family_first).toBe(tokens[0]);
  });

  it('glues ST/SAINT, MC and O to the next word instead of dropping them', async () => {
    const rows = await h.requests([
      { family_name: 'St. John' },
      { family_name: 'Saint John' },
      { family_name: 'StJohn' },
      { family_name: 'Mc Donald' },
      { family_name: 'O Brien' },
      { family_name: "O'Brien" },
    ]);
    expect(rows.map((r) => r.family_tokens)).toEqual([
      ['STJOHN'],
      ['STJOHN'],
      ['STJOHN'],
      ['MCDONALD'],
      ['OBRIEN'],
      ['OBRIEN'],
    ]);
    expect(rows[0]!.family_std).toBe('ST JOHN');
  });
});

describe('name suffixes', () => {
  it.each([
    ['Jr', 'JR'],
    ['jr.', 'JR'],
    ['Junior', 'JR'],
    ['JNR', 'JR'],
    ['Sr.', 'SR'],
    ['senior', 'SR'],
    ['SNR', 'SR'],
    ['II', 'II'],
    ['iii', 'III'],
    ['3rd', 'III'],
    ['IV', 'IV'],
    ['V', 'V'],
    ['Jr., Esq.', 'JR'],
    ['Esq.', null],
    ['PhD', null],
  ])('suffix field %j → %j', async (suffix, std) => {
    const r = await one(h, { given_name: 'John', family_name: 'Smith', name_suffix: suffix });
    expect(r.name_suffix_std).toBe(std);
    expect(r.family_std).toBe('SMITH');
  });

  it('takes a suffix written at the end of the family name out of it', async () => {
    const r = await one(h, { family_name: 'Smith Jr.' });
    expect(r.family_std).toBe('SMITH');
    expect(r.family_tokens).toEqual(['SMITH']);
    expect(r.name_suffix_std).toBe('JR');
  });

  it('takes a suffix written at the end of the given name out of it', async () => {
    const r = await one(h, { given_name: 'John III', family_name: 'Smith' });
    expect(r.given_std).toBe('JOHN');
    expect(r.name_suffix_std).toBe('III');
  });

  it('reads a trailing V on a given name as an initial, on a family name as a suffix', async () => {
    const [g, f] = await h.requests([{ given_name: 'John V' }, { family_name: 'Smith V' }]);
    expect(g!.given_std).toBe('JOHN V');
    expect(g!.name_suffix_std).toBeNull();
    expect(f!.family_std).toBe('SMITH');
    expect(f!.name_suffix_std).toBe('V');
  });

  it('keeps a one-word name that looks like a suffix', async () => {
    const r = await one(h, { given_name: 'Junior', family_name: 'Sr' });
    expect(r.given_std).toBe('JUNIOR');
    expect(r.family_std).toBe('SR');
    expect(r.name_suffix_std).toBeNull();
  });

  it('prefers the suffix field, still removing the one written in the name', async () => {
    const r = await one(h, { family_name: 'Smith Jr', name_suffix: 'Sr' });
    expect(r.family_std).toBe('SMITH');
    expect(r.name_suffix_std).toBe('SR');
  });

  it('reads a middle name that is only a suffix as the suffix', async () => {
    const r = await one(h, { given_name: 'John', middle_name: 'Jr.', family_name: 'Smith' });
    expect(r.middle_std).toBeNull();
    expect(r.middle_initial).toBeNull();
    expect(r.name_suffix_std).toBe('JR');
  });
});

describe('nicknames: given_formals', () => {
  it('treats English and Spanish forms of one name as equivalent, both ways', async () => {
    const [george, jorge, joseph, jose, maria] = await h.requests([
      { given_name: 'George' },
      { given_name: 'Jorge' },
      { given_name: 'Joseph' },
      { given_name: 'José' },
      { given_name: 'María' },
    ]);
    expect(intersects(george!.given_formals, jorge!.given_formals)).toBe(true);
    expect(intersects(joseph!.given_formals, jose!.given_formals)).toBe(true);
    expect(intersects(george!.given_formals, jose!.given_formals)).toBe(false);
    expect(maria!.given_formals).toEqual(expect.arrayContaining(['MARIA', 'MARY']));
  });

  it('maps an English nickname to its formal names, itself included', async () => {
    const [bill, william, billy, liz] = await h.requests([
      { given_name: 'Bill' },
      { given_name: 'William' },
      { given_name: 'Billy' },
      { given_name: 'Liz' },
    ]);
    expect(bill!.given_formals).toEqual(expect.arrayContaining(['BILL', 'WILLIAM']));
    // WILLIAM stands for itself and its Spanish form only, never for its own nicknames.
    expect(william!.given_formals).toEqual(['GUILLERMO', 'WILLIAM']);
    expect(intersects(bill!.given_formals, william!.given_formals)).toBe(true);
    expect(intersects(billy!.given_formals, bill!.given_formals)).toBe(true);
    expect(liz!.given_formals).toEqual(expect.arrayContaining(['ELIZABETH']));
  });

  it('maps Spanish hypocorisms, accents stripped', async () => {
    const rows = await h.requests([
      { given_name: 'Pepe' },
      { given_name: 'José' },
      { given_name: 'Paco' },
      { given_name: 'Francisco' },
      { given_name: 'Chuy' },
      { given_name: 'Jesús' },
      { given_name: 'Lupe' },
      { given_name: 'Guadalupe' },
      { given_name: 'Toño' },
      { given_name: 'Antonio' },
      { given_name: 'Nacho' },
      { given_name: 'Ignacio' },
    ]);
    expect(rows[0]!.given_formals).toEqual(['JOSE', 'PEPE']);
    expect(rows[1]!.given_formals).toEqual(['JOSE', 'JOSEPH']);
    for (let i = 0; i < rows.length; i += 2) {
      expect(intersects(rows[i]!.given_formals, rows[i + 1]!.given_formals)).toBe(true);
    }
  });

  it('uses the first given name only', async () => {
    const r = await one(h, { given_name: 'Pepe Luis' });
    expect(r.given_first).toBe('PEPE');
    expect(r.given_formals).toEqual(['JOSE', 'PEPE']);
  });

  it('does not make unrelated names equivalent', async () => {
    const [a, b] = await h.requests([{ given_name: 'Jose' }, { given_name: 'Francisco' }]);
    expect(intersects(a!.given_formals, b!.given_formals)).toBe(false);
  });

  it('has a list of one for a name in no list', async () => {
    const r = await one(h, { given_name: 'Xochitl' });
    expect(r.given_formals).toEqual(['XOCHITL']);
  });
});

describe('missing names', () => {
  it.each([null, '', '   ', '-', "'"])('given/middle/family/suffix %j → NULL everywhere', async (v) => {
    const r = await one(h, { given_name: v, middle_name: v, family_name: v, name_suffix: v });
    for (const c of [
      'given_std',
      'given_first',
      'given_formals',
      'middle_std',
      'middle_initial',
      'family_std',
      'family_tokens',
      'family_first',
      'family_phonetic',
      'name_suffix_std',
    ]) {
      expect(r[c], c).toBeNull();
    }
  });
});
