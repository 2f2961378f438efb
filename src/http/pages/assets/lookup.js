// Quick look-up on the Hot plates page: a typed plate (3 characters or more) → "listed" or
// "not listed", with the entries the hot list's matcher finds. Each look-up is audited.
import { api, clearErrors, esc, fmtTime, showErrors } from '/assets/core.js';

const form = document.getElementById('lookup-form');
const out = document.getElementById('lookup-result');

const KIND = { exact: 'exact', wildcard: 'partial-plate entry', confusion: 'near match (look-alike characters)', edit: 'near match (a character differs)' };

function row(m) {
  const info = m.informational ? '<span class="pill pill-amber">informational only — not a basis for a stop</span>' : '';
  return `<tr><td class="plate">${esc(m.plate)}${m.state ? ` (${esc(m.state)})` : ''}</td><td>${esc(m.list)}</td><td>${esc(m.reason)}${m.caseNumber ? ` · case ${esc(m.caseNumber)}` : ''}</td>`
    + `<td>${m.expiresAt === null ? 'no expiry' : esc(fmtTime(m.expiresAt))}</td><td>${esc(KIND[m.kind] ?? m.kind)}</td><td>${info}</td></tr>`;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  out.innerHTML = '';
  const r = await api('POST', '/api/hotlist/lookup', { plate: form.elements.plate.value });
  if (!r.ok) return showErrors(form, r.body);
  const a = r.body;
  const verdict = a.listed ? `<strong class="lookup-listed">${esc(a.plate)}: LISTED</strong>` : `<strong class="lookup-clear">${esc(a.plate)}: not listed</strong>`;
  const table = a.matches.length
    ? `<table class="lookup-matches"><thead><tr><th>Entry</th><th>List</th><th>Reason</th><th>Expires</th><th>Match</th><th></th></tr></thead><tbody>${a.matches.map(row).join('')}</tbody></table>`
    : '';
  const near = !a.listed && a.matches.length ? '<p>Near matches only: compare the characters before acting.</p>' : '';
  out.innerHTML = `<p>${verdict}</p>${near}${table}`;
});
