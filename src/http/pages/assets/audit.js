import { api, esc, fmtTime, localMs } from '/assets/app.js';

const form = document.getElementById('audit-form');
const body = document.getElementById('audit-body');
const more = document.getElementById('audit-more');
const count = document.getElementById('audit-count');
const exportLink = document.getElementById('audit-export');
const PAGE = 200;
let offset = 0;

// A link from the quarterly audit (`/audit?user=&action=&from=&to=`, times in ms) opens the log
// filtered to those rows; the exact times hold until the officer changes From or To.
const linked = new URLSearchParams(location.search);
const pinned = { from: linked.get('from'), to: linked.get('to') };
if (linked.get('user')) form.elements.user.value = linked.get('user');
if (linked.get('action')) form.elements.action.value = linked.get('action');
if (pinned.from || pinned.to) {
  const note = document.getElementById('audit-linked');
  note.textContent = `Records ${pinned.from ? `from ${fmtTime(Number(pinned.from))} ` : ''}${pinned.to ? `to ${fmtTime(Number(pinned.to))}` : ''} (linked from the quarterly audit).`;
  note.hidden = false;
  for (const name of ['from', 'to']) form.elements[name].addEventListener('input', () => (pinned[name] = null), { once: true });
}

function params() {
  const f = form.elements;
  const p = new URLSearchParams();
  if (f.user.value.trim()) p.set('user', f.user.value.trim());
  if (f.action.value.trim()) p.set('action', f.action.value.trim());
  const from = pinned.from !== null && /^\d+$/.test(pinned.from) ? Number(pinned.from) : localMs(f.from);
  const to = pinned.to !== null && /^\d+$/.test(pinned.to) ? Number(pinned.to) : localMs(f.to);
  if (from !== null) p.set('from', String(from));
  if (to !== null) p.set('to', String(to));
  return p;
}

/** Details as "name: value" lines instead of JSON; nested records indented, times local. */
function details(d, depth = 0) {
  if (d === null || d === undefined || d === '') return '';
  if (typeof d !== 'object') return esc(typeof d === 'number' && d > 1e12 && d < 1e13 ? fmtTime(d) : String(d));
  if (Array.isArray(d)) return d.map((x) => (typeof x === 'object' && x !== null ? `<div class="sub">${details(x, depth + 1)}</div>` : esc(String(x)))).join(', ');
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => {
      const name = esc(k.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
      const value = typeof v === 'object' && depth < 2 ? `<div class="sub">${details(v, depth + 1)}</div>` : typeof v === 'object' ? esc(JSON.stringify(v)) : details(v, depth + 1);
      return `<div><span class="muted">${name}:</span> ${value}</div>`;
    })
    .join('');
}

async function load(reset) {
  if (reset) {
    offset = 0;
    body.innerHTML = '';
  }
  const p = params();
  exportLink.href = `/api/audit/export.csv?${p}`;
  p.set('limit', String(PAGE));
  p.set('offset', String(offset));
  const r = await api('GET', `/api/audit?${p}`);
  if (!r.ok) return;
  body.insertAdjacentHTML(
    'beforeend',
    r.body.records
      .map((a) => `<tr data-audit="${a.id}"><td>${a.id}</td><td>${esc(fmtTime(a.at))}</td><td>${esc(a.user)}</td><td>${esc(a.action)}</td><td>${esc(a.object)}</td>
<td>${esc(a.caseNumber)}</td><td>${esc(a.purpose)}</td><td>${esc(a.ip)}</td><td class="details">${details(a.details)}</td></tr>`)
      .join(''),
  );
  offset += r.body.records.length;
  count.textContent = `${offset} record(s) shown`;
  more.hidden = r.body.records.length < PAGE;
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void load(true);
});
more.addEventListener('click', () => void load(false));

// Chain check: the server re-computes every row's hash (POST /api/audit/verify; itself audited).
const verify = document.getElementById('audit-verify');
const verdict = document.getElementById('audit-verify-result');
verify.addEventListener('click', async () => {
  verify.disabled = true;
  verdict.className = 'muted';
  verdict.textContent = 'Checking…';
  const r = await api('POST', '/api/audit/verify');
  verify.disabled = false;
  if (!r.ok) {
    verdict.className = 'error-text';
    verdict.textContent = `The check could not run: ${r.body.message ?? r.status}`;
    return;
  }
  const v = r.body;
  verdict.className = v.ok ? 'pill pill-green' : 'pill pill-red';
  verdict.dataset.ok = String(v.ok);
  verdict.textContent = v.ok
    ? `Chain intact: all ${v.checked.toLocaleString('en-US')} records check out.`
    : `Chain BROKEN at record #${v.firstBadId}: ${v.problem}. Records were changed or deleted; report it.`;
});
await load(true);
