// Records page (administrator): filter the evidence-hold list by any text in its rows (case
// number, officer, reason, camera, detection id). Times are localised by app.js.
const input = document.getElementById('held-filter');
const rows = [...document.querySelectorAll('#records-held tbody tr')];
const count = document.getElementById('held-shown');

input?.addEventListener('input', () => {
  const q = input.value.trim().toLowerCase();
  let shown = 0;
  for (const r of rows) {
    const hit = !q || r.textContent.toLowerCase().includes(q);
    r.hidden = !hit;
    if (hit) shown++;
  }
  count.textContent = q ? `${shown} of ${rows.length} shown` : '';
});
