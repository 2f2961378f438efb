/**
 * Power cut: a child process storing and uploading is SIGKILLed at random moments. After every
 * restart, each detection it reported stored is present with intact images, and at the end
 * the receiver holds each exactly once. A few cuts by default; ALPR_EDGE_LONG_TESTS=1 runs 50.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/shared/clock.js';
import { sha256Hex } from '../../src/store/detections-repo.js';
import { makeUploader, startReceiver, uploadConfig, type TestReceiver } from '../upload/helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';
import { openTestStore } from './helpers/fixtures.js';
import { seededRandom } from '../helpers/random.js';
import { tempDir } from '../helpers/temp-dir.js';

const LONG = process.env.ALPR_EDGE_LONG_TESTS === '1';
const CUTS = LONG ? 50 : 3;
const CHILD_SOURCE = join(import.meta.dirname, 'helpers', 'ingest-child.ts');
// Bundled once: a child started through tsx spends seconds compiling before its first detection.
const CHILD = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'alpr-edge-tests', 'ingest-child.mjs');

interface Reported {
  plate: string;
  overview: string;
}

// Removed after the afterAll below (registered later, so run first) has killed the children.
const dir = tempDir('alpr-powercut-');
let rx: TestReceiver;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  buildSync({ entryPoints: [CHILD_SOURCE], bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node20', outfile: CHILD, logLevel: 'error' });
  rx = await startReceiver();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  await rx.close();
});

/** Runs the child until a random moment, SIGKILLs it, and returns what it reported stored. */
async function runAndCut(random: () => number): Promise<Map<string, Reported>> {
  const reported = new Map<string, Reported>();
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, CHILD_DATA_DIR: dir, CHILD_ENDPOINT: rx.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  let buf = '';
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  child.stdout.on('data', (b: Buffer) => {
    buf += b.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const [tag, id, plate, overview] = line.split(' ');
      if (tag === 'ready') ready();
      else if (tag === 'stored') reported.set(id!, { plate: plate!, overview: overview! });
    }
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await Promise.race([isReady, exited]);
  if (child.exitCode !== null) throw new Error(`child exited early (${child.exitCode}): ${stderr}`);
  // Cut anywhere from mid-start-up work to well into steady ingest and upload.
  await new Promise((r) => setTimeout(r, Math.floor(random() * 700)));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
  children.delete(child);
  return reported;
}

describe('power cut while storing and uploading', () => {
  it(`keeps every detection reported stored, with intact images, and delivers each exactly once (${CUTS} cuts)`, { timeout: LONG ? 600_000 : 120_000 }, async () => {
    const seed = Number(process.env.ALPR_EDGE_SEED ?? Date.now() % 100_000);
    const random = seededRandom(seed);
    const all = new Map<string, Reported>();
    for (let cut = 0; cut < CUTS; cut++) {
      const reported = await runAndCut(random);
      for (const [id, r] of reported) all.set(id, r);
      // After each cut the database opens clean and holds everything reported so far.
      const db = new BetterSqlite3(join(dir, 'alpr.db'));
      expect(db.pragma('quick_check', { simple: true }), `seed ${seed}, cut ${cut}`).toBe('ok');
      const rows = db.prepare('SELECT d.id, i.kind, i.sha256, i.data FROM detections d JOIN images i ON i.detection_n = d.n').all() as {
        id: string;
        kind: string;
        sha256: string;
        data: Buffer;
      }[];
      db.close();
      const stored = new Map<string, Record<string, string>>();
      for (const r of rows) {
        expect(sha256Hex(r.data), `image of ${r.id} intact`).toBe(r.sha256);
        stored.set(r.id, { ...stored.get(r.id), [r.kind]: r.sha256 });
      }
      for (const [id, r] of all) {
        expect(stored.get(id), `seed ${seed}, cut ${cut}: ${id} reported stored`).toEqual({ plate: r.plate, overview: r.overview });
      }
    }
    expect(all.size).toBeGreaterThan(CUTS);

    // Restart once more and let the upload drain.
    const t = await openTestStore({ dir, clock: systemClock });
    const { uploader } = makeUploader(t.store, uploadConfig({ endpoint: rx.url, batch_size: 200 }));
    try {
      await uploader.start();
      await waitFor(() => {
        const b = t.store.outbox.backlog();
        return b.pending + b.claimed === 0;
      }, 'the backlog to drain', { timeoutMs: 60_000 });
      expect(t.store.outbox.backlog().quarantined).toBe(0);
      const storedIds = t.store.detections.search({ limit: 10_000 }).map((s) => s.id);
      const receivedIds = rx.db.detectionIds('unit-7');
      expect(new Set(receivedIds).size).toBe(receivedIds.length);
      expect([...receivedIds].sort()).toEqual([...storedIds].sort());
      for (const id of all.keys()) {
        expect(rx.db.image('unit-7', id, 'overview')!.sha256).toBe(all.get(id)!.overview);
      }
      // The audit log made it across in order and unbroken.
      expect(t.store.audit.verify().ok).toBe(true);
      expect(rx.db.auditRows('unit-7').map((a) => a.id)).toEqual(t.store.audit.query({ limit: 10_000 }).map((a) => a.id).reverse());
    } finally {
      await uploader.stop();
      await t.cleanup();
    }
  });
});
