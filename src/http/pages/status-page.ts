/**
 * Status and readiness for people: one verdict at the top with, for anything amber or red, the
 * plain-language line of the unit at fault; the shift-start acknowledgement; then one line per
 * unit in data-flow order (cameras, GPS, recognition, tracking, hot list, storage, upload), with
 * the unit's raw facts and counters behind a details disclosure for whoever maintains the car.
 * The panel is also served alone (`/fragments/status`) so the page refreshes it without
 * rendering twice in two languages.
 */
import type { StatusSnapshot, UnitStatus } from '../../status/registry.js';
import type { ShiftAck } from '../shift-check.js';
import { html, timeTag, type SafeHtml } from './html.js';
import { flowOrder, levelOf, unitLine, unitName, unitPhrase } from './unit-lines.js';

const VERDICT_TEXT = { green: 'READY', amber: 'CHECK', red: 'NOT READY' } as const;
const LEVEL_TEXT = { green: 'OK', amber: 'Check', red: 'Fault', off: 'Off' } as const;

export function cameraIdOf(u: UnitStatus): string {
  const fromDetails = u.details.cameraId;
  return typeof fromDetails === 'string' ? fromDetails : u.name.replace(/^camera:/, '');
}

/** Anchor of a unit's row: the status strip links here. */
export function unitAnchor(name: string): string {
  return `unit-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
}

export function statusPanel(snap: StatusSnapshot, ack: ShiftAck | null, canAcknowledge: boolean): SafeHtml {
  const r = snap.readiness;
  const now = Date.parse(snap.time);
  const units = flowOrder(snap.units);
  const faults = units.filter((u) => u.readiness && levelOf(u) !== 'green' && levelOf(u) !== 'off');
  const off = units.filter((u) => levelOf(u) === 'off');
  return html`<section id="readiness" class="verdict verdict-${r.verdict}" data-verdict="${r.verdict}">
  <h1>${VERDICT_TEXT[r.verdict]}</h1>
  ${faults.length
    ? html`<ul class="reasons">${faults.map((u) => html`<li>${unitLine(u, now)}</li>`)}</ul>`
    : html`<p>Everything in use is working.${off.length ? html` Switched off: ${off.map((u) => unitName(u)).join(', ')}.` : ''}</p>`}
  <p class="muted">as of ${timeTag(now)} · running for ${formatDuration(snap.uptime_s)}</p>
</section>
${shiftSection(ack, r.verdict, canAcknowledge)}
<ol class="units">${units.map((u) => unitRow(u, now, canAcknowledge))}</ol>`;
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

function unitRow(u: UnitStatus, now: number, showThumbnail: boolean): SafeHtml {
  const level = levelOf(u);
  const thumb = u.kind === 'camera' && showThumbnail && level !== 'off' ? html`<img class="thumb" loading="lazy" alt="" src="/api/cameras/${encodeURIComponent(cameraIdOf(u))}/snapshot.jpg">` : '';
  const counters = Object.entries(u.counters);
  const details = Object.entries(u.details);
  return html`<li id="${unitAnchor(u.name)}" data-unit="${u.name}" data-level="${level}" class="unit level-${level}">
  <p class="unit-line"><span class="pill pill-${level === 'off' ? 'none' : level}">${LEVEL_TEXT[level]}</span> <strong>${unitName(u)}</strong>: ${unitPhrase(u, now)}</p>
  <details><summary>Details</summary>
    ${thumb}
    <p><span class="kv">unit <b>${u.name}</b></span> <span class="kv">state <b>${u.state}</b></span> <span class="kv">since ${timeTag(Date.parse(u.since))}</span></p>
    ${u.message ? html`<p class="raw">${u.message}</p>` : ''}
    ${u.lastError ? html`<p class="raw">Last error ${timeTag(Date.parse(u.lastError.at))}: ${u.lastError.message}</p>` : ''}
    ${details.length ? html`<dl class="facts">${details.map(([k, v]) => html`<dt>${words(k)}</dt><dd>${formatValue(v)}</dd>`)}</dl>` : ''}
    ${counters.length ? html`<p class="counters">${counters.map(([k, n]) => html`<span class="kv">${words(k)} <b>${formatNumber(n)}</b></span> `)}</p>` : ''}
  </details>
</li>`;
}

function words(key: string): string {
  return key.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** Facts without JSON: times as local times, lists and records as short readable text. */
function formatValue(v: unknown, depth = 0): SafeHtml | string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') {
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v)) return timeTag(Date.parse(v));
    return v.length > 120 ? `${v.slice(0, 117)}...` : v;
  }
  if (depth > 1) return '…';
  if (Array.isArray(v)) return html`${v.slice(0, 6).map((x, i) => html`${i ? '; ' : ''}${formatValue(x, depth + 1)}`)}${v.length > 6 ? ` (+${v.length - 6} more)` : ''}`;
  if (typeof v === 'object') {
    return html`${Object.entries(v as Record<string, unknown>).map(([k, x], i) => html`${i ? ', ' : ''}${words(k)} ${formatValue(x, depth + 1)}`)}`;
  }
  return typeof v === 'bigint' ? v.toString() : '–';
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2);
}

function formatDuration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
