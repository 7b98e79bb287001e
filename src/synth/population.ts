import { type Address, masterStyle, randomAddress, renderAddress, SHOW_PLUS4 } from './address.js';
import type { DateTable } from './dates.js';
import type { Rng } from './prng.js';
import { type Convention, EN, ES, type NameEntry, type Sex, type Tables } from './tables.js';
import { applyCase, type CaseStyle } from './text.js';
import type { TinScrambler } from './tin.js';

/**
 * The synthetic population behind the master extract: households of taxpayers with names,
 * birth dates and address histories. Households are where matching gets hard — spouses and
 * adult children share an address and a family name, a Jr lives with his Sr, twins share a
 * birth date — so they are generated as such, not as independent people.
 */

export interface AddressRecord {
  readonly addr: Address;
  /** Tax year of the latest return filed from this address. */
  readonly year: number;
}

/** The person as written in the master file (one spelling for all their rows). */
export interface Filed {
  readonly given: string;
  readonly middle: string;
  readonly family: string;
  readonly suffix: string;
  readonly dob: string;
}

export interface Person {
  index: number;
  tin: string;
  readonly sex: Sex;
  readonly conv: Convention;
  /** Canonical first given name (may itself be compound, `MARÍA GUADALUPE`). */
  readonly given: NameEntry;
  readonly middle: NameEntry | null;
  /** One or two family names (paternal first). */
  readonly family: readonly NameEntry[];
  /** How the person joins two family names: ' ' or '-' (a hyphenated married name). */
  readonly familyJoin: ' ' | '-';
  /** True generational suffix: '', JR, SR, II, III. */
  readonly suffix: string;
  /** Birth date as a day number. */
  readonly dob: number;
  household: Household;
  twin: Person | null;
  jrsr: Person | null;
  /** Addresses of record, latest first: history[0] is the current address. */
  history: AddressRecord[];
  filed: Filed;
  /** Master writing style of the address rows (address.ts flags). */
  addressStyle: number;
}

export interface Household {
  readonly members: Person[];
  readonly home: Address;
}

export interface PopulationContext {
  readonly tables: Tables;
  readonly dates: DateTable;
  readonly asOfDay: number;
  readonly asOfYear: number;
  readonly tins: TinScrambler;
}

const DAYS_PER_YEAR = 365.2425;

export function ageOn(dob: number, day: number): number {
  return Math.floor((day - dob) / DAYS_PER_YEAR);
}

/** Adult age with a realistic shape: flat to 64, thinning out to 95. */
export function adultAge(rng: Rng, min = 18, max = 92): number {
  for (;;) {
    const age = rng.range(min, max);
    if (age < 65 || rng.chance(Math.max(0.12, 1 - (age - 65) / 28))) return age;
  }
}

export function dobForAge(ctx: PopulationContext, age: number, rng: Rng): number {
  return ctx.asOfDay - Math.floor(age * DAYS_PER_YEAR) - rng.int(365);
}

interface Draft {
  sex: Sex;
  conv: Convention;
  given: NameEntry;
  middle: NameEntry | null;
  family: NameEntry[];
  familyJoin: ' ' | '-';
  suffix: string;
  dob: number;
  /** Moves out of the household home (adult children). */
  leaves: boolean;
  twinWith: number;
  jrsrWith: number;
  /** A married woman's own first family name (what her children carry under Spanish naming). */
  maiden?: NameEntry;
}

export class PopulationGenerator {
  constructor(
    private readonly ctx: PopulationContext,
    private readonly rng: Rng,
  ) {}

  /** Given name for a new household member, different from the others'. */
  givenName(conv: Convention, sex: Sex, taken: readonly Draft[] | readonly Person[]): NameEntry {
    const s = this.ctx.tables.given[conv][sex];
    for (let i = 0; i < 20; i++) {
      const e = s.sample(this.rng);
      let free = true;
      for (const d of taken) if (d.given.folded === e.folded) free = false;
      if (free) return e;
    }
    return s.sample(this.rng);
  }

  middleName(conv: Convention, sex: Sex, given: NameEntry): NameEntry | null {
    const rng = this.rng;
    // Compound given names (MARÍA GUADALUPE) rarely carry a middle name besides.
    const p = given.upper.includes(' ') ? 0.05 : conv === ES ? 0.42 : 0.68;
    if (!rng.chance(p)) return null;
    const e = this.ctx.tables.given[conv][sex].sampleHead(rng);
    return e.folded === given.folded || e.upper.includes(' ') ? null : e;
  }

  familyName(conv: Convention): NameEntry {
    return this.ctx.tables.family[conv].sample(this.rng);
  }

  /** A person's own family name(s) under a convention. */
  ownFamily(conv: Convention): NameEntry[] {
    const p1 = this.familyName(conv);
    if (conv === ES && this.rng.chance(0.6)) {
      let p2 = this.familyName(ES);
      if (p2.folded === p1.folded) p2 = this.familyName(ES);
      if (p2.folded !== p1.folded) return [p1, p2];
    }
    return [p1];
  }

  private draft(
    conv: Convention,
    sex: Sex,
    dob: number,
    family: NameEntry[],
    taken: Draft[],
    chosen?: NameEntry,
  ): Draft {
    const given = chosen ?? this.givenName(conv, sex, taken);
    const d: Draft = {
      sex,
      conv,
      given,
      middle: this.middleName(conv, sex, given),
      family,
      familyJoin: ' ',
      suffix: '',
      dob,
      leaves: false,
      twinWith: -1,
      jrsrWith: -1,
    };
    taken.push(d);
    return d;
  }

  private adult(conv: Convention, sex: Sex, taken: Draft[], min = 18, max = 92, family?: NameEntry[]): Draft {
    const dob = dobForAge(this.ctx, adultAge(this.rng, min, max), this.rng);
    return this.draft(conv, sex, dob, family ?? this.ownFamily(conv), taken);
  }

  private spouse(head: Draft, taken: Draft[]): Draft {
    const rng = this.rng;
    const sex: Sex = head.sex === 0 ? 1 : 0;
    const headAge = ageOn(head.dob, this.ctx.asOfDay);
    const age = Math.max(18, Math.min(95, headAge + rng.range(-7, 4) * (head.sex === 0 ? 1 : -1)));
    const dob = dobForAge(this.ctx, age, rng);
    const conv: Convention = rng.chance(0.9) ? head.conv : head.conv === ES ? EN : ES;
    const own = this.ownFamily(conv);
    let family = own;
    let join: ' ' | '-' = ' ';
    const k = rng.next();
    if (sex === 1) {
      if (head.conv === ES) {
        if (k < 0.25) family = [head.family[0]!];
        else if (k < 0.4) family = [own[0]!, head.family[0]!];
      } else if (k < 0.75) family = [head.family[0]!];
      else if (k < 0.85) {
        family = [own[0]!, head.family[0]!];
        join = '-';
      }
    } else if (k < 0.03) family = [head.family[0]!];
    const d = this.draft(conv, sex, dob, family, taken);
    d.familyJoin = join;
    d.maiden = own[0];
    return d;
  }

  /** Family name(s) of a child of `father` and `mother` (either may be missing). */
  private childFamily(father: Draft | undefined, mother: Draft | undefined): NameEntry[] {
    const parent = father ?? mother!;
    if (parent.conv === ES) {
      const p1 = father ? father.family[0]! : mother!.family[0]!;
      const maiden = mother ? (mother.maiden ?? mother.family[0]!) : undefined;
      if (father && maiden && maiden.folded !== p1.folded && this.rng.chance(0.75)) return [p1, maiden];
      return [p1];
    }
    return [parent.family[0]!];
  }

  private child(father: Draft | undefined, mother: Draft | undefined, taken: Draft[], dob?: number): Draft {
    const rng = this.rng;
    const parent = father ?? mother!;
    const parentAge = ageOn(parent.dob, this.ctx.asOfDay);
    const maxAge = Math.min(45, parentAge - 18);
    const age = rng.range(18, Math.max(18, maxAge));
    const sex: Sex = rng.chance(0.5) ? 0 : 1;
    const d = this.draft(
      parent.conv,
      sex,
      dob ?? dobForAge(this.ctx, age, rng),
      this.childFamily(father, mother),
      taken,
    );
    d.leaves = rng.chance(0.35);
    return d;
  }

  /** The drafts of one household, before numbering. */
  private householdDrafts(): Draft[] {
    const rng = this.rng;
    const conv: Convention = rng.chance(0.25) ? ES : EN;
    const taken: Draft[] = [];
    const r = rng.next();
    if (r < 0.42) {
      this.adult(conv, rng.chance(0.5) ? 0 : 1, taken);
    } else if (r < 0.7) {
      const head = this.adult(conv, 0, taken, 20, 90);
      this.spouse(head, taken);
    } else if (r < 0.82) {
      const father = this.adult(conv, 0, taken, 40, 85);
      const mother = this.spouse(father, taken);
      const n = rng.chance(0.6) ? 1 : 2;
      for (let i = 0; i < n; i++) this.child(father, mother, taken);
    } else if (r < 0.88) {
      const parent = this.adult(conv, rng.chance(0.7) ? 1 : 0, taken, 40, 88);
      const n = rng.chance(0.7) ? 1 : 2;
      for (let i = 0; i < n; i++)
        this.child(parent.sex === 0 ? parent : undefined, parent.sex === 1 ? parent : undefined, taken);
    } else if (r < 0.925) {
      // Jr/Sr: father and son with the same given and family names, 20-35 years apart.
      const father = this.adult(conv, 0, taken, 43, 88);
      if (rng.chance(0.6)) this.spouse(father, taken);
      const fatherAge = ageOn(father.dob, this.ctx.asOfDay);
      const sonAge = Math.max(18, fatherAge - rng.range(20, 35));
      const son: Draft = {
        sex: 0,
        conv,
        given: father.given,
        middle: rng.chance(0.5) ? father.middle : this.middleName(conv, 0, father.given),
        family: father.family,
        familyJoin: father.familyJoin,
        suffix: '',
        dob: dobForAge(this.ctx, sonAge, rng),
        leaves: rng.chance(0.2),
        twinWith: -1,
        jrsrWith: taken.indexOf(father),
      };
      if (rng.chance(0.9)) {
        father.suffix = rng.chance(0.6) ? 'SR' : '';
        son.suffix = rng.chance(0.85) ? 'JR' : 'II';
      } else {
        father.suffix = 'JR';
        son.suffix = 'III';
      }
      father.jrsrWith = taken.length;
      taken.push(son);
    } else if (r < 0.94) {
      // Twins: same birth date, family name and address; names sometimes alike.
      let father: Draft | undefined;
      let mother: Draft | undefined;
      if (rng.chance(0.7)) {
        father = rng.chance(0.8) ? this.adult(conv, 0, taken, 40, 80) : undefined;
        mother = father ? this.spouse(father, taken) : this.adult(conv, 1, taken, 40, 80);
      }
      const parent = father ?? mother;
      const twinsAge = parent
        ? rng.range(18, Math.max(18, ageOn(parent.dob, this.ctx.asOfDay) - 20))
        : adultAge(rng, 18, 70);
      const dob = dobForAge(this.ctx, twinsAge, rng);
      const family = parent ? this.childFamily(father, mother) : this.ownFamily(conv);
      const pairs = this.ctx.tables.twinPairs;
      let a: Draft;
      let b: Draft;
      const pair = rng.pick(pairs);
      const free = (e: NameEntry) => !taken.some((d) => d.given.folded === e.folded);
      if (rng.chance(0.4) && free(pair.a) && free(pair.b)) {
        a = this.draft(conv, pair.sexA, dob, family, taken, pair.a);
        b = this.draft(conv, pair.sexB, dob, family, taken, pair.b);
      } else {
        a = this.draft(conv, rng.chance(0.5) ? 0 : 1, dob, family, taken);
        b = this.draft(conv, rng.chance(0.5) ? 0 : 1, dob, family, taken);
      }
      a.twinWith = taken.indexOf(b);
      b.twinWith = taken.indexOf(a);
      if (parent && rng.chance(0.3)) {
        a.leaves = true;
        b.leaves = rng.chance(0.5);
      }
    } else if (r < 0.97) {
      const n = rng.chance(0.7) ? 2 : 3;
      for (let i = 0; i < n; i++) {
        const c: Convention = rng.chance(0.3) ? ES : EN;
        this.adult(c, rng.chance(0.5) ? 0 : 1, taken, 19, 45);
      }
    } else {
      const grand = this.adult(conv, rng.chance(0.7) ? 1 : 0, taken, 70, 95);
      const father = this.adult(conv, 0, taken, 40, Math.max(40, ageOn(grand.dob, this.ctx.asOfDay) - 18), [
        ...(grand.sex === 0 ? grand.family : grand.family.slice(0, 1)),
      ]);
      const mother = this.spouse(father, taken);
      this.child(father, mother, taken);
    }
    return taken;
  }

  /**
   * The next household: its taxpayers (at most `room` of them), numbered from `firstIndex`, with
   * address histories and master spellings.
   */
  nextHousehold(firstIndex: number, room: number): Person[] {
    const { ctx, rng } = this;
    const all = this.householdDrafts();
    const drafts = all.length > room ? all.slice(0, room) : all;
    const home = randomAddress(ctx.tables, rng);
    const household: Household = { members: [], home };

    // The household's address history: the home and, for movers, earlier addresses.
    const k = rng.next();
    const last = ctx.asOfYear - (k < 0.87 ? 1 : k < 0.96 ? 2 : 3);
    const moveIn = last - Math.min(15, Math.floor(-Math.log(1 - rng.next()) * 4));
    const m = rng.next();
    const priorCount = m < 0.78 ? 0 : m < 0.94 ? 1 : m < 0.99 ? 2 : 3;
    const priors: AddressRecord[] = [];
    let next = moveIn;
    let prev = home;
    for (let i = 0; i < priorCount; i++) {
      const year = next - 1;
      if (year < 1990) break;
      const addr = randomAddress(ctx.tables, rng, prev);
      priors.push({ addr, year });
      next = year - rng.range(0, 6);
      prev = addr;
    }

    const people: Person[] = drafts.map((d, i) => {
      const adultYear = ctx.dates.year(d.dob) + 18;
      let personLast = last;
      if (moveIn < last && rng.chance(0.08)) personLast = last - 1;
      let history: AddressRecord[];
      if (d.leaves && moveIn < last && moveIn >= adultYear) {
        const movedYear = rng.range(moveIn + 1, last);
        history = [
          { addr: randomAddress(ctx.tables, rng, home), year: Math.max(movedYear, personLast) },
          { addr: home, year: movedYear - 1 },
        ];
      } else {
        history = [{ addr: home, year: personLast }];
        for (const p of priors) if (p.year >= adultYear) history.push(p);
      }
      const p: Person = {
        index: firstIndex + i,
        tin: ctx.tins.tin(firstIndex + i),
        sex: d.sex,
        conv: d.conv,
        given: d.given,
        middle: d.middle,
        family: d.family,
        familyJoin: d.familyJoin,
        suffix: d.suffix,
        dob: d.dob,
        household,
        twin: null,
        jrsr: null,
        history,
        filed: undefined as unknown as Filed,
        addressStyle: masterStyle(rng),
      };
      p.filed = this.filedSpelling(p);
      return p;
    });
    drafts.forEach((d, i) => {
      if (d.twinWith >= 0 && d.twinWith < people.length) people[i]!.twin = people[d.twinWith]!;
      if (d.jrsrWith >= 0 && d.jrsrWith < people.length) people[i]!.jrsr = people[d.jrsrWith]!;
    });
    household.members.push(...people);
    return people;
  }

  /** How the taxpayer's name was written on the returns: case, accents, compound names. */
  private filedSpelling(p: Person): Filed {
    const rng = this.rng;
    const c = rng.next();
    const style: CaseStyle = c < 0.88 ? 0 : c < 0.97 ? 1 : 2;
    const keepAccents = rng.chance(0.3);
    let given = formOf(p.given, keepAccents);
    let middle = '';
    if (p.middle) {
      const m = rng.next();
      if (p.conv === ES && m < 0.35) given = `${given} ${formOf(p.middle, keepAccents)}`;
      else if (m < 0.75) middle = formOf(p.middle, keepAccents);
      else if (m < 0.92) middle = p.middle.folded[0]!;
    }
    let family: string;
    if (p.family.length === 2) {
      const a = formOf(p.family[0]!, keepAccents);
      const b = formOf(p.family[1]!, keepAccents);
      const f = rng.next();
      if (p.familyJoin === '-') family = f < 0.8 ? `${a}-${b}` : `${a} ${b}`;
      else family = f < 0.55 ? `${a} ${b}` : f < 0.7 ? `${a}-${b}` : a;
    } else family = formOf(p.family[0]!, keepAccents);
    const suffix = p.suffix && rng.chance(0.93) ? p.suffix : '';
    return {
      given: applyCase(given, style),
      middle: applyCase(middle, style),
      family: applyCase(family, style),
      suffix: applyCase(suffix, style),
      dob: rng.chance(0.97) ? this.ctx.dates.iso(p.dob) : '',
    };
  }
}

const YEARS = Array.from({ length: 250 }, (_, i) => String(1900 + i));

function formOf(e: NameEntry, keepAccents: boolean): string {
  return keepAccents || !e.accented ? e.upper : e.folded;
}

/** The master rows of one taxpayer, in the order written (not always current last). */
export function masterRows(p: Person, tables: Tables, flip: boolean): string {
  const f = p.filed;
  const head = `${p.tin},${f.given},${f.middle},${f.family},${f.suffix},${f.dob},`;
  let out = '';
  const n = p.history.length;
  for (let j = 0; j < n; j++) {
    const rec = p.history[flip ? j : n - 1 - j]!;
    out += `${head}${addressColumns(rec.addr, tables, p.addressStyle)},${YEARS[rec.year - 1900] ?? rec.year}\n`;
  }
  return out;
}

/** The five address columns as CSV; the canonical form is computed once per address. */
function addressColumns(addr: Address, tables: Tables, style: number): string {
  if (style === SHOW_PLUS4 && addr.canonical !== undefined) return addr.canonical;
  const a = renderAddress(addr, tables, style);
  const text = `${a.street},${a.unit},${a.city},${a.state},${a.zip}`;
  if (style === SHOW_PLUS4) addr.canonical = text;
  return text;
}
