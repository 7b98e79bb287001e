import { COMPARISONS } from '../match/comparisons.js';
import { type FsModel, MODEL_FORMAT, type ModelComparison, modelVersion } from '../match/fs-model.js';

/**
 * A hand-set model for unit tests: plausible m and u per level (not trained), so matcher tests
 * do not depend on training. Levels are listed from "different" up to "exact".
 */
const PARAMS: Record<string, { m: number[]; u: number[] }> = {
  given: { m: [0.02, 0.03, 0.05, 0.1, 0.8], u: [0.9, 0.07, 0.02, 0.005, 0.005] },
  family: { m: [0.02, 0.03, 0.05, 0.1, 0.8], u: [0.9, 0.07, 0.02, 0.005, 0.005] },
  middle: { m: [0.05, 0.15, 0.8], u: [0.85, 0.1, 0.05] },
  suffix: { m: [0.005, 0.045, 0.95], u: [0.02, 0.08, 0.9] },
  dob: { m: [0.02, 0.01, 0.02, 0.05, 0.02, 0.88], u: [0.95, 0.04, 0.008, 0.001, 0.0005, 0.0005] },
  address: { m: [0.2, 0.05, 0.05, 0.1, 0.6], u: [0.95, 0.04, 0.008, 0.001, 0.001] },
  tin: { m: [0.05, 0.001, 0.949], u: [0.999, 0.0005, 0.0005] },
};

export function testModel(lambda = 1e-3): FsModel {
  const comparisons: ModelComparison[] = COMPARISONS.map((c) => ({
    id: c.id,
    label: c.label,
    levels: c.levels.map((l, i) => ({ label: l.label, m: PARAMS[c.id]!.m[i]!, u: PARAMS[c.id]!.u[i]! })),
  }));
  return {
    format: MODEL_FORMAT,
    version: modelVersion(lambda, comparisons),
    created: '2026-01-01T00:00:00.000Z',
    standardizer: 'test',
    lambda,
    comparisons,
    training: { note: 'hand-set test model' },
  };
}
