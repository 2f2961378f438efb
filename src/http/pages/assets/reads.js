import { api, readRow } from '/assets/app.js';

const MAX_ROWS = 100;
const body = document.getElementById('reads-body');
const seen = new Set();

function add(d, atTop) {
  if (seen.has(d.id)) return;
  seen.add(d.id);
  const tr = document.createElement('tr');
  tr.dataset.detection = d.id;
  tr.innerHTML = readRow(d);
  if (atTop) {
    tr.className = 'new';
    body.prepend(tr);
  } else body.append(tr);
  while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
}

const r = await api('GET', '/api/reads/recent?limit=50');
if (r.ok) for (const d of r.body.reads) add(d, false);
window.addEventListener('alpr:detection', (ev) => add(ev.detail, true));
document.body.dataset.readsLoaded = 'true';
