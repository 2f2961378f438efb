import { api, esc, showErrors, clearErrors } from '/assets/app.js';

// "Report misread / wrong data" on a read or a hit (issue 20, sacramento-da IV.C.d): a small form
// for the corrected text and a note, posted to /api/detections/:id/corrections. The read stays
// as it was; the correction is stored beside it and shown to the administrator (Oversight).

/** The action's button for a row: the detection, and the hit when the row is one. */
export function misreadButton(detectionId, hitId) {
  return `<button type="button" class="ghost misread" data-detection="${esc(detectionId)}"${hitId ? ` data-hit="${esc(hitId)}"` : ''}>Report misread</button>`;
}

let dialog = null;

function form() {
  if (dialog) return dialog;
  dialog = document.createElement('dialog');
  dialog.id = 'misread-dialog';
  dialog.setAttribute('aria-labelledby', 'misread-title');
  // Not modal: a hit arriving while the form is open must still come up over it (the hit pop-up
  // sits above everything else; a modal dialog would sit above the pop-up).
  Object.assign(dialog.style, { position: 'fixed', top: '3.5rem', left: '0', right: '0', zIndex: '15', maxWidth: '40rem', margin: '0 auto', background: 'var(--panel)', color: 'var(--fg)', border: '2px solid var(--amber)' });
  dialog.innerHTML = `<form id="misread-form" method="dialog" class="grid-form">
<h2 id="misread-title">Report misread / wrong data</h2>
<p class="muted wide">Read as <strong class="misread-original"></strong>. The read stays as it was; your correction is stored beside it for the administrator.</p>
<label>Corrected plate text <input name="correctedText" maxlength="32" autocapitalize="characters" autocomplete="off"></label>
<label class="wide">What is wrong <textarea name="note" maxlength="1000" rows="2"></textarea></label>
<p class="form-error wide" role="alert"></p>
<p class="misread-done wide" role="status"></p>
<button type="submit">Send report</button> <button type="button" class="ghost misread-close">Close</button>
</form>`;
  document.body.append(dialog);
  const f = dialog.querySelector('form');
  dialog.querySelector('.misread-close').addEventListener('click', () => dialog.close());
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    const done = f.querySelector('.misread-done');
    done.textContent = '';
    const missing = [];
    if (!f.elements.correctedText.value.trim()) missing.push({ field: 'correctedText', message: 'enter the plate text as it really is' });
    if (!f.elements.note.value.trim()) missing.push({ field: 'note', message: 'say what is wrong with the read' });
    if (missing.length) return showErrors(f, { fields: missing });
    const body = { correctedText: f.elements.correctedText.value.trim(), note: f.elements.note.value.trim() };
    if (f.dataset.hit) body.hitId = Number(f.dataset.hit);
    const r = await api('POST', `/api/detections/${encodeURIComponent(f.dataset.detection)}/corrections`, body);
    if (!r.ok) return showErrors(f, r.body);
    const c = r.body.correction;
    done.textContent = `Report stored: ${c.originalText} corrected to ${c.correctedText}. The original read is unchanged.`;
    f.elements.correctedText.value = '';
    f.elements.note.value = '';
  });
  return dialog;
}

/** Opens the form for the clicked `.misread` button anywhere inside `container`. */
export function wireMisread(container) {
  container.addEventListener('click', (ev) => {
    const b = ev.target.closest('.misread');
    if (!b) return;
    const d = form();
    const f = d.querySelector('form');
    clearErrors(f);
    f.querySelector('.misread-done').textContent = '';
    f.dataset.detection = b.dataset.detection;
    if (b.dataset.hit) f.dataset.hit = b.dataset.hit;
    else delete f.dataset.hit;
    const text = b.closest('tr')?.querySelector('.read-text')?.textContent ?? '';
    f.querySelector('.misread-original').textContent = text;
    f.elements.correctedText.value = '';
    f.elements.note.value = '';
    d.show();
    f.elements.correctedText.focus();
  });
}
