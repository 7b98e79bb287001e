import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Agreement, agreementStamp } from '../core/agreement.js';
import { CustodianError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';
import { sha256File } from '../ingest/file-hash.js';
import { openDuck, queryRows, sqlString } from '../store/duckdb.js';
import { type ProcessSummary, processBatch } from './process-batch.js';

export interface ImproperDisclosure {
  readonly batch_id: string;
  readonly request_id: string;
  readonly decision_id: string;
  readonly master_tin: string;
  readonly past_outcome: string;
  readonly past_agreement: string;
  readonly past_matcher: string;
  readonly new_outcome: string;
  readonly new_master_tin: string | null;
  readonly new_reason_codes: string;
}

export interface Reevaluation {
  readonly agreement: string;
  readonly matcher: string;
  readonly runs: readonly {
    readonly run: string;
    readonly batch_id: string;
    readonly past_disclosures: number;
    readonly improper: number;
  }[];
  readonly improper: readonly ImproperDisclosure[];
  readonly files: readonly string[];
}

/**
 * Rule D9: when a rule or the matcher is found defective, re-run the corrected agreement (and
 * matcher model) over past runs and list the disclosures now judged improper — those the
 * corrected version would not disclose, or would disclose about another taxpayer. A past
 * disclosure is an `approved for release` decision: `disclosed`, or `pending_review` held only
 * by a batch hold (MATCH_CONFIRMED).
 *
 * Each past run folder (the `--out` of `custodian process`) must still hold its summary.json
 * and evidence.jsonl, and its batch records must be unchanged (SHA-256 in the summary).
 */
export async function reevaluateRuns(options: {
  readonly runs: readonly string[];
  readonly agreement: Agreement;
  readonly model?: string | undefined;
  readonly out: string;
  readonly store?: string | undefined;
  readonly progress?: ProgressSink | undefined;
}): Promise<Reevaluation> {
  await mkdir(options.out, { recursive: true });
  const duck = await openDuck({ threads: 2 });
  const improper: ImproperDisclosure[] = [];
  const runs: { run: string; batch_id: string; past_disclosures: number; improper: number }[] = [];
  let matcher = '';
  try {
    for (const [i, run] of options.runs.entries()) {
      const summary = await readPastSummary(run);
      const sha = await sha256File(summary.inputs.batch.records).catch((e: NodeJS.ErrnoException) => {
        throw new CustodianError(
          'CUS_INPUT_NOT_FOUND',
          `${summary.inputs.batch.records}: batch records of run ${run} are gone (${e.code ?? e.message})`,
        );
      });
      if (sha !== summary.inputs.batch.records_sha256) {
        throw new CustodianError(
          'CUS_INPUT_UNREADABLE',
          `${summary.inputs.batch.records}: changed since run ${run} was decided (SHA-256 differs); cannot re-evaluate it`,
        );
      }
      const scratch = path.join(options.out, `.rerun-${i}`);
      const now = await processBatch({
        master: summary.inputs.master.file,
        batch: summary.inputs.batch.manifest,
        out: scratch,
        agreement: options.agreement,
        model: options.model,
        asOf: summary.as_of,
        store: options.store,
        progress: options.progress,
      });
      matcher = now.versions.matcher ?? '';
      const json = (f: string) =>
        `read_json(${sqlString(f)}, format = 'newline_delimited', maximum_object_size = 100000000)`;
      const rows = await queryRows<ImproperDisclosure>(
        duck.conn,
        `WITH past AS (SELECT * FROM ${json(path.join(run, 'evidence.jsonl'))}),
              now AS (SELECT * FROM ${json(path.join(scratch, 'evidence.jsonl'))})
         SELECT ${sqlString(summary.batch_id)} AS batch_id, p.request_id, p.decision_id, p.master_tin, p.outcome AS past_outcome,
                p.agreement_version AS past_agreement, p.matcher_version AS past_matcher,
                n.outcome AS new_outcome, n.master_tin AS new_master_tin, array_to_string(n.reason_codes, ';') AS new_reason_codes
         FROM past p JOIN now n USING (row_no)
         WHERE (p.outcome = 'disclosed' OR (p.outcome = 'pending_review' AND list_contains(p.reason_codes, 'MATCH_CONFIRMED')))
           AND NOT ((n.outcome = 'disclosed' OR (n.outcome = 'pending_review' AND list_contains(n.reason_codes, 'MATCH_CONFIRMED')))
                    AND n.master_tin = p.master_tin)
         ORDER BY p.row_no`,
      );
      const past = await queryRows<{ n: number }>(
        duck.conn,
        `SELECT count(*) AS n FROM ${json(path.join(run, 'evidence.jsonl'))}
         WHERE outcome = 'disclosed' OR (outcome = 'pending_review' AND list_contains(reason_codes, 'MATCH_CONFIRMED'))`,
      );
      improper.push(...rows);
      runs.push({
        run: path.resolve(run),
        batch_id: summary.batch_id,
        past_disclosures: past[0]?.n ?? 0,
        improper: rows.length,
      });
      await rm(scratch, { recursive: true, force: true });
    }
  } finally {
    duck.close();
  }
  const result = { agreement: agreementStamp(options.agreement), matcher, runs, improper };
  const files = [
    path.join(options.out, 'improper-disclosures.csv'),
    path.join(options.out, 'disposal-demand.md'),
    path.join(options.out, 'reevaluation.json'),
  ];
  await writeFile(files[0]!, improperCsv(improper));
  await writeFile(files[1]!, disposalDemand(result, options.agreement));
  await writeFile(files[2]!, `${JSON.stringify(result, null, 2)}\n`);
  return { ...result, files };
}

async function readPastSummary(run: string): Promise<ProcessSummary> {
  const file = path.join(run, 'summary.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ProcessSummary;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CustodianError(
      code === 'ENOENT' ? 'CUS_INPUT_NOT_FOUND' : 'CUS_INPUT_UNREADABLE',
      `${file}: not a past run's summary (${code ?? (e as Error).message})`,
    );
  }
}

function improperCsv(rows: readonly ImproperDisclosure[]): string {
  const cols: (keyof ImproperDisclosure)[] = [
    'batch_id',
    'request_id',
    'decision_id',
    'master_tin',
    'past_outcome',
    'past_agreement',
    'past_matcher',
    'new_outcome',
    'new_master_tin',
    'new_reason_codes',
  ];
  const esc = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return `${[cols.join(','), ...rows.map((r) => cols.map((c) => esc(r[c])).join(','))].join('\n')}\n`;
}

/**
 * The demand to the recipient: which released records to return or destroy, by batch and
 * request id only — it names no taxpayer and no TIN (the recipient already holds what was
 * released; the demand must not disclose anything new).
 */
function disposalDemand(r: Omit<Reevaluation, 'files'>, agreement: Agreement): string {
  const lines = [
    `# Demand for return or destruction of improperly disclosed records`,
    '',
    `To: ${agreement.parties.recipient}`,
    `From: ${agreement.parties.discloser}, disclosure office`,
    `Under: agreement ${r.agreement}; matcher ${r.matcher}`,
    '',
    `A re-evaluation of past releases under the corrected agreement and matcher found ${r.improper.length} record(s) that should not have been disclosed.`,
    `Return or destroy every copy of the information released for the records below, including copies in derived systems, and certify the disposition in writing within ${agreement.dispositionDays} days.`,
    '',
    '| batch | request_id | reason now given |',
    '|---|---|---|',
    ...r.improper.map(
      (x) =>
        `| ${x.batch_id} | ${x.request_id} | ${x.new_outcome === 'refused' ? x.new_reason_codes : 'IMPROPERLY_DISCLOSED'} |`,
    ),
    '',
    '| batch | past disclosures re-examined | improper |',
    '|---|---|---|',
    ...r.runs.map((x) => `| ${x.batch_id} | ${x.past_disclosures} | ${x.improper} |`),
    '',
  ];
  return lines.join('\n');
}
