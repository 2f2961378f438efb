/**
 * The "Report damage" screen (issue 18): the form every station user files a damage or
 * malfunction report with, and, for administrators, the list of reports filed on this unit.
 */
import type { DamageReport } from '../../store/damage-reports-repo.js';
import { html, timeTag, type SafeHtml } from './html.js';

const SUBJECT_TEXT: Record<DamageReport['subject'], string> = { camera: 'Camera', gps: 'GPS', unit: 'The unit (computer, wiring, power)' };

/** The option value of a subject: `camera:<id>`, `gps` or `unit`. */
function subjectOptions(cameras: readonly string[]): SafeHtml {
  return html`${cameras.map((c) => html`<option value="camera:${c}">Camera ${c}</option>`)}<option value="gps">GPS</option><option value="unit">${SUBJECT_TEXT.unit}</option>`;
}

export function damageBody(cameras: readonly string[], reports: readonly DamageReport[] | null): SafeHtml {
  return html`<h1>Report damage or a malfunction</h1>
<p>Report damaged, vandalised or malfunctioning ALPR equipment (roseville 426.6.2, sacramento-pd B.2). The report is recorded with your name, shown to the administrator and sent to the central server with the next upload.</p>
<form id="damage-form" class="grid-form">
  <label>What <select name="what" required>${subjectOptions(cameras)}</select></label>
  <label>Noticed at <input name="noticedAt" type="datetime-local" required></label>
  <label class="wide">What is wrong <textarea name="text" rows="3" minlength="3" maxlength="2000" required></textarea></label>
  <label class="check"><input type="checkbox" name="snapshot"> Attach the camera's current picture</label>
  <button type="submit">File report</button>
  <ul class="form-errors" role="alert"></ul>
  <p class="form-done" role="status" hidden></p>
</form>
${reports === null ? '' : damageList(reports)}`;
}

export function damageList(reports: readonly DamageReport[]): SafeHtml {
  return html`<section id="damage-reports"><h2>Reports filed on this unit</h2>
${
  reports.length === 0
    ? html`<p class="muted">No damage reports.</p>`
    : html`<table class="damage"><thead><tr><th>#</th><th>What</th><th>Noticed</th><th>Report</th><th>By</th><th>Filed</th><th>Picture</th></tr></thead><tbody>
${reports.map(
  (r) => html`<tr data-report="${r.id}"><td>${r.id}</td><td>${r.subject === 'camera' ? `Camera ${r.cameraId ?? ''}` : SUBJECT_TEXT[r.subject]}</td><td>${timeTag(r.noticedAt)}</td><td class="damage-text">${r.text}</td><td>${r.reportedBy}</td><td>${timeTag(r.reportedAt)}</td>
<td>${r.snapshotSha256 ? html`<a href="/api/damage-reports/${r.id}/snapshot.jpg" target="_blank">picture</a>` : html`<span class="muted">–</span>`}</td></tr>`,
)}</tbody></table>`
}</section>`;
}
