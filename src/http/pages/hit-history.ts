/**
 * A hit's history page (issue 15): the entry it matched, its verification and the outcomes after
 * "confirmed", with buttons to record the next outcome while the hit is confirmed.
 */
import type { HitFollowUp, HitHistoryEntry, HitRecord } from '../ports.js';
import { HIT_FOLLOW_UPS } from '../ports.js';
import { html, timeTag, type SafeHtml } from './html.js';

export const FOLLOW_UP_TEXT: Record<HitFollowUp, string> = {
  dispatch_confirmed: 'Dispatch confirmed',
  stop_made: 'Stop made',
  vehicle_recovered: 'Vehicle recovered',
  arrest: 'Arrest',
  no_action: 'No action',
};
const VERIFICATION_TEXT: Record<string, string> = { confirmed: 'Confirmed visually', misread: 'Misread', not_vehicle: 'Not the vehicle' };

export function historyList(history: readonly HitHistoryEntry[]): SafeHtml {
  if (history.length === 0) return html`<p class="muted">Not verified yet.</p>`;
  return html`<ol class="hit-history">${history.map(
    (e) => html`<li data-kind="${e.kind}">${timeTag(e.recordedAt)} <strong>${e.kind === 'verification' ? VERIFICATION_TEXT[e.value] ?? e.value : FOLLOW_UP_TEXT[e.value as HitFollowUp] ?? e.value}</strong> — ${e.recordedBy}${e.note ? html`: ${e.note}` : ''}</li>`,
  )}</ol>`;
}

export function hitHistoryBody(id: number, hit: HitRecord | null, history: readonly HitHistoryEntry[]): SafeHtml {
  const head = hit
    ? html`<p>Hit ${id}: <span class="plate">${hit.entry.plate}</span> on <strong>${hit.entry.list}</strong> — ${hit.entry.reason}${hit.entry.caseNumber ? html` · case ${hit.entry.caseNumber}` : ''}. Matched ${timeTag(hit.createdAt)}.</p>`
    : html`<p>Hit ${id}: the detection has been purged; its verification and outcomes are kept.</p>`;
  const form =
    hit && hit.outcome === 'confirmed'
      ? html`<form id="outcome-form" data-hit="${id}">
  <label class="wide">Note (optional) <input name="note" maxlength="1000"></label>
  <div class="outcome-buttons">${HIT_FOLLOW_UPS.map((o) => html`<button type="submit" name="outcome" value="${o}">${FOLLOW_UP_TEXT[o]}</button>`)}</div>
  <ul class="form-errors" role="alert"></ul>
</form>`
      : hit
        ? html`<p class="muted">Outcomes are recorded once the hit is confirmed.</p>`
        : '';
  return html`<h1>Hit history</h1>${head}<div id="hit-history">${historyList(history)}</div>${form}`;
}
