import { api } from '/assets/app.js';

// Snapshots only while the page is visible: a hidden tab costs the cameras nothing.
const interval = Number(document.body.dataset.interval) || 1000;

for (const fig of document.querySelectorAll('.live-cam')) {
  const id = fig.dataset.camera;
  const img = fig.querySelector('img');
  const age = fig.querySelector('.live-age');
  let loading = false;
  let last = Date.now();
  img.addEventListener('load', () => {
    loading = false;
    last = Date.now();
    age.textContent = '';
  });
  img.addEventListener('error', () => {
    loading = false;
    age.textContent = '(no frame)';
  });
  void api('POST', `/api/cameras/${encodeURIComponent(id)}/view`);
  setInterval(() => {
    if (document.visibilityState !== 'visible' || loading) {
      if (Date.now() - last > 5 * interval) age.textContent = `(${Math.round((Date.now() - last) / 1000)} s old)`;
      return;
    }
    loading = true;
    img.src = `/api/cameras/${encodeURIComponent(id)}/snapshot.jpg?t=${Date.now()}`;
  }, interval);
}
