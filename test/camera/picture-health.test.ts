/**
 * Picture health on the project's own clips (fixtures/camera-health), played on a fake clock: each
 * fault is raised within its configured time (defaults: all ≤ 30 s) with the since-time of its
 * start, and the normal clips raise nothing — the demo scene over 10 minutes of simulated day and
 * night (gain changes) and the night clip.
 */
import { describe, expect, it } from 'vitest';
import { PictureHealth, type HealthEvent, type HealthMemory, type PictureFault } from '../../src/camera/picture-health.js';
import type { CameraHealthConfig } from '../../src/config/sections/camera-health.js';
import { seededRandom } from '../helpers/random.js';
import { cameraConfig } from './helpers.js';
import { loadClip, play, type ClipName } from './health-clips.js';

const T0 = Date.UTC(2026, 0, 1, 12);

function healthConfig(patch: (c: CameraHealthConfig) => void = () => undefined): CameraHealthConfig {
  const c = structuredClone(cameraConfig({ id: 'front', kind: 'file', path: '/dev/null' }).health);
  patch(c);
  return c;
}

let memory: HealthMemory | null = null;

/**
 * A camera that has seen the normal scene long enough to learn its baselines and reference view
 * (learned once, 90 s of the clip, then restored from its memory as after a restart), and has
 * been watching the scene again for 20 s.
 */
function learned(cfg = healthConfig()): { health: PictureHealth; now: number } {
  if (!memory) {
    const first = new PictureHealth(healthConfig());
    play(first, loadClip('normal'), T0, { seconds: 90 });
    expect(first.drainEvents()).toEqual([]);
    expect(first.referenceTakenAt).not.toBeNull();
    memory = first.memory();
  }
  const health = new PictureHealth(cfg, structuredClone(memory));
  const now = play(health, loadClip('normal'), T0 + 100_000, { seconds: 20 });
  expect(health.drainEvents()).toEqual([]);
  return { health, now };
}

function raised(events: HealthEvent[], kind: PictureFault): HealthEvent | undefined {
  return events.find((e) => e.kind === kind && e.change === 'raised');
}

/** Plays a fault clip from `start` until `kind` is raised (or `limitS` passes); the delay in seconds. */
function detect(health: PictureHealth, clip: ClipName, start: number, kind: PictureFault, limitS = 60): { event: HealthEvent | undefined; events: HealthEvent[]; delayS: number } {
  const events: HealthEvent[] = [];
  let at = start;
  play(health, loadClip(clip), start, {
    seconds: limitS,
    until: (now) => {
      events.push(...health.drainEvents());
      at = now;
      return raised(events, kind) !== undefined;
    },
  });
  return { event: raised(events, kind), events, delayS: (at - start) / 1000 };
}

describe('picture health on the fault clips', () => {
  const cases: [ClipName, PictureFault, keyof CameraHealthConfig][] = [
    ['black', 'covered', 'covered'],
    ['blur', 'blur', 'blur'],
    ['glare', 'glare', 'glare'],
    ['frozen', 'frozen', 'frozen'],
    ['shifted', 'moved', 'moved'],
    ['rotated', 'moved', 'moved'],
  ];
  for (const [clip, kind, section] of cases) {
    it(`raises ${kind} on the ${clip} clip within its configured time (default ≤ 30 s), since the fault began`, () => {
      const cfg = healthConfig();
      const { health, now } = learned(cfg);
      const start = now + 100;
      const { event, events, delayS } = detect(health, clip, start, kind);
      expect(event, `events: ${JSON.stringify(events)}`).toBeDefined();
      const after = (cfg[section] as { after_s: number }).after_s;
      expect(after).toBeLessThanOrEqual(30);
      expect(delayS).toBeLessThanOrEqual(30);
      // Raised after the condition lasted after_s: never before it, and its since is the start.
      expect(event!.at - event!.since).toBeGreaterThanOrEqual(after * 1000);
      expect(event!.since).toBeGreaterThanOrEqual(start);
      expect(event!.severity).toBe(cfg[section] && (cfg[section] as { severity: string }).severity);
      // Only the fault in the clip: a covered lens is not also reported as frozen or moved.
      expect(events.filter((e) => e.change === 'raised').map((e) => e.kind)).toEqual([kind]);
      const view = health.views().find((v) => v.kind === kind)!;
      expect(view.state).toBe('raised');
      expect(view.since).toBe(event!.since);
    });
  }

  it('honours a shorter configured time: covered after 2 s', () => {
    const cfg = healthConfig((c) => (c.covered.after_s = 2));
    const health = new PictureHealth(cfg);
    const { event, delayS } = detect(health, 'black', T0, 'covered');
    expect(event).toBeDefined();
    expect(delayS).toBeLessThanOrEqual(3);
  });

  it('raises saturated on a white picture and clears it when the picture returns', () => {
    const health = new PictureHealth(healthConfig());
    const white = Buffer.alloc(640 * 360 * 3, 252);
    let now = T0;
    for (let i = 0; i < 30; i++, now += 500) health.analyze(white, 640, 360, 'rgb24', now);
    expect(raised(health.drainEvents(), 'saturated')).toBeDefined();
    play(health, loadClip('normal'), now, { seconds: 10 });
    expect(health.drainEvents().map((e) => `${e.kind}:${e.change}`)).toContain('saturated:cleared');
  });

  it('clears blur when the picture is sharp again, and logs the clear once', () => {
    const { health, now } = learned();
    const { event } = detect(health, 'blur', now + 100, 'blur');
    expect(event).toBeDefined();
    play(health, loadClip('normal'), event!.at + 100, { seconds: 20 });
    const after = health.drainEvents();
    expect(after.filter((e) => e.kind === 'blur').map((e) => e.change)).toEqual(['cleared']);
    expect(health.views().find((v) => v.kind === 'blur')!.state).toBe('ok');
  });
});

describe('picture health raises nothing on normal pictures', () => {
  // Grey frames here (a third of the bytes to apply the gain to); the judging is the same.
  it('the demo scene over 10 minutes of simulated day and night (camera gain 0.3 to 1.25) raises nothing', () => {
    const health = new PictureHealth(healthConfig());
    const now = play(health, loadClip('normal', 'gray'), T0, { seconds: 90 });
    const period = 10 * 60_000;
    const gain = (t: number): number => 0.3 + 0.95 * (0.5 + 0.5 * Math.cos((2 * Math.PI * t) / period));
    play(health, loadClip('normal', 'gray'), now, { seconds: 600, gain });
    expect(health.drainEvents()).toEqual([]);
    const states = health.views().filter((v) => v.state === 'raised' || v.state === 'pending');
    expect(states).toEqual([]);
  }, 120_000);

  it('the night clip after the day scene raises nothing (dark, noisy, street lamps)', () => {
    const { health, now } = learned();
    play(health, loadClip('night'), now, { seconds: 300 });
    expect(health.drainEvents()).toEqual([]);
  });

  it('grey frames (pixel_format gray) are judged alike: normal raises nothing, black is covered', () => {
    const health = new PictureHealth(healthConfig());
    const now = play(health, loadClip('normal', 'gray'), T0, { seconds: 120 });
    expect(health.drainEvents()).toEqual([]);
    play(health, loadClip('black', 'gray'), now, { seconds: 15 });
    expect(health.drainEvents().map((e) => `${e.kind}:${e.change}`)).toEqual(['covered:raised']);
  });

  it('a camera started at night learns there and raises nothing', () => {
    const health = new PictureHealth(healthConfig());
    play(health, loadClip('night'), T0, { seconds: 300 });
    expect(health.drainEvents()).toEqual([]);
  });
});

describe('reference view', () => {
  it('is kept across a restart: a camera re-aimed while the daemon was off is found moved', () => {
    const { health } = learned();
    const memory = health.memory();
    expect(memory.reference?.edgeCount).toBeGreaterThan(100);
    const again = new PictureHealth(healthConfig(), JSON.parse(JSON.stringify(memory)) as typeof memory);
    const { event, delayS } = detect(again, 'shifted', T0 + 3_600_000, 'moved');
    expect(event).toBeDefined();
    expect(delayS).toBeLessThanOrEqual(30);
  });

  it('re-taken after re-aiming: moved clears and the new view is the reference', () => {
    const cfg = healthConfig();
    const { health, now } = learned(cfg);
    const { event } = detect(health, 'shifted', now, 'moved');
    expect(event).toBeDefined();
    health.retakeReference(event!.at);
    expect(health.drainEvents().map((e) => `${e.kind}:${e.change}`)).toEqual(['moved:cleared']);
    expect(health.views().find((v) => v.kind === 'moved')!.state).toBe('learning');
    const end = play(health, loadClip('shifted'), event!.at + 100, { seconds: cfg.moved.reference_s + 2 });
    expect(health.takeReferenceReady()).toBe(true);
    play(health, loadClip('shifted'), end + 100, { seconds: 120 });
    expect(health.drainEvents()).toEqual([]);
    expect(health.views().find((v) => v.kind === 'moved')!.state).toBe('ok');
  });
});

describe('moved check on views without structure', () => {
  /**
   * Frames without lasting structure: noise around `mean`, plus `lights` discs at new random places
   * in every frame (headlights passing in the dark).
   */
  function noiseFrames(mean: number, spread: number, seed: number, lights = 0): Buffer[] {
    const rnd = seededRandom(seed);
    // 23 frames: a loop length the once-a-second edge maps do not divide, so no frame repeats in them.
    return Array.from({ length: 23 }, () => {
      const f = Buffer.alloc(640 * 360 * 3);
      for (let i = 0; i < f.length; i++) f[i] = Math.max(0, Math.min(255, Math.round(mean + (rnd() - 0.5) * 2 * spread)));
      for (let l = 0; l < lights; l++) {
        const [cx, cy] = [Math.floor(rnd() * 640), Math.floor(rnd() * 360)];
        for (let y = Math.max(0, cy - 20); y < Math.min(360, cy + 20); y++)
          for (let x = Math.max(0, cx - 20); x < Math.min(640, cx + 20); x++) if ((x - cx) ** 2 + (y - cy) ** 2 < 400) f.fill(200, (y * 640 + x) * 3, (y * 640 + x) * 3 + 3);
      }
      return f;
    });
  }
  const clipOf = (frames: Buffer[]) => ({ name: 'normal' as const, width: 640, height: 360, format: 'rgb24' as const, fps: 10, frames });

  it('a dark scene that lost its structure (lamps off, no moon) holds the verdict instead of a red "moved" every night', () => {
    const { health, now } = learned();
    play(health, clipOf(noiseFrames(10, 10, 7, 6)), now, { seconds: 120 });
    expect(health.drainEvents()).toEqual([]);
    expect(health.views().find((v) => v.kind === 'moved')!.detail).toBe('too dark to compare with the reference view');
  });

  it('a bright featureless view (camera turned to the sky or a wall) is still found moved', () => {
    const { health, now } = learned();
    const { event } = detect(health, 'normal', now, 'moved', 0);
    expect(event).toBeUndefined();
    const events: HealthEvent[] = [];
    play(health, clipOf(noiseFrames(200, 20, 8)), now, { seconds: 60, until: () => (events.push(...health.drainEvents()), raised(events, 'moved') !== undefined) });
    expect(raised(events, 'moved')).toBeDefined();
  });
});

describe('plates found but none readable, no plates while driving', () => {
  it('raises unreadable after after_min with min_plates found and none readable; a readable plate clears it', () => {
    const health = new PictureHealth(healthConfig((c) => ((c.unreadable.after_min = 5), (c.unreadable.min_plates = 3))));
    let now = T0;
    for (let i = 0; i < 6 * 60; i++, now += 1000) {
      if (i % 30 === 0) health.plates(1, 0, now);
      health.tick(now, null);
    }
    const ev = raised(health.drainEvents(), 'unreadable');
    expect(ev).toBeDefined();
    expect(ev!.since).toBe(T0);
    expect(ev!.at - T0).toBeGreaterThanOrEqual(5 * 60_000);
    health.plates(1, 1, now);
    health.tick(now, null);
    expect(health.drainEvents().map((e) => `${e.kind}:${e.change}`)).toEqual(['unreadable:cleared']);
  });

  it('raises no_plates only for driving time (patrol) and not for a fixed camera', () => {
    const cfg = healthConfig((c) => (c.no_plates.after_min = 2));
    const fixed = new PictureHealth(cfg);
    const patrol = new PictureHealth(cfg);
    let now = T0;
    for (let i = 0; i < 300; i++, now += 1000) {
      fixed.tick(now, null);
      // Parked for the first minute, then driving at 30 mph.
      patrol.tick(now, i < 60 ? 0 : 30);
    }
    expect(fixed.drainEvents()).toEqual([]);
    const ev = raised(patrol.drainEvents(), 'no_plates');
    expect(ev).toBeDefined();
    expect(ev!.since).toBe(T0 + 60_000);
    patrol.plates(1, 1, now);
    patrol.tick(now, 30);
    expect(patrol.drainEvents().map((e) => `${e.kind}:${e.change}`)).toEqual(['no_plates:cleared']);
  });
});
