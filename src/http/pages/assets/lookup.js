// Quick look-up on the Hot plates page: a typed plate (3 characters or more) → "listed" or
// "not listed", with the entries the hot list's matcher finds, and the listed plates that contain
// the text anywhere (a fragment: `6GU`, or a pattern with ? one character and * any run). Each
// look-up is audited; the text goes in a POST body, never in a URL.
import { api, clearErrors, esc, fmtTime, showErrors } from '/assets/core.js';

const form = document.getElementById('lookup-form');
const out = document.getElementById('lookup-result');

const KIND = { exact: 'exact', wildcard: 'partial-plate entry', confusion: 'near match (look-alike characters)', edit: 'near match (a character differs)', fragment: 'contains the text' };

function row(m) {
  const info = m.informational ? '<span class="pill pill-amber">informational only — not a basis for a stop</span>' : '';
  return `<tr><td class="plate">${esc(m.plate)}${m.state ? ` (${esc(m.state)})` : ''}</td><td>${esc(m.list)}</td><td>${esc(m.reason)}${m.caseNumber ? ` · case ${esc(m.caseNumber)}` : ''}</td>`
    + `<td>${m.expiresAt === null ? 'no expiry' : esc(fmtTime(m.expiresAt))}</td><td>${esc(KIND[m.kind ?? 'fragment'] ?? m.kind)}</td><td>${info}</td></tr>`;
}

const table = (cls, matches) => `<table class="lookup-matches ${cls}"><thead><tr><th>Entry</th><th>List</th><th>Reason</th><th>Expires</th><th>Match</th><th></th></tr></thead><tbody>${matches.map(row).join('')}</tbody></table>`;

/** Listed plates containing the text, shown under the whole-plate answer (or alone for a pattern). */
function fragmentPart(a) {
  const f = a.fragment;
  // A listed whole plate that only contains itself: the answer above says it all.
  if (!f || (a.listed && f.matches.every((m) => m.plate === a.plate))) return '';
  const n = f.matches.length;
  const head = n === 0
    ? `<p class="lookup-fragment-none">No listed plate contains <strong>${esc(f.pattern)}</strong>.</p>`
    : `<p><strong class="lookup-fragment-found">${n}${f.truncated ? '+' : ''} listed plate entr${n === 1 ? 'y contains' : 'ies contain'} ${esc(f.pattern)}</strong>${f.truncated ? ` — the first ${n} are shown; type more characters` : ''}</p>`;
  const caution = n ? '<p class="muted">A partial plate is not a match: confirm the whole plate and its status with dispatch before acting.</p>' : '';
  return `<section class="lookup-fragment">${head}${n ? table('lookup-fragment-matches', f.matches) : ''}${caution}</section>`;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  out.innerHTML = '';
  const r = await api('POST', '/api/hotlist/lookup', { plate: form.elements.plate.value });
  if (!r.ok) return showErrors(form, r.body);
  const a = r.body;
  let whole = '';
  if (a.wholePlate !== false) {
    const verdict = a.listed ? `<strong class="lookup-listed">${esc(a.plate)}: LISTED</strong>` : `<strong class="lookup-clear">${esc(a.plate)}: not listed</strong>`;
    const near = !a.listed && a.matches.length ? '<p>Near matches only: compare the characters before acting.</p>' : '';
    whole = `<p>${verdict}${a.listed ? '' : ' <span class="muted">as a whole plate</span>'}</p>${near}${a.matches.length ? table('', a.matches) : ''}`;
  }
  out.innerHTML = whole + fragmentPart(a);
  // At 800x480 the answer starts near the bottom of the screen: bring its first lines up under
  // the header (which stays at the top), and leave the page alone when they are in view.
  const stackBottom = document.querySelector('.top-stack')?.getBoundingClientRect().bottom ?? 0;
  const top = out.getBoundingClientRect().top;
  if (top + 160 > innerHeight || top < stackBottom) window.scrollBy(0, top - stackBottom - 8);
});
