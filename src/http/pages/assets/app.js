// alpr-edge operator station: loaded by every page. Theme, sound unlock, the status strip, the
// alert channel (event stream + ALERTS OFF banner) and the hit pop-up. Page scripts import
// the helpers they need from here. Plain ES modules, no build step.
import { api, fmtTime } from '/assets/core.js';
import { openHit, showHit, showNotice, updateHit, wasShown, wasShownId, wireHitPanel } from '/assets/hit-alert.js';
import { audioContext, unlockAudio, updateSoundBanner } from '/assets/sound.js';
import { rememberServerTime, startStream } from '/assets/stream.js';
import { startStrip } from '/assets/strip.js';

export { api, clearErrors, esc, fmtPos, fmtTime, localMs, readRow, showErrors } from '/assets/core.js';
export { openHit, showHit } from '/assets/hit-alert.js';

// ---- theme -------------------------------------------------------------------------------
const root = document.documentElement;
function applyTheme(t) {
  root.dataset.theme = t;
}
applyTheme(localStorage.getItem('alpr-theme') ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'night' : 'day'));

// ---- missed hits ----------------------------------------------------------------------------
/**
 * Hits raised while this tab had no event stream (page change, network drop, daemon restart,
 * tablet asleep): unverified ones since the last server time seen, oldest first, alerted as if
 * live unless the stream's own replay already showed them.
 */
async function catchUp(since) {
  const r = await api('GET', `/api/hits?unverified=true&since=${Math.max(0, since)}&limit=50`);
  if (!r.ok) return;
  for (const { hit } of [...r.body.hits].reverse()) {
    if (!wasShownId(hit.id)) await openHit(hit.id, { sound: true });
  }
}

function startAlerts() {
  if (document.body.dataset.alerts !== 'on') return;
  startStream({
    hello(data, previous) {
      // A server with replay (hello.lastId) sends what was missed itself, told as it was live.
      if (previous && typeof data.lastId !== 'number') void catchUp(previous - 2000).then(() => (document.body.dataset.caughtUp = 'true'));
      else document.body.dataset.caughtUp = 'true';
    },
    hit(item) {
      rememberServerTime(item.hit.createdAt);
      window.dispatchEvent(new CustomEvent('alpr:hit', { detail: item }));
      if (!wasShown(item)) showHit(item);
    },
    'hit-update'(item) {
      rememberServerTime(item.hit.createdAt);
      window.dispatchEvent(new CustomEvent('alpr:hit', { detail: item }));
      updateHit(item);
    },
    notice(item) {
      window.dispatchEvent(new CustomEvent('alpr:hit', { detail: item }));
      showNotice(item);
    },
    session(data) {
      const b = document.getElementById('sound-banner');
      const note = document.getElementById('session-ending') ?? b.insertAdjacentElement('afterend', Object.assign(document.createElement('div'), { id: 'session-ending', className: 'banner' }));
      note.textContent = `Your session ends at ${fmtTime(data.endsAt)} (end of shift limit). Log out and in again before then to keep receiving hits.`;
    },
    detection(data) {
      window.dispatchEvent(new CustomEvent('alpr:detection', { detail: data.detection }));
    },
  });
}

// ---- start -----------------------------------------------------------------------------------
function start() {
  document.getElementById('theme-toggle')?.addEventListener('click', () => {
    const t = root.dataset.theme === 'night' ? 'day' : 'night';
    localStorage.setItem('alpr-theme', t);
    applyTheme(t);
  });
  document.getElementById('logout')?.addEventListener('click', async () => {
    await api('POST', '/api/logout');
    location.href = '/login';
  });
  document.getElementById('sound-enable')?.addEventListener('click', unlockAudio);
  for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, unlockAudio, { passive: true });
  if (document.body.dataset.alerts === 'on') {
    audioContext();
    updateSoundBanner();
  }
  wireHitPanel();
  startStrip();
  startAlerts();
  document.querySelectorAll('time[datetime]').forEach((t) => (t.textContent = fmtTime(Date.parse(t.getAttribute('datetime')))));
  document.body.dataset.ready = 'true';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
