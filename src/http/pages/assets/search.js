import { api, localMs, readRow, showErrors, clearErrors } from '/assets/app.js';

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
    purposeCategory: f.purposeCategory.value || null,
    purpose: f.purpose.value,
    plate: f.plate.value || null,
    cameraId: f.cameraId.value || null,
    from: localMs(f.from),
    to: localMs(f.to),
    minLat: num('minLat'),
    maxLat: num('maxLat'),
    minLon: num('minLon'),
    maxLon: num('maxLon'),
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
    return showErrors(form, r.body);
  }
  lastQuery = q;
  const rows = r.body.results;
  count.textContent = `${rows.length} detection(s)${rows.length === r.body.limit ? ' (first page; narrow the search to see all)' : ''}`;
  const admin = document.body.dataset.role === 'administrator';
  results.tBodies[0].innerHTML = rows
    .map((d) => `<tr data-detection="${d.id}">${readRow(d)}${admin ? `<td><button type="button" class="ghost hold" data-id="${d.id}" data-hold="${d.evidenceHold ? 'false' : 'true'}">${d.evidenceHold ? 'Release hold' : 'Evidence hold'}</button></td>` : ''}</tr>`)
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

exportForm?.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(exportForm);
  const f = exportForm.elements;
  const body = { ...lastQuery, requestingAgency: f.requestingAgency.value, requester: f.requester.value, releasePurpose: f.releasePurpose.value, format: f.format.value };
  const res = await fetch('/api/export', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name="csrf-token"]').content },
    body: JSON.stringify(body),
  });
  if (!res.ok) return showErrors(exportForm, await res.json());
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `export.${f.format.value}`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});
