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
  const res = await fetch('/fragments/status', { credentials: 'same-origin' });
  if (res.status === 401) return void (location.href = '/login');
  if (!res.ok) return;
  const keep = panel.querySelector('#shift-form input[name="equipmentInspected"]')?.checked;
  panel.innerHTML = await res.text();
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

document.body.dataset.verdict = panel.querySelector('#readiness')?.dataset.verdict ?? '';
setInterval(() => void refresh(), REFRESH_MS);
