// The hit pop-up, presented by priority:
//   alarm          full-screen red pop-up, tone repeating until the officer touches it
//   amber          pop-up with an amber frame, one tone
//   informational  a card at the side, no sound, never modal ("not a basis for a stop")
//   notice         an earlier read matching a plate (retroactive): a silent card, never an alarm
// The pop-up is a column whose middle shrinks, so the title and the verify buttons are always
// on screen; every new alert starts scrolled to the top with fresh image elements, so no part
// of the previous hit (scroll position, overview picture) shows under the new one.
import { api, clearErrors, esc, fmtTime, showErrors } from '/assets/core.js';
import { tone } from '/assets/sound.js';

const ALARM_REPEAT_MS = 2500;
const MAX_CARDS = 3;
const OUTCOME_TEXT = { confirmed: 'confirmed visually', misread: 'misread', not_vehicle: 'not the vehicle' };
const KIND_TEXT = { alarm: 'ALARM', amber: 'HIT', informational: 'Informational', notice: 'Earlier read' };
const PRESENTATIONS = ['alarm', 'amber', 'informational', 'notice'];

/**
 * How a hit is presented: the server's `alert.presentation` (configured per list, see "Event
 * stream" in docs/operator.md) when the event carries one; otherwise (a hit opened from the Hits
 * page) special lists are informational, earlier reads a notice, stolen and felony lists and
 * priority 1 an alarm, everything else amber.
 */
export function presentationOf(hit, alert) {
  const given = alert?.presentation;
  if (PRESENTATIONS.includes(given)) return given;
  if (hit.informational || hit.entry?.informational) return 'informational';
  if (hit.retroactive) return 'notice';
  if (/stolen|felony/i.test(hit.entry?.list ?? '') || hit.entry?.priority === 1) return 'alarm';
  return 'amber';
}

// Hits already put in front of the officer in this tab (kept across page changes), so that a
// reconnect's replay or catch-up never alerts twice for the same hit.
const SHOWN_KEY = 'alpr-hits-shown';
const shown = new Set(JSON.parse(sessionStorage.getItem(SHOWN_KEY) ?? '[]'));
export function wasShown(item) {
  return shown.has(alertIdOf(item)) || shown.has(item.hit.id);
}
export function wasShownId(id) {
  return shown.has(id);
}
function markShown(id) {
  shown.add(id);
  sessionStorage.setItem(SHOWN_KEY, JSON.stringify([...shown].slice(-500)));
}

function count(name) {
  document.body.dataset[name] = String(Number(document.body.dataset[name] ?? 0) + 1);
}

// ---- the modal pop-up (alarm and amber; informational when opened on purpose) -------------
const queue = [];
let current = null;
let repeat = null;

const panel = () => document.getElementById('hit-alert');

function stopRepeat() {
  if (repeat) clearInterval(repeat);
  repeat = null;
  document.body.dataset.alarmRepeating = 'false';
}

function startRepeat() {
  stopRepeat();
  document.body.dataset.alarmRepeating = 'true';
  repeat = setInterval(() => tone('alarm'), ALARM_REPEAT_MS);
}

function fact(dl, name, value, cls = '') {
  if (value === null || value === undefined || value === '') return;
  dl.insertAdjacentHTML('beforeend', `<dt>${esc(name)}</dt><dd class="${cls}">${esc(value)}</dd>`);
}

/** A new <img> each time: the previous hit's picture can never show under this one. */
function setImage(figure, id, src, alt) {
  const img = document.createElement('img');
  img.id = id;
  img.alt = alt;
  img.decoding = 'async';
  img.src = src;
  figure.querySelector('.zoom').replaceChildren(img);
}

function render(item, { update = false, keepImages = false } = {}) {
  const p = panel();
  const { hit, detection } = item;
  const e = hit.entry;
  const presentation = item.presentation;
  p.dataset.presentation = presentation;
  p.dataset.hitId = String(hit.id);
  p.dataset.informational = String(presentation === 'informational');
  p.classList.toggle('informational', presentation === 'informational');
  const list = e.list.replace(/_/g, ' ');
  p.querySelector('.hit-kind').textContent = KIND_TEXT[presentation];
  p.querySelector('.hit-list').textContent = list;
  p.querySelector('.hit-priority').textContent = `priority ${e.priority}`;
  p.querySelector('.informational-note').hidden = presentation !== 'informational';
  p.querySelector('#hit-read').textContent = detection ? detection.text : e.plate;
  if (!keepImages) {
    setImage(p.querySelector('.hit-crop'), 'hit-plate', item.images.plate, 'plate crop');
    setImage(p.querySelector('.hit-overview'), 'hit-overview', item.images.overview, 'overview image');
  }

  const dl = p.querySelector('.hit-facts');
  dl.innerHTML = '';
  fact(dl, 'Hot-list plate', `${e.plate}${e.state ? ` (${e.state})` : ''}${detection ? ` · read ${Math.round(detection.confidence * 100)}%` : ''}`);
  fact(dl, 'Match', hit.explanation);
  fact(dl, 'Reason', e.reason, 'strong');
  fact(dl, 'Case number', e.caseNumber, 'strong');
  fact(dl, 'Seen', `${detection ? fmtTime(detection.bestAt) : fmtTime(hit.createdAt)}${detection ? `, ${detection.cameraId} camera` : ''}${hit.retroactive ? ' (earlier read)' : ''}`);
  const again = item.alert?.seenAgain;
  if (again) fact(dl, 'Seen again', `${fmtTime(again.lastAt)}, ${again.cameraId} camera${again.count > 1 ? ` (${again.count} passes)` : ''}`, 'strong seen-again');
  if (detection && detection.lat !== null) fact(dl, 'Position', `${detection.lat.toFixed(5)}, ${detection.lon.toFixed(5)}${detection.positionTrusted ? '' : ' (untrusted)'}`);
  fact(dl, 'Entry expires', e.expiresAt ? fmtTime(e.expiresAt) : '');
  if (hit.outcome) fact(dl, 'Recorded', `${OUTCOME_TEXT[hit.outcome]} by ${hit.verifiedBy} at ${fmtTime(hit.verifiedAt)}`);

  updateQueueCount();
  // An update (seen again, the pass's revised read) changes the facts in place: the note being
  // typed, the scroll position and the alarm's state stay as they are.
  if (update) return;
  const form = p.querySelector('#hit-verify');
  form.reset();
  clearErrors(form);
  const note = p.querySelector('input[name=note]');
  note.value = '';
  if (document.activeElement === note) note.blur();
  p.hidden = false;
  // Each alert starts at the top, whatever the previous one was scrolled to.
  p.scrollTop = 0;
  p.querySelector('.hit-text').scrollTop = 0;
  if (presentation === 'alarm' && item.sound) startRepeat();
  else stopRepeat();
  document.body.dataset.hitShown = String(hit.id);
}

function updateQueueCount() {
  const el = panel()?.querySelector('.queue-count');
  if (el) el.textContent = queue.length ? `${queue.length} more waiting` : '';
}

const RANK = { alarm: 0, amber: 1, informational: 2, notice: 2 };

function enqueue(item) {
  // Alarms go ahead of everything waiting; otherwise first come, first shown.
  let i = queue.length;
  while (i > 0 && RANK[queue[i - 1].presentation] > RANK[item.presentation]) i--;
  queue.splice(i, 0, item);
}

function showModal(item) {
  if (current && current.presentation === 'amber' && item.presentation === 'alarm') {
    // An alarm does not wait behind a lower-priority hit: that one goes back to the front.
    queue.unshift(current);
    current = null;
  }
  if (current) {
    enqueue(item);
    updateQueueCount();
    return;
  }
  current = item;
  render(item);
}

function next() {
  stopRepeat();
  current = queue.shift() ?? null;
  if (current) render(current);
  else {
    panel().hidden = true;
    delete document.body.dataset.hitShown;
  }
}

// ---- the side cards (informational and notices) -------------------------------------------
function showCard(item) {
  const box = document.getElementById('hit-cards');
  const { hit, detection } = item;
  const e = hit.entry;
  const card = document.createElement('article');
  card.className = `hit-card hit-card-${item.presentation}`;
  card.dataset.hitId = String(hit.id);
  card.dataset.alertId = String(alertIdOf(item));
  const list = e.list.replace(/_/g, ' ');
  const title = item.presentation === 'notice' ? `Earlier read matches ${list}` : `Informational: ${list}`;
  const note =
    item.presentation === 'notice'
      ? `Seen ${detection ? fmtTime(detection.bestAt) : fmtTime(hit.createdAt)}, before the plate was listed. Not an alarm.`
      : 'Informational only — not a basis for a stop.';
  card.innerHTML = `<h3>${esc(title)}</h3>
<p class="plate">${esc(detection ? detection.text : e.plate)}</p>
<p>${esc(e.reason)}</p>
<p class="card-note">${esc(note)}</p>
<p class="card-again"></p>
<div class="card-actions"><button type="button" class="ghost card-open">Open</button><button type="button" class="ghost card-dismiss">Dismiss</button></div>`;
  card.querySelector('.card-open').addEventListener('click', () => {
    card.remove();
    showModal({ ...item, sound: false });
  });
  card.querySelector('.card-dismiss').addEventListener('click', () => card.remove());
  box.prepend(card);
  while (box.children.length > MAX_CARDS) box.lastElementChild.remove();
}

// ---- entry points --------------------------------------------------------------------------
/** The alert an event belongs to: a seen-again chain is one alert (its first hit's id). */
export function alertIdOf(item) {
  return item.alert?.alertId ?? item.hit.id;
}

/**
 * Puts a hit in front of the officer as its priority says. `sound: false` when opened on
 * purpose; the event's `alert.sound` (repeat, once, none) otherwise decides.
 */
export function showHit(raw, { sound = true, modal = false } = {}) {
  const presentation = presentationOf(raw.hit, raw.alert);
  const wanted = raw.alert?.sound ?? (presentation === 'alarm' ? 'repeat' : presentation === 'amber' ? 'once' : 'none');
  const item = { ...raw, presentation, sound: sound && wanted === 'repeat' };
  markShown(alertIdOf(raw));
  markShown(raw.hit.id);
  count('hitAlerts');
  if (sound && wanted === 'repeat') tone('alarm');
  if (sound && wanted === 'once') tone('amber');
  if (!modal && (presentation === 'informational' || presentation === 'notice')) return showCard(item);
  showModal(item);
}

/**
 * `hit-update`: the same alert seen again, or its pass ended with a revised read. Updated in
 * place wherever it is (on screen, waiting, a card); never a new alarm.
 */
export function updateHit(raw) {
  const id = alertIdOf(raw);
  markShown(raw.hit.id);
  count('hitUpdates');
  const merge = (item) => ({ ...item, hit: raw.hit, detection: raw.detection, images: raw.images, alert: raw.alert });
  if (current && alertIdOf(current) === id) {
    const revised = raw.alert?.change === 'revised';
    current = merge(current);
    render(current, { update: true, keepImages: !revised });
    if (revised) {
      setImage(panel().querySelector('.hit-crop'), 'hit-plate', raw.images.plate, 'plate crop');
      setImage(panel().querySelector('.hit-overview'), 'hit-overview', raw.images.overview, 'overview image');
    }
    return;
  }
  const i = queue.findIndex((q) => alertIdOf(q) === id);
  if (i >= 0) queue[i] = merge(queue[i]);
  const card = document.querySelector(`.hit-card[data-alert-id="${id}"] .card-again`);
  const again = raw.alert?.seenAgain;
  if (card && again) card.textContent = `Seen again ${fmtTime(again.lastAt)}, ${again.cameraId} camera.`;
}

/** `notice`: earlier reads of a plate just listed, grouped per plate; a silent card, never an alarm. */
export function showNotice({ notice, alert }) {
  for (const id of notice.hitIds) markShown(id);
  const box = document.getElementById('hit-cards');
  const key = `notice-${notice.entry.id}`;
  box.querySelector(`[data-notice="${CSS.escape(key)}"]`)?.remove();
  const card = document.createElement('article');
  card.className = 'hit-card hit-card-notice';
  card.dataset.notice = key;
  card.dataset.alertId = String(alert?.alertId ?? '');
  card.innerHTML = `<h3>Earlier reads match ${esc(notice.entry.list.replace(/_/g, ' '))}</h3>
<p class="plate">${esc(notice.entry.plate)}</p>
<p>Seen ${esc(notice.count)} time${notice.count === 1 ? '' : 's'}, last ${esc(fmtTime(notice.lastAt))}, ${esc(notice.lastCameraId)} camera.</p>
<p class="card-note">Read before the plate was listed: not an alarm. The hits are on the Hits page.</p>
<div class="card-actions"><a class="button ghost" href="/hits">Hits page</a><button type="button" class="ghost card-dismiss">Dismiss</button></div>`;
  card.querySelector('.card-dismiss').addEventListener('click', () => card.remove());
  box.prepend(card);
  while (box.children.length > MAX_CARDS) box.lastElementChild.remove();
  count('notices');
}

export async function openHit(id, { sound = false } = {}) {
  const r = await api('GET', `/api/hits/${id}`);
  if (r.ok) showHit(r.body, { sound, modal: !sound });
}

function zoom(src, alt) {
  const box = document.getElementById('hit-zoom');
  const img = document.createElement('img');
  img.src = src;
  img.alt = `${alt}, zoomed`;
  box.replaceChildren(img);
  box.hidden = false;
}

export function wireHitPanel() {
  const p = panel();
  if (!p) return;
  const form = p.querySelector('#hit-verify');
  // Any touch or key on the pop-up acknowledges it: the repeating alarm stops.
  for (const type of ['pointerdown', 'keydown']) p.addEventListener(type, () => current && repeat && stopRepeat());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!current) return;
    const outcome = ev.submitter?.value;
    const note = p.querySelector('input[name=note]').value.trim() || null;
    const r = await api('POST', `/api/hits/${current.hit.id}/verify`, { outcome, note });
    if (!r.ok) return showErrors(form, r.body);
    window.dispatchEvent(new CustomEvent('alpr:verified', { detail: { id: current.hit.id, outcome } }));
    next();
  });
  p.querySelector('#hit-later').addEventListener('click', next);
  p.addEventListener('click', (ev) => {
    const b = ev.target.closest('.zoom');
    const img = b?.querySelector('img');
    if (img) zoom(img.src, img.alt);
  });
  const box = document.getElementById('hit-zoom');
  box.addEventListener('click', () => {
    box.hidden = true;
    box.replaceChildren();
  });
}
