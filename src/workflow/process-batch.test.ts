import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../cli/context.js';
import { runCli } from '../cli/main.js';
import { CustodianError } from '../core/errors.js';
import { OUTCOMES } from '../core/outcome.js';
import { ALL_REASON_CODES } from '../core/reason-codes.js';
import { kernelChunkCost } from '../match/native-kernel.js';
import { openDuck } from '../store/duckdb.js';
import { generateSynthetic, type SynthResult } from '../synth/generate.js';
import { tempDir } from '../test-support/requests.js';
import { evaluateRun } from './evaluate.js';
import { type ProcessOptions, processBatch } from './process-batch.js';

const AS_OF = '2026-01-15';
let dir: string;
let synth: SynthResult;
let duck: Awaited<ReturnType<typeof openDuck>>;

beforeAll(async () => {
  dir = tempDir('custodian-e2e-');
  synth = await generateSynthetic({
    out: path.join(dir, 'data'),
    taxpayers: 8000,
    requests: 3000,
    seed: 5,
    asOf: AS_OF,
  });
  duck = await openDuck({ threads: 1 });
});
afterAll(() => duck.close());

/** processBatch over the synthetic batch and master, into `out`, with `options` besides. */
function processSynthetic(out: string, options: Partial<ProcessOptions> = {}) {
  return processBatch({
    master: synth.paths.master,
    batch: synth.paths.manifest,
    out,
    store: path.join(dir, 'store'),
    asOf: AS_OF,
    ...options,
  });
}

function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
}

describe('custodian process, end to end on synthetic data with known truth', () => {
  for (const matcher of ['baseline', 'fs'] as const) {
    it(`${matcher}: one decision per record, every defect refused with its codes, no wrong-person disclosure`, async () => {
      const out = path.join(dir, `out-${matcher}`);
      const summary = await processSynthetic(out, { matcher });
      const ev = await evaluateRun(duck.conn, path.join(out, 'decisions.csv'), synth.paths.truth);
      expect(ev.records).toBe(3000);
      expect(ev.decided).toBe(3000);
      expect(ev.legalMismatches).toEqual([]);
      expect(ev.legalExact).toBe(3000);
      expect(ev.lawfulRefused).toBe(0);
      expect(ev.wrongPersonExamples).toEqual([]);
      // A floor on recall (490 here since the family-name and twin review rules of C2).
      expect(ev.disclosures).toBeGreaterThan(matcher === 'fs' ? 450 : 150);
      expect(summary.records).toBe(3000);
      expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(3000);
    });
  }

  it('the fs matcher discloses more lawful requests than the baseline', async () => {
    const fs = await evaluateRun(duck.conn, path.join(dir, 'out-fs', 'decisions.csv'), synth.paths.truth);
    const base = await evaluateRun(
      duck.conn,
      path.join(dir, 'out-baseline', 'decisions.csv'),
      synth.paths.truth,
    );
    expect(fs.recall).toBeGreaterThan(base.recall + 0.2);
  });

  it('writes decisions.csv exactly as interchange §3, and summary.json', () => {
    const out = path.join(dir, 'out-fs');
    const text = readFileSync(path.join(out, 'decisions.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('request_id,outcome,reason_codes,master_tin,match_probability');
    const rows = readCsv(path.join(out, 'decisions.csv'));
    expect(rows).toHaveLength(3000);
    for (const r of rows) {
      expect(OUTCOMES).toContain(r.outcome);
      expect(r.reason_codes!.length).toBeGreaterThan(0);
      for (const c of r.reason_codes!.split(';')) expect(ALL_REASON_CODES).toContain(c);
      if (r.outcome === 'disclosed' || r.outcome === 'ambiguous' || r.outcome === 'pending_review')
        expect(r.master_tin).toMatch(/^\d{9}$/);
      else expect(r.master_tin).toBe('');
      if (r.outcome === 'refused') expect(r.match_probability).toBe('');
      if (r.match_probability !== '') expect(Number(r.match_probability)).toBeGreaterThanOrEqual(0);
    }
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.records).toBe(3000);
    expect(summary.versions.matcher).toMatch(/^fs-[0-9a-f]{12}$/);
    expect(summary.agreement).toBe('IRS-DHS-2025@1');
    expect(summary.timings.map((t: { stage: string }) => t.stage)).toContain('match');
    expect(summary.peak_rss_bytes).toBeGreaterThan(0);
    // The scoring's steps, timed within the match stage.
    const steps = summary.matching.scoring_steps_ms as Record<string, number>;
    const engineSteps =
      summary.matching.comparison_engine === 'native'
        ? ['request slots', 'load requests', 'load pairs', 'index pairs', 'scan master']
        : ['levels and weights (SQL)'];
    expect(Object.keys(steps).sort()).toEqual(['request frequencies', ...engineSteps].sort());
    const match = summary.timings.find((t: { stage: string }) => t.stage === 'match').ms;
    const stepsMs = Object.values(steps).reduce((a, b) => a + b, 0);
    expect(stepsMs).toBeGreaterThan(0);
    expect(stepsMs).toBeLessThanOrEqual(match + 1);
    // The matcher's own steps, scoring among them, within the match stage.
    const matcherSteps = summary.matching.matcher_steps_ms as Record<string, number>;
    expect(Object.keys(matcherSteps).sort()).toEqual(['blocking', 'deciding', 'scoring']);
    expect(Object.values(matcherSteps).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(match + 3);
    expect(matcherSteps.scoring).toBeGreaterThanOrEqual(stepsMs - 1);
    const evidence = readFileSync(path.join(out, 'evidence.jsonl'), 'utf8').trim().split('\n');
    expect(evidence).toHaveLength(3000);
    const first = JSON.parse(evidence[0]!);
    expect(first).toMatchObject({ agreement_version: 'IRS-DHS-2025@1', gate_version: 'gate/1' });
    expect(first.decision_id).toMatch(/:1$/);
  });

  it('decides every record as one chunk does when chunks are sized to a small memory budget (sample, refusal, retry)', async () => {
    const one = readFileSync(path.join(dir, 'out-fs', 'decisions.csv'), 'utf8');
    const oneSummary = JSON.parse(readFileSync(path.join(dir, 'out-fs', 'summary.json'), 'utf8'));
    expect(oneSummary.matching.chunk_requests).toHaveLength(1);
    const lawful = oneSummary.matching.chunk_requests[0] as number;
    const pairs = oneSummary.matching.candidatePairs as number;
    expect(pairs / lawful).toBeGreaterThan(1);
    const cost = kernelChunkCost();
    // A budget for about a tenth of the batch; the first chunk is sized from the requests alone
    // (no sample), so its pairs overflow the budget and it is matched again smaller.
    const budget = Math.round(((cost.request + cost.pair * (pairs / lawful)) * lawful) / 10);
    for (const sample of [0, 500]) {
      const out = path.join(dir, `out-chunked-${sample}`);
      const summary = await processSynthetic(out, { chunkMemory: budget, chunkSample: sample });
      const chunks = summary.matching!.chunk_requests;
      expect(chunks.reduce((a, b) => a + b, 0)).toBe(lawful);
      expect(chunks.length).toBeGreaterThan(8);
      if (sample === 0) expect(chunks[0]).toBeLessThan(Math.floor(budget / cost.request));
      const sampled = summary.timings.find((t) => t.stage === 'size chunks (sample blocked)');
      if (sample === 0) expect(sampled).toBeUndefined();
      else expect(sampled?.rows).toBe(Math.ceil(lawful / Math.floor(lawful / sample)));
      expect(summary.matching!.candidatePairs).toBe(pairs);
      expect(readFileSync(path.join(out, 'decisions.csv'), 'utf8')).toBe(one);
    }
  });

  it('A15: a taxpayer flagged for withholding is refused WITHHELD_I6 after matching, before release', async () => {
    const before = readCsv(path.join(dir, 'out-fs', 'decisions.csv'));
    const flagged = before.filter((r) => r.outcome === 'disclosed').slice(0, 5);
    expect(flagged).toHaveLength(5);
    const list = path.join(dir, 'withhold.csv');
    writeFileSync(
      list,
      `tin\n${flagged.map((r) => `${r.master_tin!.slice(0, 3)}-${r.master_tin!.slice(3, 5)}-${r.master_tin!.slice(5)}`).join('\n')}\n`,
    );
    const out = path.join(dir, 'out-withhold');
    await processSynthetic(out, { withhold: list });
    const after = readCsv(path.join(out, 'decisions.csv'));
    const ids = new Set(flagged.map((r) => r.request_id));
    for (const r of after.filter((x) => ids.has(x.request_id!) && x.reason_codes!.includes('WITHHELD_I6'))) {
      expect(r).toMatchObject({ outcome: 'refused', master_tin: '', match_probability: '' });
    }
    expect(after.filter((x) => x.reason_codes === 'WITHHELD_I6').length).toBeGreaterThanOrEqual(5);
    expect(after.filter((r) => r.outcome === 'disclosed').length).toBe(
      before.filter((r) => r.outcome === 'disclosed').length - 5,
    );
  });

  it('refuses a whole batch signed by an unauthorised title without reading the master file', async () => {
    const manifest = JSON.parse(readFileSync(synth.paths.manifest, 'utf8'));
    const bad = path.join(path.dirname(synth.paths.manifest), 'unsigned.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...manifest, signed_by: { name: 'X', title: 'Field Office Director' } }),
    );
    const out = path.join(dir, 'out-unsigned');
    // The master path does not exist: reading it would fail the run.
    const s = await processSynthetic(out, { master: path.join(dir, 'no-such-master.csv'), batch: bad });
    expect(s.outcomes.refused).toBe(3000);
    const rows = readCsv(path.join(out, 'decisions.csv'));
    // Every record carries the batch-level code, except malformed rows, which carry only theirs.
    const codes = rows.map((r) => r.reason_codes!.split(';'));
    expect(codes.every((c) => c.includes('UNAUTHORIZED_SIGNATORY') || c.join() === 'MALFORMED_RECORD')).toBe(
      true,
    );
    expect(codes.filter((c) => c.includes('UNAUTHORIZED_SIGNATORY')).length).toBeGreaterThan(2900);
  });

  it('stops on unusable input with a clear error and leaves nothing half-written', async () => {
    const out = path.join(dir, 'out-broken');
    const err = await processSynthetic(out, { master: path.join(dir, 'missing.csv') }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CustodianError);
    expect((err as CustodianError).message).toMatch(/missing\.csv: file not found/);
    expect(existsSync(path.join(out, 'decisions.csv'))).toBe(false);
    expect(existsSync(path.join(out, 'summary.json'))).toBe(false);
  });

  it('runs from the command line: exit 0 on success, exit 2 with one line naming the file on bad input', async () => {
    const io = bufferIO();
    const out = path.join(dir, 'out-cli');
    const code = await runCli(
      [
        'process',
        '--master',
        synth.paths.master,
        '--batch',
        synth.paths.manifest,
        '--out',
        out,
        '--store',
        path.join(dir, 'store'),
        '--as-of',
        AS_OF,
        '--matcher',
        'baseline',
      ],
      io,
    );
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/3000 records/);
    const bad = bufferIO();
    const badCode = await runCli(
      ['process', '--master', synth.paths.master, '--batch', path.join(dir, 'nope.json'), '--out', out],
      bad,
    );
    expect(badCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/nope\.json: manifest not found \[CUS_INPUT_NOT_FOUND\]/);
    for (const [flag, value, message] of [
      ['--chunk-memory', 'lots', /--chunk-memory must be a size of at least 1MiB, e\.g\. '2GB', not 'lots'/],
      ['--chunk-memory', '1000', /--chunk-memory must be a size of at least 1MiB/],
      ['--chunk-size', '0', /--chunk-size must be a positive whole number, not '0'/],
    ] as const) {
      const usage = bufferIO();
      const args = ['process', '--master', synth.paths.master, '--batch', synth.paths.manifest, '--out', out];
      expect(await runCli([...args, flag, value], usage)).toBe(2);
      expect(usage.stderr.trim().split('\n')).toHaveLength(1);
      expect(usage.stderr).toMatch(message);
    }
  });
});
