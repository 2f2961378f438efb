import { api, esc, fmtTime } from '/assets/app.js';

// Uses outside the agency's purpose list (issue 20; sacramento-da IV.A.a.iv, roseville 426.5 (c)):
// the search form (and the release form, for an export) offers "ask a supervisor" when the
// server answers HTTP_APPROVAL_REQUIRED, waits for the approval, then submits the form again with
// its id. A supervisor (an account with the supervisor right) sees the requests waiting for
// someone else's answer on the same page and approves or refuses them.

const OTHER = '*other';
const me = document.body.dataset.user;
/** Per form: its panel under the form and the pending poll. */
const states = new WeakMap();

function stateOf(form) {
  let s = states.get(form);
  if (!s) {
    s = { panel: null, waiting: null };
    states.set(form, s);
  }
  return s;
}

function ensurePanel(form) {
  const s = stateOf(form);
  if (s.panel) return s.panel;
  s.panel = document.createElement('section');
  s.panel.className = 'approval-panel';
  if (form.id === 'search-form') s.panel.id = 'approval-panel';
  s.panel.setAttribute('aria-live', 'polite');
  s.panel.hidden = true;
  form.after(s.panel);
  return s.panel;
}

/** The purpose category the form asks for: a listed one, or the officer's own words for "other". */
export function purposeCategory(form) {
  const f = form.elements;
  if (f.purposeCategory.value !== OTHER) return f.purposeCategory.value || null;
  return f.otherPurpose ? f.otherPurpose.value.trim() || null : null;
}

/** Shows the "other purpose" field while "Other" is chosen. */
export function wireOtherPurpose(form) {
  const label = form.querySelector('#other-purpose');
  if (!label) return;
  const sync = () => {
    label.hidden = form.elements.purposeCategory.value !== OTHER;
    approvalFor(form, null);
  };
  form.elements.purposeCategory.addEventListener('change', sync);
  form.elements.otherPurpose.addEventListener('input', () => approvalFor(form, null));
  form.elements.caseNumber.addEventListener('input', () => approvalFor(form, null));
  sync();
}

/** The approval id a search or release carries (kept on the form), or clears it with null. */
export function approvalFor(form, id) {
  const s = stateOf(form);
  if (id === null) {
    delete form.dataset.approvalId;
    if (s.waiting) clearTimeout(s.waiting);
    s.waiting = null;
    if (s.panel) s.panel.hidden = true;
  } else form.dataset.approvalId = String(id);
}

export function approvalId(form) {
  return form.dataset.approvalId ? Number(form.dataset.approvalId) : undefined;
}

const ENDED = { declined: 'refused', expired: 'expired', used: 'already used' };

/** After a refused search or release (`use`): offers to ask a supervisor when the refusal is for an off-list purpose. */
export function offerApproval(form, body, q, use = 'search') {
  if (!body || (body.error !== 'HTTP_APPROVAL_REQUIRED' && body.error !== 'HTTP_APPROVAL_INVALID')) return false;
  approvalFor(form, null);
  const p = ensurePanel(form);
  const s = stateOf(form);
  p.hidden = false;
  p.innerHTML = `<p class="error-text">${esc(body.message)}</p>
<p>The ${use} is recorded with the request: case <strong>${esc(q.caseNumber)}</strong>, purpose <strong>${esc(q.purposeCategory)}</strong>.</p>
<button type="button" class="ask-supervisor">Ask a supervisor</button> <span class="approval-state" role="status"></span>`;
  p.querySelector('.ask-supervisor').addEventListener('click', async (ev) => {
    ev.target.disabled = true;
    const state = p.querySelector('.approval-state');
    const r = await api('POST', '/api/approvals', { use, caseNumber: q.caseNumber, purposeCategory: q.purposeCategory, purpose: q.purpose });
    if (!r.ok) {
      ev.target.disabled = false;
      state.textContent = r.body.fields?.map((f) => f.message).join('; ') || r.body.message || 'the request was refused';
      return;
    }
    const id = r.body.approval.id;
    state.textContent = `Request ${id} sent: waiting for a supervisor's answer. The ${use} runs as soon as it is approved.`;
    const poll = async () => {
      s.waiting = null;
      const res = await api('GET', '/api/approvals');
      const a = res.ok ? res.body.approvals.find((x) => x.id === id) : null;
      if (a && a.state === 'approved') {
        state.textContent = `Approved by ${a.approvedBy}; ${use === 'search' ? 'searching' : 'sending the release request'}…`;
        approvalFor(form, id);
        form.requestSubmit();
        return;
      }
      if (a && ENDED[a.state]) {
        ev.target.disabled = false;
        state.textContent = a.state === 'declined' ? `Refused by ${a.declinedBy}: ${a.declineReason}` : `Request ${id} ${ENDED[a.state]}; ask again if still needed.`;
        return;
      }
      s.waiting = setTimeout(poll, 3000);
    };
    s.waiting = setTimeout(poll, 1000);
  });
  return true;
}

/** Marks a search or release that ran on an approval. */
export function searchedWithApproval(form, use = 'search') {
  const s = stateOf(form);
  if (!s.panel || !form.dataset.approvalId) return;
  s.panel.hidden = false;
  s.panel.innerHTML = `<p class="muted">${use === 'search' ? 'Search run' : 'Release requested'} on approval ${esc(form.dataset.approvalId)} (recorded with the ${use}).</p>`;
}

/** Requests waiting for a supervisor: shown only to accounts with the supervisor right. */
export async function loadSupervisorQueue(container) {
  const r = await api('GET', '/api/approvals');
  if (!r.ok || !r.body.supervisor) return;
  const pending = r.body.approvals.filter((a) => a.state === 'waiting' && a.requester !== me);
  container.hidden = pending.length === 0;
  container.innerHTML = `<h2>Uses waiting for your approval</h2><p class="form-error" role="alert"></p><table class="approvals"><thead><tr><th>When</th><th>Asked by</th><th>Use and case</th><th>Purpose</th><th></th></tr></thead><tbody>${pending
    .map((a) => `<tr data-approval="${a.id}"><td>${esc(fmtTime(a.at))}</td><td>${esc(a.requester)}</td><td>${esc(a.use)}<br><span class="muted">${esc(a.caseNumber)}</span></td><td>${esc(a.purpose)}</td><td><button type="button" class="approve-use" data-id="${a.id}">Approve</button> <button type="button" class="ghost decline-use" data-id="${a.id}">Refuse</button></td></tr>`)
    .join('')}</tbody></table>`;
}

/** The Approve and Refuse buttons (search page queue, Oversight page): a second account answers. */
export function wireApprove(container, after) {
  container.addEventListener('click', async (ev) => {
    const b = ev.target.closest('.approve-use, .decline-use');
    if (!b) return;
    let reason = null;
    if (b.classList.contains('decline-use')) {
      reason = prompt('Why is this use refused? (recorded with the refusal)');
      if (!reason || !reason.trim()) return;
    }
    b.disabled = true;
    const r = reason === null ? await api('POST', `/api/approvals/${b.dataset.id}/approve`) : await api('POST', `/api/approvals/${b.dataset.id}/decline`, { reason: reason.trim() });
    const error = container.querySelector('.form-error');
    if (!r.ok) {
      b.disabled = false;
      if (error) error.textContent = r.body.message ?? 'refused';
      return;
    }
    await after();
  });
}
