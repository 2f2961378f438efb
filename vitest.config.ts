/**
 * Two projects, both run by `npm test`:
 * - `unit`: pure code and in-process fakes; the fast inner loop (`npm run test:unit`);
 * - `peers`: tests that start a real peer (ffmpeg, an RTSP server, socat, gpsd, Chromium, a
 *   child process or a worker thread, a listening socket) and the long property tests
 *   (`npm run test:peers`).
 * A test file is sorted by what it (or a test helper it imports) uses, so a new test lands in
 * the right project without a list to keep up to date.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

const TESTS = 'test/**/*.test.ts';

/** What starts a peer: a child process, a browser, a worker thread, a listening socket. */
const PEER_MARKERS = [
  /from 'node:child_process'/,
  /from 'playwright-core'/,
  /from 'node:worker_threads'/,
  /\.listen\(/,
  /\bnew (RecognizerPool|Pool|Checkpointer)\(/,
  /\bquickCheck\(/,
  /\bstartWorker\(/,
  /\bunshare\b/,
];

/** Pure but long (a full-scan oracle over tens of thousands of plates). */
const LONG = ['test/hotlist/index/plate-table.test.ts'];

const RELATIVE_IMPORT = /(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g;

function startsPeers(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  if (PEER_MARKERS.some((m) => m.test(text))) return true;
  for (const [, spec] of text.matchAll(RELATIVE_IMPORT)) {
    const target = resolve(dirname(file), spec!.replace(/\.js$/, '.ts'));
    // Test helpers only: what src/ does is the unit under test, not a peer of it.
    if (target.startsWith(resolve('test')) && startsPeers(target, seen)) return true;
  }
  return false;
}

const PEERS = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .map((f) => join('test', f).split('\\').join('/'))
  .filter((f) => f.endsWith('.test.ts') && (LONG.includes(f) || startsPeers(resolve(f))))
  .sort();

export default defineConfig({
  test: {
    // Tests that start real peers (ffmpeg, socat, gpsd, Chromium) need time on a 2-core CI machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      // Pure tests share one module cache per worker (no re-import of src/ for each of ~100
      // files: the unit project takes about half the time); they leave no global state behind
      // (fake timers are restored in afterEach, no vi.mock, no environment changes).
      { extends: true, test: { name: 'unit', include: [TESTS], exclude: [...configDefaults.exclude, ...PEERS], isolate: false } },
      { extends: true, test: { name: 'peers', include: PEERS.length > 0 ? PEERS : ['test/peers/none'] } },
    ],
  },
});
