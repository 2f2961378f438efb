import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { HotlistSection, type HotlistConfig } from '../../src/config/sections/hotlist.js';
import { Hotlist, type HotlistDeps } from '../../src/hotlist/hotlist.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';

/** The section's defaults with overrides, as the config loader would produce them. */
export function hotlistConfig(over: Partial<HotlistConfig> = {}): HotlistConfig {
  const base = Value.Default(HotlistSection, {}) as HotlistConfig;
  return { ...base, build: 'inline', ...over, sync: { ...base.sync, ...over.sync } };
}

export interface Harness {
  hotlist: Hotlist;
  registry: StatusRegistry;
  clock: ManualClock;
  dataDir: string;
}

export function makeHotlist(config: HotlistConfig, opts: { dataDir?: string; clock?: ManualClock } & Partial<Pick<HotlistDeps, 'recentReads' | 'onRetroactiveHit'>> = {}): Harness {
  const clock = opts.clock ?? new ManualClock(Date.UTC(2026, 10, 25, 8));
  const registry = new StatusRegistry(clock);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'hotlist-data-'));
  const hotlist = new Hotlist({
    config,
    dataDir,
    logger: silentLogger(),
    status: registry.reporter('hotlist', 'hotlist'),
    clock,
    recentReads: opts.recentReads,
    onRetroactiveHit: opts.onRetroactiveHit,
  });
  return { hotlist, registry, clock, dataDir };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
