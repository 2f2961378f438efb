/**
 * Motion of one plate box across frames: a constant-velocity model of the box centre and size
 * (least-squares slope over the last few observations), used to predict where the plate should
 * be in the next frame, and the direction of travel in the image.
 */
import type { Box } from '../recognizer/types.js';
import type { Direction } from './detection.js';

interface Observation {
  t: number;
  cx: number;
  cy: number;
  /** Box scale: sqrt(w·h), robust to the aspect changes of an angled plate. */
  s: number;
  w: number;
  h: number;
}

/** Observations used for the velocity fit: enough to smooth detector jitter, few enough to follow a turn. */
const RECENT = 6;
/** Observations kept from the start of the pass, to measure its overall growth. */
const FIRST = 2;
/** Vertical travel, in box heights, that decides the direction when the size barely changed. */
const MIN_VERTICAL_TRAVEL = 1.5;
/** Opposite vertical travel, in box heights, that makes a size-based direction doubtful. */
const CONTRADICTING_TRAVEL = 3;

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.w, b.x + b.w);
  const y2 = Math.min(a.y + a.h, b.y + b.h);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

export class BoxMotion {
  private readonly first: Observation[] = [];
  private readonly recent: Observation[] = [];

  get observations(): number {
    return this.recent.length;
  }

  /** True once two observations at different times give a velocity. */
  get hasVelocity(): boolean {
    return this.recent.length >= 2 && this.recent[this.recent.length - 1]!.t > this.recent[0]!.t;
  }

  observe(t: number, box: Box): void {
    const o: Observation = { t, cx: box.x + box.w / 2, cy: box.y + box.h / 2, s: Math.sqrt(box.w * box.h), w: box.w, h: box.h };
    if (this.first.length < FIRST) insertByTime(this.first, o);
    insertByTime(this.recent, o);
    if (this.recent.length > RECENT) this.recent.shift();
  }

  /** Box expected at time `t` if the plate keeps its velocity and growth rate. */
  predict(t: number): Box {
    const last = this.recent[this.recent.length - 1];
    if (!last) throw new Error('BoxMotion.predict before any observation');
    if (!this.hasVelocity) return toBox(last.cx, last.cy, last.w, last.h);
    const dt = t - last.t;
    const w = Math.max(1, last.w + slope(this.recent, (o) => o.w) * dt);
    const h = Math.max(1, last.h + slope(this.recent, (o) => o.h) * dt);
    return toBox(last.cx + slope(this.recent, (o) => o.cx) * dt, last.cy + slope(this.recent, (o) => o.cy) * dt, w, h);
  }

  /**
   * Approaching when the plate grows (or, with no clear growth, moves down the image);
   * receding when it shrinks (or moves up). Unknown from one frame, or when growth and travel
   * contradict each other.
   */
  direction(minSizeChange: number): Direction {
    if (this.recent.length < 2 || this.first.length === 0) return 'unknown';
    const start = mean(this.first);
    const end = mean(this.recent.slice(-FIRST));
    const growth = (end.s - start.s) / start.s;
    const travel = (end.cy - start.cy) / ((start.h + end.h) / 2);
    if (Math.abs(growth) >= minSizeChange) {
      const dir = growth > 0 ? 1 : -1;
      if (travel * dir <= -CONTRADICTING_TRAVEL) return 'unknown';
      return dir > 0 ? 'approaching' : 'receding';
    }
    if (Math.abs(travel) >= MIN_VERTICAL_TRAVEL) return travel > 0 ? 'approaching' : 'receding';
    return 'unknown';
  }
}

function insertByTime(list: Observation[], o: Observation): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.t > o.t) i--;
  list.splice(i, 0, o);
}

/** Least-squares slope of `f` over time, per millisecond. */
function slope(obs: readonly Observation[], f: (o: Observation) => number): number {
  const n = obs.length;
  let mt = 0;
  let mv = 0;
  for (const o of obs) {
    mt += o.t / n;
    mv += f(o) / n;
  }
  let num = 0;
  let den = 0;
  for (const o of obs) {
    num += (o.t - mt) * (f(o) - mv);
    den += (o.t - mt) ** 2;
  }
  return den > 0 ? num / den : 0;
}

function mean(obs: readonly Observation[]): Observation {
  const n = obs.length;
  const m: Observation = { t: 0, cx: 0, cy: 0, s: 0, w: 0, h: 0 };
  for (const o of obs) {
    m.t += o.t / n;
    m.cx += o.cx / n;
    m.cy += o.cy / n;
    m.s += o.s / n;
    m.w += o.w / n;
    m.h += o.h / n;
  }
  return m;
}

function toBox(cx: number, cy: number, w: number, h: number): Box {
  return { x: cx - w / 2, y: cy - h / 2, w, h };
}
