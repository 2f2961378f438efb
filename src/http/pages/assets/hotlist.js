import { api, localMs, showErrors, clearErrors } from '/assets/app.js';

const form = document.getElementById('hotlist-form');
const table = document.getElementById('hotlist-entries');

async function reload() {
  const res = await fetch('/fragments/hotlist', { credentials: 'same-origin' });
  if (res.ok) table.innerHTML = await res.text();
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  const f = form.elements;
  const value = (name) => f[name].value.trim() || null;
  const r = await api('POST', '/api/hotlist/local', {
    plate: f.plate.value,
    state: value('state'),
    list: f.list.value,
    priority: Number(f.priority.value) || undefined,
    reason: f.reason.value,
    caseNumber: value('caseNumber'),
    subjectXref: value('subjectXref'),
    officerName: f.officerName.value,
    officerContact: f.officerContact.value,
    expiresAt: localMs(f.expiresAt) ?? 0,
    alsoInNcic: f.alsoInNcic.checked,
    informational: f.informational.checked,
  });
  if (!r.ok) return showErrors(form, r.body);
  const officer = f.officerName.value;
  form.reset();
  f.officerName.value = officer;
  await reload();
});

// Removal asks why: the reason goes on the audit row (issue 15 item 9).
table.addEventListener('submit', async (ev) => {
  const f = ev.target.closest('form.remove-entry');
  if (!f) return;
  ev.preventDefault();
  clearErrors(f);
  const r = await api('DELETE', `/api/hotlist/local/${encodeURIComponent(f.dataset.id)}`, { reason: f.elements.reason.value });
  if (!r.ok) return showErrors(f, r.body);
  await reload();
});
