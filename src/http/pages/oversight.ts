/**
 * The administrator's Oversight page (issue 20): what expires or falls due soon, each account's
 * training, certification and review, unusual-use alerts with links to their audit rows, data
 * errors reported on reads, and uses waiting for a supervisor's approval. The page script
 * (`assets/oversight.js`) re-confirms accounts and records training through the API.
 */
import type { Qualification, UnmetItem } from '../../accounts/account-policy.js';
import type { UnusualUseAlert } from '../auth/account-watch.js';
import type { ApprovalRequest, ApprovalState } from '../auth/approvals.js';
import type { MisreadRelease, MisreadReport } from '../export/misread-release.js';
import type { Role } from '../ports.js';
import { html, timeTag, type SafeHtml } from './html.js';
import { itemLabel } from '../../accounts/account-policy.js';

export interface OversightAccount {
  username: string;
  role: Role;
  disabled: boolean;
  supervisor: boolean;
  reviewedAt: number | null;
  reviewedBy: string | null;
  reviewDueAt: number | null;
  unmet: UnmetItem[];
  qualifications: Qualification[];
}

export interface OversightView {
  now: number;
  expiryNoticeDays: number;
  reviewNoticeDays: number;
  required: { item: string; label: string; roles: readonly Role[] }[];
  accounts: OversightAccount[];
  expiring: { username: string; item: string; label: string; expiresAt: number }[];
  reviewsDue: OversightAccount[];
  alerts: (UnusualUseAlert & { alertId: number; at: number })[];
  misreads: {
    /** The latest reports with their decision. */
    reports: MisreadReport[];
    /** Confirmed reports no package has held yet. */
    releasable: number;
    releases: MisreadRelease[];
  };
  approvals: ApprovalRequest[];
}

const ALERT_TEXT: Record<string, string> = {
  searches_over_usual: 'searches far above usual',
  views_over_usual: 'views far above usual',
  exports_over_usual: 'exports far above usual',
  searches_over_limit: 'searches above the agency limit',
  views_over_limit: 'views above the agency limit',
  exports_over_limit: 'exports above the agency limit',
  search_outside_hours: 'searches outside usual hours',
  audit_chain_broken: 'audit log chain broken',
  review_overdue_last_admin: 'review overdue (last administrator, not disabled)',
};

function days(ms: number): string {
  const d = Math.ceil(ms / 86_400_000);
  return d <= 0 ? 'overdue' : d === 1 ? 'in 1 day' : `in ${d} days`;
}

export function oversightBody(v: OversightView): SafeHtml {
  return html`<h1>Oversight</h1>
<p><a href="/audit-review" id="audit-review-link">Quarterly audit of user queries</a> (roseville 426.4.1 (c), sacramento-pd D.2.b(2))</p>
<section id="alerts-section" aria-labelledby="h-alerts"><h2 id="h-alerts">Unusual use (${v.alerts.length})</h2>
${v.alerts.length === 0 ? html`<p class="muted">No alerts in the last 30 days.</p>` : html`<table class="alerts"><thead><tr><th>When</th><th>Account</th><th>What</th><th>Count</th><th>Audit rows</th></tr></thead><tbody>
${v.alerts.map((a) => html`<tr data-alert="${a.alertId}"><td>${timeTag(a.at)}</td><td>${a.account ?? '–'}</td><td>${ALERT_TEXT[a.kind] ?? a.kind}</td><td>${a.count ?? '–'}${a.threshold !== null ? html` <span class="muted">(over ${a.threshold})</span>` : ''}</td>
<td><a href="${a.link}">audit log</a> <span class="muted">rows ${a.auditIds.slice(0, 5).join(', ')}${a.auditIds.length > 5 ? '…' : ''}</span></td></tr>`)}
</tbody></table>`}
</section>
<section id="reviews-section" aria-labelledby="h-reviews"><h2 id="h-reviews">Access reviews due within ${v.reviewNoticeDays} days (${v.reviewsDue.length})</h2>
<p class="muted">An account not re-confirmed is disabled on the day it falls due.</p>
${v.reviewsDue.length === 0 ? html`<p class="muted">None.</p>` : html`<table class="reviews"><thead><tr><th>Account</th><th>Role</th><th>Due</th><th></th></tr></thead><tbody>
${v.reviewsDue.map((a) => html`<tr data-user="${a.username}"><td><strong>${a.username}</strong></td><td>${a.role}</td><td>${timeTag(a.reviewDueAt)} <span class="pill ${a.reviewDueAt! <= v.now ? 'pill-red' : 'pill-amber'}">${days(a.reviewDueAt! - v.now)}</span></td>
<td><button type="button" class="confirm">Re-confirm</button></td></tr>`)}
</tbody></table>`}
</section>
<section id="expiring-section" aria-labelledby="h-expiring"><h2 id="h-expiring">Training and certification expiring within ${v.expiryNoticeDays} days (${v.expiring.length})</h2>
${v.expiring.length === 0 ? html`<p class="muted">None.</p>` : html`<table class="expiring"><thead><tr><th>Account</th><th>Item</th><th>Expires</th></tr></thead><tbody>
${v.expiring.map((e) => html`<tr><td>${e.username}</td><td>${e.label}</td><td>${timeTag(e.expiresAt)} <span class="pill ${e.expiresAt <= v.now ? 'pill-red' : 'pill-amber'}">${e.expiresAt <= v.now ? 'expired' : days(e.expiresAt - v.now)}</span></td></tr>`)}
</tbody></table>`}
</section>
<section id="accounts-section" aria-labelledby="h-accounts"><h2 id="h-accounts">Accounts</h2>
<p class="muted">Required before login: ${v.required.length === 0 ? 'nothing (accounts.required_items)' : v.required.map((r, i) => html`${i ? '; ' : ''}${r.label} (${r.roles.join(', ')})`)}</p>
<table class="standing"><thead><tr><th>Account</th><th>Training and certification</th><th>Review</th><th>Supervisor</th></tr></thead><tbody>
${v.accounts.map((a) => html`<tr data-user="${a.username}"><td><strong>${a.username}</strong> <span class="muted">${a.role}</span>${a.disabled ? html` <span class="pill pill-red">disabled</span>` : ''}</td>
<td>${a.qualifications.map((q) => html`<div>${itemLabel(q.item)}: ${timeTag(q.completedAt)}${q.expiresAt !== null ? html`, expires ${timeTag(q.expiresAt)}` : ''}${q.course ? html` · ${q.course}` : ''}${q.trainer ? html` · ${q.trainer}` : ''}</div>`)}
${a.unmet.map((u) => html`<div><span class="pill pill-red">${itemLabel(u.item)} ${u.problem}</span></div>`)}
<button type="button" class="ghost record">Record training…</button></td>
<td>${a.reviewedAt !== null ? html`${timeTag(a.reviewedAt)} <span class="muted">${a.reviewedBy ?? ''}</span>` : '–'}</td>
<td><label><input type="checkbox" class="supervisor" ${a.supervisor ? html`checked` : ''}> supervisor</label></td></tr>`)}
</tbody></table>
<form id="qualification-form" class="grid-form" hidden>
  <h2>Record training or certification for <span class="who-for"></span></h2>
  <label>Item <input name="item" list="qualification-items" pattern="[a-z0-9_]{2,40}" required></label>
  <datalist id="qualification-items"><option value="alpr_training"><option value="cjis_security"><option value="clets">${v.required.map((r) => html`<option value="${r.item}">`)}</datalist>
  <label>Completed <input name="completedAt" type="date" required></label>
  <label>Expires <input name="expiresAt" type="date"></label>
  <label>Course <input name="course" maxlength="200"></label>
  <label>Trainer <input name="trainer" maxlength="200"></label>
  <label>Certificate no. <input name="certificate" maxlength="100"></label>
  <button type="submit">Save</button>
  <ul class="form-errors" role="alert"></ul>
</form>
</section>
${misreadsSection(v)}
${approvalsSection(v)}`;
}

const MISREAD_PILL: Record<MisreadReport['state'], SafeHtml> = {
  reported: html`<span class="pill pill-amber">to check</span>`,
  confirmed: html`<span class="pill pill-green">confirmed</span>`,
  rejected: html`<span class="pill pill-none">rejected</span>`,
};

/**
 * Reported data errors: the administrator checks each against its crop ("crop" loads it, one
 * audited image view) and confirms or rejects it; confirmed ones leave only in a release package
 * with a reason (docs/misread-release.md).
 */
function misreadsSection(v: OversightView): SafeHtml {
  const m = v.misreads;
  return html`<section id="corrections-section" aria-labelledby="h-corrections"><h2 id="h-corrections">Reported data errors (${m.reports.length})</h2><p class="form-error" role="alert"></p>
${m.reports.length === 0 ? html`<p class="muted">None reported.</p>` : html`<table class="corrections"><thead><tr><th>Reported</th><th>Read → corrected</th><th>Note</th><th>State</th><th></th></tr></thead><tbody>
${m.reports.map((c) => html`<tr data-correction="${c.id}" data-detection="${c.detectionId}"><td>${timeTag(c.reportedAt)}<br><span class="muted">${c.reportedBy}</span></td>
<td>${c.originalText} → <strong>${c.correctedText}</strong><br><button type="button" class="ghost show-crop">crop</button><img class="crop" alt="plate crop" hidden></td><td>${c.note}</td>
<td>${MISREAD_PILL[c.state]}${c.decidedBy ? html`<br><span class="muted">${c.decidedBy}</span>` : ''}${c.releasedIn.length ? html`<br><span class="muted">released (${c.releasedIn.map((id) => `#${id}`).join(', ')})</span>` : ''}${c.leftOutIn.length ? html`<br><span class="muted">crop purged: not released</span>` : ''}</td>
<td>${c.state === 'reported' ? html`<button type="button" class="confirm-misread">Confirm</button> <button type="button" class="ghost reject-misread">Reject</button>` : ''}</td></tr>`)}
</tbody></table>`}
<form id="misread-release-form" class="grid-form">
  <h3 class="wide">Release confirmed misreads for model improvement</h3>
  <p class="wide muted">${m.releasable} confirmed misread(s) not yet released. The package holds the corrected text, the original read, the plate crop and the day of the read: no position, no time of day, no hit or list data. The release is recorded with your reason.</p>
  <label class="wide">Reason and recipient <input name="reason" maxlength="500" placeholder="e.g. OCR fine-tune by the agency's vendor, contract 2026-14"></label>
  <button type="submit" ${m.releasable === 0 ? html`disabled` : ''}>Release package (${m.releasable})</button>
  <ul class="form-errors" role="alert"></ul>
</form>
${m.releases.length === 0 ? '' : html`<p class="muted">Released: ${m.releases.map((r, i) => html`${i ? '; ' : ''}#${r.releaseId} ${timeTag(r.at)} by ${r.by}, ${r.count} misread(s)${r.missing ? html` (${r.missing} purged)` : ''}: ${r.reason}`)}</p>`}
</section>`;
}

const APPROVAL_PILL: Record<ApprovalState, string> = { waiting: 'pill-amber', approved: 'pill-green', declined: 'pill-red', expired: 'pill-none', used: 'pill-none' };

function approvalsSection(v: OversightView): SafeHtml {
  return html`<section id="approvals-section" aria-labelledby="h-approvals"><h2 id="h-approvals">Uses outside the purpose list (7 days)</h2><p class="form-error" role="alert"></p>
${v.approvals.length === 0 ? html`<p class="muted">None asked for.</p>` : html`<table class="approvals"><thead><tr><th>Asked</th><th>Use and case</th><th>Purpose</th><th>State</th><th></th></tr></thead><tbody>
${v.approvals.map((a) => html`<tr data-approval="${a.id}"><td>${timeTag(a.at)}<br><span class="muted">${a.requester}</span></td><td>${a.use}<br><span class="muted case">${a.caseNumber}</span></td><td>${a.purpose}</td>
<td><span class="pill ${APPROVAL_PILL[a.state]}">${a.state}</span>${a.approvedBy ? html`<br><span class="muted">${a.approvedBy}, ${timeTag(a.approvedAt)}</span>` : ''}${a.declinedBy ? html`<br><span class="muted">${a.declinedBy}: ${a.declineReason ?? ''}</span>` : ''}</td>
<td>${a.state === 'waiting' ? html`<button type="button" class="approve-use" data-id="${a.id}">Approve</button> <button type="button" class="ghost decline-use" data-id="${a.id}">Refuse</button>` : ''}</td></tr>`)}
</tbody></table>`}
</section>`;
}
