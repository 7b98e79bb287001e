import { AliasTable, Rng } from './prng.js';
import { validStatute } from './statutes.js';
import type { Tables } from './tables.js';
import { titleCase } from './text.js';

/**
 * The shape of a request batch, decided before any row is written: who each row is about
 * (scenario and which sampled taxpayer), which rows are malformed or duplicates, which officer
 * and case each row belongs to, how its justification is written, and which legal defects it
 * carries. Rows are then generated from this plan, each from its own seeded stream, so the
 * batch can be generated twice (once to count, once to write) with identical bytes.
 */

/** What a row is about, as planned (the written scenario label may be more specific). */
export const KIND = {
  present: 0,
  presentJrSr: 1,
  presentTwin: 2,
  absent: 3,
  absentSameName: 4,
  absentSameNameDob: 5,
  absentHousehold: 6,
  absentJrSr: 7,
  absentTwin: 8,
  absentSameAddress: 9,
} as const;

/** Pools of sampled taxpayers the rows draw on (reservoir-sampled while the master is written). */
export const POOLS = [
  'present',
  'presentJrSr',
  'presentTwin',
  'lookalike',
  'jrsrBase',
  'twinBase',
  'tinPool',
] as const;
export type PoolName = (typeof POOLS)[number];

const KIND_POOL: readonly (PoolName | null)[] = [
  'present',
  'presentJrSr',
  'presentTwin',
  null,
  'lookalike',
  'lookalike',
  'lookalike',
  'jrsrBase',
  'twinBase',
  'lookalike',
];

/** Record-level defects the generator injects (bits). */
export const DEFECT = {
  A3: 1,
  A4: 2,
  A5: 4,
  A6: 8,
  A7: 16,
  A8: 32,
  /** Justification missing or shorter than the minimum. */
  A9S: 64,
  A10: 128,
} as const;

/** How a row is malformed (A17). */
export const MALFORMED = {
  none: 0,
  badDate: 1,
  control: 2,
  structure: 3,
  replacement: 4,
  nonText: 5,
} as const;

/** How a row's justification is written. */
export const JMODE = {
  specific: 0,
  /** The officer's fixed boilerplate text. */
  boilerplate: 1,
  /** The officer's boilerplate with the record's name, case and statute filled in. */
  templated: 2,
  /** One of the fixed texts shared by exactly 11 or 12 rows (the A9 boundary). */
  boundary: 3,
  /** A specific text of exactly the minimum length (20 characters). */
  minLength: 4,
} as const;

export interface Officer {
  /** As written on the request. */
  readonly display: string;
  readonly office: string;
  readonly operation: string;
  readonly cases: number[];
  /** Justification mode of the officer's rows (JMODE.specific unless boilerplate). */
  mode: number;
  /** Which boilerplate/templated text the officer uses. */
  text: number;
  /** Spelling variants may normalise to another officer key (ordinary officers only). */
  readonly loose: boolean;
  rows: number;
}

export interface Case {
  readonly number: string;
  readonly statute: string;
}

export interface Plan {
  readonly n: number;
  readonly kind: Uint8Array;
  readonly slot: Int32Array;
  readonly malformed: Uint8Array;
  readonly dupOf: Int32Array;
  readonly dupExact: Uint8Array;
  readonly defects: Uint16Array;
  readonly officer: Int32Array;
  readonly caseOf: Int32Array;
  readonly jmode: Uint8Array;
  readonly jgroup: Int32Array;
  readonly officers: readonly Officer[];
  readonly cases: readonly Case[];
  /** Texts of the A9 boundary groups, by group number. */
  readonly boundaryTexts: readonly string[];
  readonly poolSizes: Readonly<Record<PoolName, number>>;
}

export interface PlanOptions {
  readonly seed: number;
  readonly requests: number;
  readonly presentShare: number;
  readonly defectRate: number;
  readonly asOfYear: number;
  readonly officerMaxRecords: number;
}

const PLAN_SALT = 0x9a11;
/** Ordinary officers never get more rows than this (well under the A11 limit). */
export const ORDINARY_OFFICER_CAP = 150;

/** Row classes during planning. */
const CLS = { ordinary: 0, malformed: 1, dup: 2, bulk: 3, officer200: 4, boundary: 5, minLength: 6 } as const;

/** Share of the defect budget per record-level defect (A16 and A17 are row classes). */
const DEFECT_WEIGHTS: readonly (readonly [string, number])[] = [
  ['A4', 0.3],
  ['A7', 0.12],
  ['A5', 0.1],
  ['A17', 0.09],
  ['A8', 0.06],
  ['A16', 0.06],
  ['A9S', 0.06],
  ['A3', 0.05],
  ['A6', 0.05],
  ['A10', 0.04],
];

const OFFICER_TITLES = [
  'SA',
  'Special Agent',
  'S/A',
  'Deportation Officer',
  'DO',
  'SDDO',
  'Criminal Investigator',
  'TFO',
  'Agent',
];

export function requestId(row: number): string {
  return `REQ-${String(row + 1).padStart(7, '0')}`;
}

export function makePlan(options: PlanOptions, tables: Tables): Plan {
  const { requests: n, seed } = options;
  const rng = new Rng(seed, PLAN_SALT);
  const kind = new Uint8Array(n);
  const slot = new Int32Array(n);
  const malformed = new Uint8Array(n);
  const dupOf = new Int32Array(n).fill(-1);
  const dupExact = new Uint8Array(n);
  const defects = new Uint16Array(n);
  const officer = new Int32Array(n).fill(-1);
  const caseOf = new Int32Array(n).fill(-1);
  const jmode = new Uint8Array(n);
  const jgroup = new Int32Array(n).fill(-1);
  const cls = new Uint8Array(n);

  // Who each row is about.
  const presentKinds = [KIND.present, KIND.presentJrSr, KIND.presentTwin];
  const presentWeights = [0.9, 0.06, 0.04];
  const absentKinds = [
    KIND.absent,
    KIND.absentSameName,
    KIND.absentSameNameDob,
    KIND.absentHousehold,
    KIND.absentJrSr,
    KIND.absentTwin,
    KIND.absentSameAddress,
  ];
  const absentWeights = [0.52, 0.15, 0.08, 0.11, 0.06, 0.04, 0.04];
  for (let r = 0; r < n; r++) {
    kind[r] = rng.chance(options.presentShare)
      ? presentKinds[rng.weighted(presentWeights)]!
      : absentKinds[rng.weighted(absentWeights)]!;
  }

  // The defect budget.
  const withDefects = options.defectRate > 0;
  const budget = Math.round(options.defectRate * n);
  const bulk =
    withDefects && n >= 5000
      ? options.officerMaxRecords + 1 + rng.range(0, Math.min(120, Math.floor(n / 400)))
      : 0;
  const officer200 = withDefects && n >= 20_000 ? options.officerMaxRecords : 0;
  const boundary11 = n >= 500 ? 11 : 0;
  const boundary12 = withDefects && n >= 1000 ? 12 : 0;
  const minLengthRows = n >= 200 ? 2 : 0;
  const boilerQuota = Math.round(0.12 * budget);
  const rest = Math.max(0, budget - bulk - boilerQuota - boundary12);
  const quotas = new Map<string, number>();
  const weightSum = DEFECT_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  if (rest >= DEFECT_WEIGHTS.length) {
    for (const [code, w] of DEFECT_WEIGHTS) quotas.set(code, Math.max(1, Math.round((w / weightSum) * rest)));
  } else {
    for (let i = 0; i < rest; i++) {
      const code = DEFECT_WEIGHTS[i]![0];
      quotas.set(code, (quotas.get(code) ?? 0) + 1);
    }
  }

  // Row classes, taken from a shuffled order of the rows.
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  let at = 0;
  const take = (count: number, c: number) => {
    for (let i = 0; i < count && at < order.length; i++) cls[order[at++]!] = c;
  };
  take(bulk, CLS.bulk);
  take(officer200, CLS.officer200);
  take(boundary11 + boundary12, CLS.boundary);
  take(minLengthRows, CLS.minLength);
  take(quotas.get('A17') ?? 0, CLS.malformed);
  take(quotas.get('A16') ?? 0, CLS.dup);

  // Malformed rows: how.
  for (let r = 0; r < n; r++) {
    if (cls[r] !== CLS.malformed) continue;
    malformed[r] = [
      MALFORMED.badDate,
      MALFORMED.control,
      MALFORMED.structure,
      MALFORMED.replacement,
      MALFORMED.nonText,
    ][rng.weighted([45, 25, 20, 5, 5])]!;
  }

  // Duplicates: a later row reusing the request_id of an earlier, well-formed row; most are
  // the same record sent twice, some a different record under a reused id.
  const dupSource = (c: number) => c === CLS.ordinary || c === CLS.bulk;
  for (let r = 0; r < n; r++) {
    if (cls[r] !== CLS.dup) continue;
    let src = -1;
    for (let tries = 0; tries < 30 && r > 0; tries++) {
      const s = rng.int(r);
      if (dupSource(cls[s]!)) {
        src = s;
        break;
      }
    }
    if (src < 0) {
      cls[r] = CLS.ordinary;
      continue;
    }
    dupOf[r] = src;
    dupExact[r] = rng.chance(0.6) ? 1 : 0;
  }

  // Officers and their cases.
  const cases: Case[] = [];
  const caseNumbers = new Set<string>();
  const keys = new Set<string>();
  const officers: Officer[] = [];
  const offices = tables.justifications.offices;
  const operations = tables.justifications.operations;
  const newOfficer = (loose: boolean): Officer => {
    for (;;) {
      const sex = rng.chance(0.6) ? 0 : 1;
      const conv = rng.chance(0.35) ? 1 : 0;
      const given = tables.given[conv]![sex]!.sampleHead(rng).folded;
      const family = tables.family[conv]!.sample(rng).folded;
      const title = rng.pick(OFFICER_TITLES);
      const k = rng.next();
      const name =
        k < 0.6
          ? `${titleCase(given)} ${titleCase(family)}`
          : k < 0.85
            ? `${given} ${family}`
            : `${given[0]}. ${titleCase(family)}`;
      const display = `${title} ${name}`;
      const key = display.toLowerCase();
      if (keys.has(key)) continue;
      keys.add(key);
      const office = rng.pick(offices);
      const o: Officer = {
        display,
        office,
        operation: rng.pick(operations),
        cases: [],
        mode: JMODE.specific,
        text: 0,
        loose,
        rows: 0,
      };
      const caseCount = 1 + Math.min(7, Math.floor(-Math.log(1 - rng.next()) * 2));
      for (let c = 0; c < caseCount; c++) {
        o.cases.push(cases.length);
        cases.push({
          number: newCaseNumber(rng, office, options.asOfYear, caseNumbers),
          statute: validStatute(rng),
        });
      }
      officers.push(o);
      return o;
    }
  };
  const ordinaryCount = Math.max(3, Math.ceil(n / 30));
  for (let i = 0; i < ordinaryCount; i++) newOfficer(true);
  const ordinaryAlias = new AliasTable(Array.from({ length: ordinaryCount }, (_, j) => 1 / (j + 1) ** 0.8));
  const bulkOfficer = bulk > 0 ? officers.length : -1;
  if (bulk > 0) newOfficer(false);
  const officer200Index = officer200 > 0 ? officers.length : -1;
  if (officer200 > 0) newOfficer(false);

  for (let r = 0; r < n; r++) {
    let o: number;
    if (cls[r] === CLS.bulk) o = bulkOfficer;
    else if (cls[r] === CLS.officer200) o = officer200Index;
    else {
      o = ordinaryAlias.sample(rng);
      for (let tries = 0; officers[o]!.rows >= ORDINARY_OFFICER_CAP && tries < 20; tries++)
        o = rng.int(ordinaryCount);
      if (officers[o]!.rows >= ORDINARY_OFFICER_CAP) {
        let best = 0;
        for (let j = 1; j < ordinaryCount; j++) if (officers[j]!.rows < officers[best]!.rows) best = j;
        o = best;
      }
    }
    const off = officers[o]!;
    off.rows++;
    officer[r] = o;
    const c = Math.min(off.cases.length - 1, Math.floor(-Math.log(1 - rng.next()) * 1.2));
    caseOf[r] = off.cases[c]!;
  }

  // Boilerplate: some officers paste one text on every record (A9 when more than 11 share
  // it); a few with small caseloads do too, which the rule allows.
  const boilerCount = tables.justifications.boilerplate.length;
  const templatedCount = tables.justifications.templated.length;
  let boiler = 0;
  for (const j of rng.shuffle(Array.from({ length: ordinaryCount }, (_, i) => i))) {
    const off = officers[j]!;
    // With the built-in limit (no more than 10 others), a text on 12 or more rows is not specific.
    const big = off.rows >= 12;
    if (withDefects && big && boiler < boilerQuota) {
      boiler += off.rows;
    } else if (!(off.rows <= 8 && rng.chance(0.05))) continue;
    off.mode = rng.chance(0.6) ? JMODE.boilerplate : JMODE.templated;
    off.text = rng.int(off.mode === JMODE.boilerplate ? boilerCount : templatedCount);
  }
  if (bulkOfficer >= 0) {
    officers[bulkOfficer]!.mode = JMODE.templated;
    officers[bulkOfficer]!.text = rng.int(templatedCount);
  }
  for (let r = 0; r < n; r++) {
    const off = officers[officer[r]!]!;
    jmode[r] = off.mode;
    if (cls[r] === CLS.bulk && rng.chance(0.2)) jmode[r] = JMODE.specific;
  }

  // The A9 boundary: one text on exactly 11 rows (each has 10 others: lawful) and one on
  // exactly 12 (each has 11 others: not specific).
  const boundaryTexts: string[] = [];
  let boundarySeen = 0;
  for (let r = 0; r < n; r++) {
    if (cls[r] === CLS.boundary) {
      const g = boundarySeen < boundary11 ? 0 : 1;
      jmode[r] = JMODE.boundary;
      jgroup[r] = g;
      boundarySeen++;
    } else if (cls[r] === CLS.minLength) jmode[r] = JMODE.minLength;
  }
  for (let g = 0; g < 2; g++) {
    boundaryTexts.push(
      `Locate request under HQ directive ${rng.range(10, 99)}-${rng.range(10000, 99999)}; supporting file kept by the field office.`,
    );
  }

  // Record-level defects: mostly on clean rows, some rows get two.
  const candidates: number[] = [];
  for (let r = 0; r < n; r++)
    if (cls[r] === CLS.ordinary || (cls[r] === CLS.dup && !dupExact[r])) candidates.push(r);
  const bits: readonly (readonly [string, number])[] = [
    ['A4', DEFECT.A4],
    ['A7', DEFECT.A7],
    ['A5', DEFECT.A5],
    ['A8', DEFECT.A8],
    ['A9S', DEFECT.A9S],
    ['A3', DEFECT.A3],
    ['A6', DEFECT.A6],
    ['A10', DEFECT.A10],
  ];
  const defective: number[] = [];
  if (candidates.length > 0) {
    for (const [code, bit] of bits) {
      let q = quotas.get(code) ?? 0;
      if (bit === DEFECT.A10) q = Math.min(q, ORDINARY_OFFICER_CAP);
      for (let i = 0, tries = 0; i < q && tries < q * 20; tries++) {
        const again = defective.length > 0 && rng.chance(0.12);
        const r = again ? defective[rng.int(defective.length)]! : candidates[rng.int(candidates.length)]!;
        if (defects[r]! & bit) continue;
        if (!again && defects[r] !== 0) continue;
        // A missing statute and an unrecognised one exclude each other.
        if ((bit === DEFECT.A6 && defects[r]! & DEFECT.A7) || (bit === DEFECT.A7 && defects[r]! & DEFECT.A6))
          continue;
        if (defects[r] === 0) defective.push(r);
        defects[r] = defects[r]! | bit;
        i++;
      }
    }
  }

  // Which sampled taxpayer each row is about.
  const poolSizes = Object.fromEntries(POOLS.map((p) => [p, 0])) as Record<PoolName, number>;
  for (let r = 0; r < n; r++) {
    if (dupExact[r]) continue;
    const pool = KIND_POOL[kind[r]!];
    if (pool) slot[r] = poolSizes[pool]++;
  }
  poolSizes.tinPool = 64;

  return {
    n,
    kind,
    slot,
    malformed,
    dupOf,
    dupExact,
    defects,
    officer,
    caseOf,
    jmode,
    jgroup,
    officers,
    cases,
    boundaryTexts,
    poolSizes,
  };
}

const OFFICE_CODES: Readonly<Record<string, string>> = {
  Houston: 'HOU',
  'San Antonio': 'SNA',
  'Los Angeles': 'LOS',
  Phoenix: 'PHO',
  Miami: 'MIA',
  'New York': 'NYC',
  Chicago: 'CHI',
  Atlanta: 'ATL',
  'El Paso': 'ELP',
  'San Diego': 'SND',
  Dallas: 'DAL',
  Newark: 'NEW',
  Denver: 'DEN',
  Seattle: 'SEA',
};

function newCaseNumber(rng: Rng, office: string, asOfYear: number, used: Set<string>): string {
  for (;;) {
    const [agency, ...city] = office.split(' ');
    const code = OFFICE_CODES[city.join(' ')] ?? 'HQ';
    const year = asOfYear - rng.range(0, 3);
    const k = rng.next();
    let n: string;
    if (k < 0.55) n = `${agency}-${code}-${year}-${String(rng.range(1, 99999)).padStart(5, '0')}`;
    else if (k < 0.8)
      n = `${rng.range(1, 7)}:${String(year % 100).padStart(2, '0')}-cr-${String(rng.range(1, 2999)).padStart(5, '0')}`;
    else if (k < 0.92)
      n = `${code}${String(year % 100).padStart(2, '0')}${agency}${String(rng.range(1, 999999)).padStart(6, '0')}`;
    else
      n = `${rng.range(1, 7)}:${String(year % 100).padStart(2, '0')}-mj-${String(rng.range(1, 9999)).padStart(5, '0')}`;
    if (!used.has(n)) {
      used.add(n);
      return n;
    }
  }
}
