import type { Agreement } from '../core/agreement.js';
import type { ReasonCode } from '../core/reason-codes.js';
import type { Manifest } from '../ingest/manifest.js';
import {
  activeCourtOrders,
  agreementInForce,
  authorityRecognized,
  safeguardsCurrent,
  signatoryAuthorized,
} from './agreement-status.js';

export interface BatchGateResult {
  /** Codes that refuse every record of the batch (A1, A2, A13, A14, agreement not in force). */
  readonly codes: readonly ReasonCode[];
  /** Plain-language findings, for the summary and the officer. */
  readonly findings: readonly string[];
}

/**
 * Batch-level legal checks: their failure refuses every record, each record carrying the code.
 * Pure: no I/O. `asOf` is the processing date (YYYY-MM-DD).
 */
export function runBatchGate(manifest: Manifest, agreement: Agreement, asOf: string): BatchGateResult {
  const codes: ReasonCode[] = [];
  const findings: string[] = [];
  const add = (code: ReasonCode, finding: string) => {
    if (!codes.includes(code)) codes.push(code);
    findings.push(`${code}: ${finding}`);
  };
  if (manifest.agreementId && manifest.agreementId !== agreement.id) {
    add(
      'AGREEMENT_MISMATCH',
      `the manifest names agreement '${manifest.agreementId}', the gateway applies '${agreement.id}'`,
    );
  }
  if (!manifest.statutoryAuthority) add('NO_STATUTORY_BASIS', 'the manifest cites no statutory authority');
  else if (!authorityRecognized(agreement, manifest.statutoryAuthority)) {
    add(
      'NO_STATUTORY_BASIS',
      `'${manifest.statutoryAuthority}' is not an authority named in agreement ${agreement.id}`,
    );
  }
  if (!manifest.signedBy.title) add('UNAUTHORIZED_SIGNATORY', 'the manifest names no signer title');
  else if (!signatoryAuthorized(agreement, manifest.signedBy.title)) {
    add(
      'UNAUTHORIZED_SIGNATORY',
      `'${manifest.signedBy.title}' is not an authorised signatory of agreement ${agreement.id}`,
    );
  }
  const inForce = agreementInForce(agreement, asOf);
  if (!inForce.inForce)
    add('AGREEMENT_NOT_IN_FORCE', inForce.reason ?? `agreement ${agreement.id} is not in force on ${asOf}`);
  const recipient = manifest.requestingAgency || agreement.parties.recipient;
  if (
    manifest.requestingAgency &&
    normaliseAgency(manifest.requestingAgency) !== normaliseAgency(agreement.parties.recipient)
  ) {
    add(
      'AGREEMENT_MISMATCH',
      `requesting agency '${manifest.requestingAgency}' is not the recipient of agreement ${agreement.id}`,
    );
  }
  for (const order of activeCourtOrders(agreement, recipient, asOf)) {
    add('ENJOINED', `${recipient} is named in ${order.reference} (${order.court})`);
  }
  if (!safeguardsCurrent(agreement, asOf))
    add('RECIPIENT_SAFEGUARDS_NOT_MET', `no current safeguards certification for ${recipient} on ${asOf}`);
  return { codes, findings };
}

function normaliseAgency(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
