// alpr-edge operator station: shared client code (theme, API calls with the CSRF token, live
// events, the hit alert and its sound). Plain ES modules, no build step.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? '';

/** JSON API call; resolves to { ok, status, body }. State changes carry the CSRF token. */
export async function api(method, url, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 401) {
    location.href = `/login?next=${encodeURIComponent(location.pathname)}`;
    return { ok: false, status: 401, body: {} };
  }
  const type = res.headers.get('content-type') ?? '';
  const out = type.includes('json') ? await res.json() : await res.text();
  return { ok: res.ok, status: res.status, body: out };
}

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '–';
  const d = new Date(ms);
  return d.toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function fmtPos(d) {
  if (d.lat === null || d.lon === null) return '<span class="muted">no position</span>';
  return `${d.lat.toFixed(5)}, ${d.lon.toFixed(5)}${d.positionTrusted ? '' : ' <span class="pill pill-amber">untrusted</span>'}`;
}

/** Reads a `datetime-local` input as ms since epoch (browser's zone), or null. */
export function localMs(input) {
  return input && input.value ? new Date(input.value).getTime() : null;
}

/** Shows field errors from an API error body in a form's `.form-errors` list. */
export function showErrors(form, body) {
  const list = form.querySelector('.form-errors, .form-error');
  const items = body && body.fields && body.fields.length ? body.fields.map((f) => `${f.field}: ${f.message}`) : [body && body.message ? body.message : 'request failed'];
  if (list.tagName === 'UL') list.innerHTML = items.map((m) => `<li>${esc(m)}</li>`).join('');
  else list.textContent = items.join('; ');
}

export function clearErrors(form) {
  const list = form.querySelector('.form-errors, .form-error');
  if (list) list.innerHTML = '';
}

export function readRow(d) {
  return `<td><img class="crop" loading="lazy" alt="plate ${esc(d.text)}" src="/api/detections/${esc(d.id)}/plate.jpg"></td>
<td class="read-text">${esc(d.text)}</td><td>${(d.confidence * 100).toFixed(0)}%</td><td>${esc(fmtTime(d.bestAt))}</td>
<td>${esc(d.cameraId)}</td><td>${fmtPos(d)}</td><td>${d.hitCount ? `<span class="pill pill-red">${d.hitCount}</span>` : ''}</td>`;
}

// ---- theme -------------------------------------------------------------------------------
const root = document.documentElement;
function applyTheme(t) {
  root.dataset.theme = t;
}
applyTheme(localStorage.getItem('alpr-theme') ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'night' : 'day'));

// ---- sound ---------------------------------------------------------------------------------
// Browsers keep an AudioContext suspended until the user touches the page; the banner asks for
// that touch once so that the first alarm is heard.
let audio = null;
function audioContext() {
  if (!audio) audio = new AudioContext();
  return audio;
}
function unlockAudio() {
  const ctx = audioContext();
  if (ctx.state !== 'running') void ctx.resume().then(updateSoundBanner, updateSoundBanner);
  else updateSoundBanner();
}
function updateSoundBanner() {
  const banner = document.getElementById('sound-banner');
  if (!banner) return;
  banner.hidden = document.body.dataset.alerts !== 'on' || (audio !== null && audio.state === 'running');
  document.body.dataset.audio = audio ? audio.state : 'none';
}

/** Alarm: three two-tone pulses. Counted on <body data-beeps> so that tests can observe it. */
export function beep() {
  const ctx = audioContext();
  const t0 = ctx.currentTime + 0.02;
  const gain = ctx.createGain();
  gain.gain.value = 0.25;
  gain.connect(ctx.destination);
  for (let i = 0; i < 6; i++) {
    const osc = ctx.createOscillator();
    osc.type = 'square';
    osc.frequency.value = i % 2 ? 660 : 990;
    osc.connect(gain);
    osc.start(t0 + i * 0.18);
    osc.stop(t0 + i * 0.18 + 0.15);
  }
  document.body.dataset.beeps = String(Number(document.body.dataset.beeps ?? 0) + 1);
  document.body.dataset.lastBeep = ctx.state;
}

// ---- hit alert -----------------------------------------------------------------------------
const queue = [];
let current = null;

// Hits already put in front of the officer in this tab (kept across page changes), so that a
// reconnect's catch-up never alarms twice for the same hit.
const SHOWN_KEY = 'alpr-hits-shown';
const TIME_KEY = 'alpr-server-time';
const shown = new Set(JSON.parse(sessionStorage.getItem(SHOWN_KEY) ?? '[]'));
function markShown(id) {
  shown.add(id);
  sessionStorage.setItem(SHOWN_KEY, JSON.stringify([...shown].slice(-500)));
}

const OUTCOME_TEXT = { confirmed: 'confirmed visually', misread: 'misread', not_vehicle: 'not the vehicle' };

function fact(dl, name, value) {
  if (value === null || value === undefined || value === '') return;
  dl.insertAdjacentHTML('beforeend', `<dt>${esc(name)}</dt><dd>${esc(value)}</dd>`);
}

function render(item) {
  const panel = document.getElementById('hit-alert');
  const { hit, detection } = item;
  const e = hit.entry;
  panel.classList.toggle('informational', hit.informational);
  panel.dataset.hitId = String(hit.id);
  panel.dataset.informational = String(hit.informational);
  const read = detection ? detection.text : e.plate;
  const list = e.list.replace(/_/g, ' ');
  panel.querySelector('#hit-title').textContent = hit.informational
    ? `Informational: ${read} (${list})`
    : `HIT: ${read} — ${list}${hit.retroactive ? ' (earlier read)' : ''}`;
  panel.querySelector('.informational-note').hidden = !hit.informational;
  panel.querySelector('#hit-plate').src = item.images.plate;
  panel.querySelector('#hit-overview').src = item.images.overview;
  const dl = panel.querySelector('.hit-facts');
  dl.innerHTML = '';
  fact(dl, 'Read', detection ? `${detection.text} (${Math.round(detection.confidence * 100)}%)` : '');
  fact(dl, 'Hot-list plate', `${e.plate}${e.state ? ` (${e.state})` : ''}`);
  fact(dl, 'Match', hit.explanation);
  fact(dl, 'List', `${e.list}, priority ${e.priority}`);
  fact(dl, 'Reason', e.reason);
  fact(dl, 'Case number', e.caseNumber);
  fact(dl, 'Entry expires', e.expiresAt ? fmtTime(e.expiresAt) : '');
  fact(dl, 'Camera', detection?.cameraId);
  fact(dl, 'Seen', detection ? fmtTime(detection.bestAt) : fmtTime(hit.createdAt));
  if (detection && detection.lat !== null) fact(dl, 'Position', `${detection.lat.toFixed(5)}, ${detection.lon.toFixed(5)}${detection.positionTrusted ? '' : ' (untrusted)'}`);
  if (hit.outcome) fact(dl, 'Recorded', `${OUTCOME_TEXT[hit.outcome]} by ${hit.verifiedBy} at ${fmtTime(hit.verifiedAt)}`);
  const form = panel.querySelector('#hit-verify');
  form.reset();
  clearErrors(form);
  panel.querySelector('.queue-count').textContent = queue.length ? `${queue.length} more waiting` : '';
  panel.hidden = false;
}

export function showHit(item, { sound = true } = {}) {
  markShown(item.hit.id);
  document.body.dataset.hitAlerts = String(Number(document.body.dataset.hitAlerts ?? 0) + 1);
  // Special lists are informational only and never alarm (sacramento-pd I.1; roseville 426.6.4 (c)).
  if (sound && !item.hit.informational) beep();
  if (current) {
    queue.push(item);
    document.querySelector('#hit-alert .queue-count').textContent = `${queue.length} more waiting`;
    return;
  }
  current = item;
  render(item);
}

function next() {
  current = queue.shift() ?? null;
  if (current) render(current);
  else document.getElementById('hit-alert').hidden = true;
}

export async function openHit(id, { sound = false } = {}) {
  const r = await api('GET', `/api/hits/${id}`);
  if (r.ok) showHit(r.body, { sound });
}

/**
 * Hits raised while this tab had no event stream (page change, network drop, tablet asleep):
 * unverified ones since the last server time seen, oldest first, alerted as if live.
 */
async function catchUp(since) {
  const r = await api('GET', `/api/hits?unverified=true&since=${Math.max(0, since)}&limit=50`);
  if (!r.ok) return;
  for (const { hit } of [...r.body.hits].reverse()) {
    if (!shown.has(hit.id)) await openHit(hit.id, { sound: true });
  }
}

function wireHitPanel() {
  const panel = document.getElementById('hit-alert');
  if (!panel) return;
  const form = panel.querySelector('#hit-verify');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!current) return;
    const outcome = ev.submitter?.value;
    const note = form.elements.note.value.trim() || null;
    const r = await api('POST', `/api/hits/${current.hit.id}/verify`, { outcome, note });
    if (!r.ok) return showErrors(form, r.body);
    window.dispatchEvent(new CustomEvent('alpr:verified', { detail: { id: current.hit.id, outcome } }));
    next();
  });
  panel.querySelector('#hit-later').addEventListener('click', next);
}

// ---- live events ---------------------------------------------------------------------------
function connectEvents() {
  if (document.body.dataset.alerts !== 'on') return;
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => (document.body.dataset.events = 'open'));
  es.addEventListener('error', () => (document.body.dataset.events = 'retrying'));
  es.addEventListener('hello', (m) => {
    const previous = Number(sessionStorage.getItem(TIME_KEY) ?? 0);
    sessionStorage.setItem(TIME_KEY, String(JSON.parse(m.data).now));
    if (previous) void catchUp(previous - 2000).then(() => (document.body.dataset.caughtUp = 'true'));
    else document.body.dataset.caughtUp = 'true';
  });
  es.addEventListener('tick', (m) => sessionStorage.setItem(TIME_KEY, String(JSON.parse(m.data).now)));
  es.addEventListener('hit', (m) => {
    const item = JSON.parse(m.data);
    sessionStorage.setItem(TIME_KEY, String(Math.max(Number(sessionStorage.getItem(TIME_KEY) ?? 0), item.hit.createdAt)));
    if (shown.has(item.hit.id)) return;
    showHit(item);
    window.dispatchEvent(new CustomEvent('alpr:hit', { detail: item }));
  });
  es.addEventListener('detection', (m) => window.dispatchEvent(new CustomEvent('alpr:detection', { detail: JSON.parse(m.data).detection })));
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
  for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, unlockAudio, { once: false, passive: true });
  if (document.body.dataset.alerts === 'on') {
    audioContext();
    updateSoundBanner();
  }
  wireHitPanel();
  connectEvents();
  document.querySelectorAll('time[datetime]').forEach((t) => (t.textContent = fmtTime(Date.parse(t.getAttribute('datetime')))));
  document.body.dataset.ready = 'true';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
