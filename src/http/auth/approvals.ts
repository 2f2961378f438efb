/**
 * Supervisor-approved uses (sacramento-da IV.A.iv, roseville 426.5 (c), sacramento-pd D.1.c: "other
 * uses as approved and documented by an appropriate supervisor"). A search whose purpose is not on
 * the agency's list is asked for (`use.approval.requested`: requester, case number, purpose), then
 * approved by a second account with the supervisor right (`use.approval.granted`); the search
 * carries the approval's id, and its own audit row names the approval and the approver. Both
 * records are audit rows, so the approval is as tamper-evident as the search.
 */
import type { AuditPort, AuditRecord } from '../ports.js';

export const APPROVAL_REQUESTED = 'use.approval.requested';
export const APPROVAL_GRANTED = 'use.approval.granted';

export interface ApprovalRequest {
  id: number;
  requester: string;
  caseNumber: string;
  purposeCategory: string;
  purpose: string;
  at: number;
  approvedBy: string | null;
  approvedAt: number | null;
}

function requestOf(r: AuditRecord, granted: AuditRecord | undefined): ApprovalRequest | null {
  if (r.action !== APPROVAL_REQUESTED || r.user === null) return null;
  const d = (r.details ?? {}) as { purposeCategory?: unknown };
  return {
    id: r.id,
    requester: r.user,
    caseNumber: r.caseNumber ?? '',
    purposeCategory: typeof d.purposeCategory === 'string' ? d.purposeCategory : '',
    purpose: r.purpose ?? '',
    at: r.at,
    approvedBy: granted?.user ?? null,
    approvedAt: granted?.at ?? null,
  };
}

/** The grant of request `id`, if any (searched from the request's time on). */
function grantOf(log: AuditPort, id: number, since: number): AuditRecord | undefined {
  return log.query({ action: APPROVAL_GRANTED, from: since, limit: 10_000 }).find((g) => g.object === String(id));
}

export function approvalRequest(log: AuditPort, id: number): ApprovalRequest | null {
  const r = log.get(id);
  return r ? requestOf(r, r.action === APPROVAL_REQUESTED ? grantOf(log, id, r.at) : undefined) : null;
}

/** Requests of the last `sinceMs`, newest first, with their state. */
export function recentApprovals(log: AuditPort, now: number, sinceMs: number): ApprovalRequest[] {
  const from = now - sinceMs;
  const grants = log.query({ action: APPROVAL_GRANTED, from, limit: 10_000 });
  return log
    .query({ action: APPROVAL_REQUESTED, from, limit: 1000 })
    .map((r) => requestOf(r, grants.find((g) => g.object === String(r.id))))
    .filter((x): x is ApprovalRequest => x !== null);
}

/** Whether approval `id` covers this requester's search for this case and purpose, now. */
export function checkApproval(
  log: AuditPort,
  id: number,
  use: { requester: string; caseNumber: string; purposeCategory: string },
  now: number,
  validMs: number,
): { ok: true; approval: ApprovalRequest } | { ok: false; reason: string } {
  const a = approvalRequest(log, id);
  if (!a) return { ok: false, reason: 'no such approval request' };
  if (a.requester !== use.requester) return { ok: false, reason: 'it was asked for by another account' };
  if (a.caseNumber !== use.caseNumber) return { ok: false, reason: 'it is for another case number' };
  if (a.purposeCategory !== use.purposeCategory) return { ok: false, reason: 'it is for another purpose' };
  if (a.approvedAt === null) return { ok: false, reason: 'no supervisor has approved it yet' };
  if (now - a.approvedAt > validMs) return { ok: false, reason: 'it has expired; ask again' };
  return { ok: true, approval: a };
}
