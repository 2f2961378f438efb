/**
 * Picture health of one camera, judged on frames the camera already decodes: covered (dark and
 * flat), saturated (white and flat), blur (sharpness far below the camera's own baseline for the
 * current brightness band), glare (a large saturated area beyond the band's usual share), frozen
 * (frames keep coming, the picture does not change) and moved (the stable edges no longer match
 * the reference view). Each is a FaultTimer: raised once it lasted `after_s`, shown since its
 * start. Pure: the camera hands in pixels and times, and reads states and events back.
 *
 *   frame ─(analysis_fps)─▶ grey grid ─▶ luma stats ─▶ covered / saturated ─(either: hold the rest)
 *          full-res lines ─▶ sharpness ratio ─▶ blur (per-band baseline)
 *                            grid ─▶ glare (saturated share − band baseline), frozen (diff to anchor)
 *                 (1/s) grid ─▶ edge map ─▶ EdgeFrequency ─▶ stable edges vs reference ─▶ moved
 */
import type { CameraHealthConfig } from '../config/sections/camera-health.js';
import { FaultTimer, type TimerChange } from './fault-timer.js';
import type { PixelFormat } from './frame.js';
import { edgeMap, GridSampler, lumaStats, meanAbsDiff, sharpnessRatio, type LumaStats } from './picture-stats.js';
import { PlateWatch } from './plate-watch.js';
import { alignment, EdgeFrequency, packMask, unpackMask, type AlignmentResult } from './view-alignment.js';

export type PictureFault = 'covered' | 'saturated' | 'blur' | 'glare' | 'frozen' | 'moved' | 'unreadable' | 'no_plates';
export const PICTURE_FAULTS: readonly PictureFault[] = ['covered', 'saturated', 'blur', 'glare', 'frozen', 'moved', 'unreadable', 'no_plates'];
const PIXEL_FAULTS = ['covered', 'saturated', 'blur', 'glare', 'frozen', 'moved'] as const;

export type Severity = 'amber' | 'red';

export interface FaultView {
  kind: PictureFault;
  /** off = not watched; learning = no baseline or reference yet; pending = seen, not yet long enough. */
  state: 'ok' | 'pending' | 'raised' | 'learning' | 'off';
  /** Start of the condition (pending, raised), ms since epoch. */
  since: number | null;
  severity: Severity;
  /** The measure the verdict rests on (mean, ratio, percent, score ...), rounded. */
  value: number | null;
  detail: string;
}

export interface HealthEvent {
  kind: PictureFault;
  change: 'raised' | 'cleared';
  at: number;
  /** Start of the condition. */
  since: number;
  severity: Severity;
  detail: string;
}

/** What is kept across restarts (data dir): the reference view's stable edges and the learned baselines. */
export interface HealthMemory {
  version: 1;
  reference: { takenAt: number; width: number; height: number; edges: string; edgeCount: number } | null;
  baselines: { band: number; sharpness: number; saturatedPct: number }[];
}

/** Brightness bands (mean luminance upper bounds): each has its own sharpness and glare baseline. */
const BANDS = [40, 90, 160, 256];
/** Edge maps for the moved check are taken this often. */
const EDGE_INTERVAL_MS = 1_000;
/** Strongest share of gradients (percent) that counts as edges, and the least magnitude that can. */
const EDGE_TOP_PCT = 8;
const EDGE_MIN_MAGNITUDE = 10;
/** A reference with fewer stable edges than this share of the grid cannot be compared against. */
const MIN_REFERENCE_EDGES_PCT = 0.4;
/** In the darkest band, the view is compared only while it keeps this share of the reference's stable edges. */
const DARK_MIN_EDGE_SHARE = 0.4;
/** Largest shift (grid pixels) searched to say which way the view moved. */
const MAX_SHIFT = 8;

interface Baseline {
  learning: number[];
  satLearning: number[];
  sharpness: number | null;
  saturatedPct: number;
}

export function bandOf(mean: number): number {
  return BANDS.findIndex((b) => mean < b);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

export class PictureHealth {
  private readonly timers = new Map<PictureFault, FaultTimer>(PIXEL_FAULTS.map((k) => [k, new FaultTimer()]));
  private readonly plateWatch: PlateWatch;
  private readonly baselines: Baseline[] = BANDS.map(() => ({ learning: [], satLearning: [], sharpness: null, saturatedPct: 0 }));
  private readonly events: HealthEvent[] = [];
  private sampler: GridSampler | null = null;
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastEdgeAt = Number.NEGATIVE_INFINITY;
  private anchor: Uint8Array | null = null;
  private edges = new Uint8Array(0);
  private mag = new Uint16Array(0);
  private readonly hist = new Uint32Array(511);
  private current: EdgeFrequency | null = null;
  private collecting: EdgeFrequency | null = null;
  private reference: { mask: Uint8Array; count: number; takenAt: number; width: number; height: number } | null = null;
  private referenceReady = false;
  private retake = false;
  private darkHold = false;
  /** Last measures, for the status page and the log. */
  stats: LumaStats | null = null;
  sharpness: number | null = null;
  frozenDiff: number | null = null;
  align: AlignmentResult | null = null;
  band = 0;

  constructor(
    private readonly config: CameraHealthConfig,
    memory: HealthMemory | null = null,
  ) {
    this.plateWatch = new PlateWatch(config);
    if (memory) this.restore(memory);
  }

  /** Whether the frame arriving now should be looked at (analysis_fps). */
  due(now: number): boolean {
    return this.config.enabled && now - this.lastAt >= 900 / this.config.analysis_fps;
  }

  /**
   * Looks at one decoded frame. `moving` = the vehicle is driving (patrol): the moved check pauses,
   * since a patrol camera's view changes with the road.
   */
  analyze(data: Buffer, w: number, h: number, format: PixelFormat, now: number, moving = false): void {
    this.lastAt = now;
    const grid = this.gridFor(w, h).sample(data, w, h, format);
    const stats = lumaStats(grid);
    this.stats = stats;
    this.band = bandOf(stats.mean);
    const c = this.config;
    const clearMs = c.clear_s * 1000;
    const dark = c.covered.enabled && stats.mean <= c.covered.max_mean && stats.spread <= c.covered.max_spread;
    const white = c.saturated.enabled && stats.mean >= c.saturated.min_mean && stats.spread <= c.saturated.max_spread;
    this.step('covered', dark, now, c.covered.after_s, clearMs);
    this.step('saturated', white, now, c.saturated.after_s, clearMs);
    // A black or white picture has no edges, no sharpness and never changes: the other verdicts
    // would only repeat it, and nothing may be learned from it.
    if (dark || white) return;

    const base = this.baselines[this.band]!;
    const glareExcess = stats.saturatedPct - base.saturatedPct;
    const glare = c.glare.enabled && glareExcess >= c.glare.min_pct;
    this.step('glare', glare, now, c.glare.after_s, clearMs);

    this.sharpness = sharpnessRatio(data, w, h, format);
    if (c.blur.enabled && this.sharpness !== null && !glare) this.judgeBlur(base, this.sharpness, stats, now, clearMs);

    if (c.frozen.enabled) this.judgeFrozen(grid.data, now, clearMs);
    if (c.moved.enabled && now - this.lastEdgeAt >= EDGE_INTERVAL_MS * 0.9) {
      this.lastEdgeAt = now;
      this.judgeMoved(now, moving, clearMs);
    }
  }

  /** Plates the recognizer found in one frame of this camera, and how many of them were readable. */
  plates(found: number, readable: number, now: number): void {
    this.plateWatch.plates(found, readable, now);
  }

  /** Once a second or so: the time-based verdicts (plates). `speedMph` null = fixed camera. */
  tick(now: number, speedMph: number | null): void {
    for (const e of this.plateWatch.tick(now, speedMph)) this.events.push(e);
  }

  /** Starts taking a new reference view; the moved check waits for it. */
  retakeReference(now: number): void {
    this.retake = true;
    this.note('moved', this.timer('moved').reset(), now, 'the reference view is being re-taken');
  }

  /** True once after a new reference view is complete (the caller stores it). */
  takeReferenceReady(): boolean {
    const r = this.referenceReady;
    this.referenceReady = false;
    return r;
  }

  get referenceTakenAt(): number | null {
    return this.reference?.takenAt ?? null;
  }

  get collectingReference(): boolean {
    return this.collecting !== null || this.retake;
  }

  /** State changes since the last call (for the log and counters). */
  drainEvents(): HealthEvent[] {
    return this.events.splice(0);
  }

  views(): FaultView[] {
    const c = this.config;
    const view = (kind: PictureFault, enabled: boolean, severity: Severity, value: number | null, detail: string, learning = false): FaultView => {
      const t = this.timers.get(kind);
      const state = !c.enabled || !enabled ? 'off' : learning ? 'learning' : t?.raised ? 'raised' : t?.pending ? 'pending' : 'ok';
      return { kind, state, since: state === 'raised' || state === 'pending' ? (t?.start ?? null) : null, severity, value, detail };
    };
    const s = this.stats;
    const base = this.baselines[this.band]!;
    const ratio = this.sharpness !== null && base.sharpness ? this.sharpness / base.sharpness : null;
    const a = this.align;
    return [
      view('covered', c.covered.enabled, c.covered.severity, s ? round(s.mean, 1) : null, s ? `mean ${s.mean.toFixed(0)}, spread ${s.spread.toFixed(1)}` : ''),
      view('saturated', c.saturated.enabled, c.saturated.severity, s ? round(s.mean, 1) : null, s ? `mean ${s.mean.toFixed(0)}, spread ${s.spread.toFixed(1)}` : ''),
      view('blur', c.blur.enabled, c.blur.severity, ratio === null ? null : round(ratio), ratio === null ? 'learning the sharpness of this brightness' : `sharpness ${Math.round(ratio * 100)} % of usual`, base.sharpness === null),
      view('glare', c.glare.enabled, c.glare.severity, s ? round(s.saturatedPct, 1) : null, s ? `${s.saturatedPct.toFixed(1)} % saturated (usual ${base.saturatedPct.toFixed(1)} %)` : ''),
      view('frozen', c.frozen.enabled, c.frozen.severity, this.frozenDiff === null ? null : round(this.frozenDiff), this.frozenDiff === null ? '' : `change ${this.frozenDiff.toFixed(2)}`),
      view(
        'moved',
        c.moved.enabled,
        c.moved.severity,
        a ? round(a.score) : null,
        this.movedDetail(),
        this.collectingReference || this.reference === null,
      ),
      ...this.plateWatch.views(c.enabled),
    ];
  }

  /** What to keep across restarts. */
  memory(): HealthMemory {
    const r = this.reference;
    return {
      version: 1,
      reference: r ? { takenAt: r.takenAt, width: r.width, height: r.height, edges: packMask(r.mask).toString('base64'), edgeCount: r.count } : null,
      baselines: this.baselines.flatMap((b, band) => (b.sharpness === null ? [] : [{ band, sharpness: b.sharpness, saturatedPct: b.saturatedPct }])),
    };
  }

  private restore(m: HealthMemory): void {
    for (const b of m.baselines) {
      const slot = this.baselines[b.band];
      if (slot && Number.isFinite(b.sharpness) && b.sharpness > 0) {
        slot.sharpness = b.sharpness;
        slot.saturatedPct = Number.isFinite(b.saturatedPct) ? b.saturatedPct : 0;
      }
    }
    const r = m.reference;
    if (r && r.width > 0 && r.height > 0) {
      const mask = unpackMask(Buffer.from(r.edges, 'base64'), r.width * r.height);
      this.reference = { mask, count: mask.reduce((s, v) => s + v, 0), takenAt: r.takenAt, width: r.width, height: r.height };
    }
  }

  private judgeBlur(base: Baseline, sharpness: number, stats: LumaStats, now: number, clearMs: number): void {
    const c = this.config.blur;
    if (base.sharpness === null) {
      base.learning.push(sharpness);
      base.satLearning.push(stats.saturatedPct);
      if (base.learning.length >= Math.max(5, Math.round(c.learn_s * this.config.analysis_fps))) {
        base.sharpness = median(base.learning);
        base.saturatedPct = median(base.satLearning);
        base.learning = [];
        base.satLearning = [];
      }
      return;
    }
    const blurred = sharpness < base.sharpness * c.min_ratio;
    this.step('blur', blurred, now, c.after_s, clearMs);
    const t = this.timer('blur');
    if (!blurred && !t.raised && !t.pending) {
      // Follow slow changes of the scene (seasons, a new building) while the picture is fine.
      const a = 1 - 0.5 ** (1 / this.config.analysis_fps / (c.baseline_half_life_h * 3600));
      base.sharpness += a * (sharpness - base.sharpness);
      base.saturatedPct += a * (stats.saturatedPct - base.saturatedPct);
    }
  }

  private judgeFrozen(grid: Uint8Array, now: number, clearMs: number): void {
    // Compared with the picture at the start of the unchanged run, not the previous frame: a slow
    // dusk fade changes each frame by almost nothing, yet the picture is alive.
    if (this.anchor === null || this.anchor.length !== grid.length) {
      this.anchor = Uint8Array.from(grid);
      return;
    }
    this.frozenDiff = meanAbsDiff(grid, this.anchor);
    const same = this.frozenDiff <= this.config.frozen.max_diff;
    if (!same) this.anchor.set(grid);
    this.step('frozen', same, now, this.config.frozen.after_s, clearMs);
  }

  private judgeMoved(now: number, moving: boolean, clearMs: number): void {
    const g = this.sampler!.grid;
    if (this.edges.length !== g.data.length) {
      this.edges = new Uint8Array(g.data.length);
      this.mag = new Uint16Array(g.data.length);
    }
    edgeMap(g, this.edges, this.mag, this.hist, EDGE_TOP_PCT, EDGE_MIN_MAGNITUDE);
    if (moving) {
      // A driving patrol car's view follows the road: neither a reference nor a verdict from it.
      this.current?.reset();
      return;
    }
    if (this.retake || (this.reference === null && this.collecting === null)) {
      this.retake = false;
      this.collecting = this.newFrequency(this.config.moved.reference_s);
    }
    if (this.collecting) {
      this.collecting.add(this.edges);
      if (this.collecting.samples >= Math.max(2, Math.round(this.config.moved.reference_s))) this.finishReference(now);
      return;
    }
    const ref = this.reference!;
    if (ref.width !== g.width || ref.height !== g.height) {
      // The grid changed size (config): the stored reference cannot be compared; take a new one.
      this.collecting = this.newFrequency(this.config.moved.reference_s);
      return;
    }
    this.current ??= this.newFrequency(this.config.moved.window_s);
    this.current.add(this.edges);
    if (this.current.samples < Math.max(2, Math.ceil(this.config.moved.window_s / 2))) return;
    if ((100 * ref.count) / ref.mask.length < MIN_REFERENCE_EDGES_PCT) return;
    const cur = new Uint8Array(g.data.length);
    const curCount = this.current.stable(cur);
    // A dark scene may keep little stable structure (only lamps and headlights): no verdict then,
    // rather than a red "moved" every night. A bright featureless view (turned to the sky or a
    // wall) is still judged: that is what a vandalised camera looks like.
    this.darkHold = this.band === 0 && curCount < ref.count * DARK_MIN_EDGE_SHARE;
    if (this.darkHold) return;
    this.align = alignment(ref.mask, cur, g.width, g.height, MAX_SHIFT, this.config.moved.min_score + 0.15);
    this.step('moved', this.align.score < this.config.moved.min_score, now, this.config.moved.after_s, clearMs);
  }

  private finishReference(now: number): void {
    const g = this.sampler!.grid;
    const mask = new Uint8Array(g.data.length);
    const count = this.collecting!.stable(mask);
    this.reference = { mask, count, takenAt: now, width: g.width, height: g.height };
    this.collecting = null;
    this.current = null;
    this.align = null;
    this.referenceReady = true;
  }

  private movedDetail(): string {
    if (this.retake) return 'the reference view will be taken from the next pictures';
    if (this.collecting) return `taking the reference view (${this.collecting.samples} of ${Math.round(this.config.moved.reference_s)} s)`;
    if (!this.reference) return 'no reference view yet';
    if ((100 * this.reference.count) / this.reference.mask.length < MIN_REFERENCE_EDGES_PCT) return 'the reference view has too little structure to compare';
    if (this.darkHold) return 'too dark to compare with the reference view';
    const a = this.align;
    if (!a) return 'comparing with the reference view';
    const shift = a.bestScore - a.score > 0.15 ? `; best match shifted ${a.bestDx}, ${a.bestDy} grid px` : '';
    return `${Math.round(a.score * 100)} % of the reference view's edges found${shift}`;
  }

  private newFrequency(windowS: number): EdgeFrequency {
    const g = this.sampler!.grid;
    return new EdgeFrequency(g.width, g.height, Math.max(2, Math.round((windowS * 1000) / EDGE_INTERVAL_MS)));
  }

  private gridFor(w: number, h: number): GridSampler {
    const gw = this.config.grid_width;
    const gh = Math.max(16, Math.round((gw * h) / w));
    if (!this.sampler || this.sampler.grid.width !== gw || this.sampler.grid.height !== gh) {
      this.sampler = new GridSampler(gw, gh);
      this.anchor = null;
    }
    return this.sampler;
  }

  private timer(kind: PictureFault): FaultTimer {
    return this.timers.get(kind)!;
  }

  private step(kind: (typeof PIXEL_FAULTS)[number], condition: boolean, now: number, afterS: number, clearMs: number): void {
    this.note(kind, this.timer(kind).update(condition, now, afterS * 1000, clearMs), now);
  }

  private note(kind: PictureFault, change: TimerChange, now: number, why?: string): void {
    if (change === null) return;
    const view = this.views().find((v) => v.kind === kind)!;
    const since = change === 'raised' ? (this.timer(kind).start ?? now) : now;
    this.events.push({ kind, change, at: now, since, severity: view.severity, detail: why ?? view.detail });
  }
}
