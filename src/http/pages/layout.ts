/**
 * The page frame shared by every screen: header with device, navigation for the user's role,
 * theme switch, and the hit-alert panel that every operator page carries (a hit must reach the
 * officer whatever screen is open). Built for a 1024x768 touch screen: large targets, one column.
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
}

const NAV: NavItem[] = [
  { href: '/', page: 'status', label: 'Status', roles: ['operator', 'administrator', 'auditor'] },
  { href: '/live', page: 'live', label: 'Live', roles: ['operator', 'administrator'] },
  { href: '/reads', page: 'reads', label: 'Reads', roles: ['operator', 'administrator'] },
  { href: '/hits', page: 'hits', label: 'Hits', roles: ['operator', 'administrator'] },
  { href: '/hotlist', page: 'hotlist', label: 'Hot plates', roles: ['operator', 'administrator'] },
  { href: '/search', page: 'search', label: 'Search', roles: ['operator', 'administrator'] },
  { href: '/audit', page: 'audit', label: 'Audit', roles: ['auditor', 'administrator'] },
  { href: '/users', page: 'users', label: 'Accounts', roles: ['administrator'] },
];

export interface LayoutInput {
  title: string;
  page: string;
  session: Session | null;
  device: DeviceInfo;
  body: SafeHtml;
  /** Extra data attributes on <body> for the page script. */
  data?: Record<string, string | number>;
}

export function layout(p: LayoutInput): string {
  const s = p.session;
  const nav = s
    ? NAV.filter((n) => n.roles.includes(s.role)).map(
        (n) => html`<a href="${n.href}" class="${n.page === p.page ? 'current' : ''}" ${n.page === p.page ? html`aria-current="page"` : ''}>${n.label}</a>`,
      )
    : [];
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
<header class="top">
  <div class="brand"><strong>${p.device.id}</strong>${p.device.agency ? html` · ${p.device.agency}` : ''}</div>
  <nav>${nav}</nav>
  <div class="who">
    ${s ? html`<span class="user" title="${s.role}">${s.fullName || s.username} (${s.role})</span>` : ''}
    <button type="button" id="theme-toggle" class="ghost" aria-label="Switch day/night theme">Day/Night</button>
    ${s ? html`<button type="button" id="logout" class="ghost">Log out</button>` : ''}
  </div>
</header>
<div id="sound-banner" class="banner" hidden>Hit sound is off until you touch the screen once. <button type="button" id="sound-enable">Enable sound</button></div>
<main>
${p.body}
</main>
${alerts ? hitAlertPanel() : ''}
</body>
</html>
`.value;
}

/** Filled in by app.js when a hit arrives over /api/events (or is opened from the Hits page). */
function hitAlertPanel(): SafeHtml {
  return html`<section id="hit-alert" class="hit-alert" hidden aria-live="assertive" role="alertdialog" aria-labelledby="hit-title">
  <h2 id="hit-title"></h2>
  <p class="informational-note" hidden>Informational only; not a basis for a stop.</p>
  <div class="hit-images">
    <figure><img id="hit-plate" alt="plate crop"><figcaption>Plate crop</figcaption></figure>
    <figure><img id="hit-overview" alt="overview image"><figcaption>Overview</figcaption></figure>
  </div>
  <dl class="hit-facts"></dl>
  <p class="reminder"><strong>A hit is not probable cause.</strong> Confirm visually that every character of the plate matches, and confirm the plate's status with dispatch (CLETS/NCIC) before acting.</p>
  <form id="hit-verify">
    <label>Note (optional) <textarea name="note" rows="2" maxlength="1000"></textarea></label>
    <div class="outcomes">
      <button type="submit" name="outcome" value="confirmed" class="good">Confirmed visually</button>
      <button type="submit" name="outcome" value="misread" class="warn">Misread</button>
      <button type="submit" name="outcome" value="not_vehicle" class="warn">Not the vehicle</button>
    </div>
    <p class="form-error" role="alert"></p>
    <button type="button" id="hit-later" class="ghost">Later</button>
    <span class="queue-count"></span>
  </form>
</section>`;
}
