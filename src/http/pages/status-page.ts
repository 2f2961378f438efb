/**
 * Status and readiness: one verdict at the top with the reason for anything amber or red, one
 * line per unit with the facts an operator checks at shift start, and the shift-start
 * acknowledgement. The panel is also served alone (`/fragments/status`) so the page refreshes it
 * without rendering twice in two languages.
 */
import { verdictOf, type StatusSnapshot, type UnitStatus } from '../../status/registry.js';
import type { ShiftAck } from '../shift-check.js';
import { html, timeTag, type SafeHtml } from './html.js';

const VERDICT_TEXT = { green: 'READY', amber: 'CHECK', red: 'NOT READY' } as const;

/** Details worth a glance, per unit kind, in display order; others follow. */
const KEY_DETAILS: Record<string, string[]> = {
  camera: ['fps', 'lastFrameAt', 'resolution', 'reconnects_per_hour', 'quality'],
  gps: ['fix', 'mode', 'satellites', 'hdop', 'age_s', 'clock_skew_s'],
  hotlist: ['generation', 'entries', 'age_h', 'lastSync', 'lastSyncResult'],
  upload: ['backlog', 'oldest', 'lastSuccess', 'lastError'],
  store: ['disk_free_mb', 'disk_used_pct', 'detections'],
  system: ['cpu_temp_c', 'load1'],
};

export function cameraIdOf(u: UnitStatus): string {
  const fromDetails = u.details.cameraId;
  return typeof fromDetails === 'string' ? fromDetails : u.name.replace(/^camera:/, '');
}

export function statusPanel(snap: StatusSnapshot, ack: ShiftAck | null, canAcknowledge: boolean): SafeHtml {
  const r = snap.readiness;
  const units = [...snap.units].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  return html`<section id="readiness" class="verdict verdict-${r.verdict}" data-verdict="${r.verdict}">
  <h1>${VERDICT_TEXT[r.verdict]}</h1>
  ${r.reasons.length ? html`<ul class="reasons">${r.reasons.map((x) => html`<li>${x}</li>`)}</ul>` : html`<p>Every camera, the GPS, the hot list and the upload link are good.</p>`}
  <p class="muted">as of ${timeTag(Date.parse(snap.time))} · up ${formatDuration(snap.uptime_s)}</p>
</section>
${shiftSection(ack, r.verdict, canAcknowledge)}
<table class="units">
<thead><tr><th>Unit</th><th>State</th><th>Details</th><th>Counters</th></tr></thead>
<tbody>${units.map((u) => unitRow(u, canAcknowledge))}</tbody>
</table>`;
}

function shiftSection(ack: ShiftAck | null, verdict: string, canAcknowledge: boolean): SafeHtml {
  const last = ack
    ? html`<p id="shift-last">Shift-start check acknowledged by <strong>${ack.user}</strong> at ${timeTag(ack.at)} (readiness ${ack.verdict})${ack.note ? html`: ${ack.note}` : ''}.</p>`
    : html`<p id="shift-last" class="warn-text">No shift-start check acknowledged in the last 24 hours.</p>`;
  if (!canAcknowledge) return html`<section class="shift">${last}</section>`;
  return html`<section class="shift">${last}
<form id="shift-form" class="inline-form">
  <label class="check"><input type="checkbox" name="equipmentInspected" required> Cameras are mounted and inspected for damage</label>
  <label>Note ${verdict === 'green' ? '(optional)' : html`<strong>(required: readiness is ${verdict})</strong>`} <input name="note" maxlength="500"></label>
  <button type="submit">Acknowledge shift-start check</button>
  <p class="form-error" role="alert"></p>
</form></section>`;
}

function unitRow(u: UnitStatus, showThumbnail: boolean): SafeHtml {
  const v = u.readiness ? verdictOf(u.state) : 'none';
  const thumb = u.kind === 'camera' && showThumbnail ? html`<img class="thumb" loading="lazy" alt="" src="/api/cameras/${encodeURIComponent(cameraIdOf(u))}/snapshot.jpg">` : '';
  return html`<tr data-unit="${u.name}" class="state-${v}">
  <td>${thumb}<strong>${u.name}</strong><br><span class="muted">${u.kind}</span></td>
  <td><span class="pill pill-${v}">${u.state}</span><br>${u.message}<br><span class="muted">since ${timeTag(Date.parse(u.since))}</span>
    ${u.lastError ? html`<br><span class="error-text">last error ${timeTag(Date.parse(u.lastError.at))}: ${u.lastError.message}</span>` : ''}</td>
  <td>${detailList(u)}</td>
  <td>${Object.entries(u.counters).map(([k, n]) => html`<span class="kv">${k} <b>${formatNumber(n)}</b></span> `)}</td>
</tr>`;
}

function detailList(u: UnitStatus): SafeHtml {
  const order = KEY_DETAILS[u.kind] ?? [];
  const keys = [...order.filter((k) => k in u.details), ...Object.keys(u.details).filter((k) => !order.includes(k))];
  return html`${keys.map((k) => html`<span class="kv">${k} <b>${formatValue(u.details[k])}</b></span> `)}`;
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 77)}...` : v;
  if (v === null || v === undefined) return '–';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function formatDuration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
