import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { runBaselineMatcher } from '../match/baseline.js';
import { generateCandidates } from '../match/blocking.js';
import { decideMatches } from '../match/fs-decide.js';
import { prepareMaster } from '../match/fs-matcher.js';
import { probabilitySql } from '../match/fs-score.js';
import { trainModel } from '../match/fs-train.js';
import { scorePairs } from '../match/pair-levels.js';
import { installStandardizer, standardizeMaster, standardizeRequests } from '../standardize/index.js';
import { openDuck, queryValue } from '../store/duckdb.js';
import { loadFebrl4 } from './febrl.js';
import { type LinkageMetrics, linkageMetrics, pairCompleteness } from './linkage-metrics.js';

export interface FebrlResult {
  readonly dataset: 'FEBRL4';
  readonly records: { readonly master: number; readonly requests: number };
  readonly candidatePairs: number;
  readonly pairCompleteness: number;
  readonly model: string;
  readonly threshold: number;
  /** The matcher's link decision: best candidate over the threshold and unambiguous. */
  readonly fs: LinkageMetrics;
  /** The same, also requiring address corroboration (rule C1), as a disclosure would. */
  readonly fsWithAddressRule: LinkageMetrics;
  readonly baseline: LinkageMetrics;
  readonly seconds: number;
}

/**
 * FEBRL4 accuracy, without `soc_sec_id`: the fs matcher trained unsupervised on the two files
 * (as Splink's FEBRL4 example does), against the baseline exact matcher.
 */
export async function febrlAccuracy(
  dataDir: string,
  threshold = BUILTIN_AGREEMENT.matching.threshold,
): Promise<FebrlResult> {
  const t0 = performance.now();
  const duck = await openDuck();
  const { conn } = duck;
  try {
    const records = await loadFebrl4(conn, dataDir);
    await installStandardizer(conn);
    await standardizeMaster(conn, 'master_raw', 'mst_std');
    await standardizeRequests(conn, 'febrl_requests', 'req_std');
    await conn.run('CREATE OR REPLACE TABLE febrl_truth AS SELECT row_no, true_tin FROM febrl_requests');
    await prepareMaster(conn);
    await generateCandidates(conn, 'master_keys', 'candidates');
    const candidatePairs = await queryValue<number>(conn, 'SELECT count(*) FROM candidates');
    const pc = await pairCompleteness(conn, 'candidates', 'febrl_truth');
    const model = await trainModel(conn, 'candidates', {
      uSamplePairs: 1_000_000,
      note: { data: 'FEBRL4 (unsupervised)' },
    });
    await scorePairs(conn, 'candidates', 'scored', model);
    const agreement = { ...BUILTIN_AGREEMENT, matching: { ...BUILTIN_AGREEMENT.matching, threshold } };
    await decideMatches(conn, 'req_std', 'scored', 'fs_results', model, agreement);
    const margin = agreement.matching.ambiguityMargin;
    await conn.run(`CREATE OR REPLACE TABLE fs_links AS
      WITH r AS (SELECT *, row_number() OVER w AS rank, lead(weight) OVER w AS second FROM scored WINDOW w AS (PARTITION BY row_no ORDER BY weight DESC, tin))
      SELECT row_no, lpad(tin::VARCHAR, 9, '0') AS tin FROM r
      WHERE rank = 1 AND ${probabilitySql('weight')} >= ${threshold} AND (second IS NULL OR second < weight - ${margin}) AND l_tin <> 1`);
    await conn.run(
      `CREATE OR REPLACE TABLE fs_disclosed AS SELECT row_no, master_tin AS tin FROM fs_results WHERE outcome = 'disclosed'`,
    );
    await runBaselineMatcher(conn, 'req_std', 'mst_std', 'baseline_results');
    await conn.run(
      `CREATE OR REPLACE TABLE baseline_links AS SELECT row_no, master_tin AS tin FROM baseline_results WHERE outcome = 'disclosed'`,
    );
    return {
      dataset: 'FEBRL4',
      records,
      candidatePairs,
      pairCompleteness: pc,
      model: model.version,
      threshold,
      fs: await linkageMetrics(conn, 'fs_links', 'febrl_truth'),
      fsWithAddressRule: await linkageMetrics(conn, 'fs_disclosed', 'febrl_truth'),
      baseline: await linkageMetrics(conn, 'baseline_links', 'febrl_truth'),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    duck.close();
  }
}
