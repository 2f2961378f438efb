/**
 * The header's navigation as rendered: each role's screens; the administrator's Audit, Accounts
 * and Oversight also under "More" (shown instead of them below 1100 px by app.css); a page
 * opened from a screen (hit history, records, damage report, quarterly audit) keeps that screen
 * marked current, and "More" names the open screen when it is one of its own.
 */
import { describe, expect, test } from 'vitest';
import type { Session } from '../../src/http/auth/session-store.js';
import { layout } from '../../src/http/pages/layout.js';
import { html } from '../../src/http/pages/html.js';
import type { Role } from '../../src/http/ports.js';

function render(role: Role, page: string): string {
  const session: Session = { id: 'x', username: 'adam', role, fullName: 'Adam Example', csrf: 'c', createdAt: 0, lastSeen: 0, ip: null, stamp: 's' };
  return layout({ title: 't', page, session, device: { id: 'mdc-1207', agency: 'Demo', mode: 'patrol' }, body: html`` });
}

function nav(page: string): string {
  return /<nav aria-label="Screens">([\s\S]*?)<\/nav>/.exec(page)![1]!;
}

const rowLinks = (n: string): string[] => [...n.replace(/<details[\s\S]*<\/details>/, '').matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!);
const current = (n: string): string[] => [...n.matchAll(/<a href="([^"]+)" class="[^"]*\bcurrent\b[^"]*"/g)].map((m) => m[1]!);

describe('header navigation', () => {
  test('each role gets its screens in the row; only the administrator gets More, holding Audit, Accounts and Oversight', () => {
    expect(rowLinks(nav(render('operator', 'status')))).toEqual(['/', '/live', '/reads', '/hits', '/hotlist', '/search']);
    expect(nav(render('operator', 'status'))).not.toContain('nav-more');
    expect(rowLinks(nav(render('auditor', 'status')))).toEqual(['/', '/audit']);
    expect(nav(render('auditor', 'status'))).not.toContain('nav-more');
    const admin = nav(render('administrator', 'status'));
    expect(rowLinks(admin)).toEqual(['/', '/live', '/reads', '/hits', '/hotlist', '/search', '/audit', '/users', '/oversight']);
    expect(/<details class="nav-more"><summary>More<span class="caret"/.test(admin)).toBe(true);
    expect([...admin.matchAll(/class="nav-extra[^"]*"/g)]).toHaveLength(3);
    const menu = /<details[\s\S]*<\/details>/.exec(admin)![0];
    expect([...menu.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1])).toEqual(['/audit', '/users', '/oversight']);
  });

  test('a screen is marked current on itself (aria-current=page) and on the pages opened from it (aria-current=true)', () => {
    expect(current(nav(render('operator', 'hits')))).toEqual(['/hits']);
    expect(nav(render('operator', 'hits'))).toContain('aria-current="page"');
    for (const [page, screen] of [['hit-history', '/hits'], ['damage', '/live'], ['records', '/']] as const) {
      const n = nav(render('administrator', page));
      expect(current(n), page).toEqual([screen]);
      expect(n).toContain('aria-current="true"');
      expect(n).not.toContain('aria-current="page"');
    }
  });

  test('More names the open screen when it is one of its own, the quarterly audit counting as Oversight', () => {
    for (const [page, label] of [['oversight', 'Oversight'], ['audit-review', 'Oversight'], ['users', 'Accounts'], ['audit', 'Audit']] as const) {
      const n = nav(render('administrator', page));
      expect(n, page).toContain(`<details class="nav-more current"><summary>${label}<span`);
    }
    expect(nav(render('administrator', 'reads'))).toContain('<details class="nav-more"><summary>More<span');
  });
});
