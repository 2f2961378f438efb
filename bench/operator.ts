/**
 * Operator station costs on the real store: how long a hit takes from the events bus to an open
 * page's event stream (1 and 20 pages open), a login at the production scrypt cost, and a search
 * of stored reads with its audit row, on a store holding N detections.
 *
 *   npx tsx bench/operator.ts [N=20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigObject } from '../src/config/load.js';
import { hashPassword } from '../src/http/auth/password.js';
import type { HitRecord, LiveEvent } from '../src/http/ports.js';
import { buildServer } from '../src/http/server.js';
import { systemClock } from '../src/shared/clock.js';
import { EventBus } from '../src/shared/event-bus.js';
import { silentLogger } from '../src/shared/logger.js';
import { uuidv7 } from '../src/shared/uuid.js';
import { StatusRegistry } from '../src/status/registry.js';
import { Store } from '../src/store/store.js';

const N = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), 'alpr-op-bench-'));
const config = loadConfigObject({ http: { login_max_failures: 100 } }, dir).config!;
const registry = new StatusRegistry(systemClock);
const store = new Store({ config: config.store, dataDir: dir, deviceId: 'bench', logger: silentLogger(), status: registry.reporter('store', 'store'), clock: systemClock });
await store.start();

const jpeg = Buffer.alloc(2000, 1);
const letters = 'ABCDEFGHJKLMNPRSTUVWXYZ';
const t0 = Date.now() - N * 1000;
const batch = [];
for (let i = 0; i < N; i++) {
  const at = t0 + i * 1000;
  const text = `${i % 9}${letters[i % 23]}${letters[(i >> 3) % 23]}${letters[(i >> 6) % 23]}${String(i % 1000).padStart(3, '0')}`;
  batch.push({
    detection: { id: uuidv7(at), cameraId: i % 2 ? 'front' : 'rear', text, confidence: 0.9, candidates: [{ text, confidence: 0.9 }], region: 'us', firstSeen: at - 500, lastSeen: at, bestAt: at, frameCount: 4, direction: 'approaching' as const, box: { x: 0, y: 0, w: 10, h: 5 }, plateJpeg: jpeg, overviewJpeg: jpeg },
    position: null,
    hits: [],
  });
  if (batch.length === 1000) store.insertDetections(batch.splice(0));
}
if (batch.length) store.insertDetections(batch);

const events = new EventBus<LiveEvent>();
const app = await buildServer({
  config: config.http, registry, logger: silentLogger(), clock: systemClock, version: 'bench', device: { id: 'bench', agency: '', mode: 'patrol' },
  users: store.users, audit: store.audit, detections: store.detections, hits: store.hits,
  hotlist: { addLocalEntry: () => ({ ok: false, errors: [] }), removeLocalEntry: () => false, listLocalEntries: () => [] },
  events, snapshots: { snapshot: () => Promise.resolve(null) },
});
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const PASSWORD = 'benchmark passphrase';
store.users.create({ username: 'bench', role: 'administrator', passwordHash: await hashPassword(PASSWORD), fullName: 'Bench', contact: '' });

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

// Login at the production cost.
const loginMs: number[] = [];
let cookie = '';
let csrf = '';
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: PASSWORD }) });
  loginMs.push(performance.now() - t);
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  csrf = ((await res.json()) as { csrf: string }).csrf;
}

// Hit delivery: emit on the bus, time until each open stream has parsed the event.
async function delivery(clients: number, rounds: number): Promise<number[]> {
  const readers = await Promise.all(
    Array.from({ length: clients }, async () => {
      const res = await fetch(`${base}/api/events`, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`events: HTTP ${res.status}`);
      return res.body!.getReader();
    }),
  );
  const dec = new TextDecoder();
  const waitFor = async (r: ReadableStreamDefaultReader<Uint8Array>, marker: string): Promise<void> => {
    let text = '';
    while (!text.includes(marker)) {
      const { value, done } = await r.read();
      if (done) throw new Error('event stream ended');
      text += dec.decode(value);
    }
  };
  await Promise.all(readers.map((r) => waitFor(r, 'event: hello')));
  const out: number[] = [];
  const d = store.detections.recent(1)[0]!;
  for (let i = 0; i < rounds; i++) {
    const marker = `"id":${900000 + i},`;
    const hit: HitRecord = {
      id: 900000 + i, detectionId: d.id, generation: 'g', kind: 'exact', explanation: 'exact', informational: false, retroactive: false, createdAt: Date.now(), outcome: null, verifiedBy: null, verifiedAt: null, note: null,
      entry: { id: 'e', plate: d.text, state: null, list: 'stolen vehicle', priority: 1, reason: 'bench', caseNumber: null, informational: false, expiresAt: null },
    };
    const t = performance.now();
    const done = Promise.all(readers.map((r) => waitFor(r, marker)));
    events.emit({ type: 'hit', hit, detection: d });
    await done;
    out.push(performance.now() - t);
  }
  await Promise.all(readers.map((r) => r.cancel()));
  return out;
}
const one = await delivery(1, 100);
const twenty = await delivery(20, 50);

// Search with its audit row.
const searchMs: number[] = [];
const searches = [{ plate: '3C*' }, { plate: '?K??123' }, { cameraId: 'front', from: t0, to: t0 + 3600_000 }, {}];
for (let i = 0; i < 40; i++) {
  const t = performance.now();
  const res = await fetch(`${base}/api/search`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: JSON.stringify({ caseNumber: 'B-1', purpose: 'benchmark', ...searches[i % searches.length] }) });
  await res.arrayBuffer();
  searchMs.push(performance.now() - t);
}

await app.close();
await store.stop();
rmSync(dir, { recursive: true, force: true });

const rows: [string, number[]][] = [
  ['login (scrypt 2^15), ms', loginMs],
  ['hit to 1 open page (SSE), ms', one],
  ['hit to 20 open pages (SSE, all received), ms', twenty],
  [`search of ${N} stored reads + audit row (limit 500), ms`, searchMs],
];
console.log(`${'operation'.padEnd(52)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'max'.padStart(8)}`);
for (const [name, xs] of rows) console.log(`${name.padEnd(52)} ${pct(xs, 50).toFixed(1).padStart(8)} ${pct(xs, 90).toFixed(1).padStart(8)} ${Math.max(...xs).toFixed(1).padStart(8)}`);
const summary = (xs: number[]) => ({ p50: pct(xs, 50), p90: pct(xs, 90), max: Math.max(...xs), n: xs.length });
console.log(JSON.stringify({ bench: 'operator', detections: N, login_ms: summary(loginMs), hit_sse_1_ms: summary(one), hit_sse_20_ms: summary(twenty), search_ms: summary(searchMs) }));
