import { fileURLToPath } from 'node:url';
import type { Agreement } from '../core/agreement.js';
import { BUILTIN_AGREEMENT } from '../core/builtin-agreement.js';
import type { AgreementDraft } from '../policy/agreement-schema.js';

/** Test helpers for the agreement suites (not used by the product). */

export const AGREEMENTS_DIR = fileURLToPath(new URL('../../data/agreements/', import.meta.url));
export const BUILTIN_FILE = `${AGREEMENTS_DIR}irs-dhs-2025.yaml`;
export const STRICT_FILE = `${AGREEMENTS_DIR}drafts/strict.yaml`;
export const LOOSENING_FILE = `${AGREEMENTS_DIR}drafts/loosening-invalid.yaml`;

type Patch = {
  [K in keyof AgreementDraft]?: AgreementDraft[K] extends readonly unknown[]
    ? AgreementDraft[K]
    : AgreementDraft[K] extends object
      ? Partial<AgreementDraft[K]>
      : AgreementDraft[K];
};

/** The built-in agreement with some clauses replaced (nested clauses merged one level deep). */
export function draft(patch: Patch = {}): AgreementDraft {
  const base = BUILTIN_AGREEMENT as AgreementDraft;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const old = (base as unknown as Record<string, unknown>)[k];
    out[k] =
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof old === 'object' &&
      !Array.isArray(old)
        ? { ...(old as object), ...v }
        : v;
  }
  return out as unknown as AgreementDraft;
}

/** Same as `draft`, typed as a valid agreement (for status and diff tests). */
export function agreement(patch: Patch = {}): Agreement {
  return draft(patch) as Agreement;
}
