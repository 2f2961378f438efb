import { api, showErrors, clearErrors } from '/assets/app.js';

const form = document.getElementById('user-form');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  const f = form.elements;
  const r = await api('POST', '/api/users', { username: f.username.value, role: f.role.value, fullName: f.fullName.value, contact: f.contact.value, password: f.password.value });
  if (!r.ok) return showErrors(form, r.body);
  location.reload();
});

async function change(tr, patch) {
  const r = await api('POST', `/api/users/${encodeURIComponent(tr.dataset.user)}`, patch);
  if (!r.ok) return alert(r.body.message ?? 'refused');
  location.reload();
}

document.querySelector('table.users').addEventListener('click', (ev) => {
  const tr = ev.target.closest('tr[data-user]');
  if (!tr) return;
  if (ev.target.closest('.toggle')) void change(tr, { disabled: ev.target.dataset.disabled === 'true' });
  else if (ev.target.closest('.unlock')) void change(tr, { unlock: true });
  else if (ev.target.closest('.password')) {
    const password = prompt(`New password for ${tr.dataset.user} (at least 10 characters):`);
    if (password) void change(tr, { password });
  }
});
document.querySelector('table.users').addEventListener('change', (ev) => {
  const tr = ev.target.closest('tr[data-user]');
  if (tr && ev.target.classList.contains('role')) void change(tr, { role: ev.target.value });
});
