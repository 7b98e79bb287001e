/**
 * Custodian's public API: everything a program embedding Custodian (the future HTTP server,
 * scripts, benchmarks) may import. Anything not exported here is internal and may change.
 */
export type { Agreement, CourtOrder, DisclosableField, RequestElement, Signatory } from './core/agreement.js';
export { agreementStamp, DISCLOSABLE_FIELDS } from './core/agreement.js';
export { BUILTIN_AGREEMENT } from './core/builtin-agreement.js';
export { CustodianError, ERROR_CODES, type ErrorCode, isCustodianError } from './core/errors.js';
export { OUTCOMES, type Outcome, type ReleaseStatus } from './core/outcome.js';
export { type ProgressSink, SILENT_PROGRESS } from './core/progress.js';
export { ALL_REASON_CODES, REASON_CODES, type ReasonCode } from './core/reason-codes.js';
export { normalizeStatute, statuteRecognized } from './core/statute.js';
export { builtinModelPath, type FsModel, formatModelReport, loadModel } from './match/fs-model.js';
export { diffAgreements, formatDiff } from './policy/agreement-diff.js';
export { agreementToYaml, loadAgreement, parseAgreement } from './policy/agreement-load.js';
export { validateAgreement } from './policy/agreement-validate.js';
export {
  attachMasterStore,
  importMaster,
  type MasterStoreInfo,
  readStoreInfo,
} from './store/master-store.js';
export { generateSynthetic, type SynthOptions, type SynthResult } from './synth/generate.js';
export { type Evaluation, evaluateRun } from './workflow/evaluate.js';
export { type ProcessOptions, type ProcessSummary, processBatch } from './workflow/process-batch.js';
export { type Reevaluation, reevaluateRuns } from './workflow/reevaluate.js';
export { type Draft, type Simulation, simulateAgreements } from './workflow/simulate.js';
