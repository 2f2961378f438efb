/**
 * Tracker benchmark on seeded synthetic read sequences.
 *
 * 1. Voting accuracy: for passes of F frames where each frame is misread with probability p
 *    (look-alike swaps, other substitutions, dropped and extra characters), how often the
 *    consensus is exactly right, against the single most confident frame and a plurality vote
 *    of whole texts (what grouping without per-character voting gives).
 * 2. A whole scene through PlateTracker: vehicles arriving at random times and places at 10 fps,
 *    several in view at once, some frames missed by the detector: detections per vehicle
 *    (splits), vehicles read exactly, wrong detections, and the tracker's CPU cost per frame.
 * 3. Evidence encoding with the recognizer's encoder: what a pass's emission adds after it ends.
 *
 *   npx tsx bench/tracker.ts [-- --passes 400 --seconds 600]
 *
 * Prints tables, then one JSON line with every figure.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Frame } from '../src/camera/frame.js';
import type { Detection } from '../src/reads/detection.js';
import { PlateTracker } from '../src/reads/plate-tracker.js';
import { plateDistance } from '../src/plate/edit-alignment.js';
import { PlateVote } from '../src/reads/plate-vote.js';
import { encodeEvidence } from '../src/recognizer/evidence.js';
import type { Box, PlateRead } from '../src/recognizer/types.js';
import { ManualClock } from '../src/shared/clock.js';
import { silentLogger } from '../src/shared/logger.js';
import { StatusRegistry } from '../src/status/registry.js';
import { corrupt, frameReads, makeRead, noisyRead, randomPass, randomPlate, seededRandom } from '../test/reads/synthetic-passes.js';
import { trackerConfig } from '../test/reads/tracker-harness.js';
import { percentileOfSorted } from './stats.js';

const { values } = parseArgs({ options: { passes: { type: 'string', default: '400' }, seconds: { type: 'string', default: '600' } } });
const PASSES = Number(values.passes);
const SCENE_S = Number(values.seconds);

// ── 1. Voting accuracy ───────────────────────────────────────────────────────────────────────
interface AccuracyRow {
  frames: number;
  misread_rate: number;
  /** Share of misreads that repeat the pass's one systematic error. */
  systematic: number;
  consensus_pct: number;
  best_frame_pct: number;
  plurality_pct: number;
}

function accuracy(frames: number, rate: number, systematic: number, seed: number): AccuracyRow {
  const rng = seededRandom(seed);
  let consensus = 0;
  let bestFrame = 0;
  let plurality = 0;
  for (let p = 0; p < PASSES; p++) {
    const { truth, reads } = randomPass(rng, frames, rate, systematic);
    const vote = new PlateVote();
    const counts = new Map<string, number>();
    let best = { text: '', conf: -1 };
    for (const r of reads) {
      const confidence = r.conf.reduce((a, c) => a * c, 1);
      vote.add({ text: r.text, confidence, charConfidences: r.conf, candidates: [] });
      counts.set(r.text, (counts.get(r.text) ?? 0) + confidence);
      if (confidence > best.conf) best = { text: r.text, conf: confidence };
    }
    if (vote.consensus().text === truth) consensus++;
    if (best.text === truth) bestFrame++;
    if ([...counts].sort((a, b) => b[1] - a[1])[0]![0] === truth) plurality++;
  }
  const pct = (n: number): number => Math.round((1000 * n) / PASSES) / 10;
  return { frames, misread_rate: rate, systematic, consensus_pct: pct(consensus), best_frame_pct: pct(bestFrame), plurality_pct: pct(plurality) };
}

const accuracyRows: AccuracyRow[] = [];
let seed = 1;
for (const systematic of [0, 0.6]) {
  for (const frames of [3, 6, 12]) for (const rate of [0.1, 0.25, 0.4, 0.55]) accuracyRows.push(accuracy(frames, rate, systematic, seed++));
}

console.log(`Voting accuracy: exact plate, ${PASSES} seeded passes per row`);
console.log(['frames', 'misread rate', 'systematic', 'consensus %', 'best frame %', 'plurality %'].map((h) => h.padStart(14)).join(''));
for (const r of accuracyRows) {
  console.log([r.frames, r.misread_rate, r.systematic, r.consensus_pct, r.best_frame_pct, r.plurality_pct].map((v) => String(v).padStart(14)).join(''));
}

// ── 2. A scene through the PlateTracker ──────────────────────────────────────────────────────
const FPS = 10;
const W = 1280;
const H = 720;

interface SceneSpec {
  name: string;
  misread: number;
  /** Share of misreads that repeat one confident error per vehicle. */
  systematic: number;
  /** Chance that the detector misses a plate in a frame. */
  missed: number;
  /** Longest gap between two arrivals, frames. */
  maxGap: number;
  /** Fixed non-plate objects (signs, grilles) the detector fires on in 30 % of frames, read as random text. */
  clutter: number;
}

const SCENES: SceneSpec[] = [
  { name: 'moderate', misread: 0.25, systematic: 0, missed: 0.1, maxGap: 20, clutter: 0 },
  { name: 'hard', misread: 0.45, systematic: 0.5, missed: 0.25, maxGap: 8, clutter: 2 },
];

interface Vehicle {
  truth: string;
  start: number;
  frames: number;
  box: Box;
  dx: number;
  dy: number;
  growth: number;
}


function vehiclesOf(rng: () => number, maxGap: number): Vehicle[] {
  const out: Vehicle[] = [];
  let t = 0;
  while (t < SCENE_S * FPS) {
    t += 1 + Math.floor(rng() * maxGap);
    const approaching = rng() < 0.5;
    const w = 40 + rng() * 40;
    out.push({
      truth: randomPlate(rng, 6 + Math.floor(rng() * 2)),
      start: t,
      frames: 5 + Math.floor(rng() * 20),
      box: { x: 100 + rng() * (W - 300), y: approaching ? 150 + rng() * 100 : 450 + rng() * 100, w, h: w / 3 },
      dx: (rng() - 0.5) * 30,
      dy: approaching ? 6 + rng() * 8 : -(6 + rng() * 8),
      growth: approaching ? 0.03 + rng() * 0.04 : -(0.03 + rng() * 0.03),
    });
  }
  return out;
}

interface SceneResult {
  scene: string;
  vehicles: number;
  /** Vehicles with at least one read (the others never showed their plate in frame). */
  seen: number;
  frames: number;
  reads: number;
  max_open_tracks: number;
  tracks_opened: number;
  /** Tracks ended early by the per-camera cap (emitted when they qualified). */
  tracks_dropped: number;
  /** Tracks that did not qualify as a detection. */
  tracks_discarded: number;
  /** Distinct detection ids (a revision replaces its predecessor). */
  detections: number;
  /** Seen vehicles with a detection of exactly their plate. */
  exact_pct: number;
  /** Seen vehicles whose plate is among the candidates of a detection (what hot-list matching sees). */
  in_candidates_pct: number;
  /** Seen vehicles whose single most confident read was exactly right (no tracker). */
  best_read_pct: number;
  /** Extra detection ids for one vehicle. */
  splits: number;
  /** Detections of a vehicle whose text is not its plate. */
  wrong: number;
  /** Detections made of clutter (must be 0). */
  clutter_detections: number;
  /** Tracker CPU time (user + system) per frame and per read, push and tick together. */
  cpu_us_per_frame: number;
  cpu_us_per_read: number;
  latency_p95_ms: number;
}

async function runScene(spec: SceneSpec): Promise<SceneResult> {
  const rng = seededRandom(99);
  const vehicles = vehiclesOf(rng, spec.maxGap);
  const systematic = new Map(vehicles.map((v) => [v, { ...corrupt(v.truth, 'swap', Math.floor(rng() * v.truth.length), rng), share: spec.systematic }]));
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const t0 = clock.now();
  const status = new StatusRegistry(clock).reporter('tracker', 'tracker');
  const detections: Detection[] = [];
  const evidence = { plateJpeg: Buffer.alloc(8_000), overviewJpeg: Buffer.alloc(120_000) };
  const tracker = new PlateTracker({
    config: trackerConfig(),
    logger: silentLogger(),
    status,
    clock,
    encode: () => Promise.resolve(evidence),
    onDetection: (d) => detections.push(d),
  });
  // One shared 720p RGB image: the tracker only reads pixels inside plate boxes (sharpness).
  const pixels = Buffer.alloc(W * H * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;

  const bestRead = new Map<Vehicle, { text: string; confidence: number }>();
  const lastFrame = Math.max(...vehicles.map((v) => v.start + v.frames)) + 1;
  let cpuUs = 0;
  let reads = 0;
  let maxOpen = 0;
  for (let f = 0; f < lastFrame; f++) {
    const at = t0 + Math.round((f * 1000) / FPS);
    const plates: PlateRead[] = [];
    for (const v of vehicles) {
      const i = f - v.start;
      if (i < 0 || i >= v.frames || rng() < spec.missed) continue;
      const scale = (1 + v.growth) ** i;
      const cx = v.box.x + v.box.w / 2 + v.dx * i;
      const cy = v.box.y + v.box.h / 2 + v.dy * i;
      const box = { x: cx - (v.box.w * scale) / 2, y: cy - (v.box.h * scale) / 2, w: v.box.w * scale, h: v.box.h * scale };
      if (box.x < 0 || box.y < 0 || box.x + box.w > W || box.y + box.h > H) continue;
      const r = noisyRead(rng, v.truth, spec.misread, spec.systematic > 0 ? systematic.get(v) : undefined);
      const confidence = r.conf.reduce((p, c) => p * c, 1);
      plates.push({ ...makeRead(r.text, box), confidence, charConfidences: r.conf, candidates: [{ text: r.text, confidence }] });
      if (confidence > (bestRead.get(v)?.confidence ?? -1)) bestRead.set(v, { text: r.text, confidence });
    }
    for (let c = 0; c < spec.clutter; c++) {
      if (rng() >= 0.3) continue;
      const text = randomPlate(rng, 4 + Math.floor(rng() * 4));
      const conf = [...text].map(() => 0.3 + rng() * 0.5);
      const confidence = conf.reduce((p, x) => p * x, 1);
      const box = { x: 10 + rng() * 4, y: 100 + c * 300 + rng() * 4, w: 60, h: 20 };
      plates.push({ ...makeRead(text, box), confidence, charConfidences: conf, candidates: [{ text, confidence }], detectionScore: 0.4 });
    }
    const frame: Frame = { cameraId: 'front', seq: f, capturedAt: at, width: W, height: H, format: 'rgb24', data: pixels };
    clock.set(at + 60);
    const cpu = process.cpuUsage();
    tracker.push(frameReads(frame, plates), frame);
    tracker.tick();
    const used = process.cpuUsage(cpu);
    cpuUs += used.user + used.system;
    reads += plates.length;
    maxOpen = Math.max(maxOpen, status.get().counters.open_tracks ?? 0);
    await new Promise<void>((r) => setImmediate(r)); // let emissions run between frames, as the event loop would
  }
  for (let i = 0; i < 30; i++) {
    clock.advance(100);
    tracker.tick();
    await new Promise<void>((r) => setImmediate(r));
  }
  await tracker.stop();

  const final = new Map<string, Detection>();
  for (const d of detections) final.set(d.id, d); // the last revision replaces the earlier ones
  const byText = new Map<string, number>();
  for (const d of final.values()) byText.set(d.text, (byText.get(d.text) ?? 0) + 1);
  const truths = new Set(vehicles.map((v) => v.truth));
  const candidateTexts = new Set([...final.values()].flatMap((d) => d.candidates.map((c) => c.text)));
  // A detection made of clutter has a text unrelated to every vehicle's plate.
  const isClutter = (d: Detection): boolean => !vehicles.some((v) => plateDistance(v.truth, d.text) <= 2);
  const seen = [...bestRead.keys()];
  const pct = (n: number): number => Math.round((1000 * n) / Math.max(1, seen.length)) / 10;
  let splits = 0;
  for (const v of seen) splits += Math.max(0, (byText.get(v.truth) ?? 0) - 1);
  const counters = status.get().counters;
  const latency = status.get().details.latency_ms as { p95: number } | undefined;
  return {
    scene: spec.name,
    vehicles: vehicles.length,
    seen: seen.length,
    frames: lastFrame,
    reads,
    max_open_tracks: maxOpen,
    tracks_opened: counters.tracks_opened ?? 0,
    tracks_dropped: counters.tracks_dropped ?? 0,
    tracks_discarded: counters.tracks_discarded ?? 0,
    detections: final.size,
    exact_pct: pct(seen.filter((v) => byText.has(v.truth)).length),
    in_candidates_pct: pct(seen.filter((v) => candidateTexts.has(v.truth)).length),
    best_read_pct: pct(seen.filter((v) => bestRead.get(v)!.text === v.truth).length),
    splits,
    wrong: [...final.values()].filter((d) => !truths.has(d.text) && !isClutter(d)).length,
    clutter_detections: [...final.values()].filter(isClutter).length,
    cpu_us_per_frame: Math.round(cpuUs / lastFrame),
    cpu_us_per_read: Math.round(cpuUs / Math.max(1, reads)),
    latency_p95_ms: latency?.p95 ?? 0,
  };
}

// ── 3. Emission cost: the evidence encoding that follows a pass's end ───────────────────────────
async function encodeCost(runs: number): Promise<{ p50_ms: number; p95_ms: number }> {
  const rng = seededRandom(7);
  const data = Buffer.alloc(W * H * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng() * 256);
  const frame: Frame = { cameraId: 'front', seq: 0, capturedAt: 0, width: W, height: H, format: 'rgb24', data };
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const box = { x: 100 + rng() * 900, y: 100 + rng() * 500, w: 60 + rng() * 80, h: 20 + rng() * 25 };
    const t = performance.now();
    await encodeEvidence(frame, box, null);
    if (i >= 3) times.push(performance.now() - t); // the first calls warm up libvips
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(percentileOfSorted(times, q) * 10) / 10;
  return { p50_ms: at(0.5), p95_ms: at(0.95) };
}

const sceneResults: SceneResult[] = [];
for (const spec of SCENES) sceneResults.push(await runScene(spec));
console.log('');
console.log(`Scenes through PlateTracker: ${SCENE_S} s at ${FPS} fps, 1280×720 (latency: last read to emission, includes leave_timeout_s)`);
const keys = Object.keys(sceneResults[0]!) as (keyof SceneResult)[];
for (const k of keys) console.log(`${k.padStart(20)}${sceneResults.map((r) => String(r[k]).padStart(12)).join('')}`);
console.log(
  `(${SCENES.map((s) => `${s.name}: misread ${s.misread}, systematic ${s.systematic}, missed ${s.missed}, arrivals every 0.1–${s.maxGap / FPS} s, ${s.clutter} clutter objects`).join('; ')})`,
);
const encoding = await encodeCost(40);
console.log('');
console.log(`Evidence encoding of a 1280×720 RGB noise frame (recognizer's encoder, wall time): p50 ${encoding.p50_ms} ms, p95 ${encoding.p95_ms} ms`);
console.log(JSON.stringify({ bench: 'tracker', node: process.version, passes_per_row: PASSES, accuracy: accuracyRows, encoding, scenes: sceneResults }));
