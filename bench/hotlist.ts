/**
 * Hot-list benchmark: realistic US-style lists (state formats, 2% partial plates) of 100 k, 1 M
 * and 5 M entries, each measured in a process of its own. Measures build time (parse + validate
 * + index, in the worker), memory, exact and fuzzy lookup latency, the longest event-loop block
 * while a new list is built and swapped in under live lookups against the list in force (100 k),
 * and a naive scan with Levenshtein over the list for comparison.
 *
 *   npm run bench:hotlist [-- --sizes 100000,1000000,5000000]
 *
 * Prints a table, then one JSON line with every figure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prepareBuildWorker, runBuild } from '../src/hotlist/list-build-runner.js';
import { ConfusionTable, DEFAULT_CONFUSION_CLASSES } from '../src/plate/confusion-table.js';
import { ListIndex, type MatchSettings } from '../src/hotlist/index/list-index.js';
import { matchCandidates } from '../src/hotlist/matcher.js';
import { FORMATS, candidatesFor, generateList, pickWeighted, plateOf, rng } from './hotlist-data.js';
import { percentileOfSorted } from './stats.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,1000000,5000000' }, naive: { type: 'string', default: '20' }, one: { type: 'string' }, file: { type: 'string' } } });
const SIZES = values.sizes.split(',').map(Number);
const NAIVE_READS = Number(values.naive);
/** Entries of the list in force while the measured one is built (a daemon always has one). */
const PREVIOUS = 100_000;
const RESULT = 'RESULT ';

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

/** Writes the list file of `n` entries and the plates to query it with (`<file>.sample.json`). */
function prepareList(n: number): { file: string; generateS: number } {
  const file = join(dir, `list-${n}.csv`);
  const tg = performance.now();
  const plates = generateList(file, n, n);
  const generateS = (performance.now() - tg) / 1000;
  writeFileSync(`${file}.sample.json`, JSON.stringify(Array.from({ length: 20_000 }, (_, i) => plates[(i * 7919) % n]!)));
  return { file, generateS };
}

/**
 * Measures one list size in a process of its own, which never holds the generated list's
 * strings: its RSS is a daemon's with that list loaded.
 */
async function measure(n: number, file: string): Promise<Record<string, unknown>> {
  await prepareBuildWorker();
  // The list in force during the measured build, answering reads; released at the swap.
  const previousFile = join(dir, 'previous.csv');
  generateList(previousFile, PREVIOUS, 7);
  const first = await runBuild({ source: 'previous', path: previousFile, issuedAt: now, loadedAt: now, rules: { specialLists: [], defaultPriority: 5, minWildcardLiterals: 3, now }, wildcardCap: 1_000_000, maxEdits: settings.maxEdits });
  if (!first.ok) throw new Error('previous list refused');
  let live: ListIndex | null = new ListIndex(first.parts);
  rmSync(previousFile);
  {
    const sample = JSON.parse(readFileSync(`${file}.sample.json`, 'utf8')) as string[];
    gc();

    // Build in the worker while the previous list keeps answering lookups on this thread: a
    // read's ten candidates every millisecond (far above real traffic), each one timed.
    const delay = monitorEventLoopDelay({ resolution: 1 });
    let lookupsDuringBuild = 0;
    let building = true;
    const previous = live;
    const pr = rng(3);
    const spinReads = Array.from({ length: 200 }, (_, i) => candidatesFor(sample[(i * 13) % sample.length]!, pr));
    let lastSpin = performance.now();
    let maxGapMs = 0;
    const spin = (): void => {
      if (!building) return;
      const t = performance.now();
      maxGapMs = Math.max(maxGapMs, t - lastSpin);
      lastSpin = t;
      if (previous) {
        matchCandidates([previous], spinReads[lookupsDuringBuild % spinReads.length]!, null, now, settings, { maxCandidates: 10, maxHits: 20 });
        lookupsDuringBuild++;
      }
      setTimeout(spin, 1);
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
      maxEdits: settings.maxEdits,
    });
    const buildS = (performance.now() - tb) / 1000;
    if (!built.ok) throw new Error(JSON.stringify(built.report.problems.slice(0, 5)));
    const ts = performance.now();
    live = new ListIndex(built.parts); // the swap: one reference
    const swapMs = performance.now() - ts;
    building = false;
    maxGapMs = Math.max(maxGapMs, performance.now() - lastSpin);
    delay.disable();
    const maxBlockMs = delay.max / 1e6;
    gc();
    const mem = process.memoryUsage();

    // Exact: half hits, half misses.
    const cpu = (): number => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    // Warm-up (JIT, caches) on other reads than the measured ones, as a running daemon is.
    const wr = rng(4);
    for (let i = 0; i < 1000; i++) {
      live.exact(plateOf('LLLDDDD', wr), null, now, []);
      matchCandidates([live], candidatesFor(sample[(i * 17 + 5) % sample.length]!, wr), null, now, settings, { maxCandidates: 10, maxHits: 20 });
    }

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
      build_s: +buildS.toFixed(2),
      plate_rows: live.plates.rowCount,
      index_mb: +(live.bytes / 2 ** 20).toFixed(1),
      heap_mb: +(mem.heapUsed / 2 ** 20).toFixed(1),
      rss_mb: +(mem.rss / 2 ** 20).toFixed(1),
      array_buffers_mb: +(mem.arrayBuffers / 2 ** 20).toFixed(1),
      exact_p50_us: +percentileOfSorted(exact, 0.5).toFixed(2),
      exact_p99_us: +percentileOfSorted(exact, 0.99).toFixed(2),
      exact_cpu_mean_us: +exactCpuUs.toFixed(2),
      fuzzy10_p50_us: +percentileOfSorted(fuzzy, 0.5).toFixed(1),
      fuzzy10_p99_us: +percentileOfSorted(fuzzy, 0.99).toFixed(1),
      fuzzy10_cpu_mean_us: +fuzzyCpuUs.toFixed(1),
      fuzzy1_p50_us: +percentileOfSorted(single, 0.5).toFixed(1),
      fuzzy1_p99_us: +percentileOfSorted(single, 0.99).toFixed(1),
      fuzzy1_rows_checked: Math.round(visited / single.length),
      naive1_us: +naiveUs.toFixed(0),
      naive_over_trie: +(naiveUs / percentileOfSorted(single, 0.5)).toFixed(0),
      swap_ms: +swapMs.toFixed(3),
      max_block_during_build_ms: +maxBlockMs.toFixed(1),
      max_lookup_gap_ms: +maxGapMs.toFixed(1),
      reads_during_build: lookupsDuringBuild,
      hits_per_read: +(hits / fuzzy.length).toFixed(2),
      naive_hits: naiveHits,
    };
    return r;
  }
}

const results: Record<string, unknown>[] = [];
try {
  if (values.one !== undefined) console.log(RESULT + JSON.stringify(await measure(Number(values.one), values.file!)));
  else for (const n of SIZES) {
    const { file, generateS } = prepareList(n);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--one', String(n), '--file', file, '--naive', String(NAIVE_READS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    rmSync(file, { force: true });
    rmSync(`${file}.sample.json`, { force: true });
    const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT));
    if (child.status !== 0 || line === undefined) throw new Error(`size ${n}: the measuring process failed (${child.status ?? child.signal})`);
    const r = { ...(JSON.parse(line.slice(RESULT.length)) as Record<string, unknown>), generate_s: +generateS.toFixed(1) };
    results.push(r);
    console.error(JSON.stringify(r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}


// A measuring child ends here; its figures went out on the RESULT line.
if (values.one !== undefined) process.exit(0);

const cols: [string, string][] = [
  ['entries', 'entries'], ['build_s', 'build s'], ['rss_mb', 'RSS MB'], ['heap_mb', 'heap MB'], ['index_mb', 'index MB'],
  ['exact_p50_us', 'exact p50 µs'], ['exact_p99_us', 'exact p99 µs'], ['fuzzy10_p50_us', 'fuzzy top-10 p50 µs'], ['fuzzy10_p99_us', 'fuzzy top-10 p99 µs'],
  ['fuzzy10_cpu_mean_us', 'fuzzy-10 CPU µs'], ['fuzzy1_p50_us', 'fuzzy 1 cand p50 µs'], ['naive1_us', 'naive scan µs'], ['naive_over_trie', 'naive/trie'], ['max_block_during_build_ms', 'max block ms'],
];
console.log(cols.map(([, h]) => h.padStart(14)).join(''));
for (const r of results) console.log(cols.map(([k]) => String(r[k]).padStart(14)).join(''));
console.log(JSON.stringify({ bench: 'hotlist', node: process.version, cpus: availableParallelism(), load_avg: loadavg().map((l) => +l.toFixed(1)), results }));
