import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Agreement, agreementStamp } from '../core/agreement.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { CustodianError } from '../core/errors.js';
import type { Outcome } from '../core/outcome.js';
import { type ProgressSink, SILENT_PROGRESS } from '../core/progress.js';
import { BASELINE_MATCHER_VERSION } from '../core/versions.js';
import { loadBatchRecords } from '../ingest/batch-reader.js';
import { sha256File } from '../ingest/file-hash.js';
import { readManifest } from '../ingest/manifest.js';
import { loadMaster } from '../ingest/master-reader.js';
import { assertReadableFile } from '../ingest/utf8-lines.js';
import { runBaselineMatcher } from '../match/baseline.js';
import { generateCandidates } from '../match/blocking.js';
import { DEFAULT_MAX_BLOCK, type MatchStats, prepareMaster, runFsMatcher } from '../match/fs-matcher.js';
import { builtinModelPath, type FsModel, loadModel, saveModel } from '../match/fs-model.js';
import {
  type ComparisonEngine,
  comparisonEngine,
  kernelChunkCost,
  nativeKernelUnavailable,
} from '../match/native-kernel.js';
import { runBatchGate } from '../policy/batch-gate.js';
import { runRecordGate } from '../policy/record-gate.js';
import { installStandardizer, standardizeMaster, standardizeRequests } from '../standardize/index.js';
import { type DuckDBConnection, openDuck, queryValue, sqlString } from '../store/duckdb.js';
import { attachMasterStore } from '../store/master-store.js';
import { ChunkSizer, defaultChunkMemory, SAMPLE_REQUESTS } from './chunk-sizing.js';
import { assembleDecisions, batchHolds, decisionCounts, versions } from './decisions.js';
import { OutputDir } from './output-dir.js';

export type MatcherChoice = 'fs' | 'baseline';

export interface ProcessOptions {
  readonly master: string;
  readonly batch: string;
  readonly out: string;
  readonly agreement?: Agreement | undefined;
  /** Folder of the embedded store (work files, spill). Default `.custodian` in the working folder. */
  readonly store?: string | undefined;
  /** Processing date; default today (UTC). */
  readonly asOf?: string | undefined;
  /** `fs` (the Fellegi–Sunter matcher, default) or `baseline` (exact match, the yardstick). */
  readonly matcher?: MatcherChoice | undefined;
  /** Model file for the fs matcher; default the built-in model. */
  readonly model?: string | undefined;
  /** Train a model on this batch and master (unsupervised) instead of using a model file. */
  readonly train?: boolean | undefined;
  /**
   * Requests matched per chunk, fixed. Default: chunks sized to `chunkMemory` from the candidate
   * pairs per request measured (chunk-sizing.ts), so memory stays flat however large the batch
   * and the master.
   */
  readonly chunkSize?: number | undefined;
  /** Bytes of the comparison kernel's memory a chunk may take (default: an eighth of RAM); unused with chunkSize. */
  readonly chunkMemory?: number | undefined;
  /**
   * Requests blocked (not scored), spread over the batch, to measure the candidate pairs per
   * request before the first chunk is sized (default 10,000; none when the batch is no larger, or
   * when the chunk memory holds it whole at the most pairs a request assumed: chunk-sizing.ts).
   */
  readonly chunkSample?: number | undefined;
  /** Blocks shared by more taxpayers than this are skipped. */
  readonly maxBlock?: number | undefined;
  /**
   * CSV file with a `tin` column: taxpayers flagged for withholding (rule A15). Their matches
   * are refused with WITHHELD_I6 before anything is released.
   */
  readonly withhold?: string | undefined;
  /** Called after each chunk is matched, with the work tables (`req_std`, `candidates`) in place: for benchmarks. */
  readonly inspectChunk?: ((conn: DuckDBConnection) => Promise<void>) | undefined;
  readonly memoryLimit?: string | undefined;
  readonly threads?: number | undefined;
  readonly progress?: ProgressSink | undefined;
}

export interface StageTiming {
  readonly stage: string;
  readonly ms: number;
  readonly rows?: number | undefined;
  readonly rowsPerSecond?: number | undefined;
}

export interface ProcessSummary {
  readonly batch_id: string;
  readonly agreement: string;
  readonly as_of: string;
  readonly versions: Record<string, string>;
  readonly inputs: {
    readonly master: {
      readonly file: string;
      readonly rows: number;
      readonly taxpayers: number;
      readonly rejected_rows: number;
    };
    readonly batch: {
      readonly manifest: string;
      readonly records: string;
      readonly records_sha256: string;
      readonly rows: number;
      readonly malformed_rows: number;
    };
  };
  readonly records: number;
  readonly outcomes: Record<Outcome, number>;
  readonly reason_codes: Record<string, number>;
  readonly batch_findings: readonly string[];
  readonly holds: readonly string[];
  readonly distinct_taxpayers_disclosed: number;
  /** Distinct taxpayers approved for disclosure once batch holds (B1, B2) clear. */
  readonly distinct_taxpayers_approved: number;
  readonly matching:
    | (Omit<MatchStats, 'timings' | 'requests' | 'model' | 'pairsPerSecondPerCore' | 'engine'> & {
        readonly chunks: number;
        /** Requests matched in each chunk, in order (chunks are sized to memory: chunk-sizing.ts). */
        readonly chunk_requests: readonly number[];
        /** What computed the comparison levels: the native kernel, or the SQL reference (slower). */
        readonly comparison_engine: ComparisonEngine;
        readonly pairs_per_second_per_core: number;
        /** Milliseconds of the scoring's steps over all chunks (pair-levels.ts, scorePairs). */
        readonly scoring_steps_ms: Record<string, number>;
        /** The matcher's steps (blocking, training, scoring, deciding), milliseconds summed over chunks. */
        readonly matcher_steps_ms: Record<string, number>;
      })
    | null;
  readonly timings: readonly StageTiming[];
  readonly total_ms: number;
  readonly records_per_second: number;
  readonly peak_rss_bytes: number;
  readonly outputs: readonly string[];
}

/**
 * `custodian process`: one request batch, files in, decisions out (interchange spec §5).
 * Every record gets exactly one decision; outputs are written all-or-nothing.
 */
export async function processBatch(options: ProcessOptions): Promise<ProcessSummary> {
  const started = performance.now();
  const progress = options.progress ?? SILENT_PROGRESS;
  const agreement = options.agreement ?? BUILTIN_AGREEMENT;
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  const storeDir = path.resolve(options.store ?? '.custodian');
  const matcher = options.matcher ?? 'fs';
  const threads = options.threads ?? os.availableParallelism();
  const timings: StageTiming[] = [];
  const time = async <T>(stage: string, fn: () => Promise<T>, rows?: (r: T) => number): Promise<T> => {
    const t0 = performance.now();
    const result = await fn();
    const ms = Math.round(performance.now() - t0);
    const n = rows?.(result);
    timings.push({
      stage,
      ms,
      rows: n,
      rowsPerSecond: n !== undefined && ms > 0 ? Math.round((n / ms) * 1000) : undefined,
    });
    return result;
  };

  const manifest = await readManifest(options.batch);
  const scratch = path.join(storeDir, 'tmp');
  await mkdir(scratch, { recursive: true });
  const out = await OutputDir.open(options.out);
  const duck = await openDuck({
    tempDirectory: path.join(scratch, 'duckdb-spill'),
    memoryLimit: options.memoryLimit,
    threads: options.threads,
  });
  const { conn } = duck;
  try {
    const batch = await time(
      'read batch',
      () => loadBatchRecords(conn, manifest.recordsPath, 'batch_raw', scratch, progress),
      (r) => r.rows,
    );
    const recordsSha = await sha256File(manifest.recordsPath);
    const batchGate = runBatchGate(manifest, agreement, asOf);
    await time(
      'legal gate',
      () =>
        runRecordGate(conn, 'batch_raw', 'gate_codes', {
          agreement,
          asOf,
          batchRequestedFields: manifest.requestedFields,
        }),
      () => batch.rows,
    );

    // Records that pass the gate, and only those, are matched: an unlawful request is never
    // looked up (minimum necessary). A batch-level refusal means nothing is looked up at all.
    await conn.run(`CREATE OR REPLACE TEMP TABLE lawful AS SELECT b.* FROM batch_raw b WHERE b.problem IS NULL AND ${batchGate.codes.length === 0}
      AND NOT EXISTS (SELECT 1 FROM gate_codes g WHERE g.row_no = b.row_no)`);
    const lawful = await queryValue<number>(conn, 'SELECT count(*) FROM lawful');

    let master = { rows: 0, taxpayers: 0, rejected: 0 };
    let matching: ProcessSummary['matching'] = null;
    let matcherVersion = matcher === 'baseline' ? BASELINE_MATCHER_VERSION : '';
    await conn.run(
      'CREATE OR REPLACE TABLE match_results (row_no BIGINT, outcome VARCHAR, master_tin VARCHAR, match_probability DOUBLE, codes VARCHAR[], evidence VARCHAR)',
    );
    if (lawful > 0) {
      // The master: from an imported master store when one was built from this very file
      // (custodian master import), else loaded and standardised for this run.
      const stored = await attachMasterStore(conn, storeDir, path.resolve(options.master));
      await installStandardizer(conn);
      await time(
        'standardise requests',
        () => standardizeRequests(conn, 'lawful', 'req_std_all'),
        () => lawful,
      );
      let oversized: Record<string, number>;
      if (stored) {
        master = { rows: stored.rows, taxpayers: stored.taxpayers, rejected: stored.rejected };
        oversized = { ...stored.oversizedKeysSkipped };
        timings.push({ stage: 'master store attached', ms: 0, rows: stored.rows });
      } else {
        const loaded = await time(
          'load master',
          () => loadMaster(conn, path.resolve(options.master), 'master_raw', progress),
          (r) => r.rows,
        );
        master = loaded;
        if (loaded.rejects.length > 0)
          await writeMasterRejects(out.file('master-rejects.csv'), loaded.rejects, loaded.rejected);
        await time(
          'standardise master',
          () => standardizeMaster(conn, 'master_raw', 'mst_std'),
          () => loaded.rows,
        );
        await conn.run('DROP TABLE master_raw');
        oversized =
          matcher === 'baseline'
            ? {}
            : await time(
                'prepare master',
                () => prepareMaster(conn, options.maxBlock ?? DEFAULT_MAX_BLOCK),
                () => loaded.rows,
              );
      }
      if (matcher === 'baseline') {
        await time(
          'match (baseline)',
          () => runBaselineMatcher(conn, 'req_std_all', 'mst_std', 'match_results'),
          () => lawful,
        );
      } else {
        let model: FsModel | undefined = options.train
          ? undefined
          : await loadModel(options.model ?? builtinModelPath());
        const sizer = new ChunkSizer({
          budgetBytes: options.chunkMemory ?? defaultChunkMemory(os.totalmem()),
          cost: kernelChunkCost(),
          fixed: options.chunkSize,
        });
        const totals = {
          candidatePairs: 0,
          blocking: new Map<string, number>(),
          scoringSteps: {} as Record<string, number>,
          matcherSteps: {} as Record<string, number>,
        };
        const chunkRequests: number[] = [];
        const engine = comparisonEngine();
        if (engine === 'sql')
          process.stderr.write(
            `custodian: comparing pairs with the SQL reference implementation (${nativeKernelUnavailable() ?? 'CUSTODIAN_COMPARISON_ENGINE=sql'}); same decisions, slower\n`,
          );
        await conn.run(
          'CREATE OR REPLACE TEMP TABLE chunk_bounds AS SELECT row_no, row_number() OVER (ORDER BY row_no) - 1 AS ord FROM req_std_all',
        );
        const selectRequests = (where: string) =>
          conn.run(
            `CREATE OR REPLACE TABLE req_std AS SELECT r.* FROM req_std_all r JOIN chunk_bounds b USING (row_no) WHERE ${where}`,
          );
        // Chunks sized to memory start from the pairs per request of a sample spread over the
        // batch (blocked only), unless the batch is no larger than the sample or the budget holds
        // it whole whatever it finds (chunk-sizing.ts, wantsSample).
        const sample = options.chunkSample ?? SAMPLE_REQUESTS;
        if (sizer.wantsSample(lawful) && sample > 0 && lawful > sample)
          await time(
            'size chunks (sample blocked)',
            async () => {
              await selectRequests(`b.ord % ${Math.floor(lawful / sample)} = 0`);
              await generateCandidates(conn, 'master_keys', 'candidates');
              const requests = await queryValue<number>(conn, 'SELECT count(*) FROM req_std');
              sizer.admit(requests, await queryValue<number>(conn, 'SELECT count(*) FROM candidates'));
              await conn.run('DROP TABLE candidates');
              return requests;
            },
            (requests) => requests,
          );
        await time(
          'match',
          async () => {
            let start = 0;
            let size = sizer.next(lawful);
            while (start < lawful) {
              await selectRequests(`b.ord >= ${start} AND b.ord < ${start + size}`);
              const run = await runFsMatcher(conn, 'match_chunk', {
                agreement,
                engine,
                model,
                threads,
                oversizedKeysSkipped: oversized,
                progress,
                admit: (requests, pairs) => sizer.admit(requests, pairs),
                scoringSteps: totals.scoringSteps,
              });
              if ('refused' in run) {
                size = sizer.retry(run.refused.requests);
                continue;
              }
              model = run.model;
              await conn.run('INSERT INTO match_results SELECT * FROM match_chunk');
              await options.inspectChunk?.(conn);
              totals.candidatePairs += run.stats.candidatePairs;
              for (const b of run.stats.blocking)
                totals.blocking.set(b.rule, (totals.blocking.get(b.rule) ?? 0) + b.pairs);
              for (const [step, ms] of Object.entries(run.stats.timings))
                totals.matcherSteps[step] = (totals.matcherSteps[step] ?? 0) + ms;
              chunkRequests.push(run.stats.requests);
              start += size;
              size = sizer.next(lawful - start);
            }
          },
          () => lawful,
        );
        matcherVersion = model!.version;
        const scoringMs = totals.matcherSteps.scoring ?? 0;
        matching = {
          candidatePairs: totals.candidatePairs,
          blocking: [...totals.blocking].map(([rule, pairs]) => ({
            rule,
            pairs,
            skippedKeys: oversized[rule] ?? 0,
          })),
          oversizedKeysSkipped: oversized,
          chunks: chunkRequests.length,
          chunk_requests: chunkRequests,
          comparison_engine: engine,
          pairs_per_second_per_core:
            scoringMs > 0 ? Math.round(totals.candidatePairs / (scoringMs / 1000) / threads) : 0,
          scoring_steps_ms: roundedMs(totals.scoringSteps),
          matcher_steps_ms: roundedMs(totals.matcherSteps),
        };
        if (options.train) await saveModel(model!, out.file('model.json'));
      }
    }

    const holds = await batchHolds(conn, 'gate_codes', agreement, batch.rows);
    const withheldTable = options.withhold ? await loadWithholdList(conn, options.withhold) : undefined;
    await time(
      'decide',
      () =>
        assembleDecisions(conn, {
          batchCodes: batchGate.codes,
          holds,
          agreement,
          asOf,
          batchId: manifest.batchId,
          matcherVersion,
          withheld: withheldTable,
        }),
      () => batch.rows,
    );
    await time(
      'write decisions',
      () => writeDecisionFiles(conn, out),
      () => batch.rows,
    );

    const { outcomes, reasonCodes, distinct, distinctApproved } = await decisionCounts(conn, 'decisions');
    const totalMs = Math.round(performance.now() - started);
    const summary: ProcessSummary = {
      batch_id: manifest.batchId,
      agreement: agreementStamp(agreement),
      as_of: asOf,
      versions: versions(matcherVersion),
      inputs: {
        master: {
          file: path.resolve(options.master),
          rows: master.rows,
          taxpayers: master.taxpayers,
          rejected_rows: master.rejected,
        },
        batch: {
          manifest: manifest.manifestPath,
          records: manifest.recordsPath,
          records_sha256: recordsSha,
          rows: batch.rows,
          malformed_rows: batch.malformed,
        },
      },
      records: batch.rows,
      outcomes,
      reason_codes: reasonCodes,
      batch_findings: batchGate.findings,
      holds,
      distinct_taxpayers_disclosed: distinct,
      distinct_taxpayers_approved: distinctApproved,
      matching,
      timings,
      total_ms: totalMs,
      records_per_second: totalMs > 0 ? Math.round((batch.rows / totalMs) * 1000) : 0,
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
      outputs: [],
    };
    const outputs = [out.final('decisions.csv'), out.final('summary.json'), out.final('evidence.jsonl')];
    await writeFile(out.file('summary.json'), `${JSON.stringify({ ...summary, outputs }, null, 2)}\n`);
    await out.commit();
    return { ...summary, outputs };
  } catch (e) {
    await out.abort();
    throw e;
  } finally {
    duck.close();
  }
}

async function writeDecisionFiles(conn: DuckDBConnection, out: OutputDir): Promise<void> {
  await conn.run(`COPY (
      SELECT request_id, outcome, array_to_string(reason_codes, ';') AS reason_codes, master_tin,
        CASE WHEN match_probability IS NULL THEN NULL ELSE round(match_probability, 6) END AS match_probability
      FROM decisions ORDER BY row_no
    ) TO ${sqlString(out.file('decisions.csv'))} (FORMAT csv, HEADER true)`);
  await conn.run(
    `COPY (SELECT * FROM decisions ORDER BY row_no) TO ${sqlString(out.file('evidence.jsonl'))} (FORMAT json)`,
  );
}

async function writeMasterRejects(
  file: string,
  rejects: readonly { where: string; reason: string }[],
  total: number,
): Promise<void> {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = ['where,reason', ...rejects.map((r) => `${esc(r.where)},${esc(r.reason)}`)];
  if (total > rejects.length) lines.push(`"(${total - rejects.length} more)",`);
  await writeFile(file, `${lines.join('\n')}\n`);
}

/** Rule A15's list: a CSV with a `tin` column (9 digits, dashes allowed). */
async function loadWithholdList(conn: DuckDBConnection, file: string): Promise<string> {
  await assertReadableFile(file);
  try {
    await conn.run(`CREATE OR REPLACE TEMP TABLE withheld AS
      SELECT DISTINCT regexp_replace(tin, '[^0-9]', '', 'g') AS tin
      FROM read_csv(${sqlString(path.resolve(file))}, header = true, all_varchar = true) WHERE tin IS NOT NULL`);
  } catch (e) {
    throw new CustodianError(
      'CUS_INPUT_UNREADABLE',
      `${path.basename(file)}: withholding list must be a CSV with a 'tin' column (${(e as Error).message.split('\n')[0]})`,
    );
  }
  return 'withheld';
}

/** Milliseconds by step, rounded to whole milliseconds. */
function roundedMs(steps: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(steps).map(([step, ms]) => [step, Math.round(ms)]));
}
