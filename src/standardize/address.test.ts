import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, type Input, one, openHarness, type Row } from './test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(() => h.close());

const street = (s: string | null, extra: Input = {}) => one(h, { street: s, ...extra });
const parts = (r: Row) => [r.house_number, r.street_predir, r.street_name, r.street_suffix, r.street_postdir];

describe('house number', () => {
  it.each([
    ['123 Main St', '123'],
    ['12B Main St', '12B'],
    ['12-A Main St', '12A'],
    ['12 - a Main St', '12A'],
    ['12 1/2 Main St', '12 1/2'],
    ['123-45 Main St', '123-45'],
    ['0012 Main St', '12'],
    ['Main St', null],
    ['PO Box 123', null],
  ])('%j → %j', async (s, hn) => {
    const r = await street(s);
    expect(r.house_number).toBe(hn);
    expect(r.street_name).toBe(s === 'PO Box 123' ? 'PO BOX 123' : 'MAIN');
  });

  it('does not take a directional for a house-number letter', async () => {
    expect(parts(await street('123 E Main St'))).toEqual(['123', 'E', 'MAIN', 'ST', null]);
  });
});

describe('directionals', () => {
  it.each([
    ['123 N Main St', ['123', 'N', 'MAIN', 'ST', null]],
    ['123 North Main Street', ['123', 'N', 'MAIN', 'ST', null]],
    ['123 Main St NW', ['123', null, 'MAIN', 'ST', 'NW']],
    ['123 Main St. Northwest', ['123', null, 'MAIN', 'ST', 'NW']],
    ['123 N.W. 5th Ave', ['123', 'NW', '5TH', 'AVE', null]],
    ['123 S Main St E', ['123', 'S', 'MAIN', 'ST', 'E']],
    ['123 W Main', ['123', 'W', 'MAIN', null, null]],
    ['123 Main W', ['123', null, 'MAIN', null, 'W']],
    ['123 North St', ['123', null, 'NORTH', 'ST', null]],
    ['123 West End Ave', ['123', 'W', 'END', 'AVE', null]],
  ])('%j', async (s, expected) => {
    expect(parts(await street(s))).toEqual(expected);
  });
});

describe('street suffix: USPS Publication 28 abbreviations', () => {
  it.each([
    ['Street', 'ST'],
    ['Str', 'ST'],
    ['St.', 'ST'],
    ['Avenue', 'AVE'],
    ['Av', 'AVE'],
    ['Ave', 'AVE'],
    ['Boulevard', 'BLVD'],
    ['Road', 'RD'],
    ['Drive', 'DR'],
    ['Lane', 'LN'],
    ['Court', 'CT'],
    ['Circle', 'CIR'],
    ['Place', 'PL'],
    ['Terrace', 'TER'],
    ['Parkway', 'PKWY'],
    ['Highway', 'HWY'],
    ['Way', 'WAY'],
    ['Trail', 'TRL'],
    ['Crossing', 'XING'],
    ['Expressway', 'EXPY'],
  ])('Oak %s → %s', async (word, abbr) => {
    const r = await street(`10 Oak ${word}`);
    expect(r.street_name).toBe('OAK');
    expect(r.street_suffix).toBe(abbr);
    expect(r.street_std).toBe(`OAK ${abbr}`);
  });

  it('reads only the last word as the suffix, and never the whole name', async () => {
    expect(parts(await street('10 Park Avenue'))).toEqual(['10', null, 'PARK', 'AVE', null]);
    expect(parts(await street('10 Avenue of the Americas'))).toEqual([
      '10',
      null,
      'AVENUE OF THE AMERICAS',
      null,
      null,
    ]);
    expect(parts(await street('10 Broadway'))).toEqual(['10', null, 'BROADWAY', null, null]);
    expect(parts(await street('10 Avenue'))).toEqual(['10', null, 'AVENUE', null, null]);
  });
});

describe('street names', () => {
  it.each([
    ['10 Fifth Ave', '5TH'],
    ['10 5th Ave', '5TH'],
    ['10 5 Ave', '5TH'],
    ['10 First St', '1ST'],
    ['10 Second St', '2ND'],
    ['10 2d St', '2ND'],
    ['10 3d St', '3RD'],
    ['10 Eleventh St', '11TH'],
    ['10 Twentieth St', '20TH'],
    ['10 Twenty-First St', '21ST'],
    ['10 Twenty Second St', '22ND'],
    ['10 Ninety Ninth St', '99TH'],
  ])('ordinals: %j → %j', async (s, name) => {
    expect((await street(s)).street_name).toBe(name);
  });

  it.each([
    ['10 Martin Luther King Jr Blvd', 'MARTIN LUTHER KING'],
    ['10 Dr. Martin Luther King, Jr. Boulevard', 'MARTIN LUTHER KING'],
    ['10 MLK Blvd', 'MARTIN LUTHER KING'],
    ['10 Saint James Pl', 'ST JAMES'],
    ['10 St. James Place', 'ST JAMES'],
    ['10 Mount Vernon Ave', 'MT VERNON'],
    ['10 Highway 50', 'HWY 50'],
    ['10 Hwy 50', 'HWY 50'],
    ['10 State Route 9', 'STATE RTE 9'],
    ['10 County Road 12', 'COUNTY ROAD 12'],
    ['10 Wilkes-Barre Blvd', 'WILKES BARRE'],
  ])('%j → %j', async (s, name) => {
    expect((await street(s)).street_name).toBe(name);
  });

  it('keeps route numbers after a highway-type word in the name', async () => {
    const r = await street('10 US Highway 1 N');
    expect(parts(r)).toEqual(['10', null, 'US HWY 1', null, 'N']);
    expect(r.unit_std).toBeNull();
  });

  it('builds street_std from the parts, without number or unit', async () => {
    const r = await street('123 n. main street apt 4', { zip: '63101' });
    expect(r.street_std).toBe('N MAIN ST');
    expect(r.addr_key).toBe('123 N MAIN ST 63101');
  });
});

describe('units', () => {
  it.each([
    ['APT 4B', '4B'],
    ['#4B', '4B'],
    ['# 4b', '4B'],
    ['UNIT 4B', '4B'],
    ['APARTMENT 4-B', '4B'],
    ['Apt. 4 B', '4B'],
    ['STE 4B', '4B'],
    ['Suite 200', '200'],
    ['4B', '4B'],
    ['apt 04', '4'],
    ['Bldg 3 Apt 4', '3 4'],
    ['Rear', 'REAR'],
    ['Basement', 'BSMT'],
    ['Apt', null],
    ['n/a', null],
    ['', null],
  ])('unit field %j → %j', async (u, std) => {
    const r = await street('10 Oak St', { unit: u });
    expect(r.unit_std).toBe(std);
    expect(r.street_std).toBe('OAK ST');
  });

  it.each([
    ['10 Oak St Apt 4B', '4B'],
    ['10 Oak St #4B', '4B'],
    ['10 Oak St # 4-B', '4B'],
    ['10 Oak St, Unit 4-B', '4B'],
    ['10 Oak St. Ste. 4B', '4B'],
    ['10 Oak Street Apartment B', 'B'],
    ['10 Oak St Rear', 'REAR'],
    ['10 Oak St 4B', '4B'],
    ['10 Oak St Apt', null],
  ])('unit at the end of the street %j → %j', async (s, std) => {
    const r = await street(s);
    expect(r.unit_std).toBe(std);
    expect(r.house_number).toBe('10');
    expect(r.street_std).toBe('OAK ST');
  });

  it('moves a unit after a postdirectional too', async () => {
    const r = await street('10 Oak St NW Apt 4B');
    expect(parts(r)).toEqual(['10', null, 'OAK', 'ST', 'NW']);
    expect(r.unit_std).toBe('4B');
  });

  it('prefers the unit field, still removing the unit from the street', async () => {
    const r = await street('10 Oak St Apt 4B', { unit: '7' });
    expect(r.unit_std).toBe('7');
    expect(r.street_std).toBe('OAK ST');
  });

  it('does not read a street word after a designator as a unit', async () => {
    expect(parts(await street('10 Suite Rd'))).toEqual(['10', null, 'SUITE', 'RD', null]);
    expect(parts(await street('10 Front St'))).toEqual(['10', null, 'FRONT', 'ST', null]);
  });

  it('moves a unit after a highway number', async () => {
    const r = await street('45 Hwy 50 Lot 7');
    expect(r.street_name).toBe('HWY 50');
    expect(r.unit_std).toBe('7');
  });
});

describe('city, state, ZIP', () => {
  it.each([
    ['St. Louis', 'ST LOUIS'],
    ['Saint Louis', 'ST LOUIS'],
    ['Fort Worth', 'FT WORTH'],
    ['Ft. Worth', 'FT WORTH'],
    ['Mount Vernon', 'MT VERNON'],
    ['los  angeles', 'LOS ANGELES'],
    ['Coeur d’Alene', 'COEUR DALENE'],
    ['San José', 'SAN JOSE'],
    ['', null],
  ])('city %j → %j', async (c, std) => {
    expect((await one(h, { city: c })).city_std).toBe(std);
  });

  it.each([
    ['MO', 'MO'],
    ['mo', 'MO'],
    ['Mo.', 'MO'],
    ['Missouri', 'MO'],
    ['NEW YORK', 'NY'],
    ['N. Carolina', 'NC'],
    ['District of Columbia', 'DC'],
    ['Calif.', 'CA'],
    ['Puerto Rico', 'PR'],
    ['XX', null],
    ['', null],
  ])('state %j → %j', async (s, std) => {
    expect((await one(h, { state: s })).state_std).toBe(std);
  });

  it.each([
    ['63101', '63101', '631'],
    ['63101-1234', '63101', '631'],
    ['63101 1234', '63101', '631'],
    ['631011234', '63101', '631'],
    [' 02134 ', '02134', '021'],
    ['2134', null, null],
    ['631012', null, null],
    ['00000', null, null],
    ['ABCDE', null, null],
    ['', null, null],
  ])('zip %j → %j / %j', async (z, zip5, zip3) => {
    const r = await one(h, { zip: z });
    expect(r.zip5).toBe(zip5);
    expect(r.zip3).toBe(zip3);
  });
});

describe('addr_key', () => {
  it('is number, street and ZIP, the unit left out', async () => {
    const [a, b] = await h.requests([
      { street: '123 North Main Street, Apt 4', zip: '63101-1234' },
      { street: '123 N. Main St.', unit: '#9', zip: '63101' },
    ]);
    expect(a!.addr_key).toBe('123 N MAIN ST 63101');
    expect(b!.addr_key).toBe(a!.addr_key);
    expect(a!.unit_std).not.toBe(b!.unit_std);
  });

  it('is NULL when a part is missing', async () => {
    const rows = await h.requests([
      { street: 'Main St', zip: '63101' },
      { street: '123 Main St', zip: '' },
      { street: '123', zip: '63101' },
    ]);
    expect(rows.map((r) => r.addr_key)).toEqual([null, null, null]);
    expect(rows[2]!.house_number).toBe('123');
  });

  it('is NULL with every address field NULL or empty', async () => {
    for (const v of [null, '', '  ']) {
      const r = await one(h, { street: v, unit: v, city: v, state: v, zip: v });
      for (const c of [
        'house_number',
        'street_predir',
        'street_name',
        'street_suffix',
        'street_postdir',
        'street_std',
        'unit_std',
        'city_std',
        'state_std',
        'zip5',
        'zip3',
        'addr_key',
      ]) {
        expect(r[c], `${c} for ${JSON.stringify(v)}`).toBeNull();
      }
    }
  });
});
