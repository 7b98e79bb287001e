/**
 * Version stamps. Every decision records the versions of the code that made it, so that a
 * later correction (rule D9) can tell which decisions a defect touched. Bump a version when
 * the behaviour of its stage changes, never for refactors that keep outputs identical.
 */
export const PIPELINE_VERSION = 'pipeline/1';
export const GATE_VERSION = 'gate/1';
export const BASELINE_MATCHER_VERSION = 'baseline-exact/1';
