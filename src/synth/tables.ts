import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import YAML from 'yaml';
import { AliasTable, Rng } from './prng.js';
import { foldAccents } from './text.js';

/**
 * The generator's vocabularies, read from data/synth (see its README: sources, and that all
 * frequencies are approximations). Loaded once per process. Name frequencies are skewed like
 * real ones: a head of common names with census-like weights, then a long tail of rarer,
 * generated names with Zipf weights, so common names collide as they do in real files and
 * rare names are rare.
 */

export type Sex = 0 | 1; // 0 male, 1 female
/** Naming convention: 0 English-style (one family name), 1 Spanish-style (two family names). */
export type Convention = 0 | 1;
export const EN: Convention = 0;
export const ES: Convention = 1;

export interface NameEntry {
  /** Canonical spelling: upper case, NFC, with its accents (`JOSÉ`, `GARCÍA`). */
  readonly upper: string;
  /** Without accents (`JOSE`). */
  readonly folded: string;
  readonly accented: boolean;
}

export interface Place {
  readonly city: string;
  readonly state: string;
  readonly zipLow: number;
  readonly zipHigh: number;
  /** The ZIP codes of the range, written out. */
  readonly zips: readonly string[];
  /** Other ways the city is written (`ST LOUIS` / `SAINT LOUIS`). */
  readonly alts: readonly string[];
}

export interface Street {
  readonly name: string;
  /** A street type follows (`MAIN ST`) unless bare (`BROADWAY`, `CAMINO REAL`). */
  readonly bare: boolean;
  readonly alts: readonly string[];
}

export interface TwinPair {
  readonly a: NameEntry;
  readonly sexA: Sex;
  readonly b: NameEntry;
  readonly sexB: Sex;
}

export interface JustificationTexts {
  readonly specific: readonly string[];
  readonly boilerplate: readonly string[];
  readonly templated: readonly string[];
  readonly short: readonly string[];
  readonly ports: readonly string[];
  readonly offices: readonly string[];
  readonly operations: readonly string[];
}

/** Draws names: a head of real names with weights, else a generated tail. */
export class NameSampler {
  constructor(
    private readonly head: readonly NameEntry[],
    private readonly headAlias: AliasTable,
    private readonly tail: readonly NameEntry[],
    private readonly tailAlias: AliasTable,
    private readonly pHead: number,
    private readonly cross?: NameSampler,
    private readonly pCross = 0,
  ) {}

  sample(rng: Rng): NameEntry {
    const u = rng.next();
    if (this.cross && u < this.pCross) return this.cross.sampleHead(rng);
    if (u < this.pHead + this.pCross) return this.head[this.headAlias.sample(rng)]!;
    return this.tail[this.tailAlias.sample(rng)]!;
  }

  sampleHead(rng: Rng): NameEntry {
    return this.head[this.headAlias.sample(rng)]!;
  }
}

export interface Tables {
  /** Family names by convention. */
  readonly family: readonly [NameSampler, NameSampler];
  /** Given names by convention, then sex. */
  readonly given: readonly [readonly [NameSampler, NameSampler], readonly [NameSampler, NameSampler]];
  /** Nicknames and short forms by formal name (accents folded). */
  readonly nicknames: ReadonlyMap<string, readonly string[]>;
  readonly twinPairs: readonly TwinPair[];
  readonly places: readonly Place[];
  readonly placeAlias: AliasTable;
  readonly streets: readonly Street[];
  readonly streetAlias: AliasTable;
  readonly justifications: JustificationTexts;
}

export const DATA_DIR = new URL('../../data/synth/', import.meta.url);

function readData(name: string): string {
  return readFileSync(new URL(name, DATA_DIR), 'utf8');
}

function readCsv(name: string): Record<string, string>[] {
  return parse(readData(name), { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
}

const entryCache = new Map<string, NameEntry>();
export function nameEntry(raw: string): NameEntry {
  const upper = raw.normalize('NFC').toUpperCase();
  let e = entryCache.get(upper);
  if (!e) {
    const folded = foldAccents(upper);
    e = { upper, folded, accented: folded !== upper };
    entryCache.set(upper, e);
  }
  return e;
}

/** Zipf-like weights 1/(rank + offset): a long tail without one dominant name. */
function zipfWeights(n: number, offset: number): Float64Array {
  const w = new Float64Array(n);
  for (let r = 0; r < n; r++) w[r] = 1 / (r + 1 + offset);
  return w;
}

// Syllables for generated tail names. Invented combinations: plausible-looking, not real data.
const EN_PRE =
  'ABER ALD ASH BAR BECK BELL BER BLACK BRAD BRAN BRIG BROCK BUCK CALD CAR CHAD CHES CLIF COL CORN CRAN DAL DAR DEN DUN EL FAIR FAR FEN FIN GAR GIL GLAD GOLD GRAN GREEN HAL HAM HAR HART HAW HOL HUN KEN KIN LAN LEN LIND MAR MAS MER MID MOR NEW NOR OAK PAR PEM PRES RAD RAN RED RICH ROCK RUD SAL SHER SOM STAN STON TAL THORN TRE WAL WAR WEST WHIT WIL WIN WOOD YAR BRIS CRAW DRUM ELS FLEM GOD HADL KIRK LOCK MAYN NORTH PENN QUIN RAMS SEL TOWN UPT VAUGH WYCH'.split(
    ' ',
  );
const EN_MID = ['', '', '', '', 'ER', 'EN', 'ING', 'S', 'LE', 'A', 'I', 'ON'];
const EN_SUF =
  'BERG BURN BURY BY COMBE DALE DEN FIELD FORD GATE HAM HART HOLM HURST LAND LEY LOW MAN MORE NEY RIDGE SON STEAD TON WELL WICK WOOD WORTH ER ETT INGS OCK ISH EY ES ALL'.split(
    ' ',
  );
const EU_PRE =
  'KOW NOW WIS ZAL KRAW LEW PIOT SZYM DOMBR JAS BON CAR DEL FER GAL LOMB MAR ROSS RUS SAL VIT BRAND HOFF KESS LIEB MEIS SCHOEN WEIN ZIMM VAN DEK HAAS JANS'.split(
    ' ',
  );
const EU_SUF =
  'SKI CZYK EWSKI OWSKI IAK ECKI ELLI ETTI INI ONE UCCI ARO ESE MANN STEIN BERG BAUM FELD LER INGER HOUT STRA SEN'.split(
    ' ',
  );
const GAEL = ["O'", 'MC', 'MAC'];
const GAEL_SUF =
  'DALY KEEFE ROURKE HARA SHEA MALLEY GRADY TOOLE CONNELL DWYER FLAHERTY HALLORAN LEARY NEAL REILLY CARTHY DERMOTT GILL GOVERN KENNA LEAN MANUS NAMARA QUAID CALLUM DOWELL GRATH INTYRE KAY LEOD MAHON NALLY'.split(
    ' ',
  );
const ASIAN =
  'TRUONG VO DANG BUI DOAN HUYNH PHAN VU DUONG LAM PARK CHOI JUNG KANG CHO YOON JANG LIM HAN ZHANG LIU YANG HUANG ZHAO WU ZHOU XU SUN ZHU GUPTA SHARMA REDDY KUMAR DESAI MEHTA IYER RAO NAIR'.split(
    ' ',
  );
const ES_PRE =
  'AL AR BAR BEL CAB CAL CAR CAS CER ECH ESC GAL GAR LAR MAL MAR MED MON NAV OL ORT PAL QUIR SAL SAN SEP SOL TOR VAL VEL VILL ZAM ZAV ZUB BAL CAMP FIG GUER LEZ MAT OLIV PAD REG RIV SAR TEJ URR VAR ARM BUST CHAV ELIZ FAJ GALL HUER IBAR JAR LOY MAG NAR OBR PLA ROS SEG TAM ULL YBAR'.split(
    ' ',
  );
const ES_MID = ['', '', '', 'A', 'E', 'I', 'O', 'AR', 'EN', 'IL', 'AD', 'ER'];
const ES_SUF =
  'ADO AGA ALES ANA ANO ARRO EDA EJO ENA ERO IAGA IDO ILLA INO OZA UERA ULVEDA URRIA ÓN ES EZ AS OS ÍN ERA ANDA ENO ETA ITO ONA'.split(
    ' ',
  );
const GIVEN_EN_PRE =
  'JAY BRAX KAY BRAY MAK RYL KAM JAX ZAY DAL TRA BRE KEN LAN MAR SHA TAY DEV AR EM AD AV NEV BRY CAD COL DAR EL GAV HAY JAL KEL LEX MAD NOL PAX REE SKY TY WES'.split(
    ' ',
  );
const GIVEN_EN_M = 'DEN TON SON LEN RICK RON IAN AN ER US ELL IS VIN LEY DON AR EL ON'.split(' ');
const GIVEN_EN_F = 'LYN LEE LA NA RA SHA ELLE ANNA INE ETTE IA ISSA LEIGH NIE RIE A AH YN'.split(' ');
const GIVEN_ES_PRE =
  'YAR DEY NAY YES ARI ERI LUZ MAR ROS NEL DAR EDU FRAN GIL ISA JAQ LEO MIL NOR OFE PAU RAM SAL TEO URI VAL XIO ZOR AMA BER CEL DAM FLOR GER HER'.split(
    ' ',
  );
const GIVEN_ES_M = 'ANDO ARDO IEL IN ON UEL IO ERTO ULIO ANO EMIO ESTO'.split(' ');
const GIVEN_ES_F = 'ELIA ENIA INA ITA ANA ELA ICIA IRA IZA UELA ENDA ISOL'.split(' ');

/** Plausible-looking spellings only: no triple letters, no long vowel or consonant runs. */
function wellFormed(s: string): boolean {
  return s.length >= 3 && !/(.)\1\1/.test(s) && !/[AEIOU]{3}/.test(s) && !/[^AEIOU' ]{4}/.test(s);
}

/** Every combination of the syllable lists (each list a set of alternatives), well-formed and distinct. */
function combinations(parts: readonly (readonly string[])[]): string[] {
  let out = [''];
  for (const alternatives of parts) {
    const next: string[] = [];
    for (const a of out) for (const b of alternatives) next.push(a + b);
    out = next;
  }
  return out.filter(wellFormed);
}

/** A shuffled tail of at most `size` distinct names not in `exclude`. */
function buildTail(
  rng: Rng,
  candidates: readonly string[],
  size: number,
  exclude: ReadonlySet<string>,
): NameEntry[] {
  const distinct = [...new Set(candidates)].filter((s) => !exclude.has(s));
  rng.shuffle(distinct);
  return distinct.slice(0, size).map(nameEntry);
}

function sampler(
  entries: readonly { e: NameEntry; w: number }[],
  tail: readonly NameEntry[],
  tailOffset: number,
  pHead: number,
  cross?: NameSampler,
  pCross = 0,
): NameSampler {
  const head = entries.filter((x) => x.w > 0);
  return new NameSampler(
    head.map((x) => x.e),
    new AliasTable(head.map((x) => x.w)),
    tail,
    new AliasTable(zipfWeights(tail.length, tailOffset)),
    pHead,
    cross,
    pCross,
  );
}

let cached: Tables | undefined;

export function loadTables(): Tables {
  if (cached) return cached;
  // The tail vocabulary is fixed (not seeded by the user's seed): it is data, like the head.
  const rng = new Rng(0x5eed, 0x7a11);

  const familyRows = readCsv('family-names.csv').map((r) => ({
    e: nameEntry(r.name!),
    w: Number(r.weight),
    es: r.convention === 'es',
  }));
  const familyHeadSet = new Set(familyRows.map((r) => r.e.folded));
  const enTail = buildTail(
    rng,
    [
      ...combinations([EN_PRE, EN_MID, EN_SUF]),
      ...combinations([EU_PRE, EU_SUF]),
      ...combinations([GAEL, GAEL_SUF]),
      ...ASIAN,
    ],
    60_000,
    familyHeadSet,
  );
  const esTail = buildTail(rng, combinations([ES_PRE, ES_MID, ES_SUF]), 25_000, familyHeadSet);
  const esHeadOnly = sampler(
    familyRows.filter((r) => r.es),
    esTail,
    400,
    1,
  );
  const enHeadOnly = sampler(
    familyRows.filter((r) => !r.es),
    enTail,
    2000,
    1,
  );
  const familyEn = sampler(
    familyRows.filter((r) => !r.es),
    enTail,
    2000,
    0.36,
    esHeadOnly,
    0.03,
  );
  const familyEs = sampler(
    familyRows.filter((r) => r.es),
    esTail,
    400,
    0.55,
    enHeadOnly,
    0.04,
  );

  const givenRows = readCsv('given-names.csv').map((r) => ({
    e: nameEntry(r.name!),
    sex: (r.sex === 'F' ? 1 : 0) as Sex,
    en: Number(r.en),
    es: Number(r.es),
  }));
  const givenHead = new Set(givenRows.map((r) => r.e.folded));
  const givenTail = (pre: readonly string[], suf: readonly string[]) =>
    buildTail(rng, combinations([pre, suf]), 6_000, givenHead);
  const tails = [
    [givenTail(GIVEN_EN_PRE, GIVEN_EN_M), givenTail(GIVEN_EN_PRE, GIVEN_EN_F)],
    [givenTail(GIVEN_ES_PRE, GIVEN_ES_M), givenTail(GIVEN_ES_PRE, GIVEN_ES_F)],
  ] as const;
  const givenSampler = (conv: Convention, sex: Sex) =>
    sampler(
      givenRows.filter((r) => r.sex === sex).map((r) => ({ e: r.e, w: conv === ES ? r.es : r.en })),
      tails[conv][sex],
      300,
      0.9,
    );

  const nicknames = new Map<string, string[]>();
  for (const r of readCsv('nicknames.csv')) {
    const key = foldAccents(r.formal!.toUpperCase());
    const list = nicknames.get(key) ?? [];
    list.push(r.nickname!.toUpperCase());
    nicknames.set(key, list);
  }

  const twinPairs = readCsv('twin-names.csv').map((r) => ({
    a: nameEntry(r.name_a!),
    sexA: (r.sex_a === 'F' ? 1 : 0) as Sex,
    b: nameEntry(r.name_b!),
    sexB: (r.sex_b === 'F' ? 1 : 0) as Sex,
  }));

  const placeRows = readCsv('places.csv');
  const places: Place[] = placeRows.map((r) => {
    const zipLow = Number(r.zip_low);
    const zipHigh = Number(r.zip_high);
    const zips: string[] = [];
    for (let z = zipLow; z <= zipHigh; z++) zips.push(String(z).padStart(5, '0'));
    return { city: r.city!, state: r.state!, zipLow, zipHigh, zips, alts: r.alt ? r.alt.split('|') : [] };
  });
  const streetRows = readCsv('streets.csv');
  const streets: Street[] = streetRows.map((r) => ({
    name: r.name!,
    bare: r.kind === 'bare',
    alts: r.alt ? r.alt.split('|') : [],
  }));
  for (const s of [
    ...places.flatMap((p) => [p.city, ...p.alts]),
    ...streets.flatMap((s) => [s.name, ...s.alts]),
  ]) {
    if (/[",\r\n]/.test(s) || !/^[A-Z0-9]/.test(s))
      throw new Error(`data/synth: unusable place or street '${s}'`);
  }

  const j = YAML.parse(readData('justifications.yaml')) as JustificationTexts;

  cached = {
    family: [familyEn, familyEs],
    given: [
      [givenSampler(EN, 0), givenSampler(EN, 1)],
      [givenSampler(ES, 0), givenSampler(ES, 1)],
    ],
    nicknames,
    twinPairs,
    places,
    placeAlias: new AliasTable(placeRows.map((r) => Number(r.weight))),
    streets,
    streetAlias: new AliasTable(streetRows.map((r) => Number(r.weight))),
    justifications: j,
  };
  return cached;
}
