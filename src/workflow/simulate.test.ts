import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Agreement } from '../core/agreement.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { statuteRecognized } from '../core/statute.js';
import { loadAgreement } from '../policy/agreement-load.js';
import { generateSynthetic, type SynthResult } from '../synth/generate.js';
import { tempDir } from '../test-support/requests.js';
import { processBatch } from './process-batch.js';
import { reevaluateRuns } from './reevaluate.js';
import { formatSimulationCsv, formatSimulationTable, simulateAgreements } from './simulate.js';

const AS_OF = '2026-01-15';
const DRAFTS = path.resolve(import.meta.dirname, '..', '..', 'data', 'agreements', 'drafts');
let dir: string;
let synth: SynthResult;

beforeAll(async () => {
  dir = tempDir('custodian-sim-');
  synth = await generateSynthetic({
    out: path.join(dir, 'data'),
    taxpayers: 4000,
    requests: 1500,
    seed: 9,
    asOf: AS_OF,
  });
});

describe('agreement simulate', () => {
  it('runs one batch under several drafts, each accounting for every record, matching what process decides', async () => {
    const numbers = await loadAgreement(path.join(DRAFTS, 'numbers-only.yaml'));
    const sim = await simulateAgreements({
      master: synth.paths.master,
      batch: synth.paths.manifest,
      drafts: [
        { name: 'builtin', agreement: BUILTIN_AGREEMENT },
        { name: 'numbers-only', agreement: numbers },
        {
          name: 'expired',
          agreement: {
            ...BUILTIN_AGREEMENT,
            version: 3,
            term: { effective: '2024-01-01', expires: '2025-12-31' },
          },
        },
      ],
      asOf: AS_OF,
      store: path.join(dir, 'store'),
    });
    for (const d of sim.drafts) expect(Object.values(d.outcomes).reduce((a, b) => a + b, 0)).toBe(1500);
    const [builtin, strict, expired] = sim.drafts;
    // A tighter threshold and margin never disclose more.
    expect(strict!.outcomes.disclosed).toBeLessThanOrEqual(builtin!.outcomes.disclosed);
    expect(strict!.distinctTaxpayersDisclosed).toBeLessThanOrEqual(builtin!.distinctTaxpayersDisclosed);
    // An expired agreement refuses everything.
    expect(expired!.outcomes.refused).toBe(1500);
    expect(expired!.reasonCodes.AGREEMENT_NOT_IN_FORCE).toBeGreaterThan(1400);
    // The built-in draft gives exactly what `process` gives.
    const run = await processBatch({
      master: synth.paths.master,
      batch: synth.paths.manifest,
      out: path.join(dir, 'run'),
      asOf: AS_OF,
      store: path.join(dir, 'store'),
    });
    expect(builtin!.outcomes).toEqual(run.outcomes);
    expect(builtin!.reasonCodes).toEqual(run.reason_codes);
    expect(formatSimulationTable(sim)).toMatch(/distinct taxpayers disclosed/);
    expect(formatSimulationCsv(sim).split('\n')[0]).toBe('measure,builtin,numbers-only,expired');
  });
});

describe('reevaluate (rule D9)', () => {
  it('lists past disclosures a corrected agreement judges improper, and a demand naming no taxpayer', async () => {
    const runDir = path.join(dir, 'run');
    const corrected: Agreement = {
      ...BUILTIN_AGREEMENT,
      version: 2,
      criminalStatutes: BUILTIN_AGREEMENT.criminalStatutes.filter((s) => s !== '8 USC 1326'),
      changes: [
        ...BUILTIN_AGREEMENT.changes,
        {
          version: 2,
          date: '2025-10-01',
          rationale: 'Counsel: 8 USC 1326 requests were outside the negotiated scope.',
        },
      ],
    };
    const r = await reevaluateRuns({
      runs: [runDir],
      agreement: corrected,
      out: path.join(dir, 'reeval'),
      store: path.join(dir, 'store'),
    });
    // Expected: every past disclosure whose request cited 8 USC 1326 (any spelling).
    const requests = parse(readFileSync(synth.paths.records, 'utf8'), {
      columns: true,
      relax_column_count: true,
    }) as Record<string, string>[];
    const decisions = parse(readFileSync(path.join(runDir, 'decisions.csv'), 'utf8'), {
      columns: true,
    }) as Record<string, string>[];
    const expected = decisions
      .filter(
        (d, i) =>
          d.outcome === 'disclosed' && statuteRecognized(requests[i]!.criminal_statute ?? '', ['8 USC 1326']),
      )
      .map((d) => d.request_id);
    expect(expected.length).toBeGreaterThan(10);
    expect(r.improper.map((x) => x.request_id)).toEqual(expected);
    expect(
      r.improper.every(
        (x) => x.new_outcome === 'refused' && x.new_reason_codes.includes('NOT_NONTAX_CRIMINAL'),
      ),
    ).toBe(true);
    expect(r.runs[0]).toMatchObject({ improper: expected.length });
    const demand = readFileSync(path.join(dir, 'reeval', 'disposal-demand.md'), 'utf8');
    for (const x of r.improper) expect(demand).toContain(x.request_id);
    expect(demand).not.toMatch(/\b\d{9}\b/); // no TIN
  });

  it('refuses a folder that is not a past run, with a clear message', async () => {
    await expect(
      reevaluateRuns({
        runs: [path.join(dir, 'nope')],
        agreement: BUILTIN_AGREEMENT,
        out: path.join(dir, 'reeval2'),
      }),
    ).rejects.toThrow(/summary\.json: not a past run's summary/);
  });
});
