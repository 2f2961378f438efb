/**
 * The administrator's records view (issue 15): retention settings as configured, the purge
 * history (the store's `purge` audit rows) and the detections on evidence hold. Read-only.
 */
import type { AuditRecord } from '../../store/audit-repo.js';
import type { HeldDetection } from '../../store/detections-repo.js';
import { html, timeTag, type SafeHtml } from './html.js';

export interface RecordsSettings {
  retention: { min_age_d: number; max_age_d: number; grace_after_upload_h: number; check_interval_s: number };
  quota: { max_mb: number; min_free_mb: number; purge_unuploaded: boolean };
}

const REASONS: Record<string, string> = {
  max_age: 'past the maximum age',
  acknowledged: 'uploaded and acknowledged, minimum age reached',
  quota_uploaded: 'disk quota: uploaded detections, oldest first',
  quota_not_uploaded: 'disk quota: detections never uploaded, oldest first',
};

/** A check interval in words: 86400 → "24 hours", 300 → "5 min", 45 → "45 s". */
export function interval(s: number): string {
  if (s >= 3600 && s % 3600 === 0) return s === 3600 ? '1 hour' : `${s / 3600} hours`;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

function purgeRow(a: AuditRecord): SafeHtml {
  const d = (a.details ?? {}) as { count?: number; from?: number; to?: number };
  const reason = a.purpose ?? '';
  return html`<tr><td>${timeTag(a.at)}</td><td>${REASONS[reason] ?? reason}</td><td class="num">${d.count ?? '–'}</td><td>${timeTag(d.from)} – ${timeTag(d.to)}</td></tr>`;
}

function heldRow(h: HeldDetection): SafeHtml {
  return html`<tr><td><code>${h.id}</code></td><td>${h.cameraId}</td><td>${timeTag(h.bestAt)}</td><td>${h.heldBy ?? '–'}</td><td>${timeTag(h.heldAt)}</td><td>${h.reason ?? ''}</td></tr>`;
}

export function recordsBody(s: RecordsSettings, purges: readonly AuditRecord[], held: readonly HeldDetection[]): SafeHtml {
  const r = s.retention;
  const q = s.quota;
  return html`<h1>Records: retention, purges, evidence holds</h1>
<section id="records-retention"><h2>Retention (configuration <code>store.retention</code>, <code>store.quota</code>)</h2>
<dl class="facts">
  <dt>Maximum age</dt><dd>${r.max_age_d} days: nothing older stays on this unit unless on evidence hold</dd>
  <dt>Minimum age</dt><dd>${r.min_age_d} days: an uploaded detection stays at least this long after capture</dd>
  <dt>After upload</dt><dd>${r.grace_after_upload_h} hours after the central server acknowledged it</dd>
  <dt>Checked every</dt><dd>${interval(r.check_interval_s)}</dd>
  <dt>Disk quota</dt><dd>${q.max_mb === 0 ? 'no limit' : `${q.max_mb} MiB`}, keeping ${q.min_free_mb} MiB free; ${q.purge_unuploaded ? 'may purge detections never uploaded' : 'never purges detections not yet uploaded'}</dd>
  <dt>Audit log, hit verifications and outcomes</dt><dd>never purged on this unit</dd>
</dl></section>
<section id="records-purges"><h2>Purge history (latest ${purges.length})</h2>
${purges.length === 0 ? html`<p class="muted">Nothing has been purged.</p>` : html`<table><thead><tr><th>When</th><th>Why</th><th>Detections</th><th>Captured</th></tr></thead><tbody>${purges.map(purgeRow)}</tbody></table>`}
</section>
<section id="records-held"><h2>Evidence holds (${held.length})</h2>
${held.length === 0 ? html`<p class="muted">No detection is on evidence hold.</p>` : html`<label>Filter <input id="held-filter" type="search" maxlength="64" placeholder="case number, officer, reason"></label> <span id="held-shown" class="muted" role="status"></span><table><thead><tr><th>Detection</th><th>Camera</th><th>Captured</th><th>Held by</th><th>Held at</th><th>Reason</th></tr></thead><tbody>${held.map(heldRow)}</tbody></table>`}
</section>`;
}
