import { api, clearErrors, localMs, showErrors } from '/assets/app.js';

// The damage report form: "noticed at" starts at now (local time, minutes), the picture box only
// makes sense for a camera, and an administrator's list refreshes after filing.
const form = document.getElementById('damage-form');
const f = form.elements;
const done = form.querySelector('.form-done');

function nowLocal() {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function syncSnapshot() {
  const camera = f.what.value.startsWith('camera:');
  f.snapshot.disabled = !camera;
  if (!camera) f.snapshot.checked = false;
}

f.noticedAt.value = nowLocal();
syncSnapshot();
f.what.addEventListener('change', syncSnapshot);

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  done.hidden = true;
  const r = await api('POST', '/api/damage-reports', { what: f.what.value, noticedAt: localMs(f.noticedAt), text: f.text.value, snapshot: f.snapshot.checked });
  if (!r.ok) return showErrors(form, r.body);
  const n = r.body.report.id;
  done.textContent = r.body.snapshotWanted && !r.body.snapshotAttached
    ? `Report ${n} filed, without a picture: the camera has no current picture.`
    : `Report ${n} filed${r.body.snapshotAttached ? ' with the current picture' : ''}. It goes to the central server with the next upload.`;
  done.hidden = false;
  // At 800x480 the confirmation lands below the fold under the File report button: bring it up.
  done.scrollIntoView({ block: 'nearest' });
  f.text.value = '';
  const list = document.getElementById('damage-reports');
  if (list) {
    const res = await fetch('/fragments/damage-reports', { credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) list.outerHTML = await res.text();
  }
});
