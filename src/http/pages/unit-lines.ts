/**
 * Plain-language wording of unit states for people in a patrol car: one line per unit ("Rear
 * camera: no picture for 2 min — connection refused"), a short label for the status strip, and
 * the data-flow order both the status page and the strip use. Pure: a snapshot and a time in,
 * words out. Error texts from sockets and ffmpeg are turned into words; the raw text stays in the
 * status page's details disclosure.
 */
import { verdictOf, type UnitStatus, type Verdict } from '../../status/registry.js';

/** Level shown to people: the readiness colours, plus `off` for a unit switched off on purpose. */
export type Level = Verdict | 'off';

/** Data flow: pictures in, position in, recognised, tracked, matched, stored, sent on. */
const FLOW = ['camera', 'gps', 'recognizer', 'tracker', 'hotlist', 'store', 'upload', 'http', 'system'];

export function flowOrder(units: readonly UnitStatus[]): UnitStatus[] {
  const rank = (u: UnitStatus): number => {
    const i = FLOW.indexOf(u.kind);
    return i === -1 ? FLOW.length : i;
  };
  return [...units].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export function levelOf(u: UnitStatus): Level {
  if (u.state === 'disabled') return 'off';
  if (!u.readiness) return u.state === 'down' || u.state === 'failed' ? 'red' : 'green';
  return verdictOf(u.state);
}

const KIND_NAMES: Record<string, string> = {
  gps: 'GPS',
  recognizer: 'Plate recognition',
  tracker: 'Vehicle tracking',
  hotlist: 'Hot list',
  store: 'Storage',
  upload: 'Upload',
  http: 'Station web server',
  system: 'System',
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `camera:rear` → "Rear camera"; `gps` → "GPS". */
export function unitName(u: UnitStatus): string {
  if (u.kind === 'camera') return `${capitalise(u.name.replace(/^camera:/, '').replace(/[-_]/g, ' '))} camera`;
  return KIND_NAMES[u.kind] ?? capitalise(u.name.replace(/[-_:]/g, ' '));
}

/** Socket and process errors in words; anything not recognised is kept, without addresses. */
const PLAIN_ERRORS: [RegExp, string][] = [
  [/ECONNREFUSED|connection refused/i, 'connection refused'],
  [/ETIMEDOUT|timed? ?out/i, 'no answer (timed out)'],
  [/EHOSTUNREACH|ENETUNREACH|no route to host|network is unreachable/i, 'cannot reach it on the network'],
  [/ENOTFOUND|EAI_AGAIN|name resolution|could not resolve/i, 'its address cannot be found'],
  [/ECONNRESET|EPIPE|connection reset|broken pipe/i, 'the connection dropped'],
  [/\b401\b|unauthori[sz]ed|wrong password|authentication/i, 'user name or password refused'],
  [/\b403\b|forbidden/i, 'access refused'],
  [/\b404\b|not found/i, 'not found'],
  [/ENOSPC|disk full|no space/i, 'disk full'],
  [/ENOENT|no such file/i, 'file or device missing'],
  [/EACCES|EPERM|permission denied/i, 'permission denied'],
];

export function plainError(text: string): string {
  for (const [re, words] of PLAIN_ERRORS) if (re.test(text)) return words;
  const stripped = text
    .replace(/\b[a-z]+:\/\/\S+/gi, '')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return stripped.length > 100 ? `${stripped.slice(0, 97)}...` : stripped;
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${(s / 3600).toFixed(s < 10 * 3600 ? 1 : 0)} h`;
  return `${Math.round(s / 86400)} days`;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function isoMs(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** Why a unit is not working, in words: its message, last error and ffmpeg's last lines, translated. */
function cause(u: UnitStatus): string {
  const exit = u.details.last_exit as { stderr?: unknown } | undefined;
  const stderr = Array.isArray(exit?.stderr) ? exit.stderr.filter((l): l is string => typeof l === 'string') : [];
  const texts = [u.message, u.lastError?.message ?? '', ...stderr];
  for (const [re, words] of PLAIN_ERRORS) if (texts.some((t) => re.test(t))) return words;
  return plainError((u.message || u.lastError?.message || '').replace(/;\s*retry in [\d.]+ s$/, ''));
}

function cameraLine(u: UnitStatus, now: number, level: Level): string {
  const last = isoMs(u.details.last_frame_at);
  const fps = num(u.details.fps);
  if (level === 'off') return 'switched off';
  if (level === 'green') return fps !== null ? `working, ${fps} pictures a second${typeof u.details.resolution === 'string' ? ` (${u.details.resolution})` : ''}` : 'working';
  const what = u.state === 'starting' ? 'connecting' : last !== null ? `no picture for ${ago(now - last)}` : 'no picture';
  const why = cause(u);
  return why && why !== 'connecting' ? `${what} — ${why}` : what;
}

function gpsLine(u: UnitStatus, level: Level): string {
  if (level === 'off') return 'no position source configured';
  const sats = num(u.details.satellites);
  if (level === 'green') return u.message.startsWith('fixed position') ? 'fixed position (not moving)' : `position good${sats !== null ? `, ${sats} satellites` : ''}`;
  if (u.state === 'starting') return 'starting';
  if (u.details.connected === false) return `receiver not connected — ${cause(u) || 'no data'}`;
  return `no usable position — ${cause(u) || 'no fix yet'}`;
}

function hotlistLine(u: UnitStatus, level: Level): string {
  const age = num(u.details.list_age_h);
  const entries = u.counters.entries;
  const ageText = age !== null ? `updated ${ago(age * 3600_000)} ago` : null;
  if (level === 'green') return [entries !== undefined ? `${entries.toLocaleString('en-US')} plates` : null, ageText].filter(Boolean).join(', ') || 'loaded';
  return [cause(u), ageText].filter(Boolean).join('; ');
}

function uploadLine(u: UnitStatus, now: number, level: Level): string {
  if (level === 'off') return 'disabled';
  const backlog = u.counters.backlog;
  const last = isoMs(u.details.last_success);
  const parts = [
    backlog !== undefined ? (backlog === 0 ? 'nothing waiting' : `${backlog.toLocaleString('en-US')} waiting`) : null,
    last !== null ? `last sent ${ago(now - last)} ago` : 'nothing sent yet',
  ].filter(Boolean);
  if (level === 'green') return parts.join(', ');
  return `${cause(u) || 'not sending'} — ${parts.join(', ')}`;
}

/** The sentence after the unit's name. */
export function unitPhrase(u: UnitStatus, now: number): string {
  const level = levelOf(u);
  switch (u.kind) {
    case 'camera':
      return cameraLine(u, now, level);
    case 'gps':
      return gpsLine(u, level);
    case 'hotlist':
      return hotlistLine(u, level);
    case 'upload':
      return uploadLine(u, now, level);
    default:
      if (level === 'off') return 'switched off';
      if (u.state === 'stopped') return 'stopped';
      if (level === 'green') return u.message ? plainError(u.message) : 'working';
      return cause(u) || u.state;
  }
}

export function unitLine(u: UnitStatus, now: number): string {
  return `${unitName(u)}: ${unitPhrase(u, now)}`;
}

/** Strip label: the unit's short name and, when it matters, one fact. */
export function stripLabel(u: UnitStatus, now: number): string {
  const level = levelOf(u);
  switch (u.kind) {
    case 'camera': {
      const name = capitalise(u.name.replace(/^camera:/, ''));
      if (level === 'off') return `${name} off`;
      if (level === 'green') return name;
      const last = isoMs(u.details.last_frame_at);
      if (u.state === 'starting') return `${name}: connecting`;
      return last !== null ? `${name}: no picture ${ago(now - last)}` : `${name}: no picture`;
    }
    case 'gps': {
      if (level === 'off') return 'GPS off';
      const sats = num(u.details.satellites);
      return level === 'green' ? `GPS${sats !== null ? ` ${sats} sat` : ''}` : 'GPS: no fix';
    }
    case 'hotlist': {
      const age = num(u.details.list_age_h);
      return `Hot list${age !== null ? ` ${ago(age * 3600_000)}` : ''}${level === 'green' ? '' : ' !'}`;
    }
    case 'upload': {
      if (level === 'off') return 'Upload off';
      const backlog = u.counters.backlog ?? 0;
      const last = isoMs(u.details.last_success);
      return `Upload ${backlog} waiting${last !== null ? ` · sent ${ago(now - last)} ago` : ''}`;
    }
    default:
      return `${unitName(u)}: ${u.state}`;
  }
}
