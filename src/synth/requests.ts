import {
  type Address,
  NO_UNIT,
  randomAddress,
  renderAddress,
  requestStyle,
  STREET_TYPO,
  sameAddress,
  streetLine,
} from './address.js';
import { type DateTable, isIsoDate, longDate, monthYear } from './dates.js';
import { DEFECT, JMODE, KIND, MALFORMED, type Plan, type PoolName, requestId } from './plan.js';
import { adultAge, ageOn, dobForAge, type Person } from './population.js';
import { Rng } from './prng.js';
import type { RequestFields } from './rules.js';
import { REQUEST_COLUMNS } from './rules.js';
import { invalidStatute, validStatute } from './statutes.js';
import { type Convention, EN, ES, type NameEntry, type Sex, type Tables } from './tables.js';
import { applyCase, type CaseStyle, csvField, foldAccents, typos } from './text.js';
import type { TinScrambler } from './tin.js';

/**
 * One request row from the plan: the person as the requester knows them (with the usual
 * errors), the legal fields, the injected defects, and what is true about the row.
 */

export type AddressOnRecord = 'current' | 'prior' | 'none';

export interface BuiltRow {
  readonly fields: RequestFields;
  readonly scenario: string;
  /** TIN of the taxpayer the row is really about; '' when that person is not in the master. */
  readonly trueTin: string;
  readonly addressOnRecord: AddressOnRecord;
  /** MALFORMED kind; 0 when well-formed. */
  readonly malformed: number;
  /** Defects the plan put in (checked against the computed codes). */
  readonly defects: number;
  /** The CSV line, when it is not the fields written normally (a wrong column count). */
  readonly csvLine?: string;
  /** The JSON line, when it is not the fields written normally. */
  readonly jsonLine?: string;
}

export interface BuildContext {
  readonly seed: number;
  readonly plan: Plan;
  readonly tables: Tables;
  readonly dates: DateTable;
  readonly asOfDay: number;
  readonly asOfYear: number;
  readonly tins: TinScrambler;
  readonly taxpayers: number;
  readonly pools: Readonly<Record<PoolName, readonly Person[]>>;
  readonly format: 'csv' | 'jsonl';
}

const ROW_SALT = 0x20e5;

/** The requester's knowledge of a person, before it is written down. */
interface View {
  sex: Sex;
  conv: Convention;
  given: string;
  middle: string;
  family: string[];
  familyJoin: ' ' | '-';
  suffix: string;
  /** Day number, or -1 when the requester does not know it. */
  dob: number;
  address: Address;
}

/** Which errors a rendering may introduce. */
interface Noise {
  /** 0 none (formatting only), 1 mild, 2 moderate, 3 heavy. */
  readonly level: number;
  /** Probability the suffix is written when there is one. */
  readonly suffixKept: number;
}

const FORMAT_ONLY: Noise = { level: 0, suffixKept: 0.6 };

function viewOf(p: Person, address: Address): View {
  return {
    sex: p.sex,
    conv: p.conv,
    given: p.given.upper,
    middle: p.middle?.upper ?? '',
    family: p.family.map((f) => f.upper),
    familyJoin: p.familyJoin,
    suffix: p.suffix,
    dob: p.dob,
    address,
  };
}

const NAME_PARTICLES = new Set(['DE', 'DEL', 'LA', 'LOS', 'LAS']);

export class RowBuilder {
  private readonly built = new Map<number, BuiltRow>();

  constructor(private readonly ctx: BuildContext) {}

  private iso(day: number): string {
    return this.ctx.dates.iso(day);
  }

  /** Row `r` of the batch (always the same for the same plan and seed). */
  build(r: number): BuiltRow {
    const { plan } = this.ctx;
    // The same record sent again: identical fields, request_id included.
    if (plan.dupExact[r]) return this.buildFresh(plan.dupOf[r]!);
    return this.buildFresh(r);
  }

  private buildFresh(r: number): BuiltRow {
    const cached = this.built.get(r);
    if (cached) return cached;
    const { plan } = this.ctx;
    let row: BuiltRow | undefined;
    // A boundary row must normalise to its group's text (a name that occurs inside the text
    // would change it): draw again, deterministically, until it does.
    for (let attempt = 0; attempt < 40; attempt++) {
      row = this.attempt(r, attempt);
      if (plan.jmode[r] !== JMODE.boundary || this.boundaryIntact(row)) break;
    }
    // Rows are cached only while a duplicate may still ask for its original.
    if (this.isDupSource(r)) this.built.set(r, row!);
    return row!;
  }

  private dupSources: Set<number> | undefined;
  private isDupSource(r: number): boolean {
    if (!this.dupSources) {
      this.dupSources = new Set();
      const { plan } = this.ctx;
      for (let i = 0; i < plan.n; i++) if (plan.dupExact[i]) this.dupSources.add(plan.dupOf[i]!);
    }
    return this.dupSources.has(r);
  }

  /** Forget cached originals (between the counting and the writing pass, to bound memory). */
  reset(): void {
    this.built.clear();
  }

  private boundaryIntact(row: BuiltRow): boolean {
    const f = row.fields;
    let text = f.justification.toLowerCase();
    const base = text.replace(/\s+/g, ' ').trim();
    for (const own of [f.given_name, f.family_name, f.case_number, f.criminal_statute]) {
      const w = own.trim().toLowerCase();
      if (w !== '') text = text.replaceAll(w, ' ');
    }
    return text.replace(/\s+/g, ' ').trim() === base;
  }

  private attempt(r: number, attempt: number): BuiltRow {
    const { ctx } = this;
    const { plan } = ctx;
    const rng = new Rng(ctx.seed, ROW_SALT, r, attempt);
    const id = requestId(plan.dupOf[r]! >= 0 ? plan.dupOf[r]! : r);
    const subject = this.subject(r, rng);
    const fields: RequestFields = {
      request_id: id,
      ...subject.fields,
      tin: subject.tin,
      taxable_periods: '',
      criminal_statute: '',
      case_number: '',
      requesting_officer: '',
      justification: '',
    };
    const defects = plan.defects[r]!;
    const officer = plan.officers[plan.officer[r]!]!;
    const kase = plan.cases[plan.caseOf[r]!]!;

    fields.taxable_periods = defects & DEFECT.A5 ? this.invalidPeriods(rng) : this.periods(rng);
    fields.criminal_statute =
      defects & DEFECT.A6
        ? ''
        : defects & DEFECT.A7
          ? invalidStatute(rng)
          : rng.chance(0.9)
            ? kase.statute
            : validStatute(rng);
    fields.case_number = defects & DEFECT.A8 ? '' : kase.number;
    fields.requesting_officer =
      defects & DEFECT.A10
        ? rng.chance(0.8)
          ? ''
          : ' '
        : this.officerSpelling(officer.display, officer.loose, rng);
    fields.justification = this.justification(r, rng, fields, kase.number, kase.statute, officer);
    if (defects & DEFECT.A9S) fields.justification = this.shortJustification(rng);

    let scenario = subject.scenario;
    let addressOnRecord = subject.addressOnRecord;
    if (defects & DEFECT.A3) {
      const k = rng.next();
      if (k < 0.6) fields.given_name = '';
      else if (k < 0.9) fields.family_name = '';
      else {
        fields.given_name = '';
        fields.family_name = '';
      }
      if (rng.chance(0.5)) fields.middle_name = '';
    }
    if (defects & DEFECT.A4) {
      this.invalidAddress(fields, subject.address, rng);
      addressOnRecord = 'none';
      if (
        scenario === 'present_current' ||
        scenario === 'present_prior_address' ||
        scenario === 'present_stale_address'
      )
        scenario = 'present_no_address';
    }

    const base: BuiltRow = {
      fields,
      scenario,
      trueTin: subject.trueTin,
      addressOnRecord,
      malformed: plan.malformed[r]!,
      defects,
    };
    return plan.malformed[r] ? this.malform(base, rng) : base;
  }

  // ---------------------------------------------------------------- the person asked about

  private pool(name: PoolName): readonly Person[] {
    return this.ctx.pools[name];
  }

  private fromPool(name: PoolName, slot: number): Person | undefined {
    const p = this.pool(name);
    return p.length > 0 ? p[slot % p.length] : undefined;
  }

  private subject(
    r: number,
    rng: Rng,
  ): {
    fields: Pick<
      RequestFields,
      | 'given_name'
      | 'middle_name'
      | 'family_name'
      | 'name_suffix'
      | 'date_of_birth'
      | 'street'
      | 'unit'
      | 'city'
      | 'state'
      | 'zip'
    >;
    tin: string;
    scenario: string;
    trueTin: string;
    addressOnRecord: AddressOnRecord;
    address: Address;
  } {
    const { plan } = this.ctx;
    const slot = plan.slot[r]!;
    let kind: number = plan.kind[r]!;
    let base: Person | undefined;
    switch (kind) {
      case KIND.present:
        base = this.fromPool('present', slot);
        break;
      case KIND.presentJrSr:
        base = this.fromPool('presentJrSr', slot) ?? this.fromPool('present', slot);
        if (!base?.jrsr) kind = KIND.present;
        break;
      case KIND.presentTwin:
        base = this.fromPool('presentTwin', slot) ?? this.fromPool('present', slot);
        if (!base?.twin) kind = KIND.present;
        break;
      case KIND.absentJrSr:
        base = this.fromPool('jrsrBase', slot);
        break;
      case KIND.absentTwin:
        base = this.fromPool('twinBase', slot);
        break;
      case KIND.absent:
        break;
      default:
        base = this.fromPool('lookalike', slot);
    }
    if (!base) kind = KIND.absent;

    if (kind === KIND.present || kind === KIND.presentJrSr || kind === KIND.presentTwin) {
      return this.present(base!, kind, r, rng);
    }
    return this.absent(base, kind, r, rng);
  }

  private present(p: Person, kind: number, r: number, rng: Rng) {
    const hard = kind !== KIND.present;
    const u = rng.next();
    let address: Address;
    let addressOnRecord: AddressOnRecord;
    let scenario: string;
    if (u < (hard ? 0.08 : 0.1)) {
      // An address the person may have lived at but never filed from.
      do address = randomAddress(this.ctx.tables, rng, p.history[0]!.addr);
      while (p.history.some((h) => sameAddress(h.addr, address)));
      addressOnRecord = 'none';
      scenario = 'present_stale_address';
    } else if (p.history.length > 1 && rng.chance(hard ? 0.3 : 0.5)) {
      const i = p.history.length > 2 && rng.chance(0.3) ? rng.range(2, p.history.length - 1) : 1;
      address = p.history[i]!.addr;
      addressOnRecord = 'prior';
      scenario = 'present_prior_address';
    } else {
      address = p.history[0]!.addr;
      addressOnRecord = 'current';
      scenario = 'present_current';
    }
    if (kind === KIND.presentJrSr) scenario = 'present_jr_sr';
    if (kind === KIND.presentTwin) scenario = 'present_twin';
    const s = rng.next();
    const noise: Noise = { level: s < 0.6 ? 1 : s < 0.9 ? 2 : 3, suffixKept: 0.6 };
    const fields = this.render(viewOf(p, address), noise, rng);
    let tin = '';
    if (rng.chance(0.3)) {
      const t = rng.next();
      if (t < 0.9) tin = p.tin;
      else if (t < 0.96) tin = this.otherTin(p, r, rng);
      else tin = digitTypo(p.tin, rng);
      tin = formatTin(tin, rng);
    }
    return { fields, tin, scenario, trueTin: p.tin, addressOnRecord, address };
  }

  private absent(base: Person | undefined, kind: number, r: number, rng: Rng) {
    const { tables, asOfDay } = this.ctx;
    let view: View;
    let scenario: string;
    let noise = FORMAT_ONLY;
    const taken = base ? this.takenNames(base) : new Set<string>();
    switch (kind) {
      case KIND.absentSameName:
      case KIND.absentSameNameDob: {
        const b = base!;
        const sameDob = kind === KIND.absentSameNameDob;
        let dob = b.dob;
        if (!sameDob) {
          const years = rng.range(2, 30) * (rng.chance(0.5) ? 1 : -1);
          dob = b.dob + Math.round(years * 365.25) + rng.range(-150, 150);
          if (ageOn(dob, asOfDay) < 18) dob = b.dob - Math.round(Math.abs(years) * 365.25);
          if (rng.chance(0.12)) dob = -1;
        }
        view = {
          ...viewOf(b, randomAddress(tables, rng, rng.chance(0.5) ? b.history[0]!.addr : undefined)),
          middle: rng.chance(0.5) ? '' : this.otherMiddle(b, rng),
          suffix: '',
          dob,
        };
        scenario = sameDob ? 'absent_same_name_dob' : 'absent_same_name';
        break;
      }
      case KIND.absentHousehold: {
        const b = base!;
        const sex: Sex = rng.chance(0.5) ? 0 : 1;
        const given = this.freshGiven(b.conv, sex, taken, rng);
        const dob = this.relativeDob(b, rng);
        view = {
          sex,
          conv: b.conv,
          given: given.upper,
          middle: '',
          family: b.family.map((f) => f.upper),
          familyJoin: b.familyJoin,
          suffix: '',
          dob,
          address: b.history[0]!.addr,
        };
        scenario = 'absent_household_member';
        break;
      }
      case KIND.absentJrSr: {
        const b = base!;
        const age = ageOn(b.dob, asOfDay);
        const gap = Math.round(rng.range(20, 35) * 365.25) + rng.range(-100, 100);
        const junior = age - 20 >= 18 && (age >= 60 || rng.chance(0.7));
        const dob = junior ? b.dob + gap : b.dob - gap;
        view = {
          ...viewOf(b, b.history[0]!.addr),
          middle: rng.chance(0.6) ? '' : this.otherMiddle(b, rng),
          suffix: junior ? (rng.chance(0.85) ? 'JR' : 'II') : 'SR',
          dob,
        };
        noise = { level: 0, suffixKept: 0.8 };
        scenario = 'absent_jr_sr';
        break;
      }
      case KIND.absentTwin: {
        const b = base!;
        const pair = this.ctx.tables.twinPairs.find(
          (t) => t.a.folded === b.given.folded || t.b.folded === b.given.folded,
        );
        let given: NameEntry;
        let sex: Sex;
        if (pair && rng.chance(0.6)) {
          const other = pair.a.folded === b.given.folded ? pair.b : pair.a;
          sex = pair.a.folded === b.given.folded ? pair.sexB : pair.sexA;
          const used = taken.has(other.folded) || other.folded.split(' ').some((w) => taken.has(w));
          given = used ? this.freshGiven(b.conv, sex, taken, rng) : other;
        } else {
          sex = rng.chance(0.5) ? 0 : 1;
          given = this.freshGiven(b.conv, sex, taken, rng);
        }
        view = {
          ...viewOf(b, b.history[0]!.addr),
          sex,
          given: given.upper,
          middle: '',
          suffix: '',
        };
        scenario = 'absent_twin';
        break;
      }
      case KIND.absentSameAddress: {
        const b = base!;
        view = { ...this.stranger(rng), address: b.history[0]!.addr };
        scenario = 'absent_same_address';
        break;
      }
      default: {
        view = this.stranger(rng);
        const s = rng.next();
        noise = { level: s < 0.6 ? 1 : s < 0.9 ? 2 : 3, suffixKept: 0.6 };
        scenario = 'absent';
      }
    }
    const fields = this.render(view, noise, rng);
    let tin = '';
    if (rng.chance(0.12)) {
      // Someone else's TIN (a look-alike's, or any taxpayer's), or a number no taxpayer has.
      const t = rng.next();
      if (base && t < 0.25) tin = base.tin;
      else if (!base && t < 0.2) tin = this.otherTin(undefined, r, rng);
      else tin = this.ctx.tins.tin(this.ctx.taxpayers + r);
      tin = formatTin(tin, rng);
    }
    return {
      fields,
      tin,
      scenario,
      trueTin: '',
      addressOnRecord: 'none' as AddressOnRecord,
      address: view.address,
    };
  }

  /** A TIN of another taxpayer than `p` (or, with no taxpayer to hand, of nobody). */
  private otherTin(p: Person | undefined, r: number, rng: Rng): string {
    const pool = this.pool('tinPool');
    if (pool.length > 0) {
      const i = rng.int(pool.length);
      const other = pool[i] !== p ? pool[i] : pool[(i + 1) % pool.length];
      if (other && other !== p) return other.tin;
    }
    return this.ctx.tins.tin(this.ctx.taxpayers + r);
  }

  /** Someone who is not in the master file (the usual subject of a request). */
  private stranger(rng: Rng): View {
    const { tables } = this.ctx;
    const conv: Convention = rng.chance(0.55) ? ES : EN;
    const sex: Sex = rng.chance(0.6) ? 0 : 1;
    const given = tables.given[conv][sex].sample(rng);
    const middle = rng.chance(0.4) ? tables.given[conv][sex].sampleHead(rng) : undefined;
    const family = [tables.family[conv].sample(rng)];
    if (conv === ES && rng.chance(0.5)) family.push(tables.family[ES].sample(rng));
    return {
      sex,
      conv,
      given: given.upper,
      middle: middle && middle.folded !== given.folded && !middle.upper.includes(' ') ? middle.upper : '',
      family: family.map((f) => f.upper),
      familyJoin: ' ',
      suffix: '',
      dob: dobForAge(this.ctx, adultAge(rng, 18, 75), rng),
      address: randomAddress(tables, rng),
    };
  }

  /** Names a look-alike must not have: the household's given names and their nicknames. */
  private takenNames(p: Person): Set<string> {
    const taken = new Set<string>();
    for (const m of p.household.members) {
      for (const part of m.given.folded.split(' ')) {
        taken.add(part);
        for (const n of this.ctx.tables.nicknames.get(part) ?? []) taken.add(foldAccents(n));
      }
      taken.add(m.given.folded);
    }
    return taken;
  }

  private freshGiven(conv: Convention, sex: Sex, taken: Set<string>, rng: Rng): NameEntry {
    const s = this.ctx.tables.given[conv][sex];
    for (let i = 0; i < 50; i++) {
      const e = s.sample(rng);
      const nicks = this.ctx.tables.nicknames.get(e.folded) ?? [];
      if (taken.has(e.folded) || e.folded.split(' ').some((w) => taken.has(w))) continue;
      if (nicks.some((n) => taken.has(foldAccents(n)))) continue;
      return e;
    }
    return s.sample(rng);
  }

  private otherMiddle(b: Person, rng: Rng): string {
    const e = this.ctx.tables.given[b.conv][b.sex].sampleHead(rng);
    return e.folded === b.middle?.folded || e.folded === b.given.folded || e.upper.includes(' ')
      ? ''
      : e.upper;
  }

  /** Birth date of a relative of `b` who is not `b`: clearly apart from every household member. */
  private relativeDob(b: Person, rng: Rng): number {
    const { asOfDay } = this.ctx;
    for (let i = 0; i < 20; i++) {
      const k = rng.next();
      const years = k < 0.45 ? rng.range(-8, 8) : k < 0.85 ? rng.range(20, 35) : -rng.range(20, 30);
      const dob = b.dob + Math.round(years * 365.25) + rng.range(-180, 180);
      if (ageOn(dob, asOfDay) < 18 || ageOn(dob, asOfDay) > 98) continue;
      if (b.household.members.every((m) => Math.abs(m.dob - dob) > 400)) return dob;
    }
    return -1;
  }

  // ------------------------------------------------------------------------- writing it down

  /** The request's name, birth date and address as the requester wrote them. */
  private render(v: View, noise: Noise, rng: Rng) {
    const { tables } = this.ctx;
    let given = v.given;
    let middle = v.middle;
    let family = [...v.family];
    let dob = v.dob;
    let swap = false;
    let streetTypo = false;
    let dobText: string | undefined;

    const opCount =
      noise.level === 0
        ? 0
        : noise.level === 1
          ? rng.chance(0.55)
            ? 0
            : 1
          : noise.level === 2
            ? rng.range(1, 2)
            : rng.range(3, 4);
    const firstNick = () => {
      const words = given.split(' ').filter((w) => !NAME_PARTICLES.has(w));
      for (const w of rng.shuffle(words)) {
        const n = tables.nicknames.get(foldAccents(w));
        if (n) return { w, n };
      }
      return undefined;
    };
    const ops: [string, number][] = [
      ['nickname', firstNick() ? 10 : 0],
      ['givenPart', given.includes(' ') ? 6 : 0],
      ['typoGiven', 7],
      ['typoFamily', 7],
      ['swap', 2],
      ['married', v.sex === 1 ? 2 : 0],
      ['middleAsGiven', middle ? 1 : 0],
      ['dobSwap', dob >= 0 ? 4 : 0],
      ['dobTypo', dob >= 0 ? 3 : 0],
      ['dobMissing', dob >= 0 ? 5 : 0],
      ['dobYear', dob >= 0 ? 2 : 0],
      ['streetTypo', 3],
    ];
    for (let i = 0; i < opCount; i++) {
      const j = rng.weighted(ops.map((o) => o[1]));
      const op = ops[j]!;
      if (op[1] === 0) continue;
      op[1] = 0;
      switch (op[0]) {
        case 'nickname': {
          const nick = firstNick();
          if (nick)
            given =
              given.includes(' ') && rng.chance(0.6)
                ? rng.pick(nick.n)
                : given.replace(nick.w, rng.pick(nick.n));
          break;
        }
        case 'givenPart': {
          const parts = given.split(' ').filter((w) => !NAME_PARTICLES.has(w));
          given = rng.chance(0.6) ? parts[0]! : parts[parts.length - 1]!;
          break;
        }
        case 'typoGiven':
          given = typos(given, rng);
          break;
        case 'typoFamily': {
          const i2 = rng.int(family.length);
          family[i2] = typos(family[i2]!, rng);
          break;
        }
        case 'swap':
          swap = true;
          break;
        case 'married':
          family = [tables.family[v.conv].sample(rng).upper];
          break;
        case 'middleAsGiven':
          given = middle;
          middle = '';
          break;
        case 'dobSwap':
          dobText = swapDayMonth(this.iso(dob)) ?? dayTypo(this.iso(dob), rng);
          break;
        case 'dobTypo':
          dobText = dayTypo(this.iso(dob), rng);
          break;
        case 'dobMissing':
          dob = -1;
          dobText = undefined;
          break;
        case 'dobYear':
          dobText = yearTypo(this.iso(dob), rng);
          break;
        case 'streetTypo':
          streetTypo = true;
          break;
      }
    }

    // Middle name: written out, an initial, or left off.
    if (middle) {
      const m = rng.next();
      middle = m < 0.45 ? middle : m < 0.65 ? foldAccents(middle)[0]! : '';
    }
    // Two family names: both, hyphenated, or one of them.
    let familyText: string;
    if (family.length === 2) {
      const f = rng.next();
      const hyphen = v.familyJoin === '-' ? 0.7 : 0.12;
      if (f < hyphen) familyText = `${family[0]}-${family[1]}`;
      else if (f < hyphen + (1 - hyphen) * 0.55) familyText = `${family[0]} ${family[1]}`;
      else if (f < 0.95) familyText = family[0]!;
      else familyText = family[1]!;
    } else {
      familyText = family[0]!;
      if (v.conv === ES && noise.level > 0 && rng.chance(0.06))
        familyText = `${familyText} ${tables.family[ES].sample(rng).upper}`;
    }
    const suffix = v.suffix && rng.chance(noise.suffixKept) ? v.suffix : '';
    if (swap) [given, familyText] = [familyText, given];

    const strip = rng.chance(0.65);
    const c = rng.next();
    const style: CaseStyle = c < 0.7 ? 0 : c < 0.95 ? 1 : 2;
    const write = (s: string) => applyCase(strip ? foldAccents(s) : s, style);
    let addrStyle = requestStyle(rng, false);
    if (streetTypo) addrStyle |= STREET_TYPO;
    const a = renderAddress(v.address, tables, addrStyle, rng);
    return {
      given_name: write(given),
      middle_name: write(middle),
      family_name: write(familyText),
      name_suffix: write(suffix),
      date_of_birth: dob < 0 ? '' : (dobText ?? this.iso(dob)),
      street: a.street,
      unit: a.unit,
      city: a.city,
      state: a.state,
      zip: a.zip,
    };
  }

  // --------------------------------------------------------------------------- legal fields

  private periods(rng: Rng): string {
    const end = this.ctx.asOfYear - (rng.chance(0.7) ? 1 : 2);
    const span = rng.weighted([50, 35, 15]) + 1;
    const years: number[] = [];
    for (let y = end - span + 1; y <= end; y++) years.push(y);
    return years.join(rng.chance(0.93) ? ';' : '; ');
  }

  private invalidPeriods(rng: Rng): string {
    const y = this.ctx.asOfYear;
    const yy = String((y - 2) % 100).padStart(2, '0');
    return rng.pick([
      '',
      `FY${yy}`,
      `FY${y - 2}`,
      '1899',
      String(y + rng.range(2, 6)),
      'N/A',
      yy,
      `TY${y - 1}`,
      'ALL',
      `${y - 1}`.replace('0', 'O'),
      `${y - 3}-${y - 2}`,
      `${y - 2};FY${String((y - 1) % 100).padStart(2, '0')}`,
    ]);
  }

  private officerSpelling(display: string, loose: boolean, rng: Rng): string {
    const k = rng.next();
    if (k < 0.88) return display;
    if (k < 0.94) return display.toUpperCase();
    if (k < 0.97 || !loose) return display.replace(' ', '  ');
    // Another spelling of the officer that is, to the rule, another officer.
    const words = display.split(' ');
    return `${words[words.length - 2]![0]}. ${words[words.length - 1]}`;
  }

  private shortJustification(rng: Rng): string {
    const k = rng.next();
    if (k < 0.35) return '';
    if (k < 0.95) return rng.pick(this.ctx.tables.justifications.short);
    return `Smuggling lead #${rng.range(100, 999)}`; // 19 characters: one short of the minimum
  }

  private justification(
    r: number,
    rng: Rng,
    f: RequestFields,
    caseNumber: string,
    caseStatute: string,
    officer: { office: string; operation: string; mode: number; text: number },
  ): string {
    const j = this.ctx.tables.justifications;
    const { plan } = this.ctx;
    const mode = plan.jmode[r]!;
    if (mode === JMODE.boundary) return plan.boundaryTexts[plan.jgroup[r]!]!;
    if (mode === JMODE.minLength) return `Smuggling lead #${rng.range(1000, 9999)}`; // exactly 20 characters
    const statute = f.criminal_statute || caseStatute;
    const value = (k: string): string => {
      switch (k) {
        case 'name':
          return `${f.given_name} ${f.family_name}`.trim();
        case 'given':
          return f.given_name;
        case 'family':
          return f.family_name;
        case 'case':
          return caseNumber;
        case 'statute':
          return statute;
        case 'office':
          return officer.office;
        case 'op':
          return officer.operation;
        case 'date':
          return this.pastDate(rng);
        case 'month': // always before any {date}
          return monthYear(this.iso(this.ctx.asOfDay - rng.range(1150, 2200)));
        case 'place':
          return rng.pick(j.ports);
        case 'anum':
          return aNumber(rng);
        case 'warrant':
          return `${String((this.ctx.asOfYear - rng.range(0, 2)) % 100).padStart(2, '0')}-${rng.pick(WARRANT_KINDS)}-${rng.range(100, 9999)}`;
        case 'count':
          return String(rng.range(3, 25));
        default:
          return `{${k}}`;
      }
    };
    const fill = (t: string) => t.replace(PLACEHOLDER, (_, k: string) => value(k));
    if (mode === JMODE.boilerplate) return fill(j.boilerplate[officer.text % j.boilerplate.length]!);
    if (mode === JMODE.templated) return fill(j.templated[officer.text % j.templated.length]!);
    return fill(rng.pick(j.specific));
  }

  private pastDate(rng: Rng): string {
    const day = this.ctx.asOfDay - rng.range(10, 1100);
    const k = rng.next();
    const iso = this.iso(day);
    if (k < 0.7) return longDate(iso);
    if (k < 0.9) return iso;
    return `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;
  }

  // -------------------------------------------------------------------------------- defects

  /** Rule A4: an address that is not one (empty, ZIP only, bare number, placeholder, no number). */
  private invalidAddress(f: RequestFields, address: Address, rng: Rng): void {
    const { tables } = this.ctx;
    const k = rng.weighted([18, 14, 10, 34, 16, 8]);
    f.unit = '';
    switch (k) {
      case 0:
        f.street = '';
        break;
      case 1:
        f.street = '';
        f.city = '';
        f.state = '';
        if (!f.zip) f.zip = address.zip;
        break;
      case 2:
        f.street = String(address.num);
        break;
      case 3:
        f.street = rng.pick([
          'Failed to Provide',
          'FAILED TO PROVIDE',
          'Unknown Address',
          'UNKNOWN ADDRESS',
          'NA NA',
          'N/A',
          'UNKNOWN',
          'Unknown',
          'NONE',
          '00000',
        ]);
        if (rng.chance(0.3)) f.city = rng.pick(['UNKNOWN', 'NA', 'N/A', '']);
        if (rng.chance(0.2)) f.zip = '00000';
        break;
      case 4: {
        const line = streetLine(address, tables, rng.chance(0.5) ? 0 : NO_UNIT);
        f.street = line.replace(/^[0-9]+ /, '');
        break;
      }
      default:
        f.street = 'NA NA';
        f.city = 'NA';
        f.state = 'NA';
        f.zip = '00000';
    }
  }

  /** Rule A17: make the row unreadable as a record, the ways real files are. */
  private malform(row: BuiltRow, rng: Rng): BuiltRow {
    const f = { ...row.fields };
    const { format } = this.ctx;
    let kind = row.malformed;
    if (kind === MALFORMED.nonText && format === 'csv') kind = MALFORMED.control;
    if (kind === MALFORMED.structure && format === 'jsonl' && rng.chance(0.3)) kind = MALFORMED.nonText;
    switch (kind) {
      case MALFORMED.badDate: {
        const iso =
          f.date_of_birth && isIsoDate(f.date_of_birth)
            ? f.date_of_birth
            : this.iso(this.ctx.asOfDay - rng.range(7000, 25000));
        const [y, m, d] = iso.split('-');
        f.date_of_birth = rng.pick([
          `${y}-${rng.range(13, 19)}-${d}`,
          `${y}-${m}-${rng.range(32, 45)}`,
          `${m}/${d}/${y}`,
          `${y}-02-30`,
          `${d}.${m}.${y}`,
          `${y}/${m}/${d}`,
          `${y}-00-${d}`,
        ]);
        return { ...row, fields: f };
      }
      case MALFORMED.control:
      case MALFORMED.replacement: {
        const bad =
          kind === MALFORMED.replacement
            ? '\uFFFD'
            : rng.pick([
                '\u0001',
                '\u0002',
                '\u0003',
                '\u0007',
                '\u0008',
                '\u000b',
                '\u000c',
                '\u001a',
                '\u001b',
                '\u001f',
                '\u007f',
              ]);
        const col = rng.pick(['given_name', 'family_name', 'street', 'city', 'justification'] as const);
        const v = f[col] || 'X';
        const at = rng.int(v.length + 1);
        f[col] = v.slice(0, at) + bad + v.slice(at);
        return { ...row, fields: f };
      }
      case MALFORMED.nonText: {
        const obj: Record<string, unknown> = { ...f };
        obj.given_name = f.given_name.split(' ').filter(Boolean);
        if ((obj.given_name as string[]).length === 0) obj.given_name = ['X'];
        return { ...row, fields: f, jsonLine: JSON.stringify(obj) };
      }
      default: {
        if (format === 'jsonl') {
          const json = JSON.stringify(f);
          const cut = Math.max(
            json.indexOf(',"given_name"') + 1,
            Math.floor(json.length * (0.4 + rng.next() * 0.5)),
          );
          return { ...row, fields: f, jsonLine: json.slice(0, cut) };
        }
        const cols = REQUEST_COLUMNS.map((c) => csvField(f[c]));
        if (rng.chance(0.6) && f.street) {
          // A comma inside an unquoted street: one column too many.
          const i = REQUEST_COLUMNS.indexOf('street');
          cols[i] = `${f.street.replace(/"/g, '')}, ${f.unit || `APT ${rng.range(1, 40)}`}`;
          cols[i + 1] = '';
        } else {
          cols.length = rng.range(12, 16); // a truncated row
        }
        return { ...row, fields: f, csvLine: cols.join(',') };
      }
    }
  }
}

const PLACEHOLDER = /\{(\w+)\}/g;
const WARRANT_KINDS = ['MJ', 'W', 'CR'];

function swapDayMonth(iso: string): string | undefined {
  const [y, m, d] = iso.split('-');
  if (Number(d) > 12 || d === m) return undefined;
  const s = `${y}-${d}-${m}`;
  return isIsoDate(s) ? s : undefined;
}

function dayTypo(iso: string, rng: Rng): string {
  const [y, m, d] = iso.split('-');
  for (let i = 0; i < 10; i++) {
    const day = Number(d) + rng.pick([-10, -9, -1, 1, 9, 10]);
    const s = `${y}-${m}-${String(day).padStart(2, '0')}`;
    if (day >= 1 && isIsoDate(s)) return s;
  }
  return `${y}-${m}-${d === '01' ? '02' : '01'}`;
}

function yearTypo(iso: string, rng: Rng): string {
  const [y, m, d] = iso.split('-');
  const s = `${Number(y) + (rng.chance(0.5) ? 1 : -1)}-${m}-${d}`;
  return isIsoDate(s) ? s : `${Number(y) + 1}-${m}-${d === '29' ? '28' : d}`;
}

function digitTypo(tin: string, rng: Rng): string {
  const i = rng.int(tin.length);
  const d = (Number(tin[i]) + rng.range(1, 9)) % 10;
  return tin.slice(0, i) + d + tin.slice(i + 1);
}

function formatTin(tin: string, rng: Rng): string {
  return rng.chance(0.12) ? `${tin.slice(0, 3)}-${tin.slice(3, 5)}-${tin.slice(5)}` : tin;
}

function aNumber(rng: Rng): string {
  const n = String(rng.range(10_000_000, 249_999_999)).padStart(9, '0');
  const k = rng.next();
  if (k < 0.5) return `A${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`;
  if (k < 0.8) return `A${n}`;
  return `A ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`;
}
