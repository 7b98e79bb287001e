import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CustodianError } from '../core/errors.js';

/**
 * The batch manifest (interchange spec, section 2). Only `batch_id` and `records` are needed to
 * read a batch; the legal fields may be missing or wrong, in which case the legal gate refuses
 * every record with the right code (default deny, everything accounted) rather than stopping.
 */
const ManifestSchema = z
  .object({
    batch_id: z.string().trim().min(1, 'batch_id must not be empty'),
    requesting_agency: z.string().optional(),
    agreement_id: z.string().optional(),
    statutory_authority: z.string().optional(),
    signed_by: z.object({ name: z.string().optional(), title: z.string().optional() }).loose().optional(),
    signed_on: z.string().optional(),
    records: z.string().trim().min(1, 'records must name the records file'),
    requested_fields: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .loose();

export interface Manifest {
  readonly batchId: string;
  readonly requestingAgency: string;
  readonly agreementId: string;
  readonly statutoryAuthority: string;
  readonly signedBy: { readonly name: string; readonly title: string };
  readonly signedOn: string;
  /** Absolute path of the records file, checked to lie inside the manifest's folder. */
  readonly recordsPath: string;
  /** Fields asked for at batch level beyond identity (rule A12); empty when not given. */
  readonly requestedFields: readonly string[];
  /** Absolute path of the manifest itself. */
  readonly manifestPath: string;
}

export async function readManifest(file: string): Promise<Manifest> {
  const manifestPath = path.resolve(file);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CustodianError('CUS_INPUT_NOT_FOUND', `${file}: manifest not found`);
    throw new CustodianError('CUS_INPUT_UNREADABLE', `${file}: cannot read manifest (${code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CustodianError('CUS_MANIFEST_INVALID', `${file}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new CustodianError('CUS_MANIFEST_INVALID', `${file}: ${issues.join('; ')}`);
  }
  const m = parsed.data;
  const folder = path.dirname(manifestPath);
  const recordsPath = path.resolve(folder, m.records);
  const rel = path.relative(folder, recordsPath);
  if (rel.startsWith('..') || path.isAbsolute(rel) || rel === '') {
    throw new CustodianError(
      'CUS_RECORDS_PATH_ESCAPES',
      `${file}: records path '${m.records}' is outside the manifest's folder`,
    );
  }
  const requested = m.requested_fields;
  return {
    batchId: m.batch_id.trim(),
    requestingAgency: m.requesting_agency?.trim() ?? '',
    agreementId: m.agreement_id?.trim() ?? '',
    statutoryAuthority: m.statutory_authority?.trim() ?? '',
    signedBy: { name: m.signed_by?.name?.trim() ?? '', title: m.signed_by?.title?.trim() ?? '' },
    signedOn: m.signed_on?.trim() ?? '',
    recordsPath,
    requestedFields: (Array.isArray(requested) ? requested : (requested ?? '').split(';'))
      .map((s) => s.trim())
      .filter(Boolean),
    manifestPath,
  };
}
