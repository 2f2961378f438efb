/**
 * The status strip under the header of every page: each camera, the GPS, the hot list's age and
 * the upload backlog, as one coloured item each, plus any other unit that takes part in
 * readiness while it is not green. Each item carries its plain-language line for the detail the
 * officer opens with one tap. Served alone as `/fragments/strip` for the page's refresh.
 */
import type { StatusSnapshot, UnitStatus } from '../../status/registry.js';
import { html, type SafeHtml } from './html.js';
import { unitAnchor } from './status-page.js';
import { flowOrder, levelOf, stripLabel, unitLine } from './unit-lines.js';

const ALWAYS = new Set(['camera', 'gps', 'hotlist', 'upload']);

export function stripUnits(snap: StatusSnapshot): UnitStatus[] {
  return flowOrder(snap.units).filter((u) => ALWAYS.has(u.kind) || (u.readiness && levelOf(u) !== 'green' && levelOf(u) !== 'off'));
}

export function statusStrip(snap: StatusSnapshot): SafeHtml {
  const now = Date.parse(snap.time);
  const units = stripUnits(snap);
  const worst = units.some((u) => levelOf(u) === 'red') ? 'red' : units.some((u) => levelOf(u) === 'amber') ? 'amber' : 'green';
  return html`<div class="strip-items" data-worst="${worst}">${units.map(
    (u) => html`<button type="button" class="strip-item level-${levelOf(u)}" data-unit="${u.name}" data-level="${levelOf(u)}" data-line="${unitLine(u, now)}" data-anchor="${unitAnchor(u.name)}" aria-expanded="false" aria-controls="strip-detail"><span class="dot" aria-hidden="true"></span>${stripLabel(u, now)}</button>`,
  )}</div>`;
}
