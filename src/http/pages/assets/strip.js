// The status strip on every page: refreshed from /fragments/strip; when a unit turns red during
// the shift it sounds once. The levels last seen are kept for the tab (sessionStorage), so a
// failure that happened while the officer changed pages still sounds once, and a page load never
// sounds again for a fault already announced. One tap on an item opens its plain-language line.
import { tone } from '/assets/sound.js';

const REFRESH_MS = 5000;
const LEVELS_KEY = 'alpr-strip-levels';

const strip = () => document.getElementById('status-strip');

function levels() {
  const out = {};
  strip()?.querySelectorAll('.strip-item').forEach((b) => (out[b.dataset.unit] = b.dataset.level));
  return out;
}

/** Sounds once for each unit that is red now and was not red when last seen. */
function announce(now) {
  const raw = sessionStorage.getItem(LEVELS_KEY);
  sessionStorage.setItem(LEVELS_KEY, JSON.stringify(now));
  // The first page of a tab has nothing to compare with: faults there were present at start.
  if (raw === null) return;
  const before = JSON.parse(raw);
  const failed = Object.keys(now).filter((u) => now[u] === 'red' && before[u] !== undefined && before[u] !== 'red');
  if (failed.length === 0) return;
  tone('fault');
  document.body.dataset.stripFailed = failed.join(' ');
  for (const u of failed) strip().querySelector(`.strip-item[data-unit="${CSS.escape(u)}"]`)?.classList.add('just-failed');
}

let openUnit = null;

function showDetail(unit) {
  const detail = document.getElementById('strip-detail');
  const item = unit ? strip().querySelector(`.strip-item[data-unit="${CSS.escape(unit)}"]`) : null;
  strip().querySelectorAll('.strip-item').forEach((b) => b.setAttribute('aria-expanded', String(b === item)));
  if (!item) {
    openUnit = null;
    detail.hidden = true;
    return;
  }
  openUnit = unit;
  detail.dataset.level = item.dataset.level;
  detail.querySelector('.strip-detail-line').textContent = item.dataset.line;
  detail.querySelector('.strip-detail-link').href = `/#${item.dataset.anchor}`;
  detail.hidden = false;
}

async function refresh() {
  if (document.visibilityState !== 'visible') return;
  let res;
  try {
    res = await fetch('/fragments/strip', { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    strip().dataset.stale = 'true';
    return;
  }
  // Logged out or daemon restarting: the alerts banner says so; the strip shows it is stale.
  if (!res.ok) return void (strip().dataset.stale = 'true');
  strip().innerHTML = await res.text();
  strip().dataset.stale = 'false';
  announce(levels());
  if (openUnit) showDetail(openUnit);
  document.body.dataset.stripRefreshes = String(Number(document.body.dataset.stripRefreshes ?? 0) + 1);
}

export function startStrip() {
  if (!strip()) return;
  announce(levels());
  strip().addEventListener('click', (ev) => {
    const b = ev.target.closest('.strip-item');
    if (b) showDetail(openUnit === b.dataset.unit ? null : b.dataset.unit);
  });
  document.getElementById('strip-detail-close')?.addEventListener('click', () => showDetail(null));
  setInterval(() => void refresh(), REFRESH_MS);
}
