/**
 * The operator station against the REAL daemon (issue 15): `alpr-edge run` as its own process
 * (own data dir, fixed free port) reads the demo clip from a real RTSP camera (GStreamer's RTSP
 * server looping the clip's frames) through ffmpeg → recognizer → tracker → hot-list file →
 * SQLite, and Chromium at 1024x600 and 800x480 shows what it raises:
 * - a hit from the real pipeline pops up with its title and verify buttons in the viewport;
 * - a verified plate's next pass (the clip loops) updates the alert silently;
 * - SIGTERM and a new `alpr-edge run` on the same port and data dir: ALERTS OFF within 5 s of
 *   the signal (measured in the page); the page reconnects by itself and finds its session gone
 *   (sessions live in memory: a restart logs everyone out), and after logging in again the hit
 *   the new daemon stored meanwhile (a plate added to the list file before the restart) is shown;
 * - the RTSP camera stopped: the status strip is red on every page of the header;
 * - a local hot plate entered for a plate read earlier: one silent retroactive notice;
 * - a third daemon with a 29 s shift limit (http.session_max_h): the session expires, ALERTS OFF
 *   within 5 s of its end.
 * The full flow runs at 1024x600; the 800x480 screen checks the pop-up, the banners and the strip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alive, runCli } from '../helpers/cli.js';
import { createDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForPage } from '../helpers/page.js';
import { demoClipCamera } from '../peers/demo-camera.js';
import type { RtspPeer } from '../peers/rtsp-peer.js';
import { bodyData, inViewport, launch, logIn, newPage, shot, VIEWPORTS } from './browser.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const USER = 'olive';
const PW = 'patrol car seven evenings';
/** Plates of the demo clip (fixtures/demo/clip.json): listed from the start, listed before the restart, entered locally at the end. */
const STOLEN = '7TRW815';
const WARRANT = '6GUL472';
const RETRO = '8FJK392';
const CSV_HEADER = 'plate,state,list,priority,reason,case_number,subject_xref,officer_name,officer_contact,source,created,expires,informational,comment';
const STOLEN_ROW = `${STOLEN},CA,stolen_vehicle,1,Stolen vehicle: grey Honda Civic,26-118734,,Det. K. Nguyen #2290,916-555-0178,CA DOJ SVS,2026-11-20T08:15:00Z,2099-12-31T23:59:59Z,false,`;
const WARRANT_ROW = `${WARRANT},CA,warrant,3,Registered owner has a felony warrant,26-120001,,Ofc. M. Alvarez #4411,916-555-0142,Warrants unit,2026-11-24T21:40:00Z,2099-12-31T23:59:59Z,false,`;

const dir = mkdtempSync(join(tmpdir(), 'alpr-daemon-station-'));
const listFile = join(dir, 'hotlist.csv');
let base = '';
let camera: RtspPeer;
let browser: Browser;
const errors: string[] = [];
/** Banner delays and counts measured, printed at the end. */
const measured: string[] = [];

/**
 * One daemon (test/helpers/daemon.ts) run three times on the same data dir and port: started,
 * restarted after SIGTERM, and restarted with a short shift limit. Its log holds every run.
 */
let daemon: TestDaemon;
/** Pids of every run, all gone at the end. */
const pids: number[] = [];

/** Starts the next run (the daemon answers /api/status) with `env` over the config. */
async function startRun(env: NodeJS.ProcessEnv = {}): Promise<void> {
  await daemon.start(env);
  pids.push(daemon.pid!);
}

function writeList(rows: string[]): void {
  writeFileSync(`${listFile}.tmp`, `${[CSV_HEADER, ...rows].join('\n')}\n`);
  execFileSync('mv', [`${listFile}.tmp`, listFile]);
}

/** Alert fields the page keeps on <body>: tones sounded and silent updates. */
async function alertCounters(page: Page): Promise<{ alarm: string | null; amber: string | null; updates: number }> {
  return { alarm: await bodyData(page, 'tonesAlarm'), amber: await bodyData(page, 'tonesAmber'), updates: Number((await bodyData(page, 'hitUpdates')) ?? 0) };
}

async function expectPopupFits(page: Page): Promise<void> {
  expect(await inViewport(page, '#hit-title')).toBe(true);
  expect(await inViewport(page, '#hit-verify .outcomes button')).toBe(true);
}

/** Records, in the page, when the ALERTS OFF banner first shows (page clock = this machine's clock). */
async function watchBanner(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__alertsOffAt = null;
    const b = document.body;
    new MutationObserver(() => { if (b.dataset.alertsOff === 'on' && window.__alertsOffAt === null) window.__alertsOffAt = Date.now(); })
      .observe(b, { attributes: true, attributeFilter: ['data-alerts-off'] });
    return true;
  })()`);
}

/** Milliseconds from `t0` until the page showed ALERTS OFF, waited for on the condition. */
async function bannerDelay(page: Page, t0: number, what: string): Promise<number> {
  // t0 may lie ahead (a session's end): the wait covers it and the slowest screen after it.
  const timeoutMs = Math.max(0, t0 - Date.now()) + 30_000;
  await waitForPage(page, `window.__alertsOffAt !== null && !document.getElementById('alerts-off').hidden`, 'the ALERTS OFF banner', { timeoutMs });
  const ms = (await page.evaluate<number>('window.__alertsOffAt')) - t0;
  measured.push(`${what} at ${page.viewportSize()!.width}: ${ms} ms`);
  return ms;
}

/** Logs in again from the banner's link after the daemon ended the session; back on `path`. */
async function logInAgain(page: Page, path: string): Promise<void> {
  await waitForPage(page, `document.body.dataset.alertsOffReason === 'session'`, 'the banner to say "log in again"', { timeoutMs: 60_000 });
  await page.click('#alerts-login');
  await page.waitForURL(/\/login\?next=/);
  await page.fill('input[name=username]', USER);
  await page.fill('input[name=password]', PW);
  await page.click('#login-form button[type=submit]');
  await page.waitForURL(`${base}${path}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('body[data-events="open"]');
}

beforeAll(async () => {
  // The demo clip's frames, served looped as a live H.264 RTSP camera that the test can stop.
  camera = await demoClipCamera(dir);
  writeList([STOLEN_ROW]);
  daemon = await createDaemon({
    name: 'station',
    config: {
      device: { id: 'station-unit', agency: 'Demo Agency', mode: 'patrol' },
      cameras: [
        {
          id: 'front',
          kind: 'rtsp',
          url: camera.url('/cam'),
          // Reconnect quickly (the camera is started after the station is open) and call a stopped camera down at once.
          retry_initial_s: 0.2,
          retry_max_s: 1,
          down_after_s: 1,
        },
      ],
      gps: { source: 'replay', replay: { file: join(ROOT, 'fixtures', 'gps', 'drive.nmea') } },
      hotlist: { files: [listFile] },
    },
  });
  base = daemon.base;
  const added = await runCli(['user', 'add', USER, '--role', 'administrator', '--name', 'Olive Officer', '--contact', 'unit 12'], { ALPR_EDGE_DEVICE_DATA_DIR: daemon.dataDir }, `${PW}\n`);
  if (added.code !== 0) throw new Error(`user add failed: ${added.stderr}`);
  await startRun();
  browser = await launch({ autoplay: true });
}, 120_000);

afterAll(async () => {
  console.info(`measured: ${measured.join('; ')}`);
  await browser?.close();
  // SIGTERM stops the daemon's ffmpeg too; SIGKILL (and each ffmpeg by PID) only if it hangs.
  await daemon?.dispose();
  await camera?.stop('SIGKILL');
  for (const pid of pids) expect(alive(pid)).toBe(false);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('the station on the real daemon', () => {
  const screens: { viewport: (typeof VIEWPORTS)[number]; context: BrowserContext; page: Page }[] = [];
  const full = (): Page => screens[0]!.page;

  beforeAll(async () => {
    for (const viewport of VIEWPORTS) {
      const { context, page } = await newPage(browser, viewport, errors);
      await logIn(page, base, USER, PW, '/hits');
      await page.waitForSelector('body[data-events="open"]');
      screens.push({ viewport, context, page });
    }
  }, 60_000);
  afterAll(async () => {
    for (const s of screens) await s.context.close();
  });

  test('a hit from the real pipeline pops up with its title and verify buttons in the viewport', async () => {
    await camera.start();
    for (const { page, viewport } of screens) {
      await page.waitForSelector('#hit-alert[data-presentation="alarm"]:not([hidden])', { timeout: 120_000 });
      expect(await page.textContent('#hit-title')).toMatch(/ALARM\s+stolen vehicle\s+priority 1/i);
      expect(await page.textContent('.hit-facts')).toContain('26-118734');
      await expectPopupFits(page);
      await shot(page, 'daemon-hit-alarm', viewport);
    }
  }, 150_000);

  test('a verified plate\'s next pass (the clip loops) updates the alert silently', async () => {
    const page = full();
    await page.click('#hit-verify button[value=confirmed]');
    await page.waitForSelector('#hit-alert', { state: 'hidden' });
    const other = screens[1]!.page;
    if (await other.isVisible('#hit-alert')) await other.click('#hit-later');
    const verifiedAt = Date.now();
    const before = await alertCounters(page);
    // The daemon logs the next pass of the listed plate as "seen again"; the page counts the silent update.
    await daemon.logged('the stolen plate seen again after the verification', (r) => r.unit === 'pipeline' && r.list === 'stolen_vehicle' && r.change === 'seen_again' && Date.parse(String(r.time ?? '')) > verifiedAt, 60_000);
    await waitForPage(page, `Number(document.body.dataset.hitUpdates ?? 0) > ${before.updates}`, 'the silent update of the verified alert');
    const after = await alertCounters(page);
    expect(await page.isVisible('#hit-alert')).toBe(false);
    expect([after.alarm, after.amber]).toEqual([before.alarm, before.amber]);
  }, 90_000);

  test('daemon restart: ALERTS OFF within 5 s; the page reconnects by itself; the hit stored meanwhile is shown after logging in', async () => {
    // The agency's list file gains a plate of the clip; the new daemon loads it at start.
    writeList([STOLEN_ROW, WARRANT_ROW]);
    for (const { page } of screens) await watchBanner(page);
    const t0 = Date.now();
    const exited = daemon.stop('SIGTERM');
    for (const { page } of screens) expect(await bannerDelay(page, t0, 'daemon restart')).toBeLessThanOrEqual(5000);
    expect(await full().textContent('#alerts-off')).toContain('ALERTS OFF');
    expect(await exited).toBe(0);
    // Down, the page keeps trying and says so; it is not yet told to log in.
    for (const { page } of screens) expect(await bodyData(page, 'alertsOffReason')).not.toBe('session');
    await startRun();
    // Stored while every page is cut off: the page was logged out by the restart.
    await daemon.logged('the warrant hit from the new daemon', (r) => r.unit === 'pipeline' && !!r.msg?.startsWith('HIT:') && r.list === 'warrant' && r.change === 'new', 90_000);
    for (const { page } of screens) {
      await logInAgain(page, '/hits');
      await page.waitForSelector('#hit-alert[data-presentation="amber"]:not([hidden])');
      expect(await page.textContent('#hit-title')).toMatch(/HIT\s+warrant\s+priority 3/i);
      expect(await page.textContent('.hit-facts')).toContain('26-120001');
      await expectPopupFits(page);
      expect(await page.isVisible('#alerts-off')).toBe(false);
    }
    await full().click('#hit-verify button[value=confirmed]');
    await full().waitForSelector('#hit-alert', { state: 'hidden' });
    const other = screens[1]!.page;
    if (await other.isVisible('#hit-alert')) await other.click('#hit-later');
  }, 240_000);

  test('the camera stops: the status strip is red on every page of the header', async () => {
    await camera.stop('SIGKILL');
    const page = full();
    await page.waitForSelector('.strip-item[data-unit="camera:front"][data-level="red"]', { timeout: 60_000 });
    for (const { page: p, viewport } of screens) {
      const links = await p.evaluate<string[]>("[...document.querySelectorAll('header.top nav > a')].map((a) => a.getAttribute('href'))");
      expect(links.length).toBeGreaterThan(3);
      for (const path of links) {
        await p.goto(`${base}${path}`);
        await p.waitForSelector('body[data-ready="true"]');
        await p.waitForSelector('.strip-item[data-unit="camera:front"][data-level="red"]');
        expect(await inViewport(p, '.strip-item[data-unit="camera:front"]')).toBe(true);
      }
      await shot(p, 'daemon-strip-camera-down', viewport);
    }
  }, 120_000);

  test('a plate read earlier and entered as a local hot plate afterwards raises one silent notice', async () => {
    const page = full();
    await page.goto(`${base}/hotlist`);
    await page.waitForSelector('body[data-events="open"]');
    const before = await alertCounters(page);
    const d = new Date(Date.now() + 2 * 86400_000);
    const local = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    await page.fill('#hotlist-form input[name=plate]', RETRO);
    await page.fill('#hotlist-form input[name=state]', 'CA');
    await page.selectOption('#hotlist-form select[name=list]', 'stolen plate');
    await page.fill('#hotlist-form input[name=reason]', 'plates taken from a parked car overnight');
    await page.fill('#hotlist-form input[name=caseNumber]', 'SAC-26-0415');
    await page.fill('#hotlist-form input[name=expiresAt]', local);
    await page.click('#hotlist-form button[type=submit]');
    await page.waitForSelector(`.hit-card-notice:has-text("${RETRO}")`, { timeout: 30_000 });
    // Every earlier pass of the plate matched (the clip looped several times); the notice comes once its group closed.
    const retro = await daemon.logged('the retroactive hits', (r) => r.msg === 'retroactive hits from the new list', 60_000);
    expect(retro.hits).toBeGreaterThanOrEqual(1);
    measured.push(`retroactive hits in the notice: ${String(retro.hits)}`);
    expect(await page.locator(`.hit-card-notice:has-text("${RETRO}")`).count()).toBe(1);
    expect(await page.isVisible('#hit-alert')).toBe(false);
    const after = await alertCounters(page);
    expect([after.alarm, after.amber]).toEqual([before.alarm, before.amber]);
    expect(await page.locator('.hit-card-notice').count()).toBe(1);
    expect(await inViewport(page, '.hit-card-notice')).toBe(true);
    await shot(page, 'daemon-retro-notice', screens[0]!.viewport);
  }, 90_000);

  test('the session expires (a daemon whose shift limit is 29 s): ALERTS OFF within 5 s of the expiry, saying to log in', async () => {
    // http.session_max_h holds for every session, so the short shift limit comes last, on a third daemon.
    for (const { page } of screens) {
      await page.goto(`${base}/hits`);
      await page.waitForSelector('body[data-events="open"]');
    }
    expect(await daemon.stop('SIGTERM')).toBe(0);
    await startRun({ ALPR_EDGE_HTTP_SESSION_MAX_H: '0.008' });
    const ends: number[] = [];
    for (const { page } of screens) {
      await logInAgain(page, '/hits');
      // The session's end as the daemon computes it (login time + session_max_h).
      ends.push(await page.evaluate<number>("fetch('/api/me', { headers: { accept: 'application/json' } }).then((r) => r.json()).then((me) => me.expiresAt)"));
      await watchBanner(page);
    }
    for (const [i, { page }] of screens.entries()) {
      const delay = await bannerDelay(page, ends[i]!, 'session expired');
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(5000);
      await waitForPage(page, `document.body.dataset.alertsOffReason === 'session'`, 'the banner to say "log in again"');
      expect(await page.textContent('.alerts-off-why')).toMatch(/log in again/i);
    }
  }, 120_000);

  test('no page raised a script error, and no plate text reached the daemon\'s log', () => {
    expect(errors).toEqual([]);
    for (const line of daemon.lines) for (const plate of [STOLEN, WARRANT, RETRO]) expect(line.includes(plate), 'plate text in the log').toBe(false);
  });
});
