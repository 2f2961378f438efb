/**
 * The administrator's Oversight page (issue 20) in a real browser at 1024x600, on the real store:
 * an untrained officer's login is refused with the reason on the login form; the administrator
 * sees the missing item and the review falling due, records the training and re-confirms the
 * account from the page; the officer then logs in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { DAY_MS } from '../../src/accounts/account-policy.js';
import { hashPassword } from '../../src/accounts/password.js';
import type { LiveEvent } from '../../src/http/ports.js';
import { buildServer } from '../../src/http/server.js';
import { ManualClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Store } from '../../src/store/store.js';
import { MemoryHotlist, MemorySnapshots } from '../http/doubles.js';
import { httpConfig, TEST_COST } from '../http/harness.js';
import { launch, logIn, newPage, shot } from './browser.js';
import { waitForPage } from '../helpers/page.js';

const VIEWPORT = { width: 1024, height: 600 } as const;
const PW = 'night shift 2207';
const ADMIN_PW = 'release desk 5150';
const NOW = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'alpr-oversight-'));
// The accounts were created 85 days ago: their 90-day review falls due in 5 days.
const clock = new ManualClock(NOW - 85 * DAY_MS);
let store: Store;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  const r = loadConfigObject({ accounts: { required_items: { alpr_training: ['operator'] } } }, dir);
  if (!r.config) throw new Error(r.errors.join('; '));
  const registry = new StatusRegistry(clock);
  store = new Store({ config: r.config.store, dataDir: dir, deviceId: 'mdc-1207', logger: silentLogger(), status: registry.reporter('store', 'store'), clock });
  await store.start();
  for (const [username, role, pw] of [['olive', 'operator', PW], ['adam', 'administrator', ADMIN_PW], ['alex', 'administrator', ADMIN_PW]] as const) {
    store.users.create({ username, role, passwordHash: await hashPassword(pw, TEST_COST), fullName: username, contact: '' });
  }
  clock.set(NOW);
  app = await buildServer({
    config: httpConfig(),
    registry,
    logger: silentLogger(),
    clock,
    version: 'test',
    device: { id: 'mdc-1207', agency: 'Demo Agency', mode: 'patrol' },
    users: store.users,
    audit: store.audit,
    detections: store.detections,
    hits: store.hits,
    hotlist: new MemoryHotlist(clock),
    events: new EventBus<LiveEvent>(),
    snapshots: new MemorySnapshots(),
    accounts: { records: store.users.records, config: r.config.accounts },
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await store?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function loginForm(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('#login-form button[type=submit]');
}

test('an untrained officer is refused with the reason; the administrator records the training and re-confirms the account on the Oversight page', async () => {
  let context: BrowserContext | undefined;
  try {
    const officer = await newPage(browser, VIEWPORT, errors);
    await loginForm(officer.page, 'olive', PW);
    await waitForPage(officer.page, `(document.querySelector('#login-form .form-error')?.textContent ?? '').length > 0`, 'the login error message');
    expect(await officer.page.textContent('#login-form .form-error')).toContain('ALPR training not recorded');
    expect(officer.page.url()).toContain('/login');

    const admin = await newPage(browser, VIEWPORT, errors);
    context = admin.context;
    const page = admin.page;
    await logIn(page, base, 'adam', ADMIN_PW, '/oversight');
    expect(await page.textContent('header nav a[aria-current=page]')).toBe('Oversight');
    // The missing item and the review due in 5 days, both on the first screen's sections.
    expect(await page.textContent('#accounts-section tr[data-user=olive]')).toContain('ALPR training missing');
    expect(await page.textContent('#reviews-section tr[data-user=olive]')).toContain('in 5 days');
    // Nothing wider than the MDC's screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(VIEWPORT.width);
    await shot(page, 'oversight', VIEWPORT, { docs: true });

    await page.click('#accounts-section tr[data-user=olive] button.record');
    const form = page.locator('#qualification-form');
    await form.locator('input[name=item]').fill('alpr_training');
    await form.locator('input[name=completedAt]').fill(new Date(NOW - DAY_MS).toISOString().slice(0, 10));
    await form.locator('input[name=course]').fill('POST ALPR operator course');
    await form.locator('input[name=trainer]').fill('Sgt. Ada Byron');
    await Promise.all([page.waitForEvent('load'), form.locator('button[type=submit]').click()]);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('#accounts-section tr[data-user=olive]')).toContain('POST ALPR operator course');
    expect(await page.textContent('#accounts-section tr[data-user=olive]')).not.toContain('missing');

    await Promise.all([page.waitForEvent('load'), page.click('#reviews-section tr[data-user=olive] button.confirm')]);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#reviews-section tr[data-user=olive]').count()).toBe(0);
    expect(store.audit.query({ action: 'user.review.confirmed' }).map((r) => [r.user, r.object])).toEqual([['adam', 'olive']]);
    expect(store.audit.query({ action: 'user.qualification.set' }).map((r) => [r.user, r.object])).toEqual([['adam', 'olive']]);

    await logIn(officer.page, base, 'olive', PW, '/hits');
    expect(officer.page.url()).toBe(`${base}/hits`);
    await officer.context.close();
    expect(errors).toEqual([]);
  } finally {
    await context?.close();
  }
});
