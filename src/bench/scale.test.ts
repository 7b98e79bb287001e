import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBatchLimits } from '../cli/bench-command.js';
import {
  evaluateTargets,
  mergedOrder,
  parseSizes,
  REPORT_BEGIN,
  REPORT_END,
  runScaleBench,
  type ScaleResults,
  scalingExponent,
  taxpayersFor,
  writeReportSection,
} from './scale.js';

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'custodian-scale-'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('bench scale', () => {
  it('runs end to end on a tiny size: data, import, processing, results, report and plot', async () => {
    const work = path.join(tmp, 'work');
    const report = path.join(tmp, 'docs', 'performance.md');
    const lines: string[] = [];
    const results = await runScaleBench({
      sizes: [3000],
      batches: [200],
      work,
      report,
      threads: 2,
      memoryLimit: '1GB',
      log: (l) => lines.push(l),
    });
    const steps = results.steps.map((s) => s.step);
    expect(steps).toEqual(['synth', 'import', 'process']);
    const [synth, imp, proc] = results.steps;
    expect(synth!.masterRows).toBeGreaterThan(2500);
    expect(synth!.masterRows).toBeLessThan(3500);
    expect(imp!.masterRows).toBe(synth!.masterRows);
    expect(imp!.diskBytes).toBeGreaterThan(0);
    expect(imp!.stages.map((s) => s.stage)).toEqual(['load', 'standardise', 'prepare']);
    expect(proc!.rows).toBe(200);
    expect(proc!.candidatePairs).toBeGreaterThan(0);
    expect(proc!.blocking?.length).toBeGreaterThan(3);
    for (const s of results.steps) {
      expect(s.wallMs).toBeGreaterThan(0);
      expect(s.peakRssBytes).toBeGreaterThan(20 * 1024 * 1024);
    }
    expect(existsSync(path.join(work, 'm3000', 'store', 'master.duckdb'))).toBe(true);
    expect(existsSync(path.join(work, 'm3000', 'out-b200'))).toBe(false); // outputs removed
    const saved = JSON.parse(await readFile(path.join(work, 'scale-results.json'), 'utf8')) as ScaleResults;
    expect(saved.steps).toHaveLength(3);

    const md = await readFile(report, 'utf8');
    expect(md).toContain(REPORT_BEGIN);
    expect(md).toContain(REPORT_END);
    expect(md).toContain('| master rows | step | requests | wall time |');
    expect(md).toContain('Candidate pairs per request, by blocking rule');
    // The match stage's steps, from each batch's summary.
    const processed = results.steps.find((s) => s.step === 'process')!;
    expect(Object.keys(processed.matcherSteps ?? {})).toEqual(
      expect.arrayContaining(['blocking', 'scoring', 'deciding']),
    );
    expect(Object.keys(processed.scoringSteps ?? {})).toContain('request frequencies');
    expect(md).toMatch(/Matching steps[^\n]*\n\n\| master rows \| requests \| blocking \|/);
    expect(md).toContain('Scoring steps (time summed over chunks):');
    expect(md).toContain(`${results.machine.cores} cores`);
    expect(md).toContain('![Time and peak memory against master size](scale.svg)');
    const svg = await readFile(path.join(tmp, 'docs', 'scale.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('master import');
    expect(svg).toContain('process 200 requests');
    expect(lines.some((l) => l.includes('import:'))).toBe(true);

    // Again with --reuse: the synthetic files are kept, the section is replaced (not appended).
    await writeFile(
      report,
      `# Performance\n\nIntro kept.\n\n${md.slice(md.indexOf(REPORT_BEGIN))}\nTail kept.\n`,
    );
    const again = await runScaleBench({
      sizes: [3000],
      batches: [200],
      work,
      report,
      reuse: true,
      threads: 2,
      memoryLimit: '1GB',
      processMemoryLimits: { 200: '768MB' },
    });
    expect(again.steps[0]!.reused).toBe(true);
    expect(again.steps.map((s) => s.memoryLimit)).toEqual([undefined, '1GB', '768MB']);
    const md2 = await readFile(report, 'utf8');
    expect(md2.split(REPORT_BEGIN)).toHaveLength(2);
    expect(md2).toContain('Intro kept.');
    expect(md2).toContain('Tail kept.');
    expect(md2).toContain('(processing: 768MB for batches of 200)');
    expect(md2).toMatch(/\| process \| 200 \|.*\| 768MB \|/);
  });

  it('rewrites only the marked section, creating the file or the section when missing', async () => {
    const file = path.join(tmp, 'r', 'perf.md');
    await writeReportSection(file, 'first');
    expect(await readFile(file, 'utf8')).toBe(`# Performance\n\n${REPORT_BEGIN}\nfirst\n${REPORT_END}\n`);
    await writeReportSection(file, 'second');
    expect(await readFile(file, 'utf8')).toBe(`# Performance\n\n${REPORT_BEGIN}\nsecond\n${REPORT_END}\n`);
    const other = path.join(tmp, 'r', 'other.md');
    await writeFile(other, '# Other\n\nText.\n');
    await writeReportSection(other, 'x');
    expect(await readFile(other, 'utf8')).toBe(`# Other\n\nText.\n\n${REPORT_BEGIN}\nx\n${REPORT_END}\n`);
  });

  it('parses sizes, fits scaling exponents and judges the targets', () => {
    expect(parseSizes('--sizes', '1000000, 5M,200k,1M')).toEqual([1_000_000, 5_000_000, 200_000]);
    expect(() => parseSizes('--sizes', '10,x')).toThrow(/--sizes: 'x'/);
    expect(() => parseSizes('--sizes', '0')).toThrow();
    expect(taxpayersFor(1_286_000)).toBe(1_000_000);
    expect(
      scalingExponent([
        [1, 10],
        [10, 100],
      ]),
    ).toBeCloseTo(1);
    expect(
      scalingExponent([
        [1, 5],
        [20, 5],
      ]),
    ).toBeCloseTo(0);
    expect(scalingExponent([[1, 5]])).toBeUndefined();
    const base = {
      masterTarget: 20_000_000,
      taxpayers: 1,
      rows: 1,
      rowsPerSecond: 1,
      diskBytes: 1,
      stages: [],
    };
    const r: ScaleResults = {
      version: 1,
      date: '2026-01-01T00:00:00Z',
      command: 'x',
      machine: { cores: 8, cpuModel: 'x', totalMemoryBytes: 1, platform: 'x', node: 'x', duckdb: 'x' },
      settings: { memoryLimit: '8GB', threads: 8, seed: 1 },
      sizes: [20_000_000],
      batches: [1_000_000],
      steps: [
        { ...base, step: 'import', masterRows: 20_100_000, wallMs: 280_000, peakRssBytes: 5 * 1024 ** 3 },
        {
          ...base,
          step: 'process',
          masterRows: 20_100_000,
          batch: 1_000_000,
          wallMs: 700_000,
          peakRssBytes: 13 * 1024 ** 3,
        },
      ],
    };
    const t = evaluateTargets(r);
    expect(t[0]!.verdict).toBe('**not met**'); // 11.7 min > 10 min
    expect(t[1]!.verdict).toBe('**not met**'); // 13 GB > 12 GB
    expect(t[2]!.verdict).toBe('met'); // import 4.7 min
    // Bounded by each step's own limit: 13 GB is within 8 GB + 3 GB? No; within 12 GB + 3 GB, yes.
    const bounded = (x: ScaleResults) =>
      evaluateTargets(x).find((c) => c.target.startsWith('memory bounded'))!.verdict;
    expect(bounded(r)).toBe('**not met**');
    const withLimits: ScaleResults = {
      ...r,
      settings: { ...r.settings, processMemoryLimits: { '1000000': '12GB' } },
      steps: r.steps.map((s) => ({ ...s, memoryLimit: s.step === 'process' ? '12GB' : '8GB' })),
    };
    expect(bounded(withLimits)).toBe('met');
  });

  it('orders stage columns as the pipeline runs them, a stage only some steps have in its place', () => {
    const small = ['read batch', 'legal gate', 'match', 'decide'];
    const large = ['read batch', 'legal gate', 'size chunks', 'match', 'decide'];
    expect(mergedOrder([small, large])).toEqual(large);
    expect(mergedOrder([large, small])).toEqual(large);
    expect(
      mergedOrder([
        ['b', 'c'],
        ['a', 'b'],
        ['c', 'd'],
      ]),
    ).toEqual(['a', 'b', 'c', 'd']);
    expect(mergedOrder([])).toEqual([]);
  });

  it('reads per-batch memory limits for processing', () => {
    expect(parseBatchLimits('100k=2GB,1M=4GB')).toEqual({ 100000: '2GB', 1000000: '4GB' });
    expect(() => parseBatchLimits('100k')).toThrow(/BATCH=SIZE/);
    expect(() => parseBatchLimits('100k=2GB=3GB')).toThrow(/BATCH=SIZE/);
    expect(() => parseBatchLimits('lots=2GB')).toThrow(/not a positive whole number/);
  });

  it('refuses a per-batch memory limit that is not a size', async () => {
    await expect(
      runScaleBench({
        sizes: [3000],
        batches: [200],
        work: path.join(tmp, 'w2'),
        processMemoryLimits: { 200: 'much' },
      }),
    ).rejects.toThrow(/'much' for batch 200 is not a size/);
  });
});
