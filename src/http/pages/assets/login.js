import { api, showErrors, clearErrors } from '/assets/app.js';

const form = document.getElementById('login-form');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  // A wrong password answers 401: show its message here instead of reloading the login page.
  const r = await api('POST', '/api/login', { username: form.elements.username.value, password: form.elements.password.value }, { loginOn401: false });
  if (!r.ok) {
    form.elements.password.value = '';
    showErrors(form, r.body);
    form.elements.password.focus();
    return;
  }
  location.href = form.dataset.next || '/';
});
