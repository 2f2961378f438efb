/**
 * Look-up by fragment (issue 15): CPU per look-up over the plate table of realistic lists (the
 * `bench:hotlist` generator: US state formats, 2% partial plates), 100 k and 5 M entries, each
 * built by the real list build. Fragments: three known characters taken from listed plates (the
 * common case, few matches), `?` inside, a `*` between two pieces, and the worst case for the
 * byte search (one known character a run: `A?B?C`), and a fragment no plate holds (the whole
 * table passed over: the bound), each capped at 50 matches as the station asks.
 *
 *   node --import tsx bench/hotlist-fragment.ts [--sizes 100000,5000000]
 *
 * CPU time from process.cpuUsage (the machine is shared: wall time alone says little), with the
 * load average. Prints a table, then one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareBuildWorker, runBuild } from '../src/hotlist/list-build-runner.js';
import { parseFragment, searchFragment } from '../src/hotlist/fragment-search.js';
import { ListIndex } from '../src/hotlist/index/list-index.js';
import { generateList, rng } from './hotlist-data.js';
import { percentileOfSorted } from './stats.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,5000000' }, runs: { type: 'string', default: '200' } } });
const SIZES = values.sizes.split(',').map(Number);
const RUNS = Number(values.runs);
const LIMIT = 50;
const now = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'fragment-bench-'));

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function kinds(plates: string[], r: () => number): Record<string, string[]> {
  const from = (f: (p: string) => string): string[] =>
    Array.from({ length: RUNS }, () => {
      const p = plates[Math.floor(r() * plates.length)]!;
      return /[?*]/.test(p) || p.length < 6 ? 'K7Q' : f(p);
    });
  const at = (p: string): number => Math.floor(r() * (p.length - 4));
  return {
    'three known': from((p) => p.slice(at(p)).slice(0, 3)),
    'four, ? inside': from((p) => {
      const s = p.slice(at(p)).slice(0, 5);
      return `${s.slice(0, 2)}?${s.slice(3)}`;
    }),
    'two pieces, *': from((p) => `${p.slice(0, 2)}*${p.slice(-2)}`),
    'worst: A?B?C': from((p) => `${p[0]}?${p[2]}?${p[4]}`),
    // No plate holds Q (the generator's formats leave out I, O and Q): every row is passed over.
    'absent: full scan': from((p) => `Q${p[1]}Q`),
  };
}

const results: Record<string, unknown>[] = [];
await prepareBuildWorker();
try {
  for (const n of SIZES) {
    const file = join(dir, `list-${n}.csv`);
    const plates = generateList(file, n, n);
    const built = await runBuild({ source: `bench-${n}`, path: file, issuedAt: now, loadedAt: now, rules: { specialLists: [], defaultPriority: 5, minWildcardLiterals: 3, now }, wildcardCap: 1_000_000, maxEdits: 1 });
    rmSync(file);
    if (!built.ok) throw new Error('list refused');
    const index = new ListIndex(built.parts);
    const byKind = kinds(plates, rng(7));
    // Warm-up (JIT) on fragments the measured runs do not use.
    for (const t of kinds(plates, rng(8))['three known']!.slice(0, 20)) {
      const p = parseFragment(t);
      if (p.ok) searchFragment([index], p.pattern, now, LIMIT);
    }
    for (const [kind, texts] of Object.entries(byKind)) {
      const cpu = new Float64Array(texts.length);
      let matches = 0;
      let truncated = 0;
      let checked = 0;
      for (let i = 0; i < texts.length; i++) {
        const p = parseFragment(texts[i]!);
        if (!p.ok) throw new Error(p.message);
        const c0 = cpuUs();
        const a = searchFragment([index], p.pattern, now, LIMIT);
        cpu[i] = (cpuUs() - c0) / 1000;
        matches += a.matches.length;
        truncated += a.truncated ? 1 : 0;
        checked += a.rowsChecked;
      }
      cpu.sort();
      const r = {
        entries: n,
        plate_rows: index.plates.rowCount,
        rows_mb: +(index.parts.plates.rows.byteLength / 2 ** 20).toFixed(1),
        fragment: kind,
        cpu_p50_ms: +percentileOfSorted(cpu, 0.5).toFixed(2),
        cpu_p95_ms: +percentileOfSorted(cpu, 0.95).toFixed(2),
        cpu_max_ms: +cpu[cpu.length - 1]!.toFixed(2),
        matches_mean: +(matches / texts.length).toFixed(1),
        truncated_share: +(truncated / texts.length).toFixed(2),
        rows_checked_mean: Math.round(checked / texts.length),
      };
      results.push(r);
      console.error(JSON.stringify(r));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const cols: [string, string][] = [
  ['entries', 'entries'], ['fragment', 'fragment'], ['cpu_p50_ms', 'CPU p50 ms'], ['cpu_p95_ms', 'CPU p95 ms'], ['cpu_max_ms', 'CPU max ms'],
  ['matches_mean', 'matches'], ['truncated_share', 'capped'], ['rows_checked_mean', 'rows checked'],
];
console.log(cols.map(([, h]) => h.padStart(16)).join(''));
for (const r of results) console.log(cols.map(([k]) => String(r[k]).padStart(16)).join(''));
console.log(JSON.stringify({ bench: 'hotlist-fragment', node: process.version, cpus: availableParallelism(), load_avg: loadavg().map((l) => +l.toFixed(1)), results }));
process.exit(0);
