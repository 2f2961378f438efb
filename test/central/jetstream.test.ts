/**
 * NATS mode end to end with real processes: `alpr-edge central` receivers and ingest workers as
 * children, a real nats-server -js and PostgreSQL. A worker and a receiver are killed (SIGKILL)
 * while devices upload; every detection ends up in PostgreSQL exactly once.
 */
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsPeer } from '../peers/nats-peer.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { CentralProcesses, simDetection, SimulatedDevice } from './fleet.js';
import { waitFor } from '../helpers/wait-for.js';
import { freshDatabase } from './helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const pg = new PostgresPeer({ fsync: false });
const nats = new NatsPeer();
// Removed after the afterAll below (registered later, so run first) has stopped the central processes working in it.
const dir = tempDir('alpr-central-js-');
let procs: CentralProcesses;
let db: Client;

beforeAll(async () => {
  await Promise.all([pg.start(), nats.start()]);
  const url = await freshDatabase(pg);
  db = new Client({ connectionString: url });
  await db.connect();
  procs = new CentralProcesses(dir, {
    mode: 'nats',
    postgres: { url, pool_max: 4 },
    nats: { servers: [nats.url], ack_wait_s: 2 },
    auth: { mode: 'none' },
    worker: { fetch_max: 50 },
    retention: { run_every_h: 0 },
    log_level: 'warn',
  });
});
afterAll(async () => {
  await procs?.stopAll();
  await db?.end();
  await Promise.all([pg.cleanup(), nats.cleanup()]);
});

const stored = async (): Promise<number> => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM detections')).rows[0]!.n);

describe('nats mode', () => {
  it('loses and doubles nothing when a worker and a receiver are killed mid-stream', { timeout: 240_000 }, async () => {
    const [r1] = await Promise.all([procs.start('receiver', 1), procs.start('receiver', 2)]);
    const [w1] = await Promise.all([procs.start('worker', 1), procs.start('worker', 2)]);
    const now = Date.now() - 3_600_000;
    const devices = Array.from({ length: 20 }, (_, d) => new SimulatedDevice(`sim-${d}`, Array.from({ length: 150 }, (_, n) => simDetection(d, n, now + n * 1000, null)), 25));
    const total = devices.length * 150;
    const running = Promise.all(devices.map((d, i) => d.run(() => procs.receivers(), i)));

    await waitFor(async () => (await stored()) >= total * 0.2, 'a fifth of the detections to be stored', { timeoutMs: 60_000, intervalMs: 50 });
    await procs.kill(w1);
    await waitFor(async () => (await stored()) >= total * 0.4, 'ingest to go on with one worker', { timeoutMs: 60_000, intervalMs: 50 });
    await procs.kill(r1);
    await running;
    expect(devices.every((d) => d.done)).toBe(true);
    // Messages the killed worker held come back after ack_wait and go to the surviving worker.
    await waitFor(async () => (await stored()) >= total, 'every detection to be stored', { timeoutMs: 90_000, intervalMs: 50 });

    const ids = devices.flatMap((d) => d.ids.map((id) => `${d.deviceId}/${id}`)).sort();
    const rows = (await db.query<{ k: string; n: string }>("SELECT device_id || '/' || id AS k, count(*) AS n FROM detections GROUP BY 1 ORDER BY 1")).rows;
    expect(rows.map((r) => r.k).sort()).toEqual(ids);
    expect(rows.every((r) => r.n === '1')).toBe(true);
    const hb = (await db.query<{ n: string }>('SELECT count(*) AS n FROM heartbeats')).rows[0]!;
    expect(Number(hb.n)).toBe(devices.length);
  });

  it('a receiver and a worker still exit on SIGTERM while NATS is down', { timeout: 120_000 }, async () => {
    const live = procs.procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    expect(live.length).toBeGreaterThanOrEqual(2);
    await nats.stop('SIGKILL');
    const codes = await Promise.all(live.map((p) => new Promise<number | null>((r) => { p.child.once('exit', (c) => r(c)); p.child.kill('SIGTERM'); })));
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
