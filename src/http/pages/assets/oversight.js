import { api, showErrors, clearErrors } from '/assets/app.js';
import { wireApprove } from '/assets/approval.js';

// Re-confirm an account (access review).
document.getElementById('reviews-section').addEventListener('click', async (ev) => {
  const tr = ev.target.closest('tr[data-user]');
  if (!tr || !ev.target.closest('.confirm')) return;
  const r = await api('POST', `/api/users/${encodeURIComponent(tr.dataset.user)}/review`);
  if (!r.ok) return alert(r.body.message ?? 'refused');
  location.reload();
});

const form = document.getElementById('qualification-form');
const section = document.getElementById('accounts-section');
section.addEventListener('click', (ev) => {
  const tr = ev.target.closest('tr[data-user]');
  if (!tr || !ev.target.closest('.record')) return;
  form.dataset.user = tr.dataset.user;
  form.querySelector('.who-for').textContent = tr.dataset.user;
  form.hidden = false;
  form.elements.namedItem('item').focus();
});
section.addEventListener('change', async (ev) => {
  const tr = ev.target.closest('tr[data-user]');
  if (!tr || !ev.target.classList.contains('supervisor')) return;
  const r = await api('POST', `/api/users/${encodeURIComponent(tr.dataset.user)}/supervisor`, { supervisor: ev.target.checked });
  if (!r.ok) return alert(r.body.message ?? 'refused');
});
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  const f = form.elements;
  const date = (el) => (el.value ? new Date(`${el.value}T00:00:00`).getTime() : null);
  const r = await api('POST', `/api/users/${encodeURIComponent(form.dataset.user)}/qualifications`, {
    // `elements.item` is the collection's own method: the field is reached by name.
    item: f.namedItem('item').value.trim(), completedAt: date(f.completedAt), expiresAt: date(f.expiresAt), course: f.course.value, trainer: f.trainer.value, certificate: f.certificate.value,
  });
  if (!r.ok) return showErrors(form, r.body);
  location.reload();
});

// Approve a use outside the purpose list (an account with the supervisor right, not the one who asked).
wireApprove(document.getElementById('approvals-section'), async () => location.reload());
