/**
 * The administrator's fleet page: one row per device, the worst first, in plain words, no
 * script (it reloads itself every 30 s). Sized for a 1024x600 panel and still readable at
 * 800x480: seven short columns, wrapping text, no fixed widths. Holds device and camera ids only:
 * no plate, no position.
 */
import { createHash } from 'node:crypto';
import type { DeviceHealth } from './fleet-health.js';

export interface FleetPageOptions {
  now: number;
  staff: string;
  lateMs: number;
  hotlistMaxAgeMs: number;
}

type Level = 'bad' | 'warn' | 'ok';
const RANK: Record<Level, number> = { bad: 0, warn: 1, ok: 2 };

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** "40 s", "12 min", "3 h 5 min", "2 days". */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

interface Cell {
  text: string;
  level: Level;
}

/** The device's audit chain: red for a rewritten row or a missing stretch past the wait (src/central/audit-chains.ts). */
function chainCell(d: DeviceHealth, now: number): Cell {
  const c = d.chain;
  if (c === null) return { text: 'No rows yet', level: 'ok' };
  const rows = (from: number, to: number): string => (from === to ? `Row ${from}` : `Rows ${from}–${to}`);
  const problems: string[] = [];
  if (c.breaks > 0) problems.push(`${c.breaks} rewritten row${c.breaks === 1 ? '' : 's'}`);
  if (c.gap?.flagged) problems.push(`${rows(c.gap.fromId, c.gap.toId)} missing for ${span(now - c.gap.seenAt)}`);
  if (problems.length > 0) return { text: `${problems.join('; ')}; verified to row ${c.verifiedTo}`, level: 'bad' };
  if (c.gap) return { text: `Verified to row ${c.verifiedTo}; ${rows(c.gap.fromId, c.gap.toId).toLowerCase()} awaited`, level: 'ok' };
  return { text: `Verified to row ${c.verifiedTo}`, level: 'ok' };
}

function cells(d: DeviceHealth, o: FleetPageOptions): { level: Level; heard: Cell; ready: Cell; cameras: Cell; backlog: Cell; hotlist: Cell; chain: Cell } {
  const ago = (t: number): string => `${span(o.now - t)} ago`;
  const heardAt = Math.max(d.heartbeatAt ?? 0, d.lastContactAt ?? 0) || null;
  const heard: Cell =
    d.heartbeatAt === null
      ? { text: heardAt === null ? 'Never' : `Upload ${ago(heardAt)}; no status report`, level: heardAt === null ? 'bad' : 'warn' }
      : o.now - d.heartbeatAt > o.lateMs
        ? { text: `Not reporting for ${span(o.now - d.heartbeatAt)}`, level: 'bad' }
        : { text: ago(d.heartbeatAt), level: 'ok' };
  const fresh = d.heartbeatAt !== null && o.now - d.heartbeatAt <= o.lateMs;
  // "camera:rear down" reads as "camera rear down".
  const why = d.reasons.length ? `: ${d.reasons.slice(0, 3).map((r) => r.replace(':', ' ')).join(', ')}${d.reasons.length > 3 ? ` and ${d.reasons.length - 3} more` : ''}` : '';
  const ready: Cell =
    d.readiness === null
      ? { text: 'Unknown', level: 'warn' }
      : d.readiness === 'green'
        ? { text: fresh ? 'Ready' : 'Was ready', level: fresh ? 'ok' : 'warn' }
        : d.readiness === 'amber'
          ? { text: `Needs attention${why}`, level: 'warn' }
          : { text: `Not ready${why}`, level: 'bad' };
  const active = d.cameras.filter((c) => c.state !== 'disabled');
  const down = active.filter((c) => c.state !== 'ok');
  const cameras: Cell =
    d.readiness === null
      ? { text: 'Unknown', level: 'warn' }
      : active.length === 0
        ? { text: 'None', level: 'warn' }
        : down.length === 0
          ? { text: `All ${active.length} working`, level: 'ok' }
          : { text: `${active.length - down.length} of ${active.length} working; ${down.map((c) => `${c.id} ${c.state}`).join(', ')}`, level: down.some((c) => c.state === 'down' || c.state === 'failed') ? 'bad' : 'warn' };
  const backlog: Cell =
    d.backlogItems === null
      ? { text: 'Unknown', level: 'warn' }
      : d.backlogItems === 0
        ? { text: 'Nothing waiting', level: 'ok' }
        : { text: `${d.backlogItems.toLocaleString('en-US')} waiting, oldest ${span((d.oldestBacklogS ?? 0) * 1000)}`, level: (d.oldestBacklogS ?? 0) > 3600 ? 'warn' : 'ok' };
  const hotlist: Cell =
    d.readiness === null
      ? { text: 'Unknown', level: 'warn' }
      : d.hotlistConfirmedAt === null
        ? { text: 'No list from the central', level: 'bad' }
        : o.now - d.hotlistConfirmedAt > o.hotlistMaxAgeMs
          ? { text: `Out of date: checked ${ago(d.hotlistConfirmedAt)}`, level: 'bad' }
          : { text: `Checked ${ago(d.hotlistConfirmedAt)}`, level: 'ok' };
  const chain = chainCell(d, o.now);
  const all = [heard, ready, cameras, backlog, hotlist, chain];
  const level = all.some((c) => c.level === 'bad') ? 'bad' : all.some((c) => c.level === 'warn') ? 'warn' : 'ok';
  return { level, heard, ready, cameras, backlog, hotlist, chain };
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.35 system-ui,sans-serif;color:#111;background:#fff}
header{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:baseline;padding:8px 12px;background:#1d3557;color:#fff}
header h1{font-size:18px;margin:0}
header a{color:#fff}
header .who{margin-left:auto;font-size:13px}
header form{margin:0}
header button{font:inherit;font-size:13px;padding:2px 8px}
.summary{padding:6px 12px;font-weight:600}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid #ccc;overflow-wrap:anywhere}
th{font-size:13px;background:#eef;position:sticky;top:0}
td.bad{background:#fde2e1;color:#8a1111;font-weight:600}
td.warn{background:#fff4d6;color:#5c4400}
tr.bad td:first-child::before{content:"\\25A0 ";color:#b00}
tr.warn td:first-child::before{content:"\\25B2 ";color:#a70}
tr.ok td:first-child::before{content:"\\25CF ";color:#070}
td.dev{white-space:nowrap;max-width:18ch;overflow:hidden;text-overflow:ellipsis;overflow-wrap:normal}
@media (max-width:860px){body{font-size:13px}th,td{padding:4px 5px}th{font-size:12px}}
`;
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
/** No script, no outside resources; the one inline style allowed by its hash. */
export const FLEET_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

export function fleetPage(devices: readonly DeviceHealth[], o: FleetPageOptions): string {
  const rows = devices.map((d) => ({ d, c: cells(d, o) })).sort((a, b) => RANK[a.c.level] - RANK[b.c.level] || a.d.deviceId.localeCompare(b.d.deviceId));
  const count = (l: Level): number => rows.filter((r) => r.c.level === l).length;
  const summary =
    devices.length === 0
      ? 'No devices yet. Issue a device token with "alpr-edge central token issue".'
      : `${devices.length} device${devices.length === 1 ? '' : 's'}: ${count('ok')} fine, ${count('warn')} need a look, ${count('bad')} with a problem.`;
  const td = (c: Cell): string => `<td class="${c.level}">${esc(c.text)}</td>`;
  const body = rows
    .map(({ d, c }) => `<tr class="${c.level}"><td class="dev" title="${esc(d.deviceId)}">${esc(d.deviceId)}</td>${td(c.heard)}${td(c.ready)}${td(c.cameras)}${td(c.backlog)}${td(c.hotlist)}${td(c.chain)}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="30"><title>Fleet health</title><style>${STYLE}</style></head>
<body><header><h1>Fleet health</h1><span>${esc(new Date(o.now).toISOString().slice(0, 16).replace('T', ' '))} UTC, updates every 30 s</span>
<a href="/admin/search">Search</a><span class="who">${esc(o.staff)}</span><form method="post" action="/admin/logout"><button type="submit">Sign out</button></form></header>
<div class="summary" id="summary">${esc(summary)}</div>
${devices.length === 0 ? '' : `<table id="fleet"><thead><tr><th>Device</th><th>Last heard</th><th>Ready</th><th>Cameras</th><th>Waiting to upload</th><th>Hot list</th><th>Audit log</th></tr></thead>
<tbody>
${body}
</tbody></table>`}
</body></html>`;
}

const LOGIN_STYLE = 'body{font:16px system-ui,sans-serif;margin:0;padding:24px;max-width:520px}input{font:inherit;width:100%;padding:6px}button{font:inherit;margin-top:12px;padding:6px 16px}.err{color:#8a1111;font-weight:600}';

export function loginPage(message: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign in: ALPR central</title><style>${LOGIN_STYLE}</style></head>
<body><h1>ALPR central</h1>${message ? `<p class="err">${esc(message)}</p>` : ''}
<form method="post" action="/admin/login"><label for="token">Your staff token (from "alpr-edge central staff issue")</label>
<input id="token" name="token" type="password" autocomplete="current-password" required><button type="submit">Sign in</button></form></body></html>`;
}

export const LOGIN_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(LOGIN_STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
