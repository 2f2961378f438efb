/**
 * Sampling rate for a moving car: faster cars cross the view in fewer seconds, so they need more
 * frames per second for the same number of looks at the plate. ffmpeg decodes at the table's
 * highest rate and frames are thinned here, so a speed change never restarts ffmpeg (a restart
 * costs ~0.6 s of frames plus a wait for the next keyframe: at 45 mph that is 12 m of road).
 */
export interface SpeedRate {
  min_mph: number;
  fps: number;
}

export const MPS_TO_MPH = 2.236_936_3;

/** Highest rate of the table, or `fallbackFps` when the table is empty: the decode rate. */
export function decodeRate(table: readonly SpeedRate[], fallbackFps: number): number {
  return table.length === 0 ? fallbackFps : Math.max(...table.map((r) => r.fps));
}

/**
 * The band for a speed, with hysteresis: a lower band applies only once the speed is
 * `hysteresisMph` below the boundary of the band currently in use. Unknown speed (no GPS fix)
 * takes the highest rate: a missed plate costs more than spent CPU.
 */
export function rateForSpeed(table: readonly SpeedRate[], mph: number | null, currentFps: number | null, hysteresisMph: number): number {
  if (table.length === 0) throw new RangeError('empty speed table');
  if (mph === null || !Number.isFinite(mph)) return decodeRate(table, 0);
  const speed = Math.max(0, mph);
  let band = 0;
  for (let i = 0; i < table.length; i++) if (speed >= table[i]!.min_mph) band = i;
  const current = currentFps === null ? -1 : table.findIndex((r) => r.fps === currentFps);
  // Going down a band: stay in the current one until clearly below its lower bound.
  if (current > band && speed >= table[current]!.min_mph - hysteresisMph) return table[current]!.fps;
  return table[band]!.fps;
}

/**
 * Keeps `rate` out of every `sourceRate` frames, evenly: a credit of rate/sourceRate per frame,
 * a frame is kept each time the credit reaches 1. 15 → 10 fps keeps 2 of every 3 frames, which a
 * minimum-interval rule (keep when ≥ 100 ms passed) cannot do: it would keep every second frame.
 */
export class Decimator {
  private credit = 1; // the first frame is always kept
  private ratio = 1;

  constructor(
    private sourceRate: number,
    rate: number = sourceRate,
  ) {
    this.setRate(rate);
  }

  setRate(rate: number): void {
    this.ratio = Math.min(1, Math.max(0, rate / this.sourceRate));
  }

  setSourceRate(sourceRate: number, rate: number): void {
    this.sourceRate = sourceRate;
    this.setRate(rate);
  }

  /** Called once per decoded frame, in order; true = keep it. */
  accept(): boolean {
    if (this.credit >= 1 - 1e-9) {
      this.credit -= 1;
      this.credit += this.ratio;
      return true;
    }
    this.credit += this.ratio;
    return false;
  }
}
