import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDuck, queryValue, sqlString } from '../store/duckdb.js';
import { generateSynthetic } from '../synth/generate.js';
import { type Evaluation, evaluateRun } from '../workflow/evaluate.js';
import { processBatch } from '../workflow/process-batch.js';
import { type FebrlResult, febrlAccuracy } from './febrl-accuracy.js';

export interface SyntheticSize {
  readonly taxpayers: number;
  readonly requests: number;
  readonly seeds: readonly number[];
}

export interface SyntheticRun {
  readonly taxpayers: number;
  readonly masterRows: number;
  readonly requests: number;
  readonly seed: number;
  readonly fs: Evaluation & {
    readonly pairCompleteness: number;
    readonly candidatePairs: number;
    readonly pairsPerSecondPerCore: number;
    readonly model: string;
  };
  readonly baseline: Evaluation;
}

export interface AccuracyReport {
  readonly date: string;
  readonly machine: string;
  readonly command: string;
  readonly febrl: FebrlResult | null;
  readonly synthetic: readonly SyntheticRun[];
}

export const DEFAULT_SIZES: readonly SyntheticSize[] = [
  { taxpayers: 20_000, requests: 2_000, seeds: [1, 2, 3] },
  { taxpayers: 100_000, requests: 10_000, seeds: [1, 2, 3] },
  { taxpayers: 400_000, requests: 40_000, seeds: [4] },
];

const AS_OF = '2026-01-15';

/**
 * `custodian bench accuracy`: FEBRL4 and synthetic sets of several sizes and seeds, the fs
 * matcher (built-in model, trained on a different seed) beside the baseline exact matcher.
 */
export async function runAccuracyBench(options: {
  readonly work: string;
  readonly febrlDir?: string | undefined;
  readonly sizes?: readonly SyntheticSize[];
  readonly command: string;
  readonly log?: (line: string) => void;
}): Promise<AccuracyReport> {
  const log = options.log ?? (() => {});
  await mkdir(options.work, { recursive: true });
  let febrl: FebrlResult | null = null;
  if (options.febrlDir) {
    log('FEBRL4 …');
    febrl = await febrlAccuracy(options.febrlDir);
    log(`  fs F1 ${febrl.fs.f1.toFixed(4)}, baseline F1 ${febrl.baseline.f1.toFixed(4)}`);
  }
  const synthetic: SyntheticRun[] = [];
  for (const size of options.sizes ?? DEFAULT_SIZES) {
    for (const seed of size.seeds) {
      const dir = path.join(options.work, `acc-${size.taxpayers}-${size.requests}-s${seed}`);
      log(`synthetic ${size.taxpayers} taxpayers × ${size.requests} requests, seed ${seed} …`);
      const s = await generateSynthetic({
        out: path.join(dir, 'data'),
        taxpayers: size.taxpayers,
        requests: size.requests,
        seed,
        asOf: AS_OF,
      });
      const duck = await openDuck({ threads: 1 });
      try {
        await duck.conn.run(
          `CREATE TABLE truth AS SELECT * FROM read_csv(${sqlString(s.paths.truth)}, header = true, all_varchar = true)`,
        );
        let kept = 0;
        const inspect = async (conn: import('../store/duckdb.js').DuckDBConnection) => {
          // Pair completeness: true (request, taxpayer) pairs that survive blocking.
          await conn.run(
            `CREATE OR REPLACE TEMP TABLE bench_truth AS SELECT * FROM read_csv(${sqlString(s.paths.truth)}, header = true, all_varchar = true)`,
          );
          kept += await queryValue<number>(
            conn,
            `SELECT count(*) FROM candidates c JOIN req_std r USING (row_no) JOIN bench_truth t ON t.request_id = r.request_id AND t.true_tin = lpad(c.tin::VARCHAR, 9, '0')`,
          );
        };
        const common = {
          master: s.paths.master,
          batch: s.paths.manifest,
          store: path.join(dir, 'store'),
          asOf: AS_OF,
        };
        const fsSummary = await processBatch({
          ...common,
          out: path.join(dir, 'out-fs'),
          matcher: 'fs',
          inspectChunk: inspect,
        });
        await processBatch({ ...common, out: path.join(dir, 'out-baseline'), matcher: 'baseline' });
        const fs = await evaluateRun(duck.conn, path.join(dir, 'out-fs', 'decisions.csv'), s.paths.truth);
        const baseline = await evaluateRun(
          duck.conn,
          path.join(dir, 'out-baseline', 'decisions.csv'),
          s.paths.truth,
        );
        // Lawful requests about a taxpayer: the pairs blocking must keep.
        const truePairs = await queryValue<number>(
          duck.conn,
          `SELECT count(*) FROM truth WHERE true_tin IS NOT NULL AND lawful = '1'`,
        );
        synthetic.push({
          taxpayers: size.taxpayers,
          masterRows: s.masterRows,
          requests: size.requests,
          seed,
          fs: {
            ...fs,
            pairCompleteness: truePairs > 0 ? kept / truePairs : 1,
            candidatePairs: fsSummary.matching?.candidatePairs ?? 0,
            pairsPerSecondPerCore: fsSummary.matching?.pairs_per_second_per_core ?? 0,
            model: fsSummary.versions.matcher ?? '',
          },
          baseline,
        });
        log(
          `  fs: ${fs.disclosures} disclosures, ${fs.wrongPersonDisclosures} wrong, recall ${(fs.recall * 100).toFixed(1)}%; baseline: ${baseline.disclosures}, ${baseline.wrongPersonDisclosures} wrong, recall ${(baseline.recall * 100).toFixed(1)}%`,
        );
      } finally {
        duck.close();
      }
    }
  }
  const report: AccuracyReport = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GB, Node ${process.version}`,
    command: options.command,
    febrl,
    synthetic,
  };
  await writeFile(path.join(options.work, 'accuracy.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;

/** The measured part of docs/accuracy.md. */
export function formatAccuracyMarkdown(r: AccuracyReport): string {
  const lines: string[] = [];
  lines.push(`Measured ${r.date} on this machine (${r.machine}) with \`${r.command}\`.`, '');
  if (r.febrl) {
    const f = r.febrl;
    lines.push('### FEBRL4 (5,000 × 5,000, 5,000 true links; `soc_sec_id` not used)', '');
    lines.push('| matcher | precision | recall | F1 | links |', '|---|---|---|---|---|');
    lines.push(
      `| fs (trained unsupervised on FEBRL4, threshold ${f.threshold}) | ${f.fs.precision.toFixed(4)} | ${f.fs.recall.toFixed(4)} | **${f.fs.f1.toFixed(4)}** | ${f.fs.predicted} |`,
    );
    lines.push(
      `| fs + address rule C1 (what would be disclosed) | ${f.fsWithAddressRule.precision.toFixed(4)} | ${f.fsWithAddressRule.recall.toFixed(4)} | ${f.fsWithAddressRule.f1.toFixed(4)} | ${f.fsWithAddressRule.predicted} |`,
    );
    lines.push(
      `| baseline (exact) | ${f.baseline.precision.toFixed(4)} | ${f.baseline.recall.toFixed(4)} | ${f.baseline.f1.toFixed(4)} | ${f.baseline.predicted} |`,
    );
    lines.push(
      '',
      `Candidate pairs ${f.candidatePairs.toLocaleString('en-US')}, pair completeness ${pct(f.pairCompleteness)}, model ${f.model}, ${f.seconds.toFixed(1)} s.`,
      '',
    );
  }
  if (r.synthetic.length > 0) {
    lines.push('### Synthetic data (built-in model, trained on seed 11; evaluated on other seeds)', '');
    lines.push(
      '| taxpayers | master rows | requests | seed | fs disclosures | fs wrong person | fs recall | held for review (right person) | pair completeness | candidate pairs | baseline disclosures | baseline wrong | baseline recall |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const s of r.synthetic) {
      lines.push(
        `| ${s.taxpayers.toLocaleString('en-US')} | ${s.masterRows.toLocaleString('en-US')} | ${s.requests.toLocaleString('en-US')} | ${s.seed} | ${s.fs.disclosures} | ${s.fs.wrongPersonDisclosures} | ${pct(s.fs.recall, 1)} | ${s.fs.pendingReview} (${s.fs.pendingReviewRightPerson}) | ${pct(s.fs.pairCompleteness, 1)} | ${s.fs.candidatePairs.toLocaleString('en-US')} | ${s.baseline.disclosures} | ${s.baseline.wrongPersonDisclosures} | ${pct(s.baseline.recall, 1)} |`,
      );
    }
    const total = r.synthetic.reduce(
      (a, s) => ({
        d: a.d + s.fs.disclosures,
        w: a.w + s.fs.wrongPersonDisclosures,
        c: a.c + s.fs.corroborable,
        ok: a.ok + Math.round(s.fs.recall * s.fs.corroborable),
      }),
      { d: 0, w: 0, c: 0, ok: 0 },
    );
    const missed = new Map<string, number>();
    for (const s of r.synthetic) {
      for (const m of s.fs.missedByReason)
        missed.set(`${m.outcome} ${m.reason}`, (missed.get(`${m.outcome} ${m.reason}`) ?? 0) + m.n);
    }
    lines.push(
      '',
      'Lawful requests with an address of record not disclosed to the right person (all synthetic runs), by outcome and first reason code:',
      '',
    );
    lines.push('| outcome | first reason code | requests |', '|---|---|---|');
    for (const [k, n] of [...missed].sort((a, b) => b[1] - a[1])) {
      const [o, c] = k.split(' ');
      lines.push(`| ${o} | ${c} | ${n.toLocaleString('en-US')} |`);
    }
    lines.push(
      '',
      `All synthetic runs together: ${total.w} wrong-person disclosures in ${total.d.toLocaleString('en-US')} disclosures (${total.d > 0 ? ((total.w / total.d) * 10_000).toFixed(2) : '0'} per 10,000); ${pct(total.c > 0 ? total.ok / total.c : 0, 1)} of ${total.c.toLocaleString('en-US')} lawful requests with an address of record disclosed to the right person.`,
      '',
    );
  }
  return lines.join('\n');
}
