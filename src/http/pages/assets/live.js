import { api, fmtTime } from '/assets/app.js';

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

// A camera without a reference view yet answers 404: its broken image (alt text dark on black) is left out.
for (const ref of document.querySelectorAll('.live-cam img.live-ref')) {
  const gone = () => (ref.hidden = true);
  if (ref.complete && ref.naturalWidth === 0) gone();
  else ref.addEventListener('error', gone);
}

// A dead camera's snapshot is its last picture (or none): the thumbnail is marked stale with the
// time of that picture, dated by the unit's clock, so a frozen view never passes for live.
const STALE_MS = Math.max(5000, 5 * interval);
const NOT_STREAMING = new Set(['starting', 'failed', 'stopped', 'disabled']);

function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

async function markStale() {
  if (document.visibilityState !== 'visible') return;
  const r = await api('GET', '/api/cameras');
  if (!r.ok) return;
  const now = typeof r.body.time === 'number' ? r.body.time : Date.now();
  for (const c of r.body.cameras) {
    const fig = document.querySelector(`.live-cam[data-camera="${CSS.escape(c.id)}"]`);
    if (!fig) continue;
    const last = typeof c.details?.last_frame_at === 'string' ? Date.parse(c.details.last_frame_at) : null;
    const stale = NOT_STREAMING.has(c.state) || last === null || now - last > STALE_MS;
    const badge = fig.querySelector('.live-stale');
    fig.dataset.stale = String(stale);
    badge.hidden = !stale;
    if (!stale) continue;
    badge.textContent = c.state === 'disabled' ? 'Camera off' : last === null ? 'Stale: no picture yet' : `Stale: last picture ${fmtTime(last)} (${ago(now - last)} ago)`;
    if (last !== null) badge.dataset.lastFrameAt = String(last);
  }
}
void markStale();
setInterval(() => void markStale(), Math.max(interval, 1000));
