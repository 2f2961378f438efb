/**
 * The page frame shared by every screen: the "ALERTS OFF" banner, a one-row header (device,
 * navigation for the user's role, theme switch), the status strip, and the hit-alert panel that
 * every operator page carries (a hit must reach the officer whatever screen is open). Built for
 * MDC touch screens down to 800x480: large targets, one column.
 */
import type { Role } from '../ports.js';
import type { Session } from '../auth/session-store.js';
import { html, type SafeHtml } from './html.js';

export interface DeviceInfo {
  id: string;
  agency: string;
  mode: string;
}

interface NavItem {
  href: string;
  page: string;
  label: string;
  roles: readonly Role[];
  /** Goes under "More" on narrow screens (below 1100 px) when a role has two or more such screens. */
  more?: boolean;
  /** Pages opened from this screen: the screen stays marked current there, so the officer sees where they are. */
  within?: readonly string[];
}

const NAV: NavItem[] = [
  { href: '/', page: 'status', label: 'Status', roles: ['operator', 'administrator', 'auditor'], within: ['records'] },
  { href: '/live', page: 'live', label: 'Live', roles: ['operator', 'administrator'], within: ['damage'] },
  { href: '/reads', page: 'reads', label: 'Reads', roles: ['operator', 'administrator'] },
  { href: '/hits', page: 'hits', label: 'Hits', roles: ['operator', 'administrator'], within: ['hit-history'] },
  { href: '/hotlist', page: 'hotlist', label: 'Hot plates', roles: ['operator', 'administrator'] },
  { href: '/search', page: 'search', label: 'Search', roles: ['operator', 'administrator'] },
  { href: '/audit', page: 'audit', label: 'Audit', roles: ['auditor', 'administrator'], more: true },
  { href: '/users', page: 'users', label: 'Accounts', roles: ['administrator'], more: true },
  { href: '/oversight', page: 'oversight', label: 'Oversight', roles: ['administrator'], more: true, within: ['audit-review'] },
];

/**
 * The role's screens as one row of links. Where the role has two or more "more" screens (the
 * administrator's nine do not fit 800 px), those are also listed under a "More" disclosure
 * (<details>: opens by tap, Enter or Space) that CSS shows instead of them below 1100 px; its
 * label names the open screen when that is one of them.
 */
function navLinks(role: Role, page: string): SafeHtml {
  const items = NAV.filter((n) => n.roles.includes(role));
  const extra = items.filter((n) => n.more);
  const menu = extra.length >= 2;
  const here = (n: NavItem): boolean => n.page === page || (n.within?.includes(page) ?? false);
  const link = (n: NavItem, cls: string): SafeHtml =>
    html`<a href="${n.href}" class="${[cls, here(n) ? 'current' : ''].filter(Boolean).join(' ')}" ${n.page === page ? html`aria-current="page"` : here(n) ? html`aria-current="true"` : ''}>${n.label}</a>`;
  const row = items.map((n) => link(n, menu && n.more ? 'nav-extra' : ''));
  if (!menu) return html`${row}`;
  const open = extra.find(here);
  return html`${row}<details class="nav-more${open ? ' current' : ''}"><summary>${open ? open.label : 'More'}<span class="caret" aria-hidden="true"></span></summary><div class="nav-more-list">${extra.map((n) => link(n, ''))}</div></details>`;
}

export interface LayoutInput {
  title: string;
  page: string;
  session: Session | null;
  device: DeviceInfo;
  body: SafeHtml;
  /** The status strip's items (`statusStrip()`); pages with a session carry it. */
  strip?: SafeHtml;
  /** Extra data attributes on <body> for the page script. */
  data?: Record<string, string | number>;
}

export function layout(p: LayoutInput): string {
  const s = p.session;
  const nav = s ? navLinks(s.role, p.page) : html``;
  const data = Object.entries(p.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`);
  const alerts = s && (s.role === 'operator' || s.role === 'administrator');
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${s ? html`<meta name="csrf-token" content="${s.csrf}">` : ''}
<title>${p.title} · alpr-edge ${p.device.id}</title>
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
<script type="module" src="/assets/${p.page}.js"></script>
</head>
<body data-page="${p.page}" data-role="${s?.role ?? ''}" data-user="${s?.username ?? ''}" data-alerts="${alerts ? 'on' : 'off'}"${data}>
<div class="top-stack">
${alerts ? alertsOffBanner() : ''}
<header class="top">
  <div class="brand" title="${p.device.agency}"><strong>${p.device.id}</strong></div>
  <nav aria-label="Screens">${nav}</nav>
  <div class="who">
    ${s ? html`<span class="user" title="${s.username} (${s.role})">${s.fullName || s.username}</span>` : ''}
    <button type="button" id="theme-toggle" class="ghost" aria-label="Switch day/night theme" title="Day/Night">◐</button>
    ${s ? html`<button type="button" id="logout" class="ghost" title="Log out ${s.fullName || s.username} (${s.role})">Log out</button>` : ''}
  </div>
</header>
${s && p.strip ? statusStripFrame(p.strip) : ''}
<div id="sound-banner" class="banner" hidden>Alert sounds are off until you touch the screen once. <button type="button" id="sound-enable">Enable sound</button></div>
</div>
<main>
${p.body}
</main>
${alerts ? hitAlertPanel() : ''}
</body>
</html>
`.value;
}

/** Shown by app.js whenever the event stream is down: hits would not reach this page. */
function alertsOffBanner(): SafeHtml {
  return html`<div id="alerts-off" class="alerts-off" role="alert" hidden>
  <strong>ALERTS OFF</strong> <span class="alerts-off-why"></span> <span class="alerts-off-retry muted"></span>
  <a id="alerts-login" class="button" href="/login" hidden>Log in again</a>
  <button type="button" id="alerts-reconnect" class="ghost">Reconnect now</button>
</div>`;
}

function statusStripFrame(items: SafeHtml): SafeHtml {
  return html`<nav id="status-strip" class="strip" aria-label="Equipment status">${items}</nav>
<div id="strip-detail" class="strip-detail" role="region" aria-live="polite" hidden>
  <p class="strip-detail-line"></p>
  <a class="strip-detail-link" href="/">Open the status page</a> <button type="button" class="ghost" id="strip-detail-close">Close</button>
</div>`;
}

/**
 * Filled in by app.js when a hit arrives over /api/events (or is opened from the Hits page).
 * Laid out as a column whose middle (images and facts) shrinks, so that the title and the
 * verify buttons stay on screen at 1024x600 and 800x480 without scrolling.
 */
function hitAlertPanel(): SafeHtml {
  return html`<section id="hit-alert" class="hit-alert" hidden role="alertdialog" aria-modal="true" aria-labelledby="hit-title">
  <header class="hit-head">
    <h2 id="hit-title"><span class="hit-kind"></span> <span class="hit-list"></span> <span class="hit-priority"></span></h2>
    <span class="queue-count"></span>
  </header>
  <p class="informational-note" hidden>Informational only — not a basis for a stop.</p>
  <div class="hit-body">
    <div class="hit-images">
      <figure class="hit-crop"><button type="button" class="zoom" data-zoom="plate" aria-label="Zoom the plate crop"></button><figcaption>Plate crop · tap to zoom</figcaption></figure>
      <figure class="hit-overview"><button type="button" class="zoom" data-zoom="overview" aria-label="Zoom the overview"></button><figcaption>Overview · tap to zoom</figcaption></figure>
    </div>
    <div class="hit-text">
      <p class="hit-read" id="hit-read"></p>
      <dl class="hit-facts"></dl>
      <label class="hit-note">Note (optional) <input name="note" form="hit-verify" maxlength="1000" autocomplete="off"></label>
    </div>
  </div>
  <p class="reminder"><strong>A hit is not probable cause.</strong> Confirm every character of the plate visually and confirm its status with dispatch (CLETS/NCIC) before acting.</p>
  <form id="hit-verify">
    <p class="form-error" role="alert"></p>
    <div class="outcomes">
      <button type="submit" name="outcome" value="confirmed" class="good">Confirmed visually</button>
      <button type="submit" name="outcome" value="misread" class="warn">Misread</button>
      <button type="submit" name="outcome" value="not_vehicle" class="warn">Not the vehicle</button>
      <button type="button" id="hit-later" class="ghost">Later</button>
    </div>
  </form>
</section>
<div id="hit-zoom" class="hit-zoom" hidden role="dialog" aria-label="Zoomed image, tap to close"></div>
<div id="hit-cards" class="hit-cards" aria-live="polite"></div>`;
}
