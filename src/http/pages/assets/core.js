// alpr-edge operator station: helpers every page script uses (API calls with the CSRF token,
// escaping, times, form errors). Plain ES modules, no build step; app.js re-exports these.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? '';

/**
 * JSON API call; resolves to { ok, status, body }. State changes carry the CSRF token. A 401
 * (session ended) on an action the officer took goes to the login page, except where the caller
 * handles it (the login form). Reads never leave the page: a background refresh must not carry
 * the officer away from an open hit; the ALERTS OFF banner says the session ended.
 */
export async function api(method, url, body, { loginOn401 = method !== 'GET' } = {}) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf();
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    // Daemon restarting or network down: callers show the message; the alerts banner says more.
    return { ok: false, status: 0, body: { message: 'no connection to the ALPR unit; try again in a moment' } };
  }
  if (res.status === 401 && loginOn401) {
    location.href = `/login?next=${encodeURIComponent(location.pathname)}`;
    return { ok: false, status: 401, body: {} };
  }
  const type = res.headers.get('content-type') ?? '';
  const out = type.includes('json') ? await res.json() : await res.text();
  return { ok: res.ok, status: res.status, body: out };
}

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '–';
  const d = new Date(ms);
  return d.toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function fmtPos(d) {
  if (d.lat === null || d.lon === null) return '<span class="muted">no position</span>';
  return `${d.lat.toFixed(5)}, ${d.lon.toFixed(5)}${d.positionTrusted ? '' : ' <span class="pill pill-amber">untrusted</span>'}`;
}

/** Reads a `datetime-local` input as ms since epoch (browser's zone), or null. */
export function localMs(input) {
  return input && input.value ? new Date(input.value).getTime() : null;
}

/**
 * Shows an API error body in a form: each field's message in words beside its field (inside
 * the field's label), anything not tied to a field in the form's `.form-errors` list.
 */
export function showErrors(form, body) {
  clearErrors(form);
  const list = form.querySelector('.form-errors, .form-error');
  const loose = [];
  const fields = body && Array.isArray(body.fields) ? body.fields : [];
  for (const f of fields) {
    const input = form.elements.namedItem(f.field);
    const label = input && !(input instanceof RadioNodeList) ? input.closest('label') : null;
    if (!label) {
      loose.push(f.message);
      continue;
    }
    input.setAttribute('aria-invalid', 'true');
    const note = document.createElement('span');
    note.className = 'field-error';
    note.dataset.field = f.field;
    note.textContent = sentence(f.message);
    label.append(note);
  }
  if (!fields.length) loose.push(body && body.message ? body.message : 'request failed');
  else if (!loose.length) loose.push(fields.length === 1 ? 'Please correct the marked field.' : `Please correct the ${fields.length} marked fields.`);
  if (list.tagName === 'UL') list.innerHTML = loose.map((m) => `<li>${esc(sentence(m))}</li>`).join('');
  else list.textContent = loose.map(sentence).join(' ');
  form.querySelector('[aria-invalid="true"]')?.focus();
}

function sentence(m) {
  const s = String(m ?? '').trim();
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

export function clearErrors(form) {
  const list = form.querySelector('.form-errors, .form-error');
  if (list) list.innerHTML = '';
  form.querySelectorAll('.field-error').forEach((n) => n.remove());
  form.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
}

export function readRow(d) {
  return `<td><img class="crop" loading="lazy" alt="plate ${esc(d.text)}" src="/api/detections/${esc(d.id)}/plate.jpg"></td>
<td class="read-text">${esc(d.text)}</td><td>${(d.confidence * 100).toFixed(0)}%</td><td>${esc(fmtTime(d.bestAt))}</td>
<td>${esc(d.cameraId)}</td><td>${fmtPos(d)}</td><td>${d.hitCount ? `<span class="pill pill-red">${d.hitCount}</span>` : ''}</td>`;
}

