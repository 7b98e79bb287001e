/**
 * One registry of error codes. Every error that reaches a user carries one of these codes,
 * a one-line message naming the file, row and field where there is one, and an exit code.
 * Codes are stable: they are documented in docs/errors.md and tested against it.
 */
export const ERROR_CODES = {
  CUS_USAGE: { exit: 2, summary: 'The command line is not usable (unknown option, missing argument).' },
  CUS_INPUT_NOT_FOUND: { exit: 2, summary: 'An input file or folder does not exist.' },
  CUS_INPUT_UNREADABLE: {
    exit: 2,
    summary: 'An input file exists but cannot be read as the expected format.',
  },
  CUS_INPUT_NOT_UTF8: { exit: 2, summary: 'An input file is not UTF-8 text.' },
  CUS_INPUT_MISSING_COLUMNS: { exit: 2, summary: 'A required column is missing from an input file header.' },
  CUS_MANIFEST_INVALID: {
    exit: 2,
    summary: 'The batch manifest is not valid JSON or lacks a required field.',
  },
  CUS_RECORDS_PATH_ESCAPES: {
    exit: 2,
    summary: "The manifest's records path points outside the manifest's folder.",
  },
  CUS_MASTER_EMPTY: { exit: 2, summary: 'The master extract has no usable row.' },
  CUS_AGREEMENT_INVALID: {
    exit: 2,
    summary: 'An agreement document fails its schema or loosens a statutory rule.',
  },
  CUS_OUTPUT_UNWRITABLE: { exit: 2, summary: 'The output folder cannot be created or written.' },
  CUS_STORE_INVALID: {
    exit: 2,
    summary: 'The store folder holds something that is not a Custodian store, or of another version.',
  },
  CUS_MODEL_INVALID: { exit: 2, summary: 'A matcher model file is unreadable or of another version.' },
  CUS_NATIVE_KERNEL: {
    exit: 2,
    summary:
      'The native comparison kernel was required (CUSTODIAN_COMPARISON_ENGINE=native) but is not built or does not load, or it had no memory for a chunk.',
  },
  CUS_INTERNAL: { exit: 70, summary: 'An internal error: a bug. The message says where; please report it.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class CustodianError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CustodianError';
    this.code = code;
    this.exitCode = ERROR_CODES[code].exit;
  }
}

export function isCustodianError(e: unknown): e is CustodianError {
  return e instanceof CustodianError;
}
