import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CustodianError } from '../core/errors.js';
import { COMPARISONS } from './comparisons.js';

export const MODEL_FORMAT = 'custodian-fs-model/1';

export interface ModelLevel {
  readonly label: string;
  readonly m: number;
  readonly u: number;
}

export interface ModelComparison {
  readonly id: string;
  readonly label: string;
  readonly levels: readonly ModelLevel[];
}

/** A trained Fellegi–Sunter model: a versioned file whose version is stamped on every decision. */
export interface FsModel {
  readonly format: typeof MODEL_FORMAT;
  /** `fs-` and the first 12 hex digits of the SHA-256 of the parameters: same parameters, same version. */
  readonly version: string;
  readonly created: string;
  readonly standardizer: string;
  /** Prior: share of candidate pairs that are matches. */
  readonly lambda: number;
  readonly comparisons: readonly ModelComparison[];
  readonly training: Record<string, unknown>;
}

const ModelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.string(),
  created: z.string(),
  standardizer: z.string(),
  lambda: z.number().gt(0).lt(1),
  comparisons: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      levels: z.array(
        z.object({ label: z.string(), m: z.number().gt(0).lte(1), u: z.number().gt(0).lte(1) }),
      ),
    }),
  ),
  training: z.record(z.string(), z.unknown()),
});

export function modelVersion(lambda: number, comparisons: readonly ModelComparison[]): string {
  const canonical = JSON.stringify({
    lambda,
    comparisons: comparisons.map((c) => ({ id: c.id, levels: c.levels.map((l) => [l.m, l.u]) })),
  });
  return `fs-${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}

export function levelWeight(l: ModelLevel): number {
  return Math.log2(l.m / l.u);
}

export function priorWeight(model: Pick<FsModel, 'lambda'>): number {
  return Math.log2(model.lambda / (1 - model.lambda));
}

export async function loadModel(file: string): Promise<FsModel> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new CustodianError(
      'CUS_MODEL_INVALID',
      `${file}: cannot read model (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const parsed = ModelSchema.safeParse(json);
  if (!parsed.success) {
    throw new CustodianError(
      'CUS_MODEL_INVALID',
      `${file}: not a ${MODEL_FORMAT} file (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`,
    );
  }
  const model = parsed.data as FsModel;
  const expected = COMPARISONS.map((c) => `${c.id}:${c.levels.length}`).join(',');
  const got = model.comparisons.map((c) => `${c.id}:${c.levels.length}`).join(',');
  if (expected !== got)
    throw new CustodianError(
      'CUS_MODEL_INVALID',
      `${file}: model comparisons ${got} do not fit this matcher (${expected}); retrain it`,
    );
  if (modelVersion(model.lambda, model.comparisons) !== model.version) {
    throw new CustodianError(
      'CUS_MODEL_INVALID',
      `${file}: parameters do not match the model version ${model.version} (edited by hand?)`,
    );
  }
  return model;
}

export async function saveModel(model: FsModel, file: string): Promise<void> {
  await writeFile(file, `${JSON.stringify(model, null, 2)}\n`);
}

/** The model shipped with Custodian (trained on synthetic data; see docs/accuracy.md). */
export function builtinModelPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // src/match or dist/match → project root
  return path.resolve(here, '..', '..', 'data', 'models', 'fs-default.json');
}

/** A readable report of a model: m, u and match weight per level. */
export function formatModelReport(model: FsModel): string {
  const lines = [
    `model ${model.version} (${model.format}), standardizer ${model.standardizer}, created ${model.created}`,
    `prior λ = ${model.lambda.toExponential(3)}  (prior weight ${priorWeight(model).toFixed(2)})`,
    '',
  ];
  for (const c of model.comparisons) {
    lines.push(`${c.label} [${c.id}]`);
    for (const l of c.levels) {
      lines.push(
        `  ${l.label.padEnd(46)} m=${l.m.toFixed(5).padStart(8)}  u=${l.u.toExponential(3).padStart(10)}  weight=${levelWeight(l).toFixed(2).padStart(7)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
