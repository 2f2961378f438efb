// Hit history page: each outcome button records what came of the confirmed hit (with the note),
// then the history list is reloaded from the server.
import { api, clearErrors, fmtTime, showErrors } from '/assets/app.js';

const form = document.getElementById('outcome-form');
const list = document.getElementById('hit-history');

form?.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  const id = form.dataset.hit;
  const outcome = ev.submitter?.value;
  if (!outcome) return;
  const r = await api('POST', `/api/hits/${id}/outcome`, { outcome, note: form.elements.note.value.trim() || null });
  if (!r.ok) return showErrors(form, r.body);
  form.elements.note.value = '';
  const res = await fetch(`/fragments/hits/${id}/history`, { credentials: 'same-origin' });
  if (!res.ok) return;
  list.innerHTML = await res.text();
  list.querySelectorAll('time[datetime]').forEach((t) => (t.textContent = fmtTime(Date.parse(t.getAttribute('datetime')))));
});
