import { api, showErrors, clearErrors } from '/assets/app.js';

const form = document.getElementById('login-form');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  const r = await api('POST', '/api/login', { username: form.elements.username.value, password: form.elements.password.value });
  if (!r.ok) {
    form.elements.password.value = '';
    return showErrors(form, r.body);
  }
  location.href = form.dataset.next || '/';
});
