import { api, esc, fmtTime, localMs } from '/assets/app.js';

const form = document.getElementById('audit-form');
const body = document.getElementById('audit-body');
const more = document.getElementById('audit-more');
const count = document.getElementById('audit-count');
const exportLink = document.getElementById('audit-export');
const PAGE = 200;
let offset = 0;

function params() {
  const f = form.elements;
  const p = new URLSearchParams();
  if (f.user.value.trim()) p.set('user', f.user.value.trim());
  if (f.action.value.trim()) p.set('action', f.action.value.trim());
  const from = localMs(f.from);
  const to = localMs(f.to);
  if (from !== null) p.set('from', String(from));
  if (to !== null) p.set('to', String(to));
  return p;
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
<td>${esc(a.caseNumber)}</td><td>${esc(a.purpose)}</td><td>${esc(a.ip)}</td><td><code>${esc(a.details ? JSON.stringify(a.details) : '')}</code></td></tr>`)
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
await load(true);
