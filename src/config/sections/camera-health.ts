/**
 * Per-camera picture-health settings (cameras[].health): which faults are watched, how long a fault
 * must last before it is raised, and whether it turns the camera amber or red. Defaults raise every
 * fault within 30 s of its start (issue 18).
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../helpers.js';

const severity = (d: 'amber' | 'red') =>
  StringEnum(['amber', 'red'] as const, { default: d, description: 'amber = degraded (the camera still reads, with a problem); red = down (counts as not working in readiness).' });

const enabled = (what: string) => Type.Boolean({ default: true, description: `Watch for ${what}.` });

const afterS = (d: number, what: string) =>
  Type.Number({ default: d, minimum: 0, maximum: 3600, description: `Seconds ${what} must last before it is raised (and since when it is shown: its start).` });

export const CameraHealthSection = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Watch the picture itself (covered, blurred, glared, frozen, moved), not only whether frames arrive.' }),
    analysis_fps: Type.Number({ default: 2, minimum: 0.2, maximum: 30, description: 'Frames a second looked at (at most the decode rate). Each look costs well under a millisecond (npm run bench:camera-health).' }),
    grid_width: Type.Integer({ default: 160, minimum: 48, maximum: 640, description: 'Width of the grey grid a frame is sampled onto (pixels); height follows the aspect.' }),
    clear_s: Type.Number({ default: 3, minimum: 0, maximum: 600, description: 'A raised fault clears once its condition has been absent this long; a condition absent this long also restarts the count towards raising it.' }),
    covered: Type.Object(
      {
        enabled: enabled('a covered lens or a black picture'),
        severity: severity('red'),
        after_s: afterS(10, 'a dark, flat picture'),
        max_mean: Type.Number({ default: 24, minimum: 0, maximum: 255, description: 'Mean luminance (0-255) at or below which the picture counts as dark.' }),
        max_spread: Type.Number({ default: 10, minimum: 0, maximum: 128, description: 'Luminance standard deviation at or below which a dark picture counts as covered (a night scene with lights has more).' }),
      },
      { additionalProperties: false, default: {}, description: 'Covered lens / black picture.' },
    ),
    saturated: Type.Object(
      {
        enabled: enabled('a white (overexposed) picture'),
        severity: severity('red'),
        after_s: afterS(10, 'a bright, flat picture'),
        min_mean: Type.Number({ default: 235, minimum: 0, maximum: 255, description: 'Mean luminance at or above which the picture counts as white.' }),
        max_spread: Type.Number({ default: 12, minimum: 0, maximum: 128, description: 'Luminance standard deviation at or below which a bright picture counts as saturated.' }),
      },
      { additionalProperties: false, default: {}, description: 'Saturated (white) picture.' },
    ),
    blur: Type.Object(
      {
        enabled: enabled('blur: defocus, a dirty, wet or fogged lens'),
        severity: severity('amber'),
        after_s: afterS(20, 'a blurred picture'),
        min_ratio: Type.Number({
          default: 0.6,
          minimum: 0.05,
          maximum: 0.99,
          description: "Sharpness below this share of the camera's own learned sharpness (for the current brightness band) counts as blurred.",
        }),
        learn_s: Type.Number({ default: 60, minimum: 5, maximum: 86_400, description: 'Seconds of pictures in a brightness band before its sharpness baseline is set; no blur verdict in a band before that. The baseline then follows slowly (half-life baseline_half_life_h).' }),
        baseline_half_life_h: Type.Number({ default: 24, minimum: 0.1, maximum: 720, description: 'How fast a learned sharpness baseline follows the picture while no blur is raised (hours for half the way).' }),
      },
      { additionalProperties: false, default: {}, description: "Blur against the camera's own learned sharpness." },
    ),
    glare: Type.Object(
      {
        enabled: enabled('glare: a large saturated area'),
        severity: severity('amber'),
        after_s: afterS(15, 'a large saturated area'),
        min_pct: Type.Number({ default: 10, minimum: 0.5, maximum: 100, description: 'Share of the picture (percent) that must be saturated, beyond what the camera normally shows in this brightness band.' }),
      },
      { additionalProperties: false, default: {}, description: 'Glare (sun or lamp in the lens).' },
    ),
    frozen: Type.Object(
      {
        enabled: enabled('a frozen picture (frames keep coming, the picture never changes)'),
        severity: severity('red'),
        after_s: afterS(15, 'an unchanging picture'),
        max_diff: Type.Number({ default: 0.5, minimum: 0, maximum: 20, description: 'Mean absolute grey difference (0-255) from the picture at the start below which the picture counts as unchanged. Sensor noise alone stays above it on a live camera.' }),
      },
      { additionalProperties: false, default: {}, description: 'Frozen picture.' },
    ),
    moved: Type.Object(
      {
        enabled: enabled('a moved or re-aimed camera (the view no longer matches the reference view)'),
        severity: severity('red'),
        after_s: afterS(5, 'a view that does not match the reference'),
        min_score: Type.Number({ default: 0.55, minimum: 0.05, maximum: 0.99, description: "Share of the reference view's stable edges that must be found again; below it the view counts as moved." }),
        window_s: Type.Number({ default: 16, minimum: 4, maximum: 600, description: 'Seconds of pictures the current stable edges are taken from (passing traffic drops out of them).' }),
        reference_s: Type.Number({ default: 30, minimum: 4, maximum: 3600, description: 'Seconds of pictures the reference view is built from when it is taken (first start, or an administrator re-takes it).' }),
      },
      { additionalProperties: false, default: {}, description: 'Moved or re-aimed camera. Paused while the vehicle moves (patrol).' },
    ),
    unreadable: Type.Object(
      {
        enabled: enabled('plates found but none readable (a likely focus or exposure problem)'),
        severity: severity('amber'),
        after_min: Type.Number({ default: 30, minimum: 1, maximum: 1440, description: 'Minutes with plates found but none read with min_confidence before it is raised.' }),
        min_plates: Type.Integer({ default: 10, minimum: 1, maximum: 100_000, description: 'Plates that must have been found in that time.' }),
        min_confidence: Type.Number({ default: 0.6, minimum: 0, maximum: 1, description: 'Read confidence a plate needs to count as readable.' }),
      },
      { additionalProperties: false, default: {}, description: 'Plates found, none readable (soft warning).' },
    ),
    no_plates: Type.Object(
      {
        enabled: enabled('no plates at all while the vehicle moves in traffic (patrol)'),
        severity: severity('amber'),
        after_min: Type.Number({ default: 60, minimum: 1, maximum: 1440, description: 'Minutes of driving (speed above min_speed_mph) without any plate found before it is raised.' }),
        min_speed_mph: Type.Number({ default: 5, minimum: 0, maximum: 200, description: 'Speed above which the vehicle counts as driving.' }),
      },
      { additionalProperties: false, default: {}, description: 'No plates while driving (patrol, soft warning).' },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Picture health: covered, saturated, blurred, glared, frozen or moved cameras are raised like dead ones.' },
);
export type CameraHealthConfig = Static<typeof CameraHealthSection>;
