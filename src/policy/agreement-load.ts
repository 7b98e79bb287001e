import { readFile } from 'node:fs/promises';
import YAML, { isMap, isScalar, isSeq, LineCounter, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import type { Agreement } from '../core/agreement.js';
import { CustodianError } from '../core/errors.js';
import { clauseOf, ruleLabel } from './agreement-clauses.js';
import { AgreementDocumentSchema, agreementToDocument, documentToDraft } from './agreement-schema.js';
import { type AgreementProblem, validateAgreement } from './agreement-validate.js';

/**
 * Reading and writing agreement documents. A document that fails its schema or loosens a
 * statutory rule is refused with `CUS_AGREEMENT_INVALID` and a message of one line per
 * problem: `FILE:LINE:COLUMN: CLAUSE: what is wrong — rule X (statutory)`.
 */

type Segment = string | number;

/** `limits.officer_max_records`, `criminal_statutes[3]`, `signatories[0].delegate`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** Offset in the text of the node a path names, or of its nearest ancestor present. */
function locate(doc: YAML.Document, segments: readonly Segment[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0];
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

/** Known keys of the schema at a path, for "did you mean" suggestions. */
function knownKeysAt(segments: readonly Segment[]): string[] {
  let schema: unknown = AgreementDocumentSchema;
  const unwrap = (s: unknown): unknown => {
    let cur = s;
    while (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap();
    return cur;
  };
  for (const seg of segments) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject && typeof seg === 'string') schema = schema.shape[seg];
    else if (schema instanceof z.ZodArray && typeof seg === 'number') schema = schema.element;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

function suggestion(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3))
    ? `; did you mean '${best}'?`
    : '';
}

function describe(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of clauses',
};

/** Turns zod's issues into problems in the words of the document. */
function schemaProblems(issues: readonly z.core.$ZodIssue[], data: unknown): AgreementProblem[] {
  const problems: AgreementProblem[] = [];
  const valueAt = (segments: readonly PropertyKey[]): unknown =>
    segments.reduce<unknown>(
      (v, s) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[s] : undefined),
      data,
    );
  for (const issue of issues) {
    const segments = issue.path as Segment[];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(segments);
      for (const key of issue.keys) {
        problems.push({
          path: formatPath([...segments, key]),
          message: `unknown clause: not part of the agreement document, so it would not apply${suggestion(key, known)}`,
        });
      }
      continue;
    }
    const path = formatPath(segments);
    const rule = clauseOf(path)?.rule;
    let message = issue.message;
    if (issue.code === 'invalid_type') {
      const value = valueAt(segments);
      message =
        value === undefined
          ? 'required clause is missing'
          : `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${describe(value)}`;
    } else if (issue.code === 'custom') {
      const value = valueAt(segments);
      message = `${describe(value)} ${issue.message}`;
    }
    problems.push(rule === undefined ? { path, message } : { path, rule, message });
  }
  return problems;
}

function invalid(source: string, lines: readonly string[]): CustodianError {
  const head =
    lines.length === 1
      ? `${source}: invalid agreement:`
      : `${source}: invalid agreement (${lines.length} problems):`;
  return new CustodianError('CUS_AGREEMENT_INVALID', [head, ...lines.map((l) => `  ${l}`)].join('\n'));
}

/** One line per problem: `FILE:LINE:COLUMN: CLAUSE: message — rule X (statutory)`. */
export function formatProblem(
  source: string,
  p: AgreementProblem,
  where?: { line: number; col: number },
): string {
  const loc = where ? `${source}:${where.line}:${where.col}` : source;
  const rule = p.rule === undefined ? '' : ` — ${ruleLabel(p.rule)}`;
  return `${loc}: ${p.path || '(document)'}: ${p.message}${rule}`;
}

/**
 * Parses and validates an agreement document. `source` names it in messages (usually the
 * file path). Throws `CustodianError('CUS_AGREEMENT_INVALID')` listing every problem found.
 */
export function parseAgreement(text: string, source: string): Agreement {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, version: '1.2' });
  const yamlIssues = [...doc.errors, ...doc.warnings];
  if (yamlIssues.length > 0) {
    throw invalid(
      source,
      yamlIssues.map((e) => {
        const pos = e.linePos?.[0];
        const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return `${pos ? `${source}:${pos.line}:${pos.col}` : source}: YAML syntax error: ${what}`;
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw invalid(source, [`${source}: YAML error: ${e instanceof Error ? e.message : String(e)}`]);
  }
  if (data === null || data === undefined)
    throw invalid(source, [`${source}: the document is empty: an agreement is a mapping of clauses`]);

  const where = (path: string) => {
    const offset = locate(doc, parsePath(path));
    return offset === undefined ? undefined : lineCounter.linePos(offset);
  };
  const report = (problems: readonly AgreementProblem[]) =>
    invalid(
      source,
      problems.map((p) => formatProblem(source, p, where(p.path))),
    );

  const parsed = AgreementDocumentSchema.safeParse(data);
  if (!parsed.success) throw report(schemaProblems(parsed.error.issues, data));
  const draft = documentToDraft(parsed.data);
  const problems = validateAgreement(draft);
  if (problems.length > 0) throw report(problems);
  return draft as Agreement;
}

/** Reads, parses and validates an agreement file. */
export async function loadAgreement(file: string): Promise<Agreement> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CustodianError('CUS_INPUT_NOT_FOUND', `${file}: no such agreement file`);
    throw new CustodianError(
      'CUS_INPUT_UNREADABLE',
      `${file}: cannot read the agreement file (${code ?? e})`,
      {
        cause: e,
      },
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new CustodianError('CUS_INPUT_NOT_UTF8', `${file}: the agreement file is not UTF-8 text`, {
      cause: e,
    });
  }
  return parseAgreement(text, file);
}

/** The agreement as a YAML document (snake_case clauses, in document order). */
export function agreementToYaml(a: Agreement): string {
  return YAML.stringify(agreementToDocument(a), { lineWidth: 100, minContentWidth: 40 });
}
