/**
 * Supervisor-approved uses at the central, with the device's own rules (src/http/auth/approvals.ts:
 * `checkApproval`, `recentApprovals`, `offListJustification`): a search or release whose purpose is
 * not on the agency's list is asked for, approved or declined by a second administrator (at the
 * central, administrators hold the supervisor right), and the use names the approval. Lifetimes
 * are `search.approval_valid_h`; an export approval covers one release, once.
 *
 * The device's functions read a synchronous audit port; here the rows they need (the approval
 * actions since the request) are read from PostgreSQL first and handed over as a read-only
 * snapshot, so the rules are the device's code, not a copy.
 */
import { APPROVAL_DECLINED, APPROVAL_GRANTED, APPROVAL_REQUESTED, approvalRequest, checkApproval, EXPORT_DONE, recentApprovals, type ApprovalRequest, type ApprovedUse } from '../http/auth/approvals.js';
import type { AuditPort, AuditRecord } from '../http/ports.js';
import type { CentralAudit, CentralAuditRow } from './central-audit.js';

const ACTIONS = [APPROVAL_REQUESTED, APPROVAL_GRANTED, APPROVAL_DECLINED, EXPORT_DONE] as const;
const ROWS_MAX = 10_000;
const WEEK_MS = 7 * 86_400_000;

/** A read-only audit port over rows already read (newest first, as the device's log answers). */
export function snapshotPort(rows: readonly CentralAuditRow[]): AuditPort {
  const recs: AuditRecord[] = rows
    .map((r) => ({ id: r.id, at: r.at, user: r.staff, action: r.action, object: r.object, purpose: r.purpose, caseNumber: r.caseNumber, details: r.details, ip: r.ip, prevHash: '', hash: r.hash }))
    .sort((a, b) => b.id - a.id);
  const readOnly = (): never => {
    throw new Error('read-only snapshot of the central audit log');
  };
  return {
    append: readOnly,
    verify: readOnly,
    get: (id) => recs.find((r) => r.id === id) ?? null,
    query: (f) => {
      const out = recs.filter((r) => (f.action === undefined || r.action === f.action) && (f.from === undefined || r.at >= f.from) && (f.to === undefined || r.at <= f.to) && (f.user === undefined || r.user === f.user));
      const start = f.offset ?? 0;
      return out.slice(start, start + (f.limit ?? 100));
    },
  };
}

export class CentralApprovals {
  constructor(
    private readonly audit: CentralAudit,
    private readonly validMs: number,
    private readonly now: () => number,
  ) {}

  /** The request `id` with its state now, or null when `id` is no approval request. */
  async get(id: number): Promise<ApprovalRequest | null> {
    const r = await this.audit.get(id);
    if (!r || r.action !== APPROVAL_REQUESTED) return null;
    return approvalRequest(await this.portSince(r.at, r), id, this.now(), this.validMs);
  }

  /** Requests of the last week, newest first. */
  async recent(): Promise<ApprovalRequest[]> {
    return recentApprovals(await this.portSince(this.now() - WEEK_MS), this.now(), WEEK_MS, this.validMs);
  }

  /** Whether approval `id` covers this use now (the device's checkApproval). */
  async check(id: number, want: { use: ApprovedUse; requester: string; caseNumber: string; purposeCategory: string }): Promise<{ ok: true; approval: ApprovalRequest } | { ok: false; reason: string }> {
    const r = await this.audit.get(id);
    if (!r || r.action !== APPROVAL_REQUESTED) return { ok: false, reason: 'no such approval request' };
    return checkApproval(await this.portSince(r.at, r), id, want, this.now(), this.validMs);
  }

  private async portSince(fromMs: number, request?: CentralAuditRow): Promise<AuditPort> {
    const rows = await this.audit.since(ACTIONS, fromMs, ROWS_MAX);
    if (request && !rows.some((x) => x.id === request.id)) rows.push(request);
    return snapshotPort(rows);
  }
}
