import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuck, queryRows } from '../store/duckdb.js';
import { generateSynthetic, type SynthOptions, type SynthResult } from './generate.js';

/**
 * End-to-end tests of `custodian synth`: formats (interchange spec §1–2), determinism, the
 * population's hard cases, and the truth file — whose A9/A11/A16/A17 codes are recomputed here
 * from the written requests file, independently of the generator's own rule code.
 */

const MASTER_COLUMNS =
  'tin,given_name,middle_name,family_name,name_suffix,date_of_birth,street,unit,city,state,zip,address_tax_year';
const REQUEST_COLUMNS =
  'request_id,given_name,middle_name,family_name,name_suffix,date_of_birth,street,unit,city,state,zip,tin,taxable_periods,criminal_statute,case_number,requesting_officer,justification';
const TRUTH_COLUMNS = 'request_id,true_tin,scenario,expected_codes,address_on_record,lawful';

const ALL_CODES = [
  'MISSING_NAME',
  'MISSING_OR_INVALID_ADDRESS',
  'MISSING_TAXABLE_PERIOD',
  'MISSING_STATUTORY_AUTHORITY',
  'NOT_NONTAX_CRIMINAL',
  'MISSING_CASE_NUMBER',
  'MISSING_SPECIFIC_REASON',
  'NO_ENGAGED_RECIPIENT',
  'ENGAGEMENT_IMPLAUSIBLE',
  'DUPLICATE_REQUEST',
  'MALFORMED_RECORD',
];

let root: string;
let dir: string;
let result: SynthResult;
const base: SynthOptions = { out: '', seed: 7, taxpayers: 8000, requests: 6000, threads: 1 };

interface Truth {
  request_id: string;
  true_tin: string;
  scenario: string;
  expected_codes: string;
  address_on_record: string;
  lawful: string;
}

const read = (...p: string[]) => readFileSync(path.join(...p), 'utf8');
const csv = (text: string, relax = false) =>
  parse(text, { relax_column_count: relax, skip_empty_lines: true }) as string[][];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'synth-test-'));
  dir = path.join(root, 'a');
  result = await generateSynthetic({ ...base, out: dir });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('files and formats', () => {
  it('writes the master, the batch and the truth file with the exact headers', () => {
    expect(read(dir, 'master.csv').split('\n')[0]).toBe(MASTER_COLUMNS);
    expect(read(dir, 'batch', 'requests.csv').split('\n')[0]).toBe(REQUEST_COLUMNS);
    expect(read(dir, 'truth.csv').split('\n')[0]).toBe(TRUTH_COLUMNS);
    expect(result.paths.master).toBe(path.join(dir, 'master.csv'));
  });

  it('writes the manifest of interchange section 2', () => {
    const m = JSON.parse(read(dir, 'batch', 'manifest.json'));
    expect(Object.keys(m)).toEqual([
      'batch_id',
      'requesting_agency',
      'agreement_id',
      'statutory_authority',
      'signed_by',
      'signed_on',
      'records',
    ]);
    expect(m).toMatchObject({
      requesting_agency: 'Department of Homeland Security',
      agreement_id: 'IRS-DHS-2025',
      statutory_authority: '26 USC 6103(i)(2)',
      signed_by: { title: 'Secretary of Homeland Security' },
      records: 'requests.csv',
    });
    expect(m.signed_by.name).toMatch(/^\S+ \S+/);
    expect(m.signed_on).toMatch(/^2026-01-(0\d|1[0-4])$/);
    expect(m.batch_id).toBe('DHS-2026-0007');
  });

  it('writes valid RFC 4180 CSV (master and truth parse strictly)', () => {
    const master = csv(read(dir, 'master.csv'));
    expect(master.length - 1).toBe(result.masterRows);
    expect(master.every((r) => r.length === 12)).toBe(true);
    const truth = csv(read(dir, 'truth.csv'));
    expect(truth.length - 1).toBe(result.requests);
  });
});

describe('the master extract', () => {
  let rows: Record<string, string>[];
  beforeAll(() => {
    rows = parse(read(dir, 'master.csv'), { columns: true }) as Record<string, string>[];
  });

  it('has unique 9-digit TINs, one identity per TIN, ~1.3 rows per taxpayer', () => {
    const byTin = new Map<string, Record<string, string>[]>();
    for (const r of rows) byTin.set(r.tin!, [...(byTin.get(r.tin!) ?? []), r]);
    expect(byTin.size).toBe(8000);
    expect([...byTin.keys()].every((t) => /^\d{9}$/.test(t))).toBe(true);
    for (const list of byTin.values()) {
      const id = (r: Record<string, string>) =>
        [r.given_name, r.middle_name, r.family_name, r.name_suffix, r.date_of_birth].join('|');
      expect(new Set(list.map(id)).size).toBe(1);
      // Distinct tax years, so the latest one (the current address) is well defined.
      expect(new Set(list.map((r) => r.address_tax_year)).size).toBe(list.length);
    }
    const perTaxpayer = rows.length / byTin.size;
    expect(perTaxpayer).toBeGreaterThan(1.15);
    expect(perTaxpayer).toBeLessThan(1.5);
    expect(result.movers).toBeGreaterThan(0.12 * 8000);
  });

  it('writes names as filed: accents, compound and hyphenated family names, apostrophes, varied case', () => {
    const families = rows.map((r) => r.family_name!);
    expect(families.some((f) => /[ÁÉÍÓÚÑ]/.test(f))).toBe(true);
    expect(families.some((f) => /^[A-ZÁÉÍÓÚÑ]+ [A-ZÁÉÍÓÚÑ]+$/.test(f))).toBe(true);
    expect(families.some((f) => f.includes('-'))).toBe(true);
    expect(families.some((f) => f.includes("'"))).toBe(true);
    expect(rows.some((r) => /[a-z]/.test(r.given_name!))).toBe(true);
    expect(rows.filter((r) => r.middle_name === '').length).toBeGreaterThan(rows.length * 0.2);
    // Common names collide, as in real files.
    const names = new Map<string, number>();
    for (const r of rows) names.set(`${r.given_name} ${r.family_name}`.toUpperCase(), 0);
    const counts = new Map<string, number>();
    for (const r of rows) {
      const k = `${r.given_name} ${r.family_name}|${r.tin}`.toUpperCase();
      counts.set(k, 1);
    }
    const people = new Map<string, number>();
    for (const k of counts.keys()) {
      const name = k.split('|')[0]!;
      people.set(name, (people.get(name) ?? 0) + 1);
    }
    expect([...people.values()].some((n) => n >= 3)).toBe(true);
  });

  it('writes US-style addresses: units, directionals, ZIP+4, real-looking city/state/ZIP', () => {
    expect(rows.every((r) => /^\d+ [A-Za-z0-9]/.test(r.street!))).toBe(true);
    expect(rows.some((r) => /^(APT|UNIT|#|Apt|Unit)/.test(r.unit!))).toBe(true);
    expect(rows.some((r) => / (APT|UNIT|#)/.test(r.street!))).toBe(true);
    expect(rows.some((r) => /^\d+ [NSEW] /.test(r.street!))).toBe(true);
    expect(rows.some((r) => /^\d{5}-\d{4}$/.test(r.zip!))).toBe(true);
    expect(rows.every((r) => /^\d{5}(-\d{4})?$/.test(r.zip!) && /^[A-Z]{2}$/.test(r.state!))).toBe(true);
  });

  it('contains households, Jr/Sr pairs and twins', () => {
    const current = new Map<string, Record<string, string>>();
    for (const r of rows) {
      const c = current.get(r.tin!);
      if (!c || Number(r.address_tax_year) > Number(c.address_tax_year)) current.set(r.tin!, r);
    }
    const byAddress = new Map<string, Record<string, string>[]>();
    for (const r of current.values()) {
      const k = `${r.street}|${r.unit}|${r.zip}`.toUpperCase().replace(/ (STREET|AVENUE|ROAD|DRIVE)$/, '');
      byAddress.set(k, [...(byAddress.get(k) ?? []), r]);
    }
    let households = 0;
    let jrsr = 0;
    let twins = 0;
    const fam = (r: Record<string, string>) => r.family_name!.toUpperCase().split(/[ -]/)[0];
    for (const list of byAddress.values()) {
      if (list.length < 2) continue;
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const a = list[i]!;
          const b = list[j]!;
          if (fam(a) !== fam(b)) continue;
          households++;
          const sameGiven = a.given_name!.toUpperCase() === b.given_name!.toUpperCase();
          const years = Math.abs(Number(a.date_of_birth!.slice(0, 4)) - Number(b.date_of_birth!.slice(0, 4)));
          if (sameGiven && /JR|SR|II/i.test(a.name_suffix! + b.name_suffix!) && years >= 17 && years <= 37)
            jrsr++;
          if (!sameGiven && a.date_of_birth && a.date_of_birth === b.date_of_birth) twins++;
        }
      }
    }
    expect(households).toBeGreaterThan(500);
    expect(jrsr).toBeGreaterThan(20);
    expect(twins).toBeGreaterThan(5);
    expect(result.jrSrTaxpayers).toBeGreaterThan(100);
    expect(result.twinTaxpayers).toBeGreaterThan(20);
  });
});

/** The A17 tests, made independently of the generator: column count, characters, dates. */
function malformed(fields: string[]): boolean {
  if (fields.length !== 17) return true;
  if (fields.some((f) => /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/.test(f))) return true;
  const dob = fields[5]!.trim();
  if (dob === '') return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dob);
  if (!m) return true;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) !== dob;
}

describe('the request batch and its truth', () => {
  let requests: string[][];
  let truth: Truth[];
  beforeAll(() => {
    requests = csv(read(dir, 'batch', 'requests.csv'), true).slice(1);
    truth = parse(read(dir, 'truth.csv'), { columns: true }) as Truth[];
  });

  it('has one truth row per request row, in the same order', () => {
    expect(requests.length).toBe(6000);
    expect(truth.length).toBe(6000);
    expect(requests.map((r) => r[0])).toEqual(truth.map((t) => t.request_id));
  });

  it('marks malformed rows (and only them) MALFORMED_RECORD, alone', () => {
    let n = 0;
    requests.forEach((r, i) => {
      const t = truth[i]!;
      if (malformed(r)) {
        n++;
        expect(t.expected_codes).toBe('MALFORMED_RECORD');
      } else expect(t.expected_codes.split(';')).not.toContain('MALFORMED_RECORD');
    });
    expect(n).toBeGreaterThan(10);
  });

  it('agrees with A9, A11 and A16 recomputed from the requests file', () => {
    const ok = requests.map((r) => !malformed(r));
    const col = (name: string) => REQUEST_COLUMNS.split(',').indexOf(name);
    const norm = (r: string[]) => {
      let text = r[col('justification')]!.toLowerCase();
      for (const c of ['given_name', 'family_name', 'case_number', 'criminal_statute']) {
        const w = r[col(c)]!.trim().toLowerCase();
        if (w) text = text.replaceAll(w, ' ');
      }
      return text.replace(/\s+/g, ' ').trim();
    };
    const officer = (r: string[]) => r[col('requesting_officer')]!.replace(/\s+/g, ' ').trim().toLowerCase();
    const texts = new Map<string, number>();
    const officers = new Map<string, number>();
    requests.forEach((r, i) => {
      if (!ok[i]) return;
      texts.set(norm(r), (texts.get(norm(r)) ?? 0) + 1);
      if (officer(r)) officers.set(officer(r), (officers.get(officer(r)) ?? 0) + 1);
    });
    const seen = new Set<string>();
    let a9 = 0;
    let a11 = 0;
    let a16 = 0;
    requests.forEach((r, i) => {
      if (!ok[i]) return;
      const codes = truth[i]!.expected_codes.split(';');
      const j = r[col('justification')]!.trim();
      const wantA9 = j.length < 20 || texts.get(norm(r))! - 1 > 10;
      const wantA11 = officer(r) !== '' && officers.get(officer(r))! > 200;
      const wantA16 = seen.has(r[0]!);
      seen.add(r[0]!);
      expect(codes.includes('MISSING_SPECIFIC_REASON'), `row ${i + 1} A9`).toBe(wantA9);
      expect(codes.includes('ENGAGEMENT_IMPLAUSIBLE'), `row ${i + 1} A11`).toBe(wantA11);
      expect(codes.includes('DUPLICATE_REQUEST'), `row ${i + 1} A16`).toBe(wantA16);
      expect(codes.includes('MISSING_NAME')).toBe(
        !r[col('given_name')]!.trim() || !r[col('family_name')]!.trim(),
      );
      expect(codes.includes('MISSING_CASE_NUMBER')).toBe(!r[col('case_number')]!.trim());
      expect(codes.includes('NO_ENGAGED_RECIPIENT')).toBe(officer(r) === '');
      expect(codes.includes('MISSING_STATUTORY_AUTHORITY')).toBe(!r[col('criminal_statute')]!.trim());
      if (wantA9) a9++;
      if (wantA11) a11++;
      if (wantA16) a16++;
    });
    expect(a9).toBeGreaterThan(0);
    expect(a11).toBeGreaterThan(200);
    expect(a16).toBeGreaterThan(0);
    // Ordinary officers stay well under the A11 limit; only the bulk officer is over it.
    expect([...officers.values()].filter((n) => n > 200)).toHaveLength(1);
  });

  it('contains both sides of the A9 boundary: a text on 11 rows (lawful) and one on 12', () => {
    const col = REQUEST_COLUMNS.split(',').indexOf('justification');
    const counts = new Map<string, number>();
    for (const r of requests)
      if (r[col]!.startsWith('Locate request under HQ directive'))
        counts.set(r[col]!, (counts.get(r[col]!) ?? 0) + 1);
    expect([...counts.values()].sort()).toEqual([11, 12]);
  });

  it('uses every record-level code at least once, sorted and consistent with `lawful`', () => {
    const seen = new Set<string>();
    for (const t of truth) {
      const codes = t.expected_codes ? t.expected_codes.split(';') : [];
      for (const c of codes) seen.add(c);
      expect([...codes].sort()).toEqual(codes);
      expect(t.lawful).toBe(codes.length === 0 ? '1' : '0');
    }
    expect([...seen].sort()).toEqual([...ALL_CODES].sort());
    const lawful = truth.filter((t) => t.lawful === '1').length / truth.length;
    expect(lawful).toBeGreaterThan(0.85);
    expect(lawful).toBeLessThan(0.97);
    expect(Object.keys(result.byCode).sort()).toEqual([...ALL_CODES].sort());
  });

  it('labels who each request is about', () => {
    const scenarios = new Set(truth.map((t) => t.scenario));
    for (const s of [
      'present_current',
      'present_prior_address',
      'present_stale_address',
      'present_jr_sr',
      'present_twin',
      'absent',
      'absent_same_name',
      'absent_same_name_dob',
      'absent_household_member',
      'absent_jr_sr',
      'absent_twin',
    ])
      expect(scenarios, s).toContain(s);
    for (const t of truth) {
      expect(t.true_tin === '').toBe(t.scenario.startsWith('absent'));
      if (t.true_tin === '') expect(t.address_on_record).toBe('none');
      expect(['current', 'prior', 'none']).toContain(t.address_on_record);
    }
    const present = truth.filter((t) => t.true_tin).length / truth.length;
    expect(present).toBeGreaterThan(0.3);
    expect(present).toBeLessThan(0.4);
  });

  it('says truly which address of record a request gives (house number and ZIP agree)', () => {
    const master = parse(read(dir, 'master.csv'), { columns: true }) as Record<string, string>[];
    const byTin = new Map<string, Record<string, string>[]>();
    for (const r of master) byTin.set(r.tin!, [...(byTin.get(r.tin!) ?? []), r]);
    const house = (street: string) => /^\d+/.exec(street)?.[0];
    let checked = 0;
    requests.forEach((r, i) => {
      const t = truth[i]!;
      if (malformed(r) || t.address_on_record === 'none') return;
      const list = [...byTin.get(t.true_tin)!].sort(
        (a, b) => Number(b.address_tax_year) - Number(a.address_tax_year),
      );
      const candidates = t.address_on_record === 'current' ? list.slice(0, 1) : list.slice(1);
      const agrees = candidates.some(
        (m) =>
          house(m.street!) === house(r[6]!) && (r[10] === '' || m.zip!.slice(0, 5) === r[10]!.slice(0, 5)),
      );
      expect(agrees, `row ${i + 1}: ${r.slice(6, 11).join(', ')}`).toBe(true);
      checked++;
    });
    expect(checked).toBeGreaterThan(1000);
  });

  it('perturbs present people like real requests, and asks about look-alikes', () => {
    const master = parse(read(dir, 'master.csv'), { columns: true }) as Record<string, string>[];
    const byTin = new Map(master.map((m) => [m.tin!, m]));
    const fold = (s: string) =>
      s
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .toUpperCase();
    let exactName = 0;
    let present = 0;
    let dobDiffers = 0;
    requests.forEach((r, i) => {
      const t = truth[i]!;
      if (!t.true_tin || malformed(r)) return;
      const m = byTin.get(t.true_tin)!;
      present++;
      if (fold(r[1]!) === fold(m.given_name!) && fold(r[3]!) === fold(m.family_name!)) exactName++;
      if (r[5] !== m.date_of_birth) dobDiffers++;
    });
    // Most requests name the person as filed (up to case and accents); many do not.
    expect(exactName / present).toBeGreaterThan(0.4);
    expect(exactName / present).toBeLessThan(0.9);
    expect(dobDiffers / present).toBeGreaterThan(0.05);
    // Same-name look-alikes carry a name that is in the master file.
    const names = new Set(
      master.map((m) => `${fold(m.given_name!)}|${fold(m.family_name!).split(/[ -]/)[0]}`),
    );
    const sameName = requests.filter(
      (r, i) => truth[i]!.scenario === 'absent_same_name_dob' && !malformed(r),
    );
    const found = sameName.filter((r) => names.has(`${fold(r[1]!)}|${fold(r[3]!).split(/[ -]/)[0]}`)).length;
    expect(found / sameName.length).toBeGreaterThan(0.6);
  });
});

describe('determinism', () => {
  it('gives byte-identical files for the same options, other files for another seed', async () => {
    const again = path.join(root, 'again');
    await generateSynthetic({ ...base, out: again });
    for (const f of ['master.csv', 'truth.csv', 'batch/requests.csv', 'batch/manifest.json'])
      expect(read(again, f), f).toBe(read(dir, f));
    const other = path.join(root, 'other');
    await generateSynthetic({ ...base, out: other, seed: 8, requests: 500 });
    expect(read(other, 'master.csv')).not.toBe(read(dir, 'master.csv'));
    expect(read(other, 'batch/requests.csv')).not.toBe(read(dir, 'batch/requests.csv'));
  });

  it('writes the same master file with worker threads as without', async () => {
    const one = path.join(root, 't1');
    const two = path.join(root, 't2');
    const opts = { seed: 3, taxpayers: 75_001, requests: 300 };
    const r1 = await generateSynthetic({ ...opts, out: one, threads: 1 });
    const r2 = await generateSynthetic({ ...opts, out: two, threads: 2 });
    expect(r1.threads).toBe(1);
    expect(r2.threads).toBe(2);
    expect(read(two, 'master.csv') === read(one, 'master.csv')).toBe(true);
    expect(read(two, 'truth.csv')).toBe(read(one, 'truth.csv'));
    expect(r2.masterRows).toBe(r1.masterRows);
  });
});

describe('variants', () => {
  it('writes the records as JSON Lines', async () => {
    const out = path.join(root, 'jsonl');
    const r = await generateSynthetic({
      seed: 5,
      taxpayers: 3000,
      requests: 1500,
      recordsFormat: 'jsonl',
      out,
    });
    const m = JSON.parse(read(out, 'batch', 'manifest.json'));
    expect(m.records).toBe('requests.jsonl');
    const lines = read(out, 'batch', 'requests.jsonl').split('\n').filter(Boolean);
    const truth = parse(read(out, 'truth.csv'), { columns: true }) as Truth[];
    expect(lines.length).toBe(r.requests);
    expect(truth.length).toBe(r.requests);
    let broken = 0;
    lines.forEach((line, i) => {
      const t = truth[i]!;
      let obj: Record<string, unknown> | undefined;
      try {
        obj = JSON.parse(line);
      } catch {
        broken++;
        expect(t.expected_codes).toBe('MALFORMED_RECORD');
        expect(/"request_id":"([^"]*)"/.exec(line)?.[1]).toBe(t.request_id);
        return;
      }
      expect(Object.keys(obj!)).toEqual(REQUEST_COLUMNS.split(','));
      expect(obj!.request_id).toBe(t.request_id);
      const fields = REQUEST_COLUMNS.split(',').map((c) => obj![c]);
      if (fields.some((f) => typeof f !== 'string')) expect(t.expected_codes).toBe('MALFORMED_RECORD');
      else expect(t.expected_codes === 'MALFORMED_RECORD').toBe(malformed(fields as string[]));
    });
    expect(broken).toBeGreaterThan(0);
  });

  it('writes the master as Parquet that DuckDB reads back', async () => {
    const out = path.join(root, 'parquet');
    const r = await generateSynthetic({
      seed: 5,
      taxpayers: 2000,
      requests: 50,
      masterFormat: 'parquet',
      out,
    });
    expect(r.paths.master).toBe(path.join(out, 'master.parquet'));
    const duck = await openDuck({ threads: 1, memoryLimit: '1GB' });
    try {
      const file = r.paths.master.replaceAll("'", "''");
      const cols = await queryRows<{ column_name: string }>(
        duck.conn,
        `DESCRIBE SELECT * FROM read_parquet('${file}')`,
      );
      expect(cols.map((c) => c.column_name).join(',')).toBe(MASTER_COLUMNS);
      const [stats] = await queryRows<{ n: number; people: number; bad: number }>(
        duck.conn,
        `SELECT count(*) AS n, count(DISTINCT tin) AS people, count(*) FILTER (WHERE NOT regexp_full_match(tin, '[0-9]{9}')) AS bad FROM read_parquet('${file}')`,
      );
      expect(stats).toEqual({ n: r.masterRows, people: 2000, bad: 0 });
    } finally {
      duck.close();
    }
  });

  it('puts manifest-level defects on every well-formed record', async () => {
    const out = path.join(root, 'signer');
    await generateSynthetic({
      seed: 2,
      taxpayers: 500,
      requests: 200,
      out,
      signerTitle: 'Acting Director, ICE',
    });
    const truth = parse(read(out, 'truth.csv'), { columns: true }) as Truth[];
    for (const t of truth) {
      if (t.expected_codes === 'MALFORMED_RECORD') continue;
      expect(t.expected_codes.split(';')).toContain('UNAUTHORIZED_SIGNATORY');
      expect(t.lawful).toBe('0');
    }
    expect(JSON.parse(read(out, 'batch', 'manifest.json')).signed_by.title).toBe('Acting Director, ICE');
  });

  it('handles tiny and empty batches', async () => {
    const out = path.join(root, 'tiny');
    const r = await generateSynthetic({ seed: 1, taxpayers: 1, requests: 0, out });
    expect(r.taxpayers).toBe(1);
    expect(read(out, 'batch', 'requests.csv')).toBe(`${REQUEST_COLUMNS}\n`);
    const r2 = await generateSynthetic({
      seed: 1,
      taxpayers: 3,
      requests: 40,
      out: path.join(root, 'tiny2'),
    });
    expect(r2.requests).toBe(40);
  });
});
