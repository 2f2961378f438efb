import { api, esc, fmtTime, openHit } from '/assets/app.js';
import { misreadButton, wireMisread } from '/assets/misread.js';

const body = document.getElementById('hits-body');
const unverified = document.getElementById('hits-unverified');
const OUTCOME = { confirmed: 'confirmed visually', misread: 'misread', not_vehicle: 'not the vehicle' };

async function load() {
  const r = await api('GET', `/api/hits?unverified=${unverified.checked}&limit=100`);
  if (!r.ok) return;
  body.innerHTML = r.body.hits
    .map(({ hit, read }) => `<tr data-hit="${hit.id}">
<td>${esc(fmtTime(hit.createdAt))}</td><td class="read-text">${esc(read ? read.text : '?')}</td><td class="plate">${esc(hit.entry.plate)}</td>
<td>${esc(hit.entry.list)}${hit.informational ? ' <span class="pill pill-info">informational</span>' : ''}</td><td>${esc(hit.explanation)}</td>
<td>${hit.outcome ? `${esc(OUTCOME[hit.outcome])}<br><span class="muted">${esc(hit.verifiedBy)} ${esc(fmtTime(hit.verifiedAt))}</span>` : '<span class="pill pill-amber">unverified</span>'}</td>
<td><button type="button" class="ghost open-hit" data-id="${hit.id}">Open</button>${hit.outcome ? ` <a class="button ghost" href="/hits/${hit.id}/history">${hit.outcome === 'confirmed' ? 'Outcome' : 'History'}</a>` : ''}${read ? ` ${misreadButton(hit.detectionId, hit.id)}` : ''}</td></tr>`)
    .join('');
}

body.addEventListener('click', (ev) => {
  const b = ev.target.closest('.open-hit');
  if (b) void openHit(b.dataset.id);
});
wireMisread(body);
unverified.addEventListener('change', () => void load());
window.addEventListener('alpr:hit', () => void load());
window.addEventListener('alpr:verified', () => void load());
await load();
