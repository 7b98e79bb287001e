import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { CustodianError } from '../core/errors.js';
import { type ProgressSink, SILENT_PROGRESS } from '../core/progress.js';
import { openDuck, sqlString } from '../store/duckdb.js';
import { dayOf, isoOf } from './dates.js';
import {
  candidateThresholds,
  defaultThreads,
  MASTER_HEADER,
  type MasterSpec,
  populationContext,
  writeMasterCsv,
} from './master.js';
import { ChunkWriter } from './output.js';
import { DEFECT, makePlan } from './plan.js';
import { Rng } from './prng.js';
import { type BuildContext, type BuiltRow, RowBuilder } from './requests.js';
import {
  BatchCounts,
  type CodeContext,
  expectedCodes,
  manifestCodes,
  REQUEST_COLUMNS,
  type RecordCounts,
} from './rules.js';
import { csvField, titleCase } from './text.js';

/**
 * `custodian synth`: a master extract and a request batch with known truth (interchange spec
 * §1–2, plus truth.csv), realistic enough to measure a matcher's precision on. Everything is
 * a function of the options: the same options give byte-identical files.
 */

export interface SynthOptions {
  /** Output folder (created). */
  readonly out: string;
  readonly seed?: number;
  readonly taxpayers?: number;
  readonly requests?: number;
  /** Share of requests about people in the master file (default 0.35). */
  readonly presentShare?: number;
  /** Share of requests with a legal defect (default 0.08). */
  readonly defectRate?: number;
  readonly masterFormat?: 'csv' | 'parquet';
  readonly recordsFormat?: 'csv' | 'jsonl';
  /** Reference date YYYY-MM-DD for ages and taxable years (default 2026-01-15). */
  readonly asOf?: string;
  readonly signerTitle?: string;
  readonly statutoryAuthority?: string;
  readonly batchId?: string;
  /** Threads for the master file (default: the free cores, at most 4); the output does not depend on it. */
  readonly threads?: number;
}

export interface SynthResult {
  readonly taxpayers: number;
  readonly households: number;
  readonly masterRows: number;
  /** Taxpayers with more than one address of record. */
  readonly movers: number;
  /** Taxpayers whose Jr or Sr is also in the master. */
  readonly jrSrTaxpayers: number;
  /** Taxpayers whose twin is also in the master. */
  readonly twinTaxpayers: number;
  readonly requests: number;
  /** Rows whose expected codes are empty. */
  readonly lawful: number;
  /** Rows about a person in the master file. */
  readonly present: number;
  readonly byScenario: Readonly<Record<string, number>>;
  readonly byCode: Readonly<Record<string, number>>;
  readonly paths: {
    readonly master: string;
    readonly manifest: string;
    readonly records: string;
    readonly truth: string;
  };
  readonly elapsedMs: number;
  /** Time spent writing the master CSV (before any Parquet conversion). */
  readonly masterMs: number;
  readonly masterRowsPerSecond: number;
  /** Threads that generated the master file. */
  readonly threads: number;
}

export const SYNTH_DEFAULTS = {
  seed: 1,
  taxpayers: 10_000,
  requests: 2_000,
  presentShare: 0.35,
  defectRate: 0.08,
  masterFormat: 'csv',
  recordsFormat: 'csv',
  asOf: '2026-01-15',
  signerTitle: 'Secretary of Homeland Security',
  statutoryAuthority: BUILTIN_AGREEMENT.authorities[0]!,
} as const;

export const TRUTH_HEADER = 'request_id,true_tin,scenario,expected_codes,address_on_record,lawful';

const MANIFEST_SALT = 0x3a41;

type Resolved = Required<Omit<SynthOptions, 'batchId' | 'threads'>> & { batchId: string; threads: number };

function usage(message: string): CustodianError {
  return new CustodianError('CUS_USAGE', message);
}

/** Options with defaults filled in; a CustodianError (CUS_USAGE) names the first bad value. */
export function resolveSynthOptions(o: SynthOptions): Resolved {
  const r = {
    ...SYNTH_DEFAULTS,
    threads: defaultThreads(),
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
  } as Resolved;
  if (!r.out || typeof r.out !== 'string') throw usage('synth: an output folder is required (--out DIR)');
  if (!Number.isSafeInteger(r.seed) || r.seed < 0)
    throw usage(`synth: seed must be a whole number ≥ 0, not ${r.seed}`);
  if (!Number.isSafeInteger(r.taxpayers) || r.taxpayers < 1 || r.taxpayers > 500_000_000)
    throw usage(`synth: taxpayers must be a whole number from 1 to 500,000,000, not ${r.taxpayers}`);
  if (!Number.isSafeInteger(r.requests) || r.requests < 0 || r.requests > 20_000_000)
    throw usage(`synth: requests must be a whole number from 0 to 20,000,000, not ${r.requests}`);
  if (!(typeof r.presentShare === 'number' && r.presentShare >= 0 && r.presentShare <= 1))
    throw usage(`synth: present share must be a number from 0 to 1, not ${r.presentShare}`);
  if (!(typeof r.defectRate === 'number' && r.defectRate >= 0 && r.defectRate <= 0.5))
    throw usage(`synth: defect rate must be a number from 0 to 0.5, not ${r.defectRate}`);
  if (r.masterFormat !== 'csv' && r.masterFormat !== 'parquet')
    throw usage(`synth: master format must be csv or parquet, not '${r.masterFormat}'`);
  if (r.recordsFormat !== 'csv' && r.recordsFormat !== 'jsonl')
    throw usage(`synth: records format must be csv or jsonl, not '${r.recordsFormat}'`);
  try {
    dayOf(r.asOf);
  } catch {
    throw usage(`synth: as-of must be a date written YYYY-MM-DD, not '${r.asOf}'`);
  }
  if (r.asOf < '1990-01-01' || r.asOf > '2100-12-31')
    throw usage(`synth: as-of must lie between 1990-01-01 and 2100-12-31, not '${r.asOf}'`);
  if (!Number.isSafeInteger(r.threads) || r.threads < 1 || r.threads > 64)
    throw usage(`synth: threads must be a whole number from 1 to 64, not ${r.threads}`);
  if (typeof r.signerTitle !== 'string') throw usage('synth: signer title must be text');
  if (typeof r.statutoryAuthority !== 'string') throw usage('synth: statutory authority must be text');
  const year = Number(r.asOf.slice(0, 4));
  r.batchId = o.batchId ?? `DHS-${year}-${String(r.seed % 10_000).padStart(4, '0')}`;
  if (r.batchId.trim() === '') throw usage('synth: batch id must not be empty');
  return r;
}

export async function generateSynthetic(
  options: SynthOptions,
  progress: ProgressSink = SILENT_PROGRESS,
): Promise<SynthResult> {
  const started = performance.now();
  const o = resolveSynthOptions(options);
  const out = path.resolve(o.out);
  const batchDir = path.join(out, 'batch');
  try {
    await mkdir(batchDir, { recursive: true });
  } catch (e) {
    throw new CustodianError(
      'CUS_OUTPUT_UNWRITABLE',
      `synth: cannot create ${batchDir} (${(e as Error).message})`,
    );
  }

  const { tables, dates, asOfDay, asOfYear, tins } = populationContext(o.seed, o.asOf);
  const agreement = BUILTIN_AGREEMENT;

  const plan = makePlan(
    {
      seed: o.seed,
      requests: o.requests,
      presentShare: o.presentShare,
      defectRate: o.defectRate,
      asOfYear,
      officerMaxRecords: agreement.limits.officerMaxRecords,
    },
    tables,
  );

  // 1. The master extract.
  const masterCsv = path.join(out, o.masterFormat === 'csv' ? 'master.csv' : '.master.tmp.csv');
  const masterPath = path.join(out, `master.${o.masterFormat}`);
  const spec: MasterSpec = {
    seed: o.seed,
    taxpayers: o.taxpayers,
    asOf: o.asOf,
    thresholds: candidateThresholds(o.taxpayers, plan.poolSizes),
  };
  const master = await writeMasterCsv(masterCsv, spec, plan.poolSizes, progress, o.threads);
  if (o.masterFormat === 'parquet') {
    progress.start('synth master parquet');
    try {
      await csvToParquet(masterCsv, masterPath);
    } finally {
      await rm(masterCsv, { force: true });
      progress.stop();
    }
  }

  // 2. The request batch and its truth: one pass to count (A9, A11), one to write.
  const ctx: BuildContext = {
    seed: o.seed,
    plan,
    tables,
    dates,
    asOfDay,
    asOfYear,
    tins,
    taxpayers: o.taxpayers,
    pools: master.pools,
    format: o.recordsFormat,
  };
  const builder = new RowBuilder(ctx);
  const n = plan.n;
  progress.start('synth requests', 2 * n);
  const counts = new BatchCounts();
  const rowCounts: (RecordCounts | undefined)[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const row = builder.build(r);
    if (!row.malformed) rowCounts[r] = counts.add(row.fields);
    if ((r & 4095) === 4095) progress.update(r + 1);
  }
  builder.reset();

  const recordsName = o.recordsFormat === 'csv' ? 'requests.csv' : 'requests.jsonl';
  const recordsPath = path.join(batchDir, recordsName);
  const truthPath = path.join(out, 'truth.csv');
  const records = new ChunkWriter(recordsPath);
  const truth = new ChunkWriter(truthPath);
  if (o.recordsFormat === 'csv') records.add(`${REQUEST_COLUMNS.join(',')}\n`);
  truth.add(`${TRUTH_HEADER}\n`);
  const codeCtx: CodeContext = {
    agreement,
    currentYear: asOfYear,
    batchCodes: manifestCodes(agreement, o.statutoryAuthority, o.signerTitle),
  };
  const seenIds = new Set<string>();
  const byScenario: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  let lawful = 0;
  let present = 0;
  try {
    for (let r = 0; r < n; r++) {
      const row = builder.build(r);
      const codes = expectedCodes(row.fields, row.malformed !== 0, rowCounts[r] ?? counts, seenIds, codeCtx);
      checkDefects(r, row, codes);
      records.add(`${recordLine(row, o.recordsFormat)}\n`);
      truth.add(
        `${csvField(row.fields.request_id)},${row.trueTin},${row.scenario},${codes.join(';')},${row.addressOnRecord},${codes.length === 0 ? 1 : 0}\n`,
      );
      byScenario[row.scenario] = (byScenario[row.scenario] ?? 0) + 1;
      for (const c of codes) byCode[c] = (byCode[c] ?? 0) + 1;
      if (codes.length === 0) lawful++;
      if (row.trueTin) present++;
      if (records.full) await records.flush();
      if (truth.full) await truth.flush();
      if ((r & 4095) === 4095) progress.update(n + r + 1);
    }
    await records.close();
    await truth.close();
  } catch (e) {
    records.destroy();
    truth.destroy();
    throw e;
  } finally {
    progress.update(2 * n);
    progress.stop();
  }

  // 3. The manifest.
  const mrng = new Rng(o.seed, MANIFEST_SALT);
  const signer = `${titleCase(tables.given[0][mrng.chance(0.5) ? 0 : 1].sampleHead(mrng).folded)} ${titleCase(tables.family[0].sampleHead(mrng).folded)}`;
  const manifest = {
    batch_id: o.batchId,
    requesting_agency: agreement.parties.recipient,
    agreement_id: agreement.id,
    statutory_authority: o.statutoryAuthority,
    signed_by: { name: signer, title: o.signerTitle },
    signed_on: isoOf(asOfDay - mrng.range(1, 10)),
    records: recordsName,
  };
  const manifestPath = path.join(batchDir, 'manifest.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');

  const sortedCodes = Object.fromEntries(Object.entries(byCode).sort(([a], [b]) => (a < b ? -1 : 1)));
  const sortedScenarios = Object.fromEntries(Object.entries(byScenario).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    taxpayers: master.taxpayers,
    households: master.households,
    masterRows: master.rows,
    movers: master.movers,
    jrSrTaxpayers: master.jrsr,
    twinTaxpayers: master.twins,
    requests: n,
    lawful,
    present,
    byScenario: sortedScenarios,
    byCode: sortedCodes,
    paths: { master: masterPath, manifest: manifestPath, records: recordsPath, truth: truthPath },
    elapsedMs: Math.round(performance.now() - started),
    masterMs: Math.round(master.ms),
    masterRowsPerSecond: master.ms > 0 ? Math.round(master.rows / (master.ms / 1000)) : 0,
    threads: master.threads,
  };
}

function recordLine(row: BuiltRow, format: 'csv' | 'jsonl'): string {
  if (format === 'jsonl') return row.jsonLine ?? JSON.stringify(row.fields);
  if (row.csvLine !== undefined) return row.csvLine;
  const f = row.fields;
  let line = csvField(f.request_id);
  for (let i = 1; i < REQUEST_COLUMNS.length; i++) line += `,${csvField(f[REQUEST_COLUMNS[i]!])}`;
  return line;
}

const DEFECT_CODES: readonly (readonly [number, string])[] = [
  [DEFECT.A3, 'MISSING_NAME'],
  [DEFECT.A4, 'MISSING_OR_INVALID_ADDRESS'],
  [DEFECT.A5, 'MISSING_TAXABLE_PERIOD'],
  [DEFECT.A6, 'MISSING_STATUTORY_AUTHORITY'],
  [DEFECT.A7, 'NOT_NONTAX_CRIMINAL'],
  [DEFECT.A8, 'MISSING_CASE_NUMBER'],
  [DEFECT.A10, 'NO_ENGAGED_RECIPIENT'],
];

/**
 * The generator's own check: every record-level code the rules compute was put in on purpose,
 * and every defect put in is detected. A mismatch is a generator bug, not a data property.
 */
function checkDefects(r: number, row: BuiltRow, codes: readonly string[]): void {
  if (row.malformed) return;
  for (const [bit, code] of DEFECT_CODES) {
    if (Boolean(row.defects & bit) !== codes.includes(code)) {
      throw new CustodianError(
        'CUS_INTERNAL',
        `synth: request row ${r + 1} (${row.fields.request_id}) ${row.defects & bit ? 'lacks' : 'has'} ${code} unplanned`,
      );
    }
  }
  if (row.defects & DEFECT.A9S && !codes.includes('MISSING_SPECIFIC_REASON'))
    throw new CustodianError('CUS_INTERNAL', `synth: request row ${r + 1} lacks MISSING_SPECIFIC_REASON`);
}

const MASTER_COLUMNS = MASTER_HEADER.split(',');

/** Converts the master CSV to Parquet with DuckDB (all text columns but the tax year). */
async function csvToParquet(csv: string, parquet: string): Promise<void> {
  const duck = await openDuck({});
  try {
    await duck.conn.run('SET preserve_insertion_order = true');
    const columns = `{${MASTER_COLUMNS.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
    const select = MASTER_COLUMNS.map((c) =>
      c === 'address_tax_year' ? 'CAST(address_tax_year AS INTEGER) AS address_tax_year' : c,
    ).join(', ');
    await duck.conn.run(
      `COPY (SELECT ${select} FROM read_csv(${sqlString(csv)}, header = true, auto_detect = false, columns = ${columns}, delim = ',', quote = '"', escape = '"')) TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  } catch (e) {
    throw new CustodianError(
      'CUS_OUTPUT_UNWRITABLE',
      `synth: cannot write ${parquet} (${(e as Error).message})`,
    );
  } finally {
    duck.close();
  }
}
