/**
 * The quarterly audit page (`/audit-review`): the period form, then per account the tallies, the
 * searches with thin justification, the criteria searched most, releases and approvals, each
 * row linked into the audit log. No plate text (see `../audit-review.ts`). Printable: the page's
 * own stylesheet drops the station's frame on paper.
 */
import type { AccountTally, AuditReviewReport, CriteriaCount, FlaggedSearch, ListedRow } from '../audit-review.js';
import type { ReviewPeriod } from '../audit-review-period.js';
import type { FieldError } from '../search-criteria.js';
import { html, timeTag, type SafeHtml } from './html.js';

export interface ReviewMeta {
  period: ReviewPeriod;
  quarters: readonly ReviewPeriod[];
  generatedAt: number;
  generatedBy: string;
  device: string;
  /** The period held more rows than one report reads. */
  truncated: boolean;
  /** The audit row recording this report. */
  auditId: number;
}

/** The audit log filtered to one account (and action) over a span: the link into the rows. */
export function auditLink(p: { user?: string; action?: string; from: number; to: number }): string {
  const q = new URLSearchParams();
  if (p.user) q.set('user', p.user);
  if (p.action) q.set('action', p.action);
  q.set('from', String(p.from));
  q.set('to', String(p.to));
  return `/audit?${q.toString()}`;
}

export function periodQuery(p: ReviewPeriod): string {
  if (p.quarter) return `quarter=${p.quarter}`;
  const d = (ms: number): string => {
    const t = new Date(ms);
    return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, '0')}-${String(t.getDate()).padStart(2, '0')}`;
  };
  return `from=${d(p.from)}&to=${d(p.to - 1)}`;
}

function periodForm(m: Pick<ReviewMeta, 'period' | 'quarters'>, errors: readonly FieldError[] = []): SafeHtml {
  const selected = m.period.quarter;
  return html`<form id="review-period" class="grid-form no-print" method="get" action="/audit-review">
  <label>Quarter <select name="quarter">${m.quarters.map((q) => html`<option value="${q.quarter ?? ''}"${q.quarter === selected ? html` selected` : ''}>${q.label}</option>`)}</select></label>
  <label>or from <input name="from" type="date"></label>
  <label>to <input name="to" type="date"></label>
  <button type="submit">Show</button>
  <ul class="form-errors" role="alert">${errors.map((e) => html`<li class="field-error" data-field="${e.field}">${e.field}: ${e.message}</li>`)}</ul>
</form>`;
}

/** The page when the period asked for is refused: the form with the errors beside it. */
export function reviewRefusedBody(m: Pick<ReviewMeta, 'period' | 'quarters'>, errors: readonly FieldError[]): SafeHtml {
  return html`<h1>Quarterly audit of user queries</h1>${periodForm(m, errors)}`;
}

function accountRow(t: AccountTally, p: ReviewPeriod): SafeHtml {
  const flag = (n: number): SafeHtml => (n > 0 ? html`<span class="pill pill-amber">${n}</span>` : html`0`);
  return html`<tr data-account="${t.account}"><td><strong>${t.account}</strong>${t.fullName ? html`<br><span class="muted">${t.fullName}</span>` : ''}</td><td>${t.role}</td>
<td class="num">${t.searches}</td><td class="num">${t.cases}</td><td class="num">${flag(t.thin)}</td><td class="num">${t.noResults}</td><td class="num">${t.refused}</td>
<td class="num">${t.views}</td><td class="num">${t.lookups}</td><td class="num">${t.exports}</td><td class="num">${t.releases}</td><td class="num">${t.approvalsAsked} / ${t.approvalsGiven}</td><td class="num">${flag(t.unusual)}</td>
<td class="no-print"><a href="${auditLink({ user: t.account, from: p.from, to: p.to - 1 })}">Audit rows</a></td></tr>`;
}

function flaggedRow(f: FlaggedSearch): SafeHtml {
  return html`<tr data-audit="${f.id}"><td><a href="${auditLink({ user: f.account, action: 'search', from: f.at, to: f.at })}">#${f.id}</a></td><td>${timeTag(f.at)}</td><td>${f.account}</td><td>${f.caseNumber}</td>
<td>${f.category}${f.approvedBy ? html`<br><span class="muted">approved by ${f.approvedBy}</span>` : ''}</td><td>${f.purpose || html`<span class="muted">(none)</span>`}</td>
<td>${f.flags.map((x) => html`<span class="pill pill-amber">${x}</span> `)}</td><td>${f.criteria}</td><td class="num">${f.returned ?? '–'}</td></tr>`;
}

function criteriaRow(c: CriteriaCount): SafeHtml {
  return html`<tr><td>${c.account}</td><td>${c.criteria}</td><td class="num">${c.count}</td><td><a href="${auditLink({ user: c.account, action: 'search', from: c.lastAt, to: c.lastAt })}">#${c.lastId}</a> ${timeTag(c.lastAt)}</td></tr>`;
}

function listedRow(r: ListedRow): SafeHtml {
  return html`<tr><td><a href="${auditLink({ user: r.account, action: r.action, from: r.at, to: r.at })}">#${r.id}</a></td><td>${timeTag(r.at)}</td><td>${r.account}</td><td><code>${r.action}</code></td><td>${r.object}</td><td>${r.caseNumber}</td><td>${r.purpose}</td><td>${r.detail}</td></tr>`;
}

const more = (shown: number, total: number): SafeHtml => (total > shown ? html`<p class="muted">The first ${shown} of ${total} are listed; the CSV has the same cap, the audit log has them all.</p>` : html``);

function table(head: string[], rows: SafeHtml[], empty: string): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<div class="table-scroll"><table><thead><tr>${head.map((h) => (h === '' ? html`<th class="no-print"></th>` : html`<th>${h}</th>`))}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function auditReviewBody(r: AuditReviewReport, m: ReviewMeta): SafeHtml {
  const p = m.period;
  const csv = (part: string): string => `/api/audit-review.csv?${periodQuery(p)}&part=${part}`;
  return html`<h1>Quarterly audit of user queries</h1>
<p class="review-meta">Period <strong id="review-label">${p.label}</strong> · unit ${m.device} · generated ${timeTag(m.generatedAt)} by ${m.generatedBy} (audit record #${m.auditId}) · ${r.rows} audit records read</p>
${m.truncated ? html`<p class="pill pill-red">The period holds more audit records than one report reads: narrow the range.</p>` : ''}
${periodForm(m)}
<p class="no-print review-actions"><button type="button" id="review-print">Print</button> CSV: <a href="${csv('accounts')}" download>per account</a> · <a href="${csv('searches')}" download>searches to review</a> · <a href="${csv('criteria')}" download>criteria</a> · <a href="${csv('releases')}" download>releases</a> · <a href="${csv('approvals')}" download>approvals</a></p>
<section id="review-accounts"><h2>Per account</h2>
${table(['Account', 'Role', 'Searches', 'Cases', 'Thin', 'No result', 'Refused', 'Views', 'Look-ups', 'Exports', 'Releases', 'Approvals asked / given', 'Unusual use', ''], r.accounts.map((t) => accountRow(t, p)), 'No account.')}
</section>
<section id="review-flagged"><h2>Searches to review (${r.flaggedTotal})</h2>
<p class="muted">A purpose of fewer than 15 letters or digits or 3 words, one made only of words like "investigation" or "check", a purpose off the agency's list (searched with a supervisor's approval), or a search that found nothing.</p>
${table(['Record', 'When', 'Account', 'Case', 'Purpose', 'Purpose text', 'Why listed', 'Criteria', 'Results'], r.flagged.map(flaggedRow), 'No search with a thin justification in this period.')}
${more(r.flagged.length, r.flaggedTotal)}
</section>
<section id="review-criteria"><h2>Criteria searched most</h2>
${table(['Account', 'Criteria', 'Searches', 'Latest'], r.topCriteria.map(criteriaRow), 'No criteria were searched twice by one account.')}
</section>
<section id="review-releases"><h2>Exports and releases (${r.releasesTotal})</h2>
${table(['Record', 'When', 'Account', 'Action', 'Agency / release', 'Case', 'Purpose', 'Details'], r.releases.map(listedRow), 'No release requested, approved or exported in this period.')}
${more(r.releases.length, r.releasesTotal)}
</section>
<section id="review-approvals"><h2>Supervisor approvals of uses off the purpose list (${r.approvalsTotal})</h2>
${table(['Record', 'When', 'Account', 'Action', 'Request', 'Case', 'Purpose', 'Details'], r.approvals.map(listedRow), 'No use outside the purpose list was asked for in this period.')}
${more(r.approvals.length, r.approvalsTotal)}
</section>
<p class="muted" id="review-about">Roseville 426.4.1 (c) and sacramento-pd D.2.b(2): queries are audited quarterly, and out-of-compliance queries go to the employee's division commander. No plate text is shown here: a plate is a reference (<em>ref 3fa2c1</em>, the same plate the same reference within this report); open the audit record (#) to see it, which is itself recorded.</p>
<link rel="stylesheet" href="/assets/audit-review.css">`;
}
