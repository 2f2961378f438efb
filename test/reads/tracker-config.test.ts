import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { TrackerSection, trackerChecks, type TrackerConfig } from '../../src/config/sections/tracker.js';
import { trackerConfig } from './tracker-harness.js';

const check = (over: Partial<TrackerConfig>): string[] => trackerChecks.flatMap((c) => c({ tracker: trackerConfig(over) } as Config));

describe('tracker config section', () => {
  it('has a valid default for every key', () => {
    const defaults = trackerConfig();
    expect(Value.Check(TrackerSection, defaults)).toBe(true);
    expect(defaults.leave_timeout_s).toBe(2);
    expect(check({})).toEqual([]);
  });

  it('gives every key a description', () => {
    for (const [key, schema] of Object.entries(TrackerSection.properties)) {
      expect((schema as { description?: string }).description, key).toBeTruthy();
    }
  });

  it.each<[string, Partial<TrackerConfig>, boolean]>([
    ['a negative leave timeout', { leave_timeout_s: -1 }, false],
    ['a leave timeout of 30 s', { leave_timeout_s: 30 }, true],
    ['zero frames', { min_frames: 0 }, false],
    ['a fractional frame count', { min_frames: 1.5 }, false],
    ['a confidence above 1', { min_confidence: 1.2 }, false],
    ['de-duplication off', { dedupe_window_s: 0 }, true],
  ])('%s is valid: %s', (_name, over, valid) => {
    expect(Value.Check(TrackerSection, trackerConfig(over))).toBe(valid);
  });

  it('rejects unknown keys', () => {
    expect(Value.Check(TrackerSection, { ...trackerConfig(), leave_timeout_ms: 5 })).toBe(false);
  });

  it.each<[Partial<TrackerConfig>, string[]]>([
    [{ max_track_s: 2, leave_timeout_s: 2 }, ['tracker.max_track_s: must be longer than tracker.leave_timeout_s']],
    [{ min_confidence: 0.9, single_frame_confidence: 0.8 }, ['tracker.single_frame_confidence: must not be below tracker.min_confidence']],
    [{ max_track_s: 60, leave_timeout_s: 5, min_confidence: 0.3, single_frame_confidence: 0.3 }, []],
  ])('cross-checks %j', (over, errors) => {
    expect(check(over)).toEqual(errors);
  });
});
