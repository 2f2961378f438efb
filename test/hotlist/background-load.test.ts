/**
 * In the daemon a hot list that loads slowly, or not at all, never delays start (issue 16 item
 * 12): start() returns with the local plates in force, the status says which lists are still
 * loading, and reads stored meanwhile are matched when the list arrives.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HotlistConfig } from '../../src/config/sections/hotlist.js';
import { Hotlist, type HotlistDeps } from '../../src/hotlist/hotlist.js';
import type { RecentRead } from '../../src/hotlist/retroactive.js';
import type { HotlistHit } from '../../src/hotlist/types.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { waitFor } from '../helpers/wait-for.js';
import { hotlistConfig } from './fixtures.js';
import { testTempDir } from '../helpers/temp-dir.js';

const DEMO = resolve(import.meta.dirname, '../../fixtures/hotlist/demo-hotlist.csv');
const read = (text: string): { text: string; confidence: number }[] => [{ text, confidence: 0.9 }];
const open: Hotlist[] = [];
// A test's directories (testTempDir) are removed when it finishes, after this has stopped the units using them.
afterEach(async () => {
  for (const hotlist of open.splice(0)) await hotlist.stop();
});

function make(config: HotlistConfig, extra: Partial<HotlistDeps> = {}) {
  const clock = new ManualClock(Date.now());
  const registry = new StatusRegistry(clock);
  const dir = testTempDir('hotlist-bg-');
  const hotlist = new Hotlist({ config, dataDir: dir, logger: silentLogger(), status: registry.reporter('hotlist', 'hotlist'), clock, background: true, ...extra });
  open.push(hotlist);
  return { hotlist, registry, clock, dir };
}

describe('hot lists loaded in the background', () => {
  it('start() returns before the list is in force; the status says it is loading, then the list matches', async () => {
    // A fresh copy: the checked-out file's age would turn the unit amber once it is 6 h old.
    const demo = join(testTempDir('hotlist-demo-'), 'demo-hotlist.csv');
    copyFileSync(DEMO, demo);
    const { hotlist, registry } = make(hotlistConfig({ files: [demo], build: 'worker' }));
    await hotlist.start();
    const during = registry.get('hotlist')!;
    expect(during.state).toBe('starting');
    expect(during.message).toContain('loading file:demo-hotlist.csv');
    expect(during.details.loading).toEqual(['file:demo-hotlist.csv']);
    expect(hotlist.status().loading).toEqual(['file:demo-hotlist.csv']);
    expect(hotlist.match(read('7TRW815'))).toEqual([]);

    await waitFor(() => hotlist.match(read('7TRW815')).length === 1, 'the demo list in force');
    await hotlist.loaded();
    expect(registry.get('hotlist')!.state).toBe('ok');
    expect(registry.get('hotlist')!.details.loading).toEqual([]);
    expect(hotlist.status().loading).toEqual([]);
  });

  it('a list that fails to load leaves the daemon started and the unit down, saying why', async () => {
    const dir = testTempDir('hotlist-bad-');
    const bad = join(dir, 'broken.csv');
    writeFileSync(bad, 'plate,state,list\n"7TRW815,CA,stolen_vehicle\n'.repeat(2000));
    const { hotlist, registry } = make(hotlistConfig({ files: [bad], build: 'worker' }));
    await hotlist.start();
    expect(registry.get('hotlist')!.state).toBe('starting');
    await hotlist.loaded();
    const after = registry.get('hotlist')!;
    expect(after.state).toBe('down');
    expect(after.message).toContain('file:broken.csv refused');
    expect(after.details.loading).toEqual([]);
  });

  it('reads stored while the list was loading are matched when it arrives, older reads are not', async () => {
    const hits: { detectionId: string; hits: HotlistHit[] }[] = [];
    const reads: RecentRead[] = [];
    const { hotlist, clock } = make(hotlistConfig({ files: [DEMO], build: 'worker' }), {
      recentReads: (since) => reads.filter((r) => r.at >= since),
      onRetroactiveHit: (detectionId, h) => void hits.push({ detectionId, hits: h }),
    });
    reads.push({ detectionId: 'before-restart', candidates: read('7TRW815'), cameraId: 'front', at: clock.now() - 60_000 });
    await hotlist.start();
    reads.push({ detectionId: 'while-loading', candidates: read('7TRW815'), cameraId: 'front', at: clock.now() });
    await hotlist.loaded();
    await hotlist.idle();
    expect(hits.map((h) => h.detectionId)).toEqual(['while-loading']);
  });

  it('stop() during the load ends it and leaves the unit stopped', async () => {
    const { hotlist, registry } = make(hotlistConfig({ files: [DEMO], build: 'worker' }));
    await hotlist.start();
    await hotlist.stop();
    expect(registry.get('hotlist')!.state).toBe('stopped');
    expect(hotlist.match(read('7TRW815'))).toEqual([]);
  });
});
