/**
 * A full disk while the real daemon runs (issue 17 item 3): `alpr-edge run` reads the demo clip
 * (a file camera, looped) through the recognizer into a data dir on a small tmpfs, with every
 * plate of the clip on its hot list. The test fills the disk to the last byte while detections
 * arrive:
 * - the detection that meets the full disk is stored in the released reserve (a hot-list hit
 *   used to be dropped 2 ms before the reserve was released), nothing lost;
 * - filled again until nothing can be stored: the loss is counted, logged without plate text and
 *   red on the status, and a hit is still alerted (logged and counted as an unstored alert).
 */
import { closeSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaemon, type LogRecord, type TestDaemon } from '../helpers/daemon.js';
import { skipWithout } from '../helpers/peer.js';
import { waitFor } from '../helpers/wait-for.js';
import { fillDisk } from '../store/helpers/fill-disk.js';
import { mountTmpfs, probeTmpfs } from '../store/helpers/tmpfs.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PLATES = ['7TRW815', '8FJK392', 'BRA2E19', '6GUL472'];
const CSV_HEADER = 'plate,state,list,priority,reason,case_number,subject_xref,officer_name,officer_contact,source,created,expires,informational,comment';
const tmpfs = probeTmpfs();
let daemon: TestDaemon;
let fillers = 0;

/** Fills what is left of the tmpfs with one more filler file (none of it is the database). */
function fillUp(): void {
  const file = join(daemon.dataDir, `filler-${fillers++}`);
  try {
    closeSync(openSync(file, 'w'));
  } catch {
    return; // not even room for an empty file: already full
  }
  fillDisk(file);
}

function index(pred: (r: LogRecord) => boolean, from = 0): number {
  return daemon.records().findIndex((r, i) => i >= from && pred(r));
}

beforeAll(async () => {
  if (!tmpfs.ok) return;
  daemon = await createDaemon({ name: 'disk-full' });
  daemon.onDispose(mountTmpfs(daemon.dataDir, '48m'));
  const list = join(daemon.dir, 'hotlist.csv');
  writeFileSync(list, `${[CSV_HEADER, ...PLATES.map((p, i) => `${p},CA,stolen_vehicle,1,Stolen vehicle,26-${i},,Det. K #1,916-555-0100,Test,2026-01-01T00:00:00Z,2099-12-31T23:59:59Z,false,`)].join('\n')}\n`);
  daemon.writeConfig({
    ...daemon.config,
    cameras: [{ id: 'front', kind: 'file', path: join(ROOT, 'fixtures', 'demo', 'clip.mp4'), loop: true }],
    hotlist: { files: [list] },
    // A 4 MiB ballast, no quota of our own: the file system is the limit.
    store: { quota: { max_mb: 0, min_free_mb: 1, reserve_mb: 4 } },
  });
  await daemon.start();
}, 120_000);

afterAll(async () => {
  await daemon?.dispose();
});

describe.skipIf(skipWithout('a tmpfs mount (root)', tmpfs.ok, tmpfs.why))('a full disk under the running daemon', () => {
  it('stores the detection that meets the full disk in the released reserve; nothing lost', async () => {
    await daemon.logged('a first stored detection', (r) => r.msg === 'detection stored', 90_000);
    const before = daemon.records().length;
    fillUp();
    const released = await daemon.logged('half the reserve released for the detection', (r) => /released half the disk reserve to store this detection/.test(r.msg ?? ''), 60_000);
    const at = index((r) => r.msg === released.msg, before);
    expect(at).toBeGreaterThanOrEqual(before);
    // The detection that met the full disk is stored (the next "stored" after the release), not lost.
    await waitFor(() => index((r) => r.msg === 'detection stored' || r.msg === 'first confident read stored', at) >= 0, 'a detection stored after the reserve was released', { timeoutMs: 60_000 });
    expect(index((r) => /could not be stored/.test(r.msg ?? ''), before)).toBe(-1);
    expect((await daemon.unit('store')).counters.lost_detections ?? 0).toBe(0);
  }, 150_000);

  it('when nothing more fits: the loss is counted, logged without plate text and red, and hits are still alerted', async () => {
    // Each time the daemon frees something (the rest of the reserve, a purge) the test takes it.
    await waitFor(
      async () => {
        fillUp();
        return ((await daemon.unit('store')).counters.lost_detections ?? 0) > 0;
      },
      'a detection lost on the full disk',
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    const store = await daemon.unit('store');
    expect(store.state).toBe('down');
    expect(store.message).toMatch(/^disk full: new detections are not being stored \(\d+ lost\)$/);
    await daemon.logged('the loss logged', (r) => r.unit === 'store' && /^\d+ detection\(s\) could not be stored \(alerts still raised\)$/.test(r.msg ?? '') && Number(r.lost_since_start) > 0);
    // A hit read while nothing can be stored is still raised, from memory.
    // (A new alarm, or an update of the alarm its pass already raised: the same no-flood rules as a stored hit.)
    const hit = await daemon.logged('an unstored hit alerted', (r) => r.unstored === 'disk_full' && /^(HIT: \w+ alert \(not stored: disk full\)|unstored hit [\w ]+ \(no new alarm\))$/.test(r.msg ?? ''), 60_000);
    expect(hit).toMatchObject({ list: 'stolen_vehicle', camera: 'front' });
    // A checkpoint failing again and again (or flapping at the edge of a full disk) is warned about once.
    expect(daemon.records().filter((r) => /background WAL checkpoint failed/.test(r.msg ?? '') && r.level === 40).length).toBeLessThanOrEqual(1);
    const pipeline = (await daemon.status()).units.find((u) => u.counters.alerts_unstored !== undefined);
    expect(pipeline?.counters.alerts_unstored).toBeGreaterThan(0);
    expect((await daemon.status()).readiness.verdict).toBe('red');
    // Plate text never goes into the log.
    for (const p of PLATES) expect(daemon.lines.filter((l) => l.includes(p))).toEqual([]);
    for (const f of readdirSync(daemon.dataDir).filter((n) => n.startsWith('filler-'))) rmSync(join(daemon.dataDir, f));
    expect(await daemon.stop()).toBe(0);
  }, 150_000);
});
