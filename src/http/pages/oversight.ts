/**
 * The administrator's Oversight page (issue 20): what expires or falls due soon, each account's
 * training, certification and review, unusual-use alerts with links to their audit rows, data
 * errors reported on reads, and uses waiting for a supervisor's approval. The page script
 * (`assets/oversight.js`) re-confirms accounts and records training through the API.
 */
import type { Correction, Qualification, UnmetItem } from '../auth/account-policy.js';
import type { UnusualUseAlert } from '../auth/account-watch.js';
import type { ApprovalRequest } from '../auth/approvals.js';
import type { Role } from '../ports.js';
import { html, timeTag, type SafeHtml } from './html.js';
import { itemLabel } from '../auth/account-policy.js';

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
  corrections: Correction[];
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
<section id="corrections-section" aria-labelledby="h-corrections"><h2 id="h-corrections">Reported data errors (${v.corrections.length})</h2>
${v.corrections.length === 0 ? html`<p class="muted">None reported.</p>` : html`<table class="corrections"><thead><tr><th>When</th><th>By</th><th>Read</th><th>Corrected</th><th>Note</th></tr></thead><tbody>
${v.corrections.map((c) => html`<tr><td>${timeTag(c.reportedAt)}</td><td>${c.reportedBy}</td><td><a href="/api/detections/${c.detectionId}">${c.originalText}</a></td><td><strong>${c.correctedText}</strong></td><td>${c.note}</td></tr>`)}
</tbody></table>`}
</section>
<section id="approvals-section" aria-labelledby="h-approvals"><h2 id="h-approvals">Uses outside the purpose list (7 days)</h2><p class="form-error" role="alert"></p>
${v.approvals.length === 0 ? html`<p class="muted">None asked for.</p>` : html`<table class="approvals"><thead><tr><th>When</th><th>Asked by</th><th>Case</th><th>Purpose</th><th>Approved</th><th></th></tr></thead><tbody>
${v.approvals.map((a) => html`<tr><td>${timeTag(a.at)}</td><td>${a.requester}</td><td>${a.caseNumber}</td><td>${a.purpose}</td><td>${a.approvedBy ? html`${a.approvedBy}, ${timeTag(a.approvedAt)}` : html`<span class="pill pill-amber">waiting</span>`}</td><td>${a.approvedBy ? '' : html`<button type="button" class="approve-use" data-id="${a.id}">Approve</button>`}</td></tr>`)}
</tbody></table>`}
</section>`;
}
