import type { Agreement } from '../core/agreement.js';
import { type ProgressSink, SILENT_PROGRESS } from '../core/progress.js';
import { type DuckDBConnection, queryValue } from '../store/duckdb.js';
import { type BlockingStats, buildMasterKeys, generateCandidates } from './blocking.js';
import { buildComparisonMaster } from './compare-master.js';
import { givenRestSql } from './comparisons.js';
import { decideMatches } from './fs-decide.js';
import type { FsModel } from './fs-model.js';
import { buildTermFrequencies } from './fs-score.js';
import { type TrainOptions, trainModel } from './fs-train.js';
import { type ComparisonEngine, comparisonEngine, type StepTimes, stepTimer } from './native-kernel.js';
import { dropScored, scorePairs } from './pair-levels.js';

export const DEFAULT_MAX_BLOCK = 2_000;

export interface MatchStats {
  readonly model: string;
  readonly requests: number;
  readonly candidatePairs: number;
  readonly blocking: readonly BlockingStats[];
  readonly oversizedKeysSkipped: Record<string, number>;
  readonly timings: Record<string, number>;
  /** Candidate pairs compared and scored per second per core (levels + weights). */
  readonly pairsPerSecondPerCore: number;
  /** What computed the comparison levels (native-kernel.ts). */
  readonly engine: ComparisonEngine;
}

/**
 * One row per taxpayer from the standardised master rows (`mst_std`): names and birth date from
 * the current row (they repeat on every row of a taxpayer). A view, not a table: its readers —
 * the blocking keys, the name frequencies, training's samples — each scan it once, and copying
 * 200M rows' name lists into a table cost more than those scans.
 */
export const MASTER_PERSONS_SQL = `SELECT m.tin, m.given_std, m.given_first, ${givenRestSql('m.given_std', 'm.given_first')} AS given_rest,
    m.given_formals, m.middle_std, m.middle_initial, m.family_std, m.family_tokens, m.family_first, m.family_phonetic,
    m.name_suffix_std, m.dob
  FROM mst_std m WHERE m.is_current`;

/**
 * The persons view (`mst_person`, MASTER_PERSONS_SQL, temporary) and the taxpayers' comparison
 * records with their addresses of record (`mst_cmp`, compare-master.ts). `into`: a
 * catalog and schema prefix (`"store".main.`) to build `mst_cmp` elsewhere than the default
 * database.
 */
export async function buildMasterPersons(conn: DuckDBConnection, into = ''): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP VIEW mst_person AS ${MASTER_PERSONS_SQL}`);
  await buildComparisonMaster(conn, into);
}

/** Master-side preparation that depends only on the master file (reusable across batches). */
export async function prepareMaster(
  conn: DuckDBConnection,
  maxBlock = DEFAULT_MAX_BLOCK,
): Promise<Record<string, number>> {
  await buildMasterPersons(conn);
  await buildTermFrequencies(conn);
  return buildMasterKeys(conn, 'master_keys', maxBlock);
}

export interface FsRunOptions {
  readonly agreement: Agreement;
  /** The model to score with; when absent, one is trained on this batch first (unsupervised). */
  readonly model?: FsModel | undefined;
  readonly train?: TrainOptions | undefined;
  readonly threads: number;
  readonly oversizedKeysSkipped: Record<string, number>;
  readonly progress?: ProgressSink | undefined;
  /** The comparison engine (default: comparisonEngine()). */
  readonly engine?: ComparisonEngine | undefined;
  /**
   * Asked after blocking, before anything is trained or scored, with the requests and their
   * candidate pairs: false stops the run there (its result is then `refused`), so that a chunk
   * too large for memory is matched again in smaller pieces.
   */
  readonly admit?: ((requests: number, candidatePairs: number) => boolean) | undefined;
  /** The scoring's steps (pair-levels.ts, scorePairs): milliseconds added by step. */
  readonly scoringSteps?: StepTimes | undefined;
}

/**
 * The Fellegi–Sunter matcher over `req_std` against the prepared master (`mst_std`,
 * `mst_person`, `tf_*`, `master_keys`). Writes `target` as the baseline does, plus evidence.
 */
export async function runFsMatcher(
  conn: DuckDBConnection,
  target: string,
  options: FsRunOptions,
): Promise<
  { stats: MatchStats; model: FsModel } | { refused: { requests: number; candidatePairs: number } }
> {
  const progress = options.progress ?? SILENT_PROGRESS;
  const timings: Record<string, number> = {};
  const step = stepTimer(timings);
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    progress.start(name);
    try {
      return await step(name, fn);
    } finally {
      progress.stop();
    }
  };
  const blocking = await timed('blocking', () => generateCandidates(conn, 'master_keys', 'candidates'));
  const candidatePairs = await queryValue<number>(conn, 'SELECT count(*) FROM candidates');
  const requests = await queryValue<number>(conn, 'SELECT count(*) FROM req_std');
  if (options.admit && !options.admit(requests, candidatePairs)) {
    await conn.run('DROP TABLE candidates');
    return { refused: { requests, candidatePairs } };
  }
  const model =
    options.model ?? (await timed('training', () => trainModel(conn, 'candidates', options.train)));
  // Comparison levels and weights in one pass over the pairs.
  const engine = await timed('scoring', () =>
    scorePairs(
      conn,
      'candidates',
      'scored',
      model,
      options.engine ?? comparisonEngine(),
      options.scoringSteps,
    ),
  );
  await timed('deciding', () => decideMatches(conn, 'req_std', 'scored', target, model, options.agreement));
  await dropScored(conn, 'scored');
  const scoringMs = timings.scoring ?? 0;
  return {
    model,
    stats: {
      model: model.version,
      requests,
      candidatePairs,
      blocking,
      oversizedKeysSkipped: options.oversizedKeysSkipped,
      timings,
      engine,
      pairsPerSecondPerCore:
        scoringMs > 0 ? Math.round(candidatePairs / (scoringMs / 1000) / options.threads) : 0,
    },
  };
}
