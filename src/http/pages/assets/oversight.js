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

// Reported data errors (issue 20): check the crop, confirm or reject, then release the confirmed
// ones for model improvement as one package with a reason (docs/misread-release.md).
const misreads = document.getElementById('corrections-section');
misreads.addEventListener('click', async (ev) => {
  const tr = ev.target.closest('tr[data-correction]');
  if (!tr) return;
  if (ev.target.closest('.show-crop')) {
    // One audited image view, only when asked for.
    const img = tr.querySelector('img.crop');
    img.src = `/api/detections/${encodeURIComponent(tr.dataset.detection)}/plate.jpg`;
    img.hidden = false;
    ev.target.hidden = true;
    return;
  }
  const decision = ev.target.closest('.confirm-misread') ? 'confirmed' : ev.target.closest('.reject-misread') ? 'rejected' : null;
  if (!decision) return;
  const note = decision === 'rejected' ? prompt('Why is the report rejected? (recorded)') : '';
  if (note === null) return;
  const r = await api('POST', `/api/corrections/${tr.dataset.correction}/decision`, { decision, note: note.trim() });
  if (!r.ok) return void (misreads.querySelector('.form-error').textContent = r.body.message ?? 'refused');
  location.reload();
});

const release = document.getElementById('misread-release-form');
release.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(release);
  const res = await fetch('/api/corrections/release', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name="csrf-token"]').content },
    body: JSON.stringify({ reason: release.elements.reason.value }),
  });
  if (!res.ok) return showErrors(release, await res.json().catch(() => ({ message: `release refused (${res.status})` })));
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'misreads.zip';
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  // No reload here: it could cut the download short. The list shows the release on the next visit.
  release.querySelector('.form-errors').innerHTML = '';
  release.querySelector('button[type=submit]').disabled = true;
  const done = document.createElement('p');
  done.className = 'wide released';
  done.setAttribute('role', 'status');
  done.textContent = `Released as #${res.headers.get('x-audit-id')}: ${res.headers.get('x-release-count')} misread(s) in ${name}.`;
  release.append(done);
});
