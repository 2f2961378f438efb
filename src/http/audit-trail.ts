/**
 * Every access to stored data is written to the hash-chained audit log before the data leaves
 * (shasta 467.6 (a), roseville 426.8 (a): "documenting all access of information by name, date
 * and time"). When the log cannot be written the access is refused: an unrecorded view is the
 * failure the policy forbids, a refused one is only an inconvenience.
 */
import { AlprError } from '../shared/errors.js';
import type { StatusReporter } from '../status/registry.js';
import { HttpErrors } from './errors.js';
import type { AuditInput, AuditPort, AuditRecord } from './ports.js';

export class AuditUnavailableError extends AlprError {
  constructor(cause: unknown) {
    super(HttpErrors.HTTP_AUDIT_UNAVAILABLE, { detail: cause instanceof Error ? cause.message : String(cause) }, { cause });
  }
}

export type AuditEntry = Pick<AuditInput, 'action'> & Partial<AuditInput>;

export class AuditTrail {
  constructor(
    private readonly port: AuditPort,
    private readonly reporter: StatusReporter,
  ) {}

  /** Appends one row; throws `AuditUnavailableError` (answered 503) when the log refuses it. */
  record(e: AuditEntry): AuditRecord {
    try {
      const rec = this.port.append({
        user: e.user ?? null,
        action: e.action,
        object: e.object ?? null,
        purpose: e.purpose ?? null,
        caseNumber: e.caseNumber ?? null,
        details: e.details ?? null,
        ip: e.ip ?? null,
      });
      this.reporter.count('audit_rows');
      return rec;
    } catch (err) {
      this.reporter.count('audit_failures');
      this.reporter.error(err);
      throw new AuditUnavailableError(err);
    }
  }
}
