/**
 * Hot-list benchmark: realistic US-style lists (state formats, 2% partial plates) of 100 k, 1 M
 * and 5 M entries. Measures build time (parse + validate + trie, in the worker), memory, exact
 * and fuzzy lookup latency, the longest event-loop block while a new list is built and swapped
 * in under live lookups, and a naive scan with Levenshtein over the list for comparison.
 *
 *   npm run bench:hotlist [-- --sizes 100000,1000000,5000000]
 *
 * Prints a table, then one JSON line with every figure.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runBuild } from '../src/hotlist/build-runner.js';
import { ConfusionTable, DEFAULT_CONFUSION_CLASSES } from '../src/hotlist/confusion-table.js';
import { ListIndex, type MatchSettings } from '../src/hotlist/list-index.js';
import { matchCandidates, type ReadCandidate } from '../src/hotlist/matcher.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,1000000,5000000' }, naive: { type: 'string', default: '20' } } });
const SIZES = values.sizes.split(',').map(Number);
const NAIVE_READS = Number(values.naive);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const L = 'ABCDEFGHJKLMNPRSTUVWXYZ'; // plates avoid I, O, Q in most states
const D = '0123456789';
// Serial formats by state (L = letter, D = digit), weighted roughly by registrations.
const FORMATS: [string, string, number][] = [
  ['CA', 'DLLLDDD', 20], ['TX', 'LLLDDDD', 12], ['FL', 'LLLLDD', 4], ['FL', 'DDDLLL', 3], ['NY', 'LLLDDDD', 8],
  ['PA', 'LLLDDDD', 5], ['IL', 'LLDDDDD', 5], ['OH', 'LLLDDDD', 5], ['GA', 'LLLDDDD', 4], ['NC', 'LLLDDDD', 4],
  ['MI', 'LLLDDDD', 4], ['NJ', 'LDDLLL', 4], ['WA', 'LLLDDDD', 3], ['AZ', 'LLLDLLL', 3], ['NV', 'DLLDDD', 2],
  ['OR', 'DDDLLL', 2], ['CA', 'DLDDDDD', 3], ['TX', 'DDDLLL', 2], ['--', 'LLLLLLL', 1],
];
const LISTS: [string, number, string, number][] = [
  ['stolen_vehicle', 2, 'Stolen vehicle (NCIC SVS)', 45], ['stolen_plate', 3, 'Stolen plate (NCIC SLR)', 20],
  ['felony_vehicle', 2, 'Vehicle used in a felony', 10], ['warrant', 4, 'Registered owner has a felony warrant', 10],
  ['missing_person', 3, 'Missing person (NCIC MUPS)', 5], ['amber', 1, 'AMBER alert', 1], ['sex_offender', 6, 'Registered sex offender vehicle — informational', 5],
  ['gang', 6, 'Gang-associated vehicle — informational', 4],
];

function pickWeighted<T extends unknown[]>(table: T[], w: (t: T) => number, r: number): T {
  const total = table.reduce((s, t) => s + w(t), 0);
  let x = r * total;
  for (const t of table) if ((x -= w(t)) < 0) return t;
  return table[table.length - 1]!;
}

function plateOf(format: string, r: () => number): string {
  let s = '';
  for (const f of format) s += f === 'L' ? L[Math.floor(r() * L.length)] : D[Math.floor(r() * 10)];
  return s;
}

/** Writes a CSV list of `n` entries; returns the plain plates (for queries) in order. */
function generateList(path: string, n: number, seed: number): string[] {
  const r = rng(seed);
  const fd = openSync(path, 'w');
  const plates: string[] = new Array<string>(n);
  let chunk = 'plate,state,list,priority,reason,case_number,source,created\n';
  for (let i = 0; i < n; i++) {
    const [state, format] = pickWeighted(FORMATS, (f) => f[2], r());
    const [list, priority, reason] = pickWeighted(LISTS, (l) => l[3], r());
    let plate = plateOf(format, r);
    plates[i] = plate;
    if (r() < 0.02) {
      // A partial plate from a witness: one unknown character, often an unknown tail.
      const k = 1 + Math.floor(r() * (plate.length - 2));
      plate = `${plate.slice(0, k)}?${plate.slice(k + 1)}`;
      if (r() < 0.5) plate = `${plate.slice(0, plate.length - 1)}*`;
    }
    chunk += `${plate},${state === '--' ? '' : state},${list},${priority},${reason},V${String(100000000 + i)},CA DOJ,2026-11-${String(1 + (i % 24)).padStart(2, '0')}\n`;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  return plates;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

const CONFUSE: Record<string, string> = { '0': 'O', O: '0', '1': 'I', I: '1', '8': 'B', B: '8', '5': 'S', S: '5', '2': 'Z', Z: '2', '6': 'G', G: '6', D: '0' };

/** Ten candidates as an OCR top-N gives them: the plate, confusions, a dropped and an extra character. */
function candidatesFor(plate: string, r: () => number): ReadCandidate[] {
  const out: ReadCandidate[] = [];
  const confused = (p: string): string => {
    const idx = [...p].map((c, i) => (CONFUSE[c] ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return p;
    const i = idx[Math.floor(r() * idx.length)]!;
    return p.slice(0, i) + CONFUSE[p[i]!]! + p.slice(i + 1);
  };
  for (let k = 0; k < 10; k++) {
    let t = plate;
    const kind = k % 4;
    if (kind === 1) t = confused(t);
    if (kind === 2) {
      const i = Math.floor(r() * t.length);
      t = t.slice(0, i) + t.slice(i + 1);
    }
    if (kind === 3) {
      const i = Math.floor(r() * t.length);
      t = t.slice(0, i) + L[Math.floor(r() * L.length)] + t.slice(i);
    }
    if (k > 3 && r() < 0.5) t = confused(t);
    out.push({ text: t, confidence: 0.9 - k * 0.05 });
  }
  return out;
}

function levenshtein(a: string, b: string, row: Int32Array): number {
  for (let j = 0; j <= b.length; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return row[b.length]!;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const settings: MatchSettings = { table: ConfusionTable.of(DEFAULT_CONFUSION_CLASSES), maxEdits: 1, confusionCost: 0, minEditLength: 5 };
const now = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'hotlist-bench-'));
const results: Record<string, unknown>[] = [];
let live: ListIndex | null = null;

try {
  for (const n of SIZES) {
    const file = join(dir, `list-${n}.csv`);
    const tg = performance.now();
    let plates: string[] | null = generateList(file, n, n);
    const generateS = (performance.now() - tg) / 1000;
    const sample = Array.from({ length: 20_000 }, (_, i) => plates![(i * 7919) % n]!);
    plates = null;
    gc();

    // Build in the worker while the previous list keeps answering lookups on this thread.
    const delay = monitorEventLoopDelay({ resolution: 1 });
    let lookupsDuringBuild = 0;
    let building = true;
    const previous = live;
    const spin = (): void => {
      if (!building) return;
      if (previous) for (let i = 0; i < 50; i++) lookupsDuringBuild += previous.exact(sample[i % sample.length]!, null, now, []) === undefined ? 1 : 0;
      setImmediate(spin);
    };
    delay.enable();
    spin();
    const tb = performance.now();
    const built = await runBuild({
      source: `bench-${n}`,
      path: file,
      issuedAt: now,
      loadedAt: now,
      rules: { specialLists: ['sex_offender', 'gang'], defaultPriority: 5, minWildcardLiterals: 3, now },
      wildcardCap: 1_000_000,
    });
    const buildS = (performance.now() - tb) / 1000;
    if (!built.ok) throw new Error(JSON.stringify(built.report.problems.slice(0, 5)));
    const ts = performance.now();
    live = new ListIndex(built.parts); // the swap: one reference
    const swapMs = performance.now() - ts;
    building = false;
    delay.disable();
    const maxBlockMs = delay.max / 1e6;
    rmSync(file);
    gc();
    const mem = process.memoryUsage();

    // Exact: half hits, half misses.
    const cpu = (): number => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    const exact = new Float64Array(100_000);
    const out: number[] = [];
    const exactCpu0 = cpu();
    const er = rng(1);
    const queries = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? sample[i]! : plateOf('LLLDDDD', er)));
    for (let i = 0; i < exact.length; i++) {
      const q = queries[i % queries.length]!;
      out.length = 0;
      const t = performance.now();
      live.exact(q, null, now, out);
      exact[i] = (performance.now() - t) * 1000;
    }
    const exactCpuUs = (cpu() - exactCpu0) / exact.length;
    exact.sort();

    // Fuzzy: a read's top-10 candidates, confusions free, one edit.
    const fr = rng(2);
    const reads = Array.from({ length: 2000 }, (_, i) => candidatesFor(sample[(i * 31) % sample.length]!, fr));
    const fuzzy = new Float64Array(reads.length * 2);
    let hits = 0;
    let visited = 0;
    const fuzzyCpu0 = cpu();
    for (let i = 0; i < fuzzy.length; i++) {
      const t = performance.now();
      hits += matchCandidates([live], reads[i % reads.length]!, null, now, settings, { maxCandidates: 10, maxHits: 20 }).length;
      fuzzy[i] = (performance.now() - t) * 1000;
    }
    const fuzzyCpuUs = (cpu() - fuzzyCpu0) / fuzzy.length;
    fuzzy.sort();
    const single = new Float64Array(2000);
    for (let i = 0; i < single.length; i++) {
      const c = reads[i % reads.length]![2]!;
      const t = performance.now();
      matchCandidates([live], [c], null, now, settings, { maxCandidates: 1, maxHits: 20 });
      single[i] = (performance.now() - t) * 1000;
      visited += live.plates.checked;
    }
    single.sort();

    // Naive: every plate's Levenshtein distance to one candidate (what a list scan costs).
    const nr = rng(n);
    const all: string[] = new Array<string>(n);
    for (let i = 0; i < n; i++) all[i] = plateOf(pickWeighted(FORMATS, (f) => f[2], nr())[1], nr);
    const row = new Int32Array(32);
    const tn = performance.now();
    let naiveHits = 0;
    for (let k = 0; k < NAIVE_READS; k++) {
      const q = reads[k]![2]!.text;
      for (let i = 0; i < n; i++) if (levenshtein(all[i]!, q, row) <= 1) naiveHits++;
    }
    const naiveUs = ((performance.now() - tn) * 1000) / NAIVE_READS;

    const r = {
      entries: n,
      wildcards: built.report.wildcards,
      generate_s: +generateS.toFixed(1),
      build_s: +buildS.toFixed(2),
      plate_rows: live.plates.rowCount,
      index_mb: +(live.bytes / 2 ** 20).toFixed(1),
      heap_mb: +(mem.heapUsed / 2 ** 20).toFixed(1),
      rss_mb: +(mem.rss / 2 ** 20).toFixed(1),
      array_buffers_mb: +(mem.arrayBuffers / 2 ** 20).toFixed(1),
      exact_p50_us: +percentile(exact, 0.5).toFixed(2),
      exact_p99_us: +percentile(exact, 0.99).toFixed(2),
      exact_cpu_mean_us: +exactCpuUs.toFixed(2),
      fuzzy10_p50_us: +percentile(fuzzy, 0.5).toFixed(1),
      fuzzy10_p99_us: +percentile(fuzzy, 0.99).toFixed(1),
      fuzzy10_cpu_mean_us: +fuzzyCpuUs.toFixed(1),
      fuzzy1_p50_us: +percentile(single, 0.5).toFixed(1),
      fuzzy1_p99_us: +percentile(single, 0.99).toFixed(1),
      fuzzy1_rows_checked: Math.round(visited / single.length),
      naive1_us: +naiveUs.toFixed(0),
      naive_over_trie: +(naiveUs / percentile(single, 0.5)).toFixed(0),
      swap_ms: +swapMs.toFixed(3),
      max_block_during_build_ms: +maxBlockMs.toFixed(1),
      lookups_during_build: lookupsDuringBuild,
      hits_per_read: +(hits / fuzzy.length).toFixed(2),
      naive_hits: naiveHits,
    };
    results.push(r);
    console.error(JSON.stringify(r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const cols: [string, string][] = [
  ['entries', 'entries'], ['build_s', 'build s'], ['rss_mb', 'RSS MB'], ['heap_mb', 'heap MB'], ['index_mb', 'index MB'],
  ['exact_p50_us', 'exact p50 µs'], ['exact_p99_us', 'exact p99 µs'], ['fuzzy10_p50_us', 'fuzzy top-10 p50 µs'], ['fuzzy10_p99_us', 'fuzzy top-10 p99 µs'],
  ['fuzzy10_cpu_mean_us', 'fuzzy-10 CPU µs'], ['fuzzy1_p50_us', 'fuzzy 1 cand p50 µs'], ['naive1_us', 'naive scan µs'], ['naive_over_trie', 'naive/trie'], ['max_block_during_build_ms', 'max block ms'],
];
console.log(cols.map(([, h]) => h.padStart(14)).join(''));
for (const r of results) console.log(cols.map(([k]) => String(r[k]).padStart(14)).join(''));
console.log(JSON.stringify({ bench: 'hotlist', node: process.version, cpus: availableParallelism(), load_avg: loadavg().map((l) => +l.toFixed(1)), results }));
