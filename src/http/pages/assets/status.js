import { api, fmtTime, showErrors, clearErrors } from '/assets/app.js';

// The panel is rendered by the server; refresh it in place every few seconds.
const REFRESH_MS = 5000;
const panel = document.getElementById('status-panel');

function localTimes(root) {
  root.querySelectorAll('time[datetime]').forEach((t) => (t.textContent = fmtTime(Date.parse(t.getAttribute('datetime')))));
}

function editing() {
  const f = panel.querySelector('#shift-form');
  return f && f.contains(document.activeElement);
}

async function refresh() {
  if (document.visibilityState !== 'visible' || editing()) return;
  let res;
  try {
    res = await fetch('/fragments/status', { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    res = null;
  }
  // Daemon restarting or session ended: the ALERTS OFF banner says which; the panel is marked
  // stale instead of leaving the page, so the officer keeps the last known state in view.
  panel.dataset.stale = String(!res?.ok);
  if (!res?.ok) return;
  const keep = panel.querySelector('#shift-form input[name="equipmentInspected"]')?.checked;
  // Disclosures the officer opened stay open across the refresh.
  const open = [...panel.querySelectorAll('li.unit details[open]')].map((d) => d.closest('li').dataset.unit);
  panel.innerHTML = await res.text();
  for (const u of open) panel.querySelector(`li.unit[data-unit="${CSS.escape(u)}"] details`)?.setAttribute('open', '');
  const box = panel.querySelector('#shift-form input[name="equipmentInspected"]');
  if (box && keep) box.checked = true;
  localTimes(panel);
  document.body.dataset.verdict = panel.querySelector('#readiness')?.dataset.verdict ?? '';
}

panel.addEventListener('submit', async (ev) => {
  if (ev.target.id !== 'shift-form') return;
  ev.preventDefault();
  const form = ev.target;
  clearErrors(form);
  const r = await api('POST', '/api/shift/ack', { equipmentInspected: form.elements.equipmentInspected.checked, note: form.elements.note.value.trim() || null });
  if (!r.ok) return showErrors(form, r.body);
  form.reset();
  document.activeElement?.blur();
  await refresh();
});

/** The status strip links to `/#unit-NAME`: open that unit's details and bring it into view. */
function openAnchored() {
  const li = location.hash.startsWith('#unit-') ? document.getElementById(location.hash.slice(1)) : null;
  if (!li) return;
  li.querySelector('details')?.setAttribute('open', '');
  li.scrollIntoView({ block: 'center' });
}

window.addEventListener('hashchange', openAnchored);
openAnchored();
document.body.dataset.verdict = panel.querySelector('#readiness')?.dataset.verdict ?? '';
setInterval(() => void refresh(), REFRESH_MS);
