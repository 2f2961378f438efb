// The alert channel: the event stream (/api/events) with its own reconnect, and the red
// "ALERTS OFF" banner with a tone whenever it is down for any reason — the daemon restarting,
// the network, a session that ended or locked, or a stream gone silent (no heartbeat). Hits must
// never stop reaching the officer unnoticed.
//
// The contract is "Event stream" in docs/operator.md. Reconnects back off (1 s doubling to 15 s,
// with jitter; reset once the stream says hello) and ask for what was missed: the last event id
// seen goes back as `?lastEventId=` (the browser only sends the Last-Event-ID header on its own
// retries, which this module replaces) and the server replays every alert after it. A server
// without replay (no `lastId` in hello) is asked for the hits since the last server time seen.
import { tone, updateSoundBanner } from '/assets/sound.js';

const LAST_ID_KEY = 'alpr-last-event-id';
const TIME_KEY = 'alpr-server-time';
/** Down for this long before the banner and tone: a page's own reconnect blip stays quiet. */
const GRACE_MS = 1500;
const TONE_REPEAT_MS = 30_000;
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_CAP_MS = 15_000;
/** Without a heartbeat interval in `hello`, the server's default. */
const DEFAULT_HEARTBEAT_MS = 2000;
/** No byte for this long (and at least two heartbeats) and the stream is dead. */
const DEAD_AFTER_MS = 5000;
const END_TEXT = {
  logout: 'You logged out: hits are not reaching this screen.',
  expired: 'Your session has ended: hits are not reaching this screen. Log in again.',
  revoked: 'Your account was changed: hits are not reaching this screen. Log in again.',
  shutdown: 'The ALPR unit is restarting or shutting down: hits are not reaching this screen.',
  overflow: 'This screen fell behind the alert stream: reconnecting.',
};

let es = null;
let handlers = {};
let failures = 0;
let downSince = null;
let retryAt = 0;
let heartbeatMs = DEFAULT_HEARTBEAT_MS;
/** The server's reason when it ended the stream itself (`end` event). */
let endReason = null;
const timers = { retry: null, grace: null, tone: null, watchdog: null, countdown: null };

const body = () => document.body;
const banner = () => document.getElementById('alerts-off');

function clear(name) {
  clearTimeout(timers[name]);
  clearInterval(timers[name]);
  timers[name] = null;
}

function streamUrl() {
  const last = sessionStorage.getItem(LAST_ID_KEY);
  return last ? `/api/events?lastEventId=${encodeURIComponent(last)}` : '/api/events';
}

function seen(m) {
  if (m.lastEventId) sessionStorage.setItem(LAST_ID_KEY, m.lastEventId);
  // Any event proves the stream alive; silence past two heartbeats means it is not.
  clear('watchdog');
  timers.watchdog = setTimeout(() => fail('silent'), Math.max(DEAD_AFTER_MS, heartbeatMs * 2 + 1000));
}

function connect() {
  clear('retry');
  if (es) es.close();
  body().dataset.events = 'connecting';
  es = new EventSource(streamUrl());
  es.addEventListener('error', () => fail('error'));
  let truncated = false;
  es.addEventListener('hello', (m) => {
    seen(m);
    const data = JSON.parse(m.data);
    const beat = Number(data.heartbeatMs ?? data.heartbeat_ms);
    if (beat > 0) heartbeatMs = beat;
    // A first page starts where the stream stands; later pages and reconnects resume from the
    // last id they got, so nothing raised in between is lost.
    if (sessionStorage.getItem(LAST_ID_KEY) === null && typeof data.lastId === 'number') sessionStorage.setItem(LAST_ID_KEY, String(data.lastId));
    truncated = data.truncated === true;
    const previous = Number(sessionStorage.getItem(TIME_KEY) ?? 0);
    sessionStorage.setItem(TIME_KEY, String(data.now));
    up();
    handlers.hello?.(data, previous);
  });
  es.addEventListener('tick', (m) => {
    seen(m);
    sessionStorage.setItem(TIME_KEY, String(JSON.parse(m.data).now));
    // More than one connection's worth was missed: the replay is over once live ticks come;
    // continue from the last id received.
    if (truncated) connect();
  });
  es.addEventListener('end', (m) => {
    const reason = JSON.parse(m.data).reason;
    endReason = reason;
    fail('end', { now: true });
  });
  es.addEventListener('session', (m) => handlers.session?.(JSON.parse(m.data)));
  for (const [name, handle] of Object.entries(handlers)) {
    if (name === 'hello' || name === 'session') continue;
    es.addEventListener(name, (m) => {
      seen(m);
      handle(JSON.parse(m.data));
    });
  }
}

function up() {
  failures = 0;
  endReason = null;
  const wasOff = body().dataset.alertsOff === 'on';
  downSince = null;
  for (const name of ['grace', 'tone', 'countdown', 'retry']) clear(name);
  body().dataset.events = 'open';
  body().dataset.alertsOff = 'off';
  const b = banner();
  if (b) b.hidden = true;
  document.documentElement.style.setProperty('--alerts-off-h', '0px');
  document.title = document.title.replace(/^ALERTS OFF · /, '');
  if (wasOff) body().dataset.streamRestored = String(Number(body().dataset.streamRestored ?? 0) + 1);
}

function fail(why, { now = false } = {}) {
  if (es) es.close();
  es = null;
  clear('watchdog');
  body().dataset.events = 'down';
  if (downSince === null) {
    downSince = Date.now();
    // The server saying it ended the stream is no blip: the banner comes at once.
    timers.grace = setTimeout(showBanner, now ? 0 : GRACE_MS);
  }
  void diagnose(why);
  scheduleReconnect();
}

function scheduleReconnect() {
  clear('retry');
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** failures);
  failures++;
  const delay = Math.round(base * (0.8 + Math.random() * 0.4));
  retryAt = Date.now() + delay;
  timers.retry = setTimeout(connect, delay);
}

function reconnectNow() {
  failures = 0;
  connect();
}

function showBanner() {
  const b = banner();
  body().dataset.alertsOff = 'on';
  body().dataset.alertsOffShown = String(Number(body().dataset.alertsOffShown ?? 0) + 1);
  if (!document.title.startsWith('ALERTS OFF')) document.title = `ALERTS OFF · ${document.title}`;
  if (b) b.hidden = false;
  // The banner stays visible above an open hit pop-up, which starts below it.
  document.documentElement.style.setProperty('--alerts-off-h', `${b ? b.offsetHeight : 0}px`);
  tone('alerts-off');
  updateSoundBanner();
  timers.tone = setInterval(() => tone('alerts-off'), TONE_REPEAT_MS);
  timers.countdown = setInterval(updateCountdown, 1000);
  updateCountdown();
}

function updateCountdown() {
  const el = banner()?.querySelector('.alerts-off-retry');
  if (!el) return;
  const s = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
  el.textContent = es ? 'reconnecting…' : `next try in ${s} s`;
}

/** Why the stream is down, in words, from what the daemon answers (if anything). */
async function diagnose(why) {
  let text;
  let login = false;
  try {
    const res = await fetch('/api/me', { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } });
    if (res.status === 401) {
      const err = await res.json().catch(() => ({}));
      login = true;
      text = /LOCK/i.test(err.error ?? '')
        ? 'This station is locked: unlock it to receive hits.'
        : 'You are logged out: hits are not reaching this screen. Log in again.';
    } else if (res.ok) {
      text = endReason ? END_TEXT[endReason] ?? 'The alert stream ended: reconnecting.' : why === 'silent' ? 'The alert stream went silent: reconnecting.' : 'The alert stream was interrupted: reconnecting.';
    } else text = `The ALPR unit is not answering (HTTP ${res.status}): hits are not reaching this screen.`;
  } catch {
    text = 'No connection to the ALPR unit: hits are not reaching this screen.';
  }
  if (body().dataset.events === 'open') return;
  const b = banner();
  if (!b) return;
  b.querySelector('.alerts-off-why').textContent = text;
  const link = b.querySelector('#alerts-login');
  link.hidden = !login;
  link.href = `/login?next=${encodeURIComponent(location.pathname)}`;
  if (!b.hidden) document.documentElement.style.setProperty('--alerts-off-h', `${b.offsetHeight}px`);
  body().dataset.alertsOffReason = login ? 'session' : why === 'silent' ? 'silent' : endReason ? `end-${endReason}` : 'connection';
}

/**
 * Starts the stream. `on` maps event names to handlers (`hit`, `hit-update`, `notice`,
 * `detection`, `session`); `on.hello` gets the hello data and the server time this tab saw last
 * (0 on its first page).
 */
export function startStream(on) {
  handlers = on;
  banner()?.querySelector('#alerts-reconnect')?.addEventListener('click', reconnectNow);
  window.addEventListener('online', () => body().dataset.events !== 'open' && reconnectNow());
  // A tablet waking up does not wait out the backoff.
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && body().dataset.events === 'down' && reconnectNow());
  connect();
}

/** The server time to ask missed hits from (the last one this tab saw). */
export function rememberServerTime(ms) {
  sessionStorage.setItem(TIME_KEY, String(Math.max(Number(sessionStorage.getItem(TIME_KEY) ?? 0), ms)));
}
