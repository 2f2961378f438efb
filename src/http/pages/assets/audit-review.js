// Quarterly audit page: Print, and the period form sends either the quarter or the custom range
// (a day typed in "from" or "to" means a custom range; the quarter is then left out).
const form = document.getElementById('review-period');
document.getElementById('review-print')?.addEventListener('click', () => window.print());

form?.addEventListener('submit', (ev) => {
  const f = form.elements;
  if (f.from.value || f.to.value) f.quarter.disabled = true;
  else {
    f.from.disabled = true;
    f.to.disabled = true;
  }
  // Re-enabled for the back button (the browser restores the form as it was).
  setTimeout(() => {
    for (const el of [f.quarter, f.from, f.to]) el.disabled = false;
  }, 0);
  void ev;
});
