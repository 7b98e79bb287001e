import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REQUEST_COLUMNS } from '../ingest/columns.js';

/** A lawful request record: every field present and specific. Tests override what they probe. */
export function lawfulRequest(i: number, over: Record<string, string> = {}): Record<string, string> {
  return {
    request_id: `R${i}`,
    given_name: 'Maria',
    middle_name: '',
    family_name: `Lopez${i}`,
    name_suffix: '',
    date_of_birth: '1980-02-03',
    street: `${100 + i} Main St`,
    unit: '',
    city: 'Springfield',
    state: 'IL',
    zip: '62701',
    tin: '',
    taxable_periods: '2022;2023',
    criminal_statute: '8 USC 1326(a)',
    case_number: `CASE-${i}`,
    requesting_officer: `Officer ${i}`,
    justification: `Subject of case CASE-${i}, reentry after removal on record ${i * 7}; address needed to serve warrant ${i}`,
    requested_fields: '',
    ...over,
  };
}

export function csvOf(
  rows: readonly Record<string, string>[],
  columns: readonly string[] = REQUEST_COLUMNS,
): string {
  const esc = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return `${columns.join(',')}\n${rows.map((r) => columns.map((c) => esc(r[c] ?? '')).join(',')).join('\n')}\n`;
}

export function tempDir(prefix = 'custodian-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a manifest and its records file; returns the manifest path. */
export function writeBatch(
  dir: string,
  rows: readonly Record<string, string>[],
  manifest: Record<string, unknown> = {},
): string {
  writeFileSync(path.join(dir, 'requests.csv'), csvOf(rows));
  const m = {
    batch_id: 'TEST-1',
    requesting_agency: 'Department of Homeland Security',
    agreement_id: 'IRS-DHS-2025',
    statutory_authority: '26 USC 6103(i)(2)',
    signed_by: { name: 'A. Person', title: 'Secretary of Homeland Security' },
    signed_on: '2025-06-02',
    records: 'requests.csv',
    ...manifest,
  };
  const file = path.join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify(m, null, 2));
  return file;
}
