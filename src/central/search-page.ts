/**
 * The central search as a page for officers and administrators: a plain form posted to the
 * server, which runs the same search as the API (same rules, same audit row) and answers with
 * the results, or with what to fix. No script; sized for 1024x600 and 800x480.
 */
import { createHash } from 'node:crypto';
import type { CentralDetection } from './central-search.js';
import { esc } from './fleet-page.js';

export interface SearchAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface SearchPageOptions {
  purposes: readonly string[];
  maxWindowH: number;
  plateMinKnown: number;
}

const TEXT_FIELDS = ['caseNumber', 'purposeCategory', 'purpose', 'plate', 'cameraId', 'deviceId'] as const;

/** The API body for a posted form: empty fields left out, times as UTC, numbers as numbers. */
export function searchBodyFromForm(f: Readonly<Record<string, string>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const k of TEXT_FIELDS) if (f[k]?.trim()) body[k] = f[k].trim();
  for (const k of ['from', 'to'] as const) {
    const v = f[k]?.trim();
    // A datetime-local value has no zone: the form says the times are UTC.
    if (v) body[k] = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v) ? Date.parse(`${v}Z`) : v;
  }
  for (const k of ['offset', 'approvalId'] as const) {
    const v = f[k]?.trim();
    if (v) body[k] = /^\d{1,9}$/.test(v) ? Number(v) : v;
  }
  return body;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.35 system-ui,sans-serif;color:#111}
header{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:baseline;padding:8px 12px;background:#1d3557;color:#fff}
header h1{font-size:18px;margin:0}
header a{color:#fff}
header .who{margin-left:auto;font-size:13px}
header form{margin:0}
header button{font:inherit;font-size:13px;padding:2px 8px}
form.q{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:6px 10px;padding:8px 12px;align-items:end}
form.q label{display:flex;flex-direction:column;font-size:13px;font-weight:600;min-width:0}
form.q input,form.q select{font:inherit;font-weight:400;padding:4px;min-width:0;width:100%}
form.q .wide{grid-column:span 2}
form.q button{font:inherit;padding:6px 16px}
.note{padding:0 12px;font-size:13px;color:#444}
.err{margin:6px 12px;padding:6px 10px;background:#fde2e1;color:#8a1111;font-weight:600}
.ok{margin:6px 12px;font-weight:600}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #ccc;overflow-wrap:anywhere}
th{font-size:13px;background:#eef}
td.plate{font-family:ui-monospace,monospace;font-weight:700}
form.more{padding:8px 12px}
@media (max-width:860px){body{font-size:13px}form.q{gap:4px 8px;padding:6px 8px}form.q label{font-size:12px}th,td{padding:3px 5px}.note{display:none}}
`;
export const SEARCH_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

export function searchPage(o: SearchPageOptions, staff: { name: string; role: string }, f: Readonly<Record<string, string>>, answer: SearchAnswer | null): string {
  const v = (k: string): string => esc(f[k] ?? '');
  const input = (name: string, label: string, extra = '', cls = ''): string =>
    `<label${cls ? ` class="${cls}"` : ''}>${label}<input name="${name}" value="${v(name)}" ${extra}></label>`;
  const purposes = o.purposes.map((p) => `<option${f.purposeCategory === p ? ' selected' : ''}>${esc(p)}</option>`).join('');
  const form = `<form class="q" method="post" action="/admin/search">
${input('caseNumber', 'Case number', 'required maxlength="64" autocomplete="off"')}
<label>Purpose<select name="purposeCategory" required><option value="">choose…</option>${purposes}</select></label>
${input('purpose', 'What in the case it is for', 'required maxlength="500"', 'wide')}
${input('plate', `Plate (* any run, ? one; ${o.plateMinKnown}+ known)`, 'maxlength="32" autocomplete="off"')}
${input('from', 'From (UTC)', 'type="datetime-local"')}
${input('to', 'To (UTC)', 'type="datetime-local"')}
${input('cameraId', 'Camera', 'maxlength="32"')}
${input('deviceId', 'Device', 'maxlength="64"')}
${input('approvalId', 'Approval no. (off-list purpose)', 'inputmode="numeric" maxlength="9"')}
<label><button type="submit">Search</button></label>
</form>
<p class="note">Give a plate, or a camera with a time window of at most ${o.maxWindowH} h. Every search is recorded with its case number and purpose.</p>`;
  let result = '';
  if (answer && answer.status !== 200) {
    const message = typeof answer.body.message === 'string' ? answer.body.message : 'The search was refused.';
    result = `<div class="err" id="problem">${esc(message)}</div>`;
  } else if (answer) {
    const b = answer.body as { results: CentralDetection[]; offset: number; hasMore: boolean; nextOffset: number | null; auditId: number };
    const rows = b.results
      .map((d) => `<tr><td>${esc(iso(d.capturedAt).replace('T', ' '))}</td><td class="plate">${esc(d.plate)}</td><td>${esc(d.deviceId)}</td><td>${esc(d.cameraId)}</td><td>${Math.round(d.confidence * 100)}%</td><td>${d.hits > 0 ? `${d.hits} hit${d.hits > 1 ? 's' : ''}` : ''}</td></tr>`)
      .join('\n');
    const shown = b.results.length === 0 ? 'No detections match.' : `Detections ${b.offset + 1}–${b.offset + b.results.length}${b.hasMore ? ', more follow' : ''}.`;
    const hidden = Object.entries(f)
      .filter(([k]) => k !== 'offset')
      .map(([k, val]) => `<input type="hidden" name="${esc(k)}" value="${esc(val)}">`)
      .join('');
    result = `<div class="ok" id="summary">${shown} Recorded in the audit log as no. ${b.auditId}.</div>
${b.results.length ? `<table id="results"><thead><tr><th>Time (UTC)</th><th>Plate</th><th>Device</th><th>Camera</th><th>Read</th><th>Hits</th></tr></thead><tbody>\n${rows}\n</tbody></table>` : ''}
${b.hasMore && b.nextOffset !== null ? `<form class="more" method="post" action="/admin/search">${hidden}<input type="hidden" name="offset" value="${b.nextOffset}"><button type="submit" id="next">Next page</button></form>` : ''}`;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Search: ALPR central</title><style>${STYLE}</style></head>
<body><header><h1>Search detections</h1>${staff.role === 'admin' ? '<a href="/admin/fleet">Fleet health</a>' : ''}<span class="who">${esc(staff.name)}</span><form method="post" action="/admin/logout"><button type="submit">Sign out</button></form></header>
${form}
${result}
</body></html>`;
}
