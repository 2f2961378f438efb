import { api, esc, fmtTime, localMs, readRow, showErrors, clearErrors } from '/assets/app.js';
import { misreadButton, wireMisread } from '/assets/misread.js';
import { approvalFor, approvalId, loadSupervisorQueue, offerApproval, purposeCategory, searchedWithApproval, wireApprove, wireOtherPurpose } from '/assets/approval.js';

const form = document.getElementById('search-form');
const results = document.getElementById('search-results');
const count = document.getElementById('search-count');
const exportForm = document.getElementById('export-form');
let lastQuery = null;

function query() {
  const f = form.elements;
  const num = (name) => (f[name].value === '' ? null : Number(f[name].value));
  return {
    caseNumber: f.caseNumber.value,
    purposeCategory: purposeCategory(form),
    purpose: f.purpose.value,
    // A fragment is searched as a pattern around it: 6GU → *6GU* (the audit row holds the pattern).
    plate: f.plate.value.trim() ? (f.plateAnywhere?.checked ? `*${f.plate.value.trim()}*` : f.plate.value) : null,
    cameraId: f.cameraId.value || null,
    from: localMs(f.from),
    to: localMs(f.to),
    minLat: num('minLat'),
    maxLat: num('maxLat'),
    minLon: num('minLon'),
    maxLon: num('maxLon'),
    ...(approvalId(form) ? { approvalId: approvalId(form) } : {}),
  };
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  const q = query();
  const r = await api('POST', '/api/search', q);
  if (!r.ok) {
    results.hidden = true;
    if (exportForm) exportForm.hidden = true;
    count.textContent = '';
    if (offerApproval(form, r.body, q)) return;
    return showErrors(form, r.body);
  }
  lastQuery = q;
  searchedWithApproval(form);
  if (exportForm) approvalFor(exportForm, null);
  const rows = r.body.results;
  count.textContent = `${rows.length} detection(s)${rows.length === r.body.limit ? ' (first page; narrow the search to see all)' : ''}`;
  const admin = document.body.dataset.role === 'administrator';
  results.tBodies[0].innerHTML = rows
    .map((d) => `<tr data-detection="${d.id}">${readRow(d)}<td>${misreadButton(d.id)}</td>${admin ? `<td><button type="button" class="ghost hold" data-id="${d.id}" data-hold="${d.evidenceHold ? 'false' : 'true'}">${d.evidenceHold ? 'Release hold' : 'Evidence hold'}</button></td>` : ''}</tr>`)
    .join('');
  results.hidden = false;
  if (exportForm) exportForm.hidden = rows.length === 0;
});

// Evidence hold keeps a detection past retention (sacramento-pd C.1, shasta 467.5); the reason is recorded.
results.addEventListener('click', async (ev) => {
  const b = ev.target.closest('.hold');
  if (!b) return;
  const hold = b.dataset.hold === 'true';
  const reason = prompt(hold ? 'Reason for the evidence hold (case, court order):' : 'Reason for releasing the hold:');
  if (!reason || !reason.trim()) return;
  const r = await api('POST', `/api/detections/${b.dataset.id}/hold`, { hold, reason: reason.trim() });
  if (!r.ok) return alert(r.body.message ?? 'refused');
  b.dataset.hold = String(!hold);
  b.textContent = hold ? 'Release hold' : 'Evidence hold';
});

wireMisread(results);
wireOtherPurpose(form);
const queue = document.getElementById('approval-queue');
if (queue) {
  wireApprove(queue, () => loadSupervisorQueue(queue));
  await loadSupervisorQueue(queue);
}

// ---- releases (administrators): request from the results, a second administrator approves, export.
const releases = document.getElementById('releases');
const me = document.body.dataset.user;
const STATUS = { pending: 'waiting for a second administrator', approved: 'approved' };

async function loadReleases() {
  if (!releases) return;
  const r = await api('GET', '/api/releases');
  if (!r.ok) return void (releases.querySelector('p, table').outerHTML = `<p class="error-text">${esc(r.body.message ?? 'releases could not be loaded')}</p>`);
  const rows = r.body.releases;
  const table = rows.length
    ? `<table class="releases"><thead><tr><th>#</th><th>Requested</th><th>Agency and person</th><th>Purpose</th><th>Detections</th><th>State</th><th></th></tr></thead><tbody>${rows
        .map(
          (x) => `<tr data-release="${x.releaseId}"><td>${x.releaseId}</td><td>${esc(x.requestedBy)}<br><span class="muted">${esc(fmtTime(x.requestedAt))}</span></td>
<td>${esc(x.requestingAgency)}<br><span class="muted">${esc(x.requester)} · ${esc(x.writtenRequestRef)}</span></td><td>${esc(x.purpose)}</td><td>${x.count}</td>
<td>${x.status === 'approved' ? `<span class="pill pill-green">approved</span><br><span class="muted">${esc(x.approvedBy)}</span>` : `<span class="pill pill-amber">${esc(STATUS[x.status] ?? x.status)}</span>`}${
            x.supervisorApproval ? `<br><span class="muted">off-list purpose: approval ${x.supervisorApproval} (${esc(x.supervisor ?? '')})</span>${x.exported ? '<br><span class="pill">exported</span>' : ''}` : ''
          }</td>
<td>${x.status === 'pending' && x.requestedBy !== me ? `<button type="button" class="approve" data-id="${x.releaseId}">Approve</button>` : ''}${
            x.status === 'approved' && (!x.supervisorApproval || (x.requestedBy === me && !x.exported)) ? `<button type="button" class="ghost export" data-id="${x.releaseId}" data-format="csv">CSV</button> <button type="button" class="ghost export" data-id="${x.releaseId}" data-format="zip">CSV + images</button>` : ''
          }</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted">No releases yet.</p>';
  releases.innerHTML = `<h2>Releases</h2><p class="form-error" role="alert"></p>${table}`;
}

exportForm?.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(exportForm);
  const f = exportForm.elements;
  const value = (name) => f[name].value.trim() || null;
  const ids = [...results.tBodies[0].rows].map((tr) => tr.dataset.detection);
  const body = {
    caseNumber: lastQuery.caseNumber,
    purposeCategory: lastQuery.purposeCategory,
    purpose: lastQuery.purpose,
    detectionIds: ids,
    requestingAgency: value('requestingAgency'),
    agencyKind: value('agencyKind'),
    agencyState: value('agencyState')?.toUpperCase() ?? null,
    requester: value('requester'),
    releasePurposeCategory: value('releasePurposeCategory'),
    releasePurpose: value('releasePurpose'),
    writtenRequestRef: value('writtenRequestRef'),
    writtenRequestDate: value('writtenRequestDate'),
    ...(approvalId(exportForm) ? { approvalId: approvalId(exportForm) } : {}),
  };
  const r = await api('POST', '/api/releases', body);
  // A purpose off the agency's list: a supervisor approves the export first (issue 20).
  if (!r.ok) return void (offerApproval(exportForm, r.body, body, 'export') || showErrors(exportForm, r.body));
  searchedWithApproval(exportForm, 'export');
  delete exportForm.dataset.approvalId;
  exportForm.reset();
  exportForm.hidden = true;
  await loadReleases();
});

releases?.addEventListener('click', async (ev) => {
  const approve = ev.target.closest('.approve');
  const exp = ev.target.closest('.export');
  const error = releases.querySelector('.form-error');
  if (approve) {
    const r = await api('POST', `/api/releases/${approve.dataset.id}/approve`);
    if (!r.ok) return void (error.textContent = r.body.message ?? 'refused');
    return loadReleases();
  }
  if (!exp) return;
  const res = await fetch(`/api/releases/${exp.dataset.id}/export`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name="csrf-token"]').content },
    body: JSON.stringify({ format: exp.dataset.format }),
  });
  if (!res.ok) {
    error.textContent = (await res.json().catch(() => ({}))).message ?? `export refused (${res.status})`;
    return loadReleases().then(() => void (releases.querySelector('.form-error').textContent = error.textContent));
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `release.${exp.dataset.format}`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  // A release on a supervisor's approval is exported once: the list drops its buttons.
  await loadReleases();
});

await loadReleases();
