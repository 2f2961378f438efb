/**
 * Supervisor-approved uses (sacramento-da IV.A.a.iv, roseville 426.5 (c), sacramento-pd D.1.c: "other
 * uses as approved and documented by an appropriate supervisor"). A search or an export whose
 * purpose is not on the agency's list is asked for (`use.approval.requested`: requester, use, case
 * number, purpose), then approved (`use.approval.granted`) or refused (`use.approval.declined`,
 * with the reason) by a second account with the supervisor right. The search or release carries
 * the approval's id, and its own audit row names the approval and the approver. All of these are
 * audit rows, so the approval is as tamper-evident as the use.
 *
 * Lifetimes (`accounts.approval_valid_h`): a request nobody answers expires that long after it was
 * asked; an approval that long after it was given. A search approval covers the searches (and
 * their pages) of that requester, case and purpose until then; an export approval covers one
 * export, once: the `release.exported` row naming it uses it up.
 */
import type { AuditPort, AuditRecord } from '../ports.js';
import { justification, type Justification, type SearchPolicy } from '../search-criteria.js';

export const APPROVAL_REQUESTED = 'use.approval.requested';
export const APPROVAL_GRANTED = 'use.approval.granted';
export const APPROVAL_DECLINED = 'use.approval.declined';
/** The audit action that uses an export approval up (written by the export route). */
export const EXPORT_DONE = 'release.exported';

export const APPROVED_USES = ['search', 'export'] as const;
export type ApprovedUse = (typeof APPROVED_USES)[number];
export type ApprovalState = 'waiting' | 'approved' | 'declined' | 'expired' | 'used';

export interface ApprovalRequest {
  id: number;
  use: ApprovedUse;
  requester: string;
  caseNumber: string;
  purposeCategory: string;
  purpose: string;
  at: number;
  approvedBy: string | null;
  approvedAt: number | null;
  declinedBy: string | null;
  declinedAt: number | null;
  declineReason: string | null;
  /** When the export it approved ran (exports only). */
  usedAt: number | null;
  state: ApprovalState;
  /** Until when it can be approved (waiting) or used (approved); null once closed. */
  validUntil: number | null;
}

/** The answers to approval requests from `since` on, by request id (first answer wins). */
interface Answers {
  granted: Map<string, AuditRecord>;
  declined: Map<string, AuditRecord>;
  used: Map<string, AuditRecord>;
}

function answersSince(log: AuditPort, since: number): Answers {
  const byObject = (action: string): Map<string, AuditRecord> => {
    const m = new Map<string, AuditRecord>();
    // Oldest first, so the first answer is the one kept.
    for (const r of log.query({ action, from: since, limit: 10_000 }).reverse()) if (r.object !== null && !m.has(r.object)) m.set(r.object, r);
    return m;
  };
  const used = new Map<string, AuditRecord>();
  for (const r of log.query({ action: EXPORT_DONE, from: since, limit: 10_000 }).reverse()) {
    const id = (r.details as { approvalId?: unknown } | null)?.approvalId;
    if (typeof id === 'number' && !used.has(String(id))) used.set(String(id), r);
  }
  return { granted: byObject(APPROVAL_GRANTED), declined: byObject(APPROVAL_DECLINED), used };
}

/** A text field of an audit row's details ('' when absent or not text). */
function textOf(details: unknown, key: string): string {
  const v = (details as Record<string, unknown> | null)?.[key];
  return typeof v === 'string' ? v : '';
}

function requestOf(r: AuditRecord, a: Answers, now: number, validMs: number): ApprovalRequest | null {
  if (r.action !== APPROVAL_REQUESTED || r.user === null) return null;
  const d = (r.details ?? {}) as { purposeCategory?: unknown; use?: unknown };
  const key = String(r.id);
  const granted = a.granted.get(key);
  const declined = granted ? undefined : a.declined.get(key);
  const use: ApprovedUse = d.use === 'export' ? 'export' : 'search';
  const used = granted && use === 'export' ? a.used.get(key) : undefined;
  let state: ApprovalState;
  let validUntil: number | null = null;
  if (used) state = 'used';
  else if (declined) state = 'declined';
  else if (granted) {
    validUntil = granted.at + validMs;
    state = now > validUntil ? 'expired' : 'approved';
  } else {
    validUntil = r.at + validMs;
    state = now > validUntil ? 'expired' : 'waiting';
  }
  if (state === 'expired') validUntil = null;
  return {
    id: r.id,
    use,
    requester: r.user,
    caseNumber: r.caseNumber ?? '',
    purposeCategory: typeof d.purposeCategory === 'string' ? d.purposeCategory : '',
    purpose: r.purpose ?? '',
    at: r.at,
    approvedBy: granted?.user ?? null,
    approvedAt: granted?.at ?? null,
    declinedBy: declined?.user ?? null,
    declinedAt: declined?.at ?? null,
    declineReason: declined ? textOf(declined.details, 'reason') : null,
    usedAt: used?.at ?? null,
    state,
    validUntil,
  };
}

export function approvalRequest(log: AuditPort, id: number, now: number, validMs: number): ApprovalRequest | null {
  const r = log.get(id);
  if (!r || r.action !== APPROVAL_REQUESTED) return null;
  return requestOf(r, answersSince(log, r.at), now, validMs);
}

/** Requests of the last `sinceMs`, newest first, with their state at `now`. */
export function recentApprovals(log: AuditPort, now: number, sinceMs: number, validMs: number): ApprovalRequest[] {
  const from = now - sinceMs;
  const answers = answersSince(log, from);
  return log
    .query({ action: APPROVAL_REQUESTED, from, limit: 1000 })
    .map((r) => requestOf(r, answers, now, validMs))
    .filter((x): x is ApprovalRequest => x !== null);
}

const STATE_REASON: Record<Exclude<ApprovalState, 'approved'>, string> = {
  waiting: 'no supervisor has approved it yet',
  declined: 'a supervisor refused it',
  expired: 'it has expired; ask again',
  used: 'it was used already: an export approval covers one export',
};

const A_USE: Record<ApprovedUse, string> = { search: 'a search', export: 'an export' };

/** Whether approval `id` covers this requester's use (search or export) for this case and purpose, now. */
export function checkApproval(
  log: AuditPort,
  id: number,
  want: { use: ApprovedUse; requester: string; caseNumber: string; purposeCategory: string },
  now: number,
  validMs: number,
): { ok: true; approval: ApprovalRequest } | { ok: false; reason: string } {
  const a = approvalRequest(log, id, now, validMs);
  if (!a) return { ok: false, reason: 'no such approval request' };
  if (a.use !== want.use) return { ok: false, reason: `it approves ${A_USE[a.use]}, not ${A_USE[want.use]}` };
  if (a.requester !== want.requester) return { ok: false, reason: 'it was asked for by another account' };
  if (a.caseNumber !== want.caseNumber) return { ok: false, reason: 'it is for another case number' };
  if (a.purposeCategory !== want.purposeCategory) return { ok: false, reason: 'it is for another purpose' };
  if (a.state !== 'approved') return { ok: false, reason: STATE_REASON[a.state] };
  return { ok: true, approval: a };
}

/**
 * The justification of a use whose only fault is a purpose off the agency's list, or null (a
 * listed purpose, or other faults: those are answered as usual).
 */
export function offListJustification(
  b: { caseNumber?: string | null; purposeCategory?: string | null; purpose?: string | null },
  policy: Pick<SearchPolicy, 'casePattern' | 'purposes'>,
): Justification | null {
  const why = justification(b, policy);
  const category = b.purposeCategory?.trim() ?? '';
  if (!Array.isArray(why) || !category || !why.every((e) => e.field === 'purposeCategory')) return null;
  const listed = justification(b, { ...policy, purposes: [...policy.purposes, category] });
  return Array.isArray(listed) ? null : listed;
}
