/**
 * The shared header at MDC sizes (1024x600, 800x480) and on a desktop: every screen of each
 * role's navigation is reachable in one row, either as a link in the row or, where the row is
 * too narrow, under "More" (opened by a tap or from the keyboard). Each link is wholly inside the
 * viewport and is the element a tap at its centre lands on; the header stays one row, at most
 * 48 px high; the operator's status strip stays on screen under it. A real tap on each link
 * opens its screen.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launch, logIn, newPage, shot, VIEWPORTS, type Viewport } from './browser.js';
import { startStation, type Station } from './station.js';

const PW = 'night shift 2207';
const ROLES = {
  operator: { user: 'olive', screens: ['/', '/live', '/reads', '/hits', '/hotlist', '/search'] },
  administrator: { user: 'adam', screens: ['/', '/live', '/reads', '/hits', '/hotlist', '/search', '/audit', '/users', '/oversight'] },
  auditor: { user: 'audrey', screens: ['/', '/audit'] },
} as const;
type RoleName = keyof typeof ROLES;
const DESKTOP = { width: 1280, height: 800 } as unknown as Viewport;

let station: Station;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  station = await startStation({ accounts: true });
  await station.addUser('olive', 'operator', PW);
  await station.addUser('adam', 'administrator', PW);
  await station.addUser('audrey', 'auditor', PW);
  for (const id of ['front', 'rear']) station.registry.reporter(`camera:${id}`, 'camera').set('ok');
  station.registry.reporter('gps', 'gps').set('ok', '3d fix, 9 satellites');
  station.registry.reporter('hotlist', 'hotlist').set('ok');
  station.registry.reporter('upload', 'upload').set('ok');
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await station?.close();
});

interface Placed {
  /** Where the screen's link is: in the row, or under "More". */
  where: 'row' | 'more' | 'none';
  inside: boolean;
  hit: boolean;
  box: { left: number; top: number; width: number; height: number } | null;
}

/** The visible header link to `href`, whether it lies inside the viewport, and whether a tap at its centre lands on it. */
async function placed(page: Page, href: string): Promise<Placed> {
  return page.evaluate(`(() => {
    const links = [...document.querySelectorAll('header.top nav a[href=${JSON.stringify(href)}]')];
    const el = links.find((a) => a.getClientRects().length > 0 && !a.closest('details:not([open])'));
    if (!el) return { where: 'none', inside: false, hit: false, box: null };
    const r = el.getBoundingClientRect();
    const inside = r.width >= 40 && r.height >= 40 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5;
    const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return { where: el.closest('.nav-more') ? 'more' : 'row', inside, hit: !!at && (at === el || el.contains(at)), box: { left: r.left, top: r.top, width: r.width, height: r.height } };
  })()`);
}

async function openStation(page: Page, role: RoleName): Promise<void> {
  await page.goto(`${station.base}/`);
  await page.waitForSelector('body[data-ready="true"]');
  expect(await page.getAttribute('body', 'data-role')).toBe(role);
}

async function headerHeight(page: Page): Promise<number> {
  return (await page.locator('header.top').boundingBox())!.height;
}

describe.each([...VIEWPORTS, DESKTOP])('header at %o', (viewport) => {
  for (const role of Object.keys(ROLES) as RoleName[]) {
    describe(role, () => {
      let context: BrowserContext;
      let page: Page;
      beforeAll(async () => {
        ({ context, page } = await newPage(browser, viewport, errors));
        await logIn(page, station.base, ROLES[role].user, PW);
      });
      afterAll(async () => context?.close());

      test('every screen is in the row or under More, inside the viewport, and a tap at its centre lands on it; one row ≤ 48 px', async () => {
        await openStation(page, role);
        expect(await headerHeight(page)).toBeLessThanOrEqual(48);
        const expected = ROLES[role].screens;
        const hrefs: string[] = await page.evaluate("[...new Set([...document.querySelectorAll('header.top nav a')].map((a) => a.getAttribute('href')))]");
        expect(hrefs.sort()).toEqual([...expected].sort());
        // The row alone: nothing clipped or scrolled out of the nav.
        expect(await page.evaluate("(() => { const n = document.querySelector('header.top nav'); return n.scrollWidth <= n.clientWidth + 1; })()")).toBe(true);
        const inMore: string[] = [];
        for (const href of expected) {
          const p = await placed(page, href);
          if (p.where === 'row') {
            expect(p, `${href} in the row`).toMatchObject({ inside: true, hit: true });
          } else {
            expect(p.where, `${href} is hidden but not under More`).toBe('none');
            inMore.push(href);
          }
        }
        if (inMore.length === 0) {
          expect(await page.isVisible('header.top .nav-more')).toBe(false);
        } else {
          // Touch: a tap opens the menu; each screen in it is inside the viewport and on top.
          await page.tap('header.top .nav-more > summary');
          await page.waitForSelector('header.top .nav-more[open]');
          for (const href of inMore) {
            const p = await placed(page, href);
            expect(p, `${href} under More`).toMatchObject({ where: 'more', inside: true, hit: true });
          }
          // Open, the menu does not grow the header: it lies over the page.
          expect(await headerHeight(page)).toBeLessThanOrEqual(48);
          await shot(page, `header-${role}-more`, viewport, { docs: true });
          // A tap outside closes it.
          await page.tap('main', { position: { x: 20, y: 200 } });
          await page.waitForSelector('header.top .nav-more:not([open])');
        }
        if (role === 'operator') {
          // The status strip stays on screen directly under the header.
          const strip = (await page.locator('#status-strip').boundingBox())!;
          const head = (await page.locator('header.top').boundingBox())!;
          expect(strip.y).toBeGreaterThanOrEqual(head.y + head.height - 1);
          expect(strip.y + strip.height).toBeLessThanOrEqual(viewport.height / 4);
          expect(await page.evaluate("(() => { const s = document.getElementById('status-strip'); return s.scrollWidth <= s.clientWidth + 1; })()")).toBe(true);
        }
        await shot(page, `header-${role}`, viewport);
        // A real tap on each screen's link opens it (through More where it is there).
        for (const href of expected) {
          await openStation(page, role);
          if ((await placed(page, href)).where === 'none') await page.tap('header.top .nav-more > summary');
          const link = page.locator(`header.top nav a[href="${href}"]:visible`);
          await link.tap();
          await page.waitForURL(`${station.base}${href}`);
          await page.waitForSelector('body[data-ready="true"]');
          expect(await headerHeight(page)).toBeLessThanOrEqual(48);
        }
        // Up to a dozen page loads with a tap each: on this shared 2-core machine that can take over 30 s.
      }, 120_000);

      if (role === 'administrator') {
        test('More works from the keyboard: Enter opens it, Tab reaches its screens, Escape closes it and returns focus', async () => {
          await openStation(page, role);
          if (!(await page.isVisible('header.top .nav-more'))) return expect(viewport.width).toBeGreaterThan(1100);
          await page.focus('header.top .nav-more > summary');
          await page.keyboard.press('Enter');
          await page.waitForSelector('header.top .nav-more[open]');
          await page.keyboard.press('Tab');
          const first: string = await page.evaluate("document.activeElement.getAttribute('href')");
          expect(first).toMatch(/^\/(audit|users|oversight)$/);
          await page.keyboard.press('Escape');
          await page.waitForSelector('header.top .nav-more:not([open])');
          expect(await page.evaluate("document.activeElement === document.querySelector('header.top .nav-more > summary')")).toBe(true);
          // On a screen under More, More itself shows which screen is open.
          await page.goto(`${station.base}/oversight`);
          await page.waitForSelector('body[data-ready="true"]');
          expect(await page.textContent('header.top .nav-more > summary')).toContain('Oversight');
        });
      }
    });
  }
});

test('no page raised a script error', () => {
  expect(errors).toEqual([]);
});
