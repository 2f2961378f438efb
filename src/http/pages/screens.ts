/**
 * Bodies of the operator screens other than status. Lists that change (reads, hits, search
 * results, audit rows) are filled by each page's script from the JSON API; the forms and their
 * labels are here, server-side.
 */
import type { HotlistEntryInfo } from '../../hotlist/types.js';
import { ROLES, type UserRecord } from '../ports.js';
import type { Session } from '../auth/session-store.js';
import { AGENCY_KINDS, RELEASE_PURPOSES } from '../export/release-policy.js';
import { html, timeTag, type SafeHtml } from './html.js';

export function loginBody(next: string): SafeHtml {
  return html`<section class="narrow">
<h1>Log in</h1>
<p class="warn-text">Hit alerts are off on this screen until you log in.</p>
<p>Stored licence-plate data is available only to authorised users, and every access is recorded with your name, the date and the time.</p>
<form id="login-form" data-next="${next}">
  <label>User name <input name="username" autocomplete="username" autocapitalize="none" required maxlength="32"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="256"></label>
  <button type="submit">Log in</button>
  <p class="form-error" role="alert"></p>
</form>
</section>`;
}

export function liveBody(cameras: string[], intervalMs: number): SafeHtml {
  if (cameras.length === 0) return html`<h1>Live view</h1><p>No cameras configured.</p>`;
  return html`<h1>Live view</h1>
<p class="muted">Check aim and focus. Snapshots of the frames the daemon already decodes, refreshed every ${intervalMs / 1000} s while this page is open. <a href="/damage">Report damage or a malfunction</a></p>
<div class="live-grid">${cameras.map(
    (id) => html`<figure class="live-cam" data-camera="${id}" data-stale="false"><div class="live-frame"><img alt="camera ${id}" src="/api/cameras/${encodeURIComponent(id)}/snapshot.jpg"><span class="live-stale" role="status" hidden></span></div><img class="live-ref" alt="no reference view of ${id} yet" title="reference view: what the moved check compares with" src="/api/cameras/${encodeURIComponent(id)}/reference.jpg"><figcaption>${id} <span class="live-age muted"></span></figcaption></figure>`,
  )}</div>`;
}

export function readsBody(): SafeHtml {
  return html`<h1>Live reads</h1>
<p class="muted">Newest first; new reads appear as they are made.</p>
<table class="reads"><thead><tr><th>Plate crop</th><th>Read</th><th>Confidence</th><th>Time</th><th>Camera</th><th>Position</th><th>Hits</th></tr></thead><tbody id="reads-body"></tbody></table>`;
}

export function hitsBody(): SafeHtml {
  return html`<h1>Hits</h1>
<p>Open a hit to see the plate crop and overview and to record whether you confirmed it visually.</p>
<label class="check"><input type="checkbox" id="hits-unverified" checked> Unverified only</label>
<table class="hits"><thead><tr><th>Time</th><th>Read</th><th>Entry</th><th>List</th><th>Match</th><th>Outcome</th><th></th></tr></thead><tbody id="hits-body"></tbody></table>`;
}

const LISTS = ['stolen vehicle', 'stolen plate', 'felony vehicle', 'missing person', 'warrant', 'AMBER alert', 'local'];

/** `canRemove`: whether this session may take an entry off (its officer or an administrator); other rows show who entered them. */
export function hotlistBody(session: Session, contact: string, entries: HotlistEntryInfo[], now: number, canRemove: (e: HotlistEntryInfo) => boolean): SafeHtml {
  return html`<form id="lookup-form" class="lookup" aria-label="Quick look-up">
  <label>Is a plate listed? <input name="plate" required minlength="3" maxlength="32" autocapitalize="characters" autocomplete="off" placeholder="plate or part of it: 6GU, 6G?5*7B"></label>
  <button type="submit">Look up</button>
  <ul class="form-errors" role="alert"></ul>
  <div id="lookup-result" aria-live="polite"></div>
</form>
<script type="module" src="/assets/lookup.js"></script>
<h1>Hot plates entered on this device</h1>
<p>Every entry needs a case number or subject cross-reference, a reason, and the entering officer's name and contact (sacramento-pd E.1, roseville 426.6.5). Entries expire after at most 30 days, or 24 hours when the plate is also entered in NCIC/CLETS (sacramento-da IV.E.a, sacramento-pd E.2).</p>
<form id="hotlist-form" class="grid-form">
  <label>Plate (* and ? for partial plates) <input name="plate" required maxlength="12" autocapitalize="characters"></label>
  <label>State <input name="state" maxlength="3" autocapitalize="characters"></label>
  <label>List <select name="list">${LISTS.map((l) => html`<option>${l}</option>`)}</select></label>
  <label>Priority (1 = highest) <input name="priority" type="number" min="1" max="9" value="3"></label>
  <label class="wide">Reason <input name="reason" maxlength="500"></label>
  <label>Case number <input name="caseNumber" maxlength="64"></label>
  <label>Subject XREF <input name="subjectXref" maxlength="64"></label>
  <label>Entering officer <input name="officerName" maxlength="128" value="${session.fullName}"></label>
  <label>Officer contact <input name="officerContact" maxlength="128" value="${contact}"></label>
  <label>Expires <input name="expiresAt" type="datetime-local"></label>
  <label class="check"><input type="checkbox" name="alsoInNcic"> Also entered in NCIC/CLETS (expires within 24 h)</label>
  <label class="check"><input type="checkbox" name="informational"> Informational only (special list: never alarms)</label>
  <button type="submit">Add hot plate</button>
  <ul class="form-errors" role="alert"></ul>
</form>
<div id="hotlist-entries">${hotlistTable(entries, now, canRemove)}</div>`;
}

export function hotlistTable(entries: HotlistEntryInfo[], now: number, canRemove: (e: HotlistEntryInfo) => boolean): SafeHtml {
  if (entries.length === 0) return html`<p class="muted">No local hot plates.</p>`;
  return html`<table class="entries"><thead><tr><th>Plate</th><th class="wide-only">State</th><th>List</th><th class="wide-only">Priority</th><th>Reason</th><th>Case</th><th class="wide-only">Expires</th><th>Time left</th><th></th></tr></thead><tbody>
${entries.map(
  (e) => html`<tr data-entry="${e.id}"><td class="plate">${e.plate}${e.state ? html`<span class="narrow-only"> (${e.state})</span>` : ''}</td><td class="wide-only">${e.state ?? ''}</td><td>${e.list}${e.informational ? html` <span class="pill pill-info">informational</span>` : ''}</td><td class="wide-only">${e.priority}</td><td>${e.reason}</td><td class="case">${e.caseNumber ?? ''}</td><td class="wide-only">${timeTag(e.expiresAt)}</td>
<td class="time-left">${timeLeft(e.expiresAt, now)}</td>
<td>${
    canRemove(e)
      ? html`<form class="remove-entry" data-id="${e.id}"><label>Reason for removal <input name="reason" required minlength="4" maxlength="500"></label><button type="submit" class="ghost">Remove</button><ul class="form-errors" role="alert"></ul></form>`
      : html`<span class="muted">entered by ${e.enteredBy ?? 'unknown'}</span>`
  }</td></tr>`,
)}</tbody></table>`;
}

/** "2 d 4 h", "5 h 10 min", "expired": how long an entry still alarms. */
export function timeLeft(expiresAt: number | null, now: number): SafeHtml {
  if (expiresAt === null) return html`<span class="muted">no expiry</span>`;
  const min = Math.floor((expiresAt - now) / 60_000);
  if (min <= 0) return html`<span class="pill pill-red">expired</span>`;
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const text = d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${min % 60} min` : `${min} min`;
  return min < 6 * 60 ? html`<span class="pill pill-amber">${text}</span>` : html`${text}`;
}

export function searchBody(cameras: string[], canExport: boolean, purposes: readonly string[]): SafeHtml {
  return html`<h1>Search stored reads</h1>
<p>Every search is recorded with your name, the case number and the purpose (sacramento-da IV.C.b). Use stored data for legitimate law-enforcement purposes only (shasta 467.6 (b)).</p>
<form id="search-form" class="grid-form">
  <label>Case number <input name="caseNumber" maxlength="64"></label>
  <label>Purpose <select name="purposeCategory"><option value="">choose…</option>${purposes.map((p) => html`<option>${p}</option>`)}<option value="*other">Other (not on the list: a supervisor approves)</option></select></label>
  <label id="other-purpose" hidden>Purpose not on the list <input name="otherPurpose" maxlength="80"></label>
  <label class="wide">What in the case this search is for <input name="purpose" maxlength="500"></label>
  <label>Plate (* any run, ? one character) <input name="plate" maxlength="16" autocapitalize="characters"></label>
  <label class="check"><input type="checkbox" name="plateAnywhere"> Anywhere in the plate (a fragment: 6GU finds 6GU547B)</label>
  <label>Camera <select name="cameraId"><option value="">any</option>${cameras.map((c) => html`<option>${c}</option>`)}</select></label>
  <label>From <input name="from" type="datetime-local"></label>
  <label>To <input name="to" type="datetime-local"></label>
  <fieldset class="wide"><legend>Area (optional)</legend>
    <label>Min lat <input name="minLat" type="number" step="any" min="-90" max="90"></label>
    <label>Max lat <input name="maxLat" type="number" step="any" min="-90" max="90"></label>
    <label>Min lon <input name="minLon" type="number" step="any" min="-180" max="180"></label>
    <label>Max lon <input name="maxLon" type="number" step="any" min="-180" max="180"></label>
  </fieldset>
  <button type="submit">Search</button>
  <ul class="form-errors" role="alert"></ul>
</form>
<section id="approval-queue" hidden></section>
<p id="search-count" class="muted"></p>
<table class="reads" id="search-results" hidden><thead><tr><th>Plate crop</th><th>Read</th><th>Confidence</th><th>Time</th><th>Camera</th><th>Position</th><th>Hits</th></tr></thead><tbody></tbody></table>
${canExport ? exportForm() : html`<p class="muted">Exports are released by an administrator on a recorded request.</p>`}`;
}

const KIND_TEXT: Record<string, string> = {
  ca_law_enforcement: 'California law enforcement',
  ca_prosecutor: 'California prosecutor',
  out_of_state: 'Out-of-state agency',
  federal: 'Federal agency',
  private: 'Private entity',
  other: 'Other',
};

/**
 * A release of the search results to another agency, in three audited steps (docs/operator.md,
 * "Releases"): this administrator requests it from the written request, a second administrator
 * approves it in the list below, then either exports it.
 */
function exportForm(): SafeHtml {
  return html`<form id="export-form" class="grid-form" hidden>
  <h2 class="wide">Request a release of these results</h2>
  <p class="wide">Only to California law-enforcement agencies and prosecutors, on a written request naming the agency, the person and the purpose (sacramento-pd 525.08 C; shasta 467.7; roseville 426.9). A second administrator approves it before it can be exported. Everything is recorded.</p>
  <label>Requesting agency <input name="requestingAgency" maxlength="200"></label>
  <label>Kind of agency <select name="agencyKind"><option value="">choose…</option>${AGENCY_KINDS.map((k) => html`<option value="${k}">${KIND_TEXT[k] ?? k}</option>`)}</select></label>
  <label>State <input name="agencyState" maxlength="2" value="CA" autocapitalize="characters"></label>
  <label>Requesting person <input name="requester" maxlength="200"></label>
  <label>Purpose <select name="releasePurposeCategory"><option value="">choose…</option>${RELEASE_PURPOSES.map((p) => html`<option>${p}</option>`)}</select></label>
  <label>Purpose in the request's words <input name="releasePurpose" maxlength="500"></label>
  <label>Written request reference <input name="writtenRequestRef" maxlength="100"></label>
  <label>Written request date <input name="writtenRequestDate" type="date"></label>
  <button type="submit">Request release</button>
  <ul class="form-errors" role="alert"></ul>
</form>
<section id="releases"><h2>Releases</h2><p class="muted">Loading…</p></section>`;
}

export function auditBody(): SafeHtml {
  return html`<h1>Audit log</h1>
<p>Every login, view, search, export, hot-list change and hit verification, chained by hash so that an edited or deleted row is detected.</p>
<div class="chain-check"><button type="button" id="audit-verify">Check the chain</button> <span id="audit-verify-result" role="status"></span> <a href="/audit-review" id="audit-review-link">Quarterly audit of user queries</a></div>
<p id="audit-linked" class="muted" hidden></p>
<form id="audit-form" class="grid-form">
  <label>User (login or name) <input name="user" maxlength="64"></label>
  <label>Action <input name="action" maxlength="64" list="audit-actions"></label>
  <datalist id="audit-actions">${['login.success', 'login.failure', 'logout', 'detection.view', 'image.view', 'search', 'export', 'hotlist.add', 'hotlist.remove', 'hotlist.lookup', 'hit.verify', 'shift.acknowledge', 'audit.view', 'audit.export', 'user.add', 'user.passwd', 'user.disable', 'damage.report'].map((a) => html`<option value="${a}">`)}</datalist>
  <label>From <input name="from" type="datetime-local"></label>
  <label>To <input name="to" type="datetime-local"></label>
  <button type="submit">Show</button>
  <a id="audit-export" class="button ghost" href="/api/audit/export.csv" download>Export CSV</a>
</form>
<p id="audit-count" class="muted"></p>
<table class="audit"><thead><tr><th>#</th><th>Time</th><th>User</th><th>Action</th><th>Object</th><th>Case</th><th>Purpose</th><th>Address</th><th>Details</th></tr></thead><tbody id="audit-body"></tbody></table>
<button type="button" id="audit-more" class="ghost" hidden>More</button>`;
}


export function usersBody(users: Omit<UserRecord, 'passwordHash'>[], self: string, now: number): SafeHtml {
  return html`<h1>Accounts</h1>
<p>Every change is recorded in the audit log; a changed account's open sessions end at once.</p>
<table class="users"><thead><tr><th>User</th><th>Name</th><th>Role</th><th>State</th><th></th></tr></thead><tbody>
${users.map((u) => {
  const locked = u.lockedUntil !== null && u.lockedUntil > now;
  return html`<tr data-user="${u.username}"><td><strong>${u.username}</strong></td><td>${u.fullName}<br><span class="muted">${u.contact}</span></td>
<td><select class="role" ${u.username === self ? html`disabled` : ''}>${ROLES.map((r) => html`<option ${r === u.role ? html`selected` : ''}>${r}</option>`)}</select></td>
<td>${u.disabled ? html`<span class="pill pill-red">disabled</span>` : locked ? html`<span class="pill pill-amber">locked</span>` : html`<span class="pill pill-green">active</span>`}</td>
<td>${u.username === self ? '' : html`<button type="button" class="ghost toggle" data-disabled="${u.disabled ? 'false' : 'true'}">${u.disabled ? 'Enable' : 'Disable'}</button>`}
${locked ? html`<button type="button" class="ghost unlock">Unlock</button>` : ''}<button type="button" class="ghost password">New password</button></td></tr>`;
})}</tbody></table>
<form id="user-form" class="grid-form">
  <h2>New account</h2>
  <label>User name <input name="username" maxlength="32" autocapitalize="none" required></label>
  <label>Role <select name="role">${ROLES.map((r) => html`<option>${r}</option>`)}</select></label>
  <label>Full name <input name="fullName" maxlength="128" required></label>
  <label>Contact <input name="contact" maxlength="128"></label>
  <label>Initial password <input name="password" type="password" autocomplete="new-password" minlength="10" maxlength="256" required></label>
  <button type="submit">Create account</button>
  <ul class="form-errors" role="alert"></ul>
</form>`;
}
