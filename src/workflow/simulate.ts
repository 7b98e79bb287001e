import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Agreement, agreementStamp } from '../core/agreement.js';
import type { Outcome } from '../core/outcome.js';
import { type ProgressSink, SILENT_PROGRESS } from '../core/progress.js';
import { loadBatchRecords } from '../ingest/batch-reader.js';
import { readManifest } from '../ingest/manifest.js';
import { loadMaster } from '../ingest/master-reader.js';
import { generateCandidates } from '../match/blocking.js';
import { decideMatches } from '../match/fs-decide.js';
import { DEFAULT_MAX_BLOCK, prepareMaster } from '../match/fs-matcher.js';
import { builtinModelPath, loadModel } from '../match/fs-model.js';
import { scorePairs } from '../match/pair-levels.js';
import { type BatchGateResult, runBatchGate } from '../policy/batch-gate.js';
import { runRecordGate } from '../policy/record-gate.js';
import { installStandardizer, standardizeMaster, standardizeRequests } from '../standardize/index.js';
import { openDuck, queryValue } from '../store/duckdb.js';
import { attachMasterStore } from '../store/master-store.js';
import { assembleDecisions, batchHolds, decisionCounts } from './decisions.js';

export interface Draft {
  /** How the draft is named in the comparison (its file name, or `builtin`). */
  readonly name: string;
  readonly agreement: Agreement;
}

export interface DraftOutcome {
  readonly name: string;
  readonly agreement: string;
  readonly records: number;
  readonly outcomes: Record<Outcome, number>;
  readonly reasonCodes: Record<string, number>;
  readonly distinctTaxpayersDisclosed: number;
  /** Distinct taxpayers the rules approve for disclosure once batch holds (B1, B2) clear. */
  readonly distinctTaxpayersApproved: number;
  readonly batchFindings: readonly string[];
  readonly holds: readonly string[];
}

export interface Simulation {
  readonly batchId: string;
  readonly asOf: string;
  readonly model: string;
  readonly seconds: number;
  readonly drafts: readonly DraftOutcome[];
}

/**
 * What-if: one batch under several draft agreements, side by side. The batch and the master are
 * read, standardised and scored once; each draft then applies its own gate, thresholds and
 * holds. Only records lawful under at least one draft are looked up, and only counts leave
 * this function — never a taxpayer's data.
 */
export async function simulateAgreements(options: {
  readonly master: string;
  readonly batch: string;
  readonly drafts: readonly Draft[];
  readonly asOf?: string | undefined;
  readonly store?: string | undefined;
  readonly model?: string | undefined;
  readonly progress?: ProgressSink | undefined;
}): Promise<Simulation> {
  const t0 = performance.now();
  const progress = options.progress ?? SILENT_PROGRESS;
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  const storeDir = path.resolve(options.store ?? '.custodian');
  const scratch = path.join(storeDir, 'tmp');
  await mkdir(scratch, { recursive: true });
  const manifest = await readManifest(options.batch);
  const model = await loadModel(options.model ?? builtinModelPath());
  const duck = await openDuck({ tempDirectory: path.join(scratch, 'duckdb-spill') });
  const { conn } = duck;
  try {
    const batch = await loadBatchRecords(conn, manifest.recordsPath, 'batch_raw', scratch, progress);
    const gates: BatchGateResult[] = [];
    for (const [i, d] of options.drafts.entries()) {
      const batchGate = runBatchGate(manifest, d.agreement, asOf);
      await runRecordGate(conn, 'batch_raw', `gate_${i}`, {
        agreement: d.agreement,
        asOf,
        batchRequestedFields: manifest.requestedFields,
      });
      gates.push(batchGate);
    }
    const lawfulUnder = options.drafts
      .map((_, i) =>
        gates[i]!.codes.length > 0
          ? 'false'
          : `NOT EXISTS (SELECT 1 FROM gate_${i} g WHERE g.row_no = b.row_no)`,
      )
      .join(' OR ');
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE lawful AS SELECT b.* FROM batch_raw b WHERE b.problem IS NULL AND (${lawfulUnder})`,
    );
    const lawful = await queryValue<number>(conn, 'SELECT count(*) FROM lawful');
    if (lawful > 0) {
      await installStandardizer(conn);
      await standardizeRequests(conn, 'lawful', 'req_std');
      // An imported master store built from this very file is reused, as by `process`.
      if (!(await attachMasterStore(conn, storeDir, path.resolve(options.master)))) {
        await loadMaster(conn, path.resolve(options.master), 'master_raw', progress);
        await standardizeMaster(conn, 'master_raw', 'mst_std');
        await conn.run('DROP TABLE master_raw');
        await prepareMaster(conn, DEFAULT_MAX_BLOCK);
      }
      progress.start('score candidates');
      await generateCandidates(conn, 'master_keys', 'candidates');
      await scorePairs(conn, 'candidates', 'scored_all', model);
      progress.stop();
    }
    const drafts: DraftOutcome[] = [];
    for (const [i, d] of options.drafts.entries()) {
      if (lawful > 0) await decideMatches(conn, 'req_std', 'scored_all', `match_${i}`, model, d.agreement);
      else
        await conn.run(
          `CREATE OR REPLACE TABLE match_${i} (row_no BIGINT, outcome VARCHAR, master_tin VARCHAR, match_probability DOUBLE, codes VARCHAR[], evidence VARCHAR)`,
        );
      const holds = await batchHolds(conn, `gate_${i}`, d.agreement, batch.rows);
      await assembleDecisions(conn, {
        batchCodes: gates[i]!.codes,
        holds,
        agreement: d.agreement,
        asOf,
        batchId: manifest.batchId,
        matcherVersion: model.version,
        tables: { batch: 'batch_raw', gate: `gate_${i}`, matches: `match_${i}`, target: `decisions_${i}` },
      });
      const counts = await decisionCounts(conn, `decisions_${i}`);
      drafts.push({
        name: d.name,
        agreement: agreementStamp(d.agreement),
        records: batch.rows,
        outcomes: counts.outcomes,
        reasonCodes: counts.reasonCodes,
        distinctTaxpayersDisclosed: counts.distinct,
        distinctTaxpayersApproved: counts.distinctApproved,
        batchFindings: gates[i]!.findings,
        holds,
      });
    }
    return {
      batchId: manifest.batchId,
      asOf,
      model: model.version,
      seconds: (performance.now() - t0) / 1000,
      drafts,
    };
  } finally {
    duck.close();
  }
}

/** Rows of the side-by-side comparison: outcomes, distinct taxpayers, then every reason code seen. */
export function simulationRows(sim: Simulation): { label: string; values: number[] }[] {
  const rows: { label: string; values: number[] }[] = [];
  const outcomes = Object.keys(sim.drafts[0]?.outcomes ?? {}) as Outcome[];
  for (const o of outcomes) rows.push({ label: o, values: sim.drafts.map((d) => d.outcomes[o]) });
  rows.push({
    label: 'distinct taxpayers disclosed',
    values: sim.drafts.map((d) => d.distinctTaxpayersDisclosed),
  });
  rows.push({
    label: '… approved once batch holds clear',
    values: sim.drafts.map((d) => d.distinctTaxpayersApproved),
  });
  const codes = [...new Set(sim.drafts.flatMap((d) => Object.keys(d.reasonCodes)))].sort();
  for (const c of codes) rows.push({ label: c, values: sim.drafts.map((d) => d.reasonCodes[c] ?? 0) });
  return rows;
}

export function formatSimulationTable(sim: Simulation): string {
  const rows = simulationRows(sim);
  const headers = ['', ...sim.drafts.map((d) => `${d.name} (${d.agreement})`)];
  const cells = [headers, ...rows.map((r) => [r.label, ...r.values.map((v) => v.toLocaleString('en-US'))])];
  const widths = headers.map((_, j) => Math.max(...cells.map((row) => row[j]!.length)));
  const line = (row: string[]) =>
    row.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');
  const out = [
    `batch ${sim.batchId}, as of ${sim.asOf}, matcher ${sim.model}, ${sim.seconds.toFixed(1)} s`,
    '',
    line(cells[0]!),
    line(widths.map((w) => '─'.repeat(w))),
  ];
  for (const [i, row] of cells.slice(1).entries()) {
    out.push(line(row));
    if (i === 6) out.push(line(widths.map((w) => '─'.repeat(w))));
  }
  for (const d of sim.drafts) {
    if (d.batchFindings.length > 0) out.push('', `${d.name}: batch refused — ${d.batchFindings.join('; ')}`);
    if (d.holds.length > 0) out.push('', `${d.name}: batch held — ${d.holds.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

export function formatSimulationCsv(sim: Simulation): string {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [['measure', ...sim.drafts.map((d) => d.name)].map(esc).join(',')];
  for (const r of simulationRows(sim)) lines.push([esc(r.label), ...r.values.map(String)].join(','));
  return `${lines.join('\n')}\n`;
}
