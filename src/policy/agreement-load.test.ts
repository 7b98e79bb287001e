import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import { CustodianError } from '../core/errors.js';
import { agreement, BUILTIN_FILE, LOOSENING_FILE, STRICT_FILE } from '../test-support/agreement-helpers.js';
import { agreementToYaml, loadAgreement, parseAgreement } from './agreement-load.js';

function failure(fn: () => unknown): CustodianError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CustodianError);
    return e as CustodianError;
  }
  throw new Error('expected a CustodianError');
}

async function failureAsync(fn: () => Promise<unknown>): Promise<CustodianError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CustodianError);
    return e as CustodianError;
  }
  throw new Error('expected a CustodianError');
}

const builtinYaml = agreementToYaml(BUILTIN_AGREEMENT);

describe('the built-in agreement document', () => {
  it('data/agreements/irs-dhs-2025.yaml parses to exactly BUILTIN_AGREEMENT', async () => {
    expect(await loadAgreement(BUILTIN_FILE)).toStrictEqual(BUILTIN_AGREEMENT);
  });

  it('docs/agreements.md shows it in full (the worked example stays in step with the code)', async () => {
    const docs = await readFile(new URL('../../docs/agreements.md', import.meta.url), 'utf8');
    const blocks = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const example = blocks.find((b) => b.startsWith('id: IRS-DHS-2025'));
    expect(example).toBeDefined();
    expect(parseAgreement(example!, 'docs/agreements.md')).toStrictEqual(BUILTIN_AGREEMENT);
    const file = await readFile(BUILTIN_FILE, 'utf8');
    expect(file.endsWith(example!)).toBe(true);
  });

  it('round-trips through agreementToYaml', () => {
    expect(parseAgreement(builtinYaml, 'builtin')).toStrictEqual(BUILTIN_AGREEMENT);
  });

  it('round-trips an agreement with every optional clause set', () => {
    const full = agreement({
      version: 2,
      signatories: [
        ...BUILTIN_AGREEMENT.signatories,
        {
          title: 'Director, U.S. Immigration and Customs Enforcement',
          delegate: { counselApproval: 'OCC-2025-014' },
        },
      ],
      requiredElements: [...BUILTIN_AGREEMENT.requiredElements, 'date_of_birth'],
      safeguards: { certified: true, certifiedOn: '2025-01-01', expires: '2026-01-01' },
      courtOrders: [
        {
          reference: "No. 25-cv-0001 (example: 'fictional')",
          court: 'Example District Court',
          enjoins: ['Department of Homeland Security', 'Immigration & Customs Enforcement'],
          effective: '2025-05-01',
          expires: '2025-12-31',
        },
      ],
      term: { effective: '2025-04-07', expires: '2026-04-07' },
      changes: [
        ...BUILTIN_AGREEMENT.changes,
        {
          version: 2,
          date: '2025-09-01',
          rationale: 'Line one: with "quotes", # hashes and a long tail. '.repeat(4),
        },
      ],
    });
    expect(parseAgreement(agreementToYaml(full), 'full')).toStrictEqual(full);
  });
});

describe('example drafts', () => {
  it('strict.yaml is valid', async () => {
    const a = await loadAgreement(STRICT_FILE);
    expect(a.version).toBe(2);
    expect(a.matching.threshold).toBe(0.995);
    expect(a.limits.officerMaxRecords).toBe(50);
    expect(a.criminalStatutes.length).toBeLessThan(BUILTIN_AGREEMENT.criminalStatutes.length);
  });

  it('loosening-invalid.yaml is refused, naming rules A7, A12 and C1 with their lines', async () => {
    const e = await failureAsync(() => loadAgreement(LOOSENING_FILE));
    expect(e.code).toBe('CUS_AGREEMENT_INVALID');
    const lines = e.message.split('\n');
    expect(lines[0]).toBe(`${LOOSENING_FILE}: invalid agreement (3 problems):`);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/:\d+:\d+: criminal_statutes\[14\]: '8 USC 1227' .* rule A7 \(statutory\)$/);
    expect(lines[2]).toMatch(/:\d+:\d+: disclosable_fields\[9\]: 'wages' .* rule A12 \(statutory\)$/);
    expect(lines[3]).toMatch(/:\d+:\d+: matching\.require_address_corroboration: .* rule C1$/);
    // Each line points at the offending line of the file.
    const text = (await readFile(LOOSENING_FILE, 'utf8')).split('\n');
    const lineOf = (l: string) => Number(/:(\d+):\d+: /.exec(l)![1]);
    expect(text[lineOf(lines[1]!) - 1]).toContain('8 USC 1227');
    expect(text[lineOf(lines[2]!) - 1]).toContain('wages');
    expect(text[lineOf(lines[3]!) - 1]).toContain('require_address_corroboration: false');
  });
});

describe('parseAgreement: errors', () => {
  it('a YAML syntax error carries line and column', () => {
    const e = failure(() =>
      parseAgreement('id: X\nversion: 1\nauthorities: [26 USC 6103(i)(2)\ntitle: t\n', 'a.yaml'),
    );
    expect(e.code).toBe('CUS_AGREEMENT_INVALID');
    expect(e.message).toMatch(/^a\.yaml: invalid agreement:\n {2}a\.yaml:\d+:\d+: YAML syntax error: /);
    expect(e.message).not.toContain('\n\n');
  });

  it('a clause written twice is a syntax error at its second occurrence', () => {
    const text = builtinYaml.replace('disposition_days: 90', 'disposition_days: 90\ndisposition_days: 400');
    const line = text.split('\n').indexOf('disposition_days: 400') + 1;
    const e = failure(() => parseAgreement(text, 'dup.yaml'));
    expect(e.message).toContain(`dup.yaml:${line}:1: YAML syntax error: Map keys must be unique`);
  });

  it('an empty document is refused', () => {
    expect(failure(() => parseAgreement('# nothing\n', 'e.yaml')).message).toContain('the document is empty');
  });

  it('an unknown key is refused, with a suggestion and its line', () => {
    const text = builtinYaml.replace('  threshold: 0.99', '  treshold: 0.999');
    const line = text.split('\n').indexOf('  treshold: 0.999') + 1;
    const e = failure(() => parseAgreement(text, 'k.yaml'));
    expect(e.message).toContain(`k.yaml:${line}:3: matching.treshold: unknown clause`);
    expect(e.message).toContain("did you mean 'threshold'?");
    expect(e.message).toContain('matching.threshold: required clause is missing — rule C3');
  });

  it('an unknown top-level clause is refused', () => {
    const e = failure(() => parseAgreement(`${builtinYaml}allow_tin_only_matches: true\n`, 'k.yaml'));
    expect(e.message).toMatch(/k\.yaml:\d+:1: allow_tin_only_matches: unknown clause/);
  });

  it('wrong types are named in the words of the document', () => {
    const text = builtinYaml
      .replace('require_address_corroboration: true', 'require_address_corroboration: yes')
      .replace('threshold: 0.99', 'threshold: "0.99"')
      .replace('effective: 2025-04-07', 'effective: 2025-02-30');
    const e = failure(() => parseAgreement(text, 't.yaml'));
    expect(e.message).toContain(
      "matching.require_address_corroboration: must be true or false, not 'yes' — rule C1",
    );
    expect(e.message).toContain("matching.threshold: must be a number, not '0.99' — rule C3");
    expect(e.message).toContain("term.effective: '2025-02-30' must be a real date written YYYY-MM-DD");
  });

  it('a missing clause is named', () => {
    const text = builtinYaml.replace(/^disposition_days: 90\n/m, '');
    expect(failure(() => parseAgreement(text, 'm.yaml')).message).toContain(
      'disposition_days: required clause is missing — rule D8',
    );
  });

  it('an empty optional clause means it is not set', () => {
    const text = builtinYaml.replace('  effective: 2025-04-07\n', '  effective: 2025-04-07\n  expires:\n');
    expect(parseAgreement(text, 'o.yaml')).toStrictEqual(BUILTIN_AGREEMENT);
  });

  it('a limit out of bounds names file, line, clause and rule', () => {
    const text = builtinYaml.replace('officer_max_records: 200', 'officer_max_records: 201');
    const line = text.split('\n').indexOf('  officer_max_records: 201') + 1;
    expect(failure(() => parseAgreement(text, 'l.yaml')).message).toContain(
      `l.yaml:${line}:3: limits.officer_max_records: must be at most 200, not 201: ` +
        'an agreement may lower it, never raise it — rule A11 (statutory)',
    );
  });
});

describe('loadAgreement: files', () => {
  it('a missing file is CUS_INPUT_NOT_FOUND', async () => {
    expect((await failureAsync(() => loadAgreement('/nonexistent/agreement.yaml'))).code).toBe(
      'CUS_INPUT_NOT_FOUND',
    );
  });
  it('a folder is CUS_INPUT_UNREADABLE', async () => {
    expect((await failureAsync(() => loadAgreement('/tmp'))).code).toBe('CUS_INPUT_UNREADABLE');
  });
});
