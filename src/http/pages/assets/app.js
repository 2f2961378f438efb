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

// ---- hits that could not be stored ------------------------------------------------------------
/**
 * A hit whose detection the daemon could not store (disk full: `alert.unstored`, see "Event
 * stream" in docs/operator.md) is shown like any alert of its presentation, with a line saying
 * it was not stored, no images (there are none to fetch) and the verify buttons disabled (there
 * is no stored hit to record an outcome on); **Later** closes it.
 */
const UNSTORED_TEXT = { disk_full: 'Not stored — disk full', store_failed: 'Not stored — the database refused it' };
const unstored = new Map();
const NO_IMAGE = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

/** Remembers an unstored hit; its image links (nothing behind them) are replaced by a blank. */
function noteUnstored(item) {
  const why = item.alert?.unstored;
  if (!why) return item;
  unstored.set(String(item.hit.id), UNSTORED_TEXT[why] ?? 'Not stored');
  return { ...item, images: { plate: NO_IMAGE, overview: NO_IMAGE } };
}

function markUnstored() {
  const p = document.getElementById('hit-alert');
  if (p) {
    const why = unstored.get(p.dataset.hitId ?? '');
    let line = p.querySelector('.unstored-note');
    if (!line && why) {
      line = Object.assign(document.createElement('p'), { className: 'unstored-note banner' });
      p.querySelector('.informational-note').insertAdjacentElement('afterend', line);
    }
    if (line) {
      line.hidden = !why;
      line.textContent = why ? `${why}: no record or images were kept and it cannot be verified here. Confirm it with dispatch and note it by hand.` : '';
    }
    p.dataset.unstored = String(!!why);
    p.querySelector('.hit-images').style.display = why ? 'none' : '';
    for (const el of p.querySelectorAll('#hit-verify button[name=outcome], input[name=note]')) {
      el.disabled = !!why;
      el.title = why ? `${why}: nothing to verify` : '';
    }
  }
  for (const card of document.querySelectorAll('#hit-cards .hit-card[data-hit-id]')) {
    const why = unstored.get(card.dataset.hitId);
    if (why && !card.querySelector('.unstored-note')) card.querySelector('h3').insertAdjacentElement('afterend', Object.assign(document.createElement('p'), { className: 'unstored-note card-note', textContent: why }));
  }
}

function watchUnstored() {
  const p = document.getElementById('hit-alert');
  const cards = document.getElementById('hit-cards');
  if (!p || !cards) return;
  const o = new MutationObserver(markUnstored);
  o.observe(p, { attributes: true, attributeFilter: ['data-hit-id', 'hidden'] });
  o.observe(cards, { childList: true });
}

function startAlerts() {
  if (document.body.dataset.alerts !== 'on') return;
  startStream({
    hello(data, previous) {
      // A server with replay (hello.lastId) sends what was missed itself, told as it was live.
      if (previous && typeof data.lastId !== 'number') void catchUp(previous - 2000).then(() => (document.body.dataset.caughtUp = 'true'));
      else document.body.dataset.caughtUp = 'true';
    },
    hit(event) {
      const item = noteUnstored(event);
      rememberServerTime(item.hit.createdAt);
      window.dispatchEvent(new CustomEvent('alpr:hit', { detail: item }));
      if (!wasShown(item)) showHit(item);
      markUnstored();
    },
    'hit-update'(event) {
      const item = noteUnstored(event);
      rememberServerTime(item.hit.createdAt);
      window.dispatchEvent(new CustomEvent('alpr:hit', { detail: item }));
      updateHit(item);
      markUnstored();
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

// ---- "More" in the header --------------------------------------------------------------------
/** The header's "More" menu (a <details>) closes on Escape (focus back on its button), on a tap elsewhere, and when focus leaves it. */
function wireNavMore() {
  const more = document.querySelector('header.top .nav-more');
  if (!more) return;
  const summary = more.querySelector('summary');
  document.addEventListener('pointerdown', (e) => {
    if (more.open && !more.contains(e.target)) more.open = false;
  });
  more.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !more.open) return;
    more.open = false;
    summary.focus();
  });
  more.addEventListener('focusout', (e) => {
    if (more.open && e.relatedTarget && !more.contains(e.relatedTarget)) more.open = false;
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
  wireNavMore();
  wireHitPanel();
  watchUnstored();
  startStrip();
  startAlerts();
  document.querySelectorAll('time[datetime]').forEach((t) => (t.textContent = fmtTime(Date.parse(t.getAttribute('datetime')))));
  document.body.dataset.ready = 'true';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
