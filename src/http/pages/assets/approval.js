import { api, esc, fmtTime } from '/assets/app.js';

// Uses outside the agency's purpose list (issue 20; sacramento-da IV.A.iv, roseville 426.5 (c)):
// the search page offers "ask a supervisor" when the server answers HTTP_APPROVAL_REQUIRED,
// waits for the approval, then runs the search again with its id. A supervisor (an account with
// the supervisor right) sees the requests waiting for someone else's approval on the same page.

const OTHER = '*other';
const me = document.body.dataset.user;
let panel = null;
let waiting = null;

function ensurePanel(form) {
  if (panel) return panel;
  panel = document.createElement('section');
  panel.id = 'approval-panel';
  panel.setAttribute('aria-live', 'polite');
  panel.hidden = true;
  form.after(panel);
  return panel;
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

/** The approval id a search carries (kept on the form), or clears it with null. */
function approvalFor(form, id) {
  if (id === null) {
    delete form.dataset.approvalId;
    if (waiting) clearTimeout(waiting);
    waiting = null;
    if (panel) panel.hidden = true;
  } else form.dataset.approvalId = String(id);
}

export function approvalId(form) {
  return form.dataset.approvalId ? Number(form.dataset.approvalId) : undefined;
}

/** After a refused search: offers to ask a supervisor when the refusal is for an off-list purpose. */
export function offerApproval(form, body, q) {
  if (!body || (body.error !== 'HTTP_APPROVAL_REQUIRED' && body.error !== 'HTTP_APPROVAL_INVALID')) return false;
  approvalFor(form, null);
  const p = ensurePanel(form);
  p.hidden = false;
  p.innerHTML = `<p class="error-text">${esc(body.message)}</p>
<p>The search is recorded with the request: case <strong>${esc(q.caseNumber)}</strong>, purpose <strong>${esc(q.purposeCategory)}</strong>.</p>
<button type="button" class="ask-supervisor">Ask a supervisor</button> <span class="approval-state" role="status"></span>`;
  p.querySelector('.ask-supervisor').addEventListener('click', async (ev) => {
    ev.target.disabled = true;
    const state = p.querySelector('.approval-state');
    const r = await api('POST', '/api/approvals', { caseNumber: q.caseNumber, purposeCategory: q.purposeCategory, purpose: q.purpose });
    if (!r.ok) {
      ev.target.disabled = false;
      state.textContent = r.body.fields?.map((f) => f.message).join('; ') || r.body.message || 'the request was refused';
      return;
    }
    const id = r.body.approval.id;
    state.textContent = `Request ${id} sent: waiting for a supervisor's approval. The search runs as soon as it is approved.`;
    const poll = async () => {
      waiting = null;
      const s = await api('GET', '/api/approvals');
      const a = s.ok ? s.body.approvals.find((x) => x.id === id) : null;
      if (a && a.approvedBy) {
        state.textContent = `Approved by ${a.approvedBy}; searching…`;
        approvalFor(form, id);
        form.requestSubmit();
        return;
      }
      waiting = setTimeout(poll, 3000);
    };
    waiting = setTimeout(poll, 1000);
  });
  return true;
}

/** Marks a search that ran on an approval. */
export function searchedWithApproval(form) {
  if (!panel || !form.dataset.approvalId) return;
  panel.hidden = false;
  panel.innerHTML = `<p class="muted">Search run on approval ${esc(form.dataset.approvalId)} (recorded with the search).</p>`;
}

/** Requests waiting for a supervisor: shown only to accounts with the supervisor right. */
export async function loadSupervisorQueue(container) {
  const r = await api('GET', '/api/approvals');
  if (!r.ok || !r.body.supervisor) return;
  const pending = r.body.approvals.filter((a) => !a.approvedBy && a.requester !== me);
  container.hidden = pending.length === 0;
  container.innerHTML = `<h2>Uses waiting for your approval</h2><p class="form-error" role="alert"></p><table class="approvals"><thead><tr><th>When</th><th>Asked by</th><th>Case</th><th>Purpose</th><th></th></tr></thead><tbody>${pending
    .map((a) => `<tr data-approval="${a.id}"><td>${esc(fmtTime(a.at))}</td><td>${esc(a.requester)}</td><td>${esc(a.caseNumber)}</td><td>${esc(a.purposeCategory ?? '')}: ${esc(a.purpose)}</td><td><button type="button" class="approve-use" data-id="${a.id}">Approve</button></td></tr>`)
    .join('')}</tbody></table>`;
}

/** The Approve buttons (search page queue, Oversight page): a second account approves. */
export function wireApprove(container, after) {
  container.addEventListener('click', async (ev) => {
    const b = ev.target.closest('.approve-use');
    if (!b) return;
    b.disabled = true;
    const r = await api('POST', `/api/approvals/${b.dataset.id}/approve`);
    const error = container.querySelector('.form-error');
    if (!r.ok) {
      b.disabled = false;
      if (error) error.textContent = r.body.message ?? 'refused';
      return;
    }
    await after();
  });
}
