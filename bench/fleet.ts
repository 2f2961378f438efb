/**
 * Fleet simulation against the central tier in nats mode, all on this machine: N simulated
 * devices → 2 receivers → JetStream → 2 ingest workers → PostgreSQL (fsync on). Real processes
 * throughout (`alpr-edge central` children, nats-server -js, postgres).
 *
 *   npm run bench:fleet      (ALPR_EDGE_BENCH_DEVICES=200, ALPR_EDGE_BENCH_SCALE=1)
 *
 * Phases: (1) without images; (2) with images; (3) backlog drain: devices upload while the
 * workers are paused, then the workers drain the stream; (4) faults: a receiver and a worker
 * SIGKILLed mid-run and restored; (5) outages: nats-server killed and restarted, then
 * PostgreSQL crashed and restarted. At the end every detection any device sent must be
 * in PostgreSQL exactly once. CPU is read from /proc for each process tree (central children,
 * postgres, nats-server); the simulated devices run in this process and are not counted.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { NatsPeer } from '../test/peers/nats-peer.js';
import { PostgresPeer } from '../test/peers/postgres-peer.js';
import { CentralProcesses, simDetection, SimulatedDevice } from '../test/central/fleet.js';

const DEVICES = Number(process.env.ALPR_EDGE_BENCH_DEVICES ?? 200);
const SCALE = Number(process.env.ALPR_EDGE_BENCH_SCALE ?? 1);
const BATCH = 100;
const PER_DEVICE = Math.max(10, Math.round(150 * SCALE));
const PER_DEVICE_IMAGES = Math.max(5, Math.round(15 * SCALE));
const IMAGES = { plate: 3 * 1024, overview: 40 * 1024 };
const TICK = 100; // clock ticks per second (CLK_TCK on Linux)

const dir = mkdtempSync(join(tmpdir(), 'alpr-bench-fleet-'));
const pg = new PostgresPeer({ settings: { shared_buffers: '256MB', max_wal_size: '2GB', checkpoint_timeout: '15min' } });
const nats = new NatsPeer();
await Promise.all([pg.start(), nats.start()]);
const admin = new Client({ connectionString: pg.url });
await admin.connect();
await admin.query('CREATE DATABASE fleet');
await admin.end();
const url = `postgres://postgres@127.0.0.1:${pg.port}/fleet`;
// A pool, not a client: it reconnects after the PostgreSQL outage below.
const db = new Pool({ connectionString: url, max: 2 });
db.on('error', () => undefined);
const procs = new CentralProcesses(dir, {
  mode: 'nats',
  postgres: { url, pool_max: 4 },
  nats: { servers: [nats.url], ack_wait_s: 5 },
  auth: { mode: 'none' },
  worker: { fetch_max: 1000 },
  retention: { run_every_h: 0 },
  log_level: 'warn',
});

/** CPU ticks per process tree, remembered per PID so a killed process's time still counts. */
class CpuMeter {
  private readonly seen = new Map<string, Map<number, number>>();

  sample(groups: Record<string, number[]>): void {
    const stats = new Map<number, { ppid: number; ticks: number }>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const s = readFileSync(`/proc/${name}/stat`, 'utf8');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        stats.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
      } catch {
        // The process ended between readdir and read.
      }
    }
    for (const [group, pids] of Object.entries(groups)) {
      const roots = new Set(pids);
      const seen = this.seen.get(group) ?? new Map<number, number>();
      this.seen.set(group, seen);
      for (const [pid, st] of stats) {
        let p: number | undefined = pid;
        for (let depth = 0; p && depth < 6; depth++) {
          if (roots.has(p)) {
            seen.set(pid, Math.max(seen.get(pid) ?? 0, st.ticks));
            break;
          }
          p = stats.get(p)?.ppid;
        }
      }
    }
  }

  total(group: string): number {
    let t = 0;
    for (const v of this.seen.get(group)?.values() ?? []) t += v;
    return t;
  }
}

interface Cpu {
  central: number;
  postgres: number;
  nats: number;
}
const meter = new CpuMeter();
const sampleCpu = (): void => meter.sample({ central: procs.pids(), postgres: [pg.pid!], nats: [nats.pid!] });
const sampler = setInterval(sampleCpu, 200);
const cpuNow = (): Cpu => {
  sampleCpu();
  return { central: meter.total('central'), postgres: meter.total('postgres'), nats: meter.total('nats') };
};
const stored = async (): Promise<number> => {
  for (;;) {
    try {
      return Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM detections')).rows[0]!.n);
    } catch {
      await new Promise((r) => setTimeout(r, 200)); // PostgreSQL is being restarted
    }
  }
};
async function waitStored(n: number, ms = 600_000): Promise<void> {
  const end = Date.now() + ms;
  while ((await stored()) < n) {
    if (Date.now() > end) throw new Error(`only ${await stored()} of ${n} detections stored after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let clockBase = Date.now() - 6 * 3_600_000;
function fleet(perDevice: number, images: typeof IMAGES | null, tag: string): SimulatedDevice[] {
  const base = clockBase;
  clockBase += perDevice * 100;
  return Array.from({ length: DEVICES }, (_, d) => new SimulatedDevice(`${tag}-${d}`, Array.from({ length: perDevice }, (_, n) => simDetection(d, n, base + n * 100, images)), BATCH));
}

interface PhaseResult {
  phase: string;
  detections: number;
  seconds: number;
  per_s: number;
  acked_per_s: number;
  cpu_ms_per_1000: Cpu & { total: number };
  retries: number;
}
const results: PhaseResult[] = [];
const all: SimulatedDevice[] = [];

async function phase(name: string, devices: SimulatedDevice[], during?: (total: number) => Promise<void>): Promise<PhaseResult> {
  if (!name.startsWith('warm')) all.push(...devices);
  const before = await stored();
  const total = devices.reduce((s, d) => s + d.ids.length, 0);
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const running = Promise.all(devices.map((d, i) => d.run(() => procs.receivers(), i)));
  const extra = during ? during(before + total) : Promise.resolve();
  await running;
  const tAcked = performance.now();
  await extra;
  await waitStored(before + total);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuNow();
  const ms = (a: number, b: number): number => Math.round((((b - a) / TICK) * 1000 * 1000) / total);
  const c = { central: ms(cpu0.central, cpu1.central), postgres: ms(cpu0.postgres, cpu1.postgres), nats: ms(cpu0.nats, cpu1.nats) };
  const r: PhaseResult = {
    phase: name,
    detections: total,
    seconds: Math.round(seconds * 10) / 10,
    per_s: Math.round(total / seconds),
    acked_per_s: Math.round(total / ((tAcked - t0) / 1000)),
    cpu_ms_per_1000: { ...c, total: c.central + c.postgres + c.nats },
    retries: devices.reduce((s, d) => s + d.stats.failures + d.stats.partial, 0),
  };
  results.push(r);
  console.error(`${name}: ${JSON.stringify(r)}`);
  return r;
}

try {
  const [r1] = [await procs.start('receiver', 1), await procs.start('receiver', 2)];
  const [w1] = [await procs.start('worker', 1), await procs.start('worker', 2)];

  // Warm-up: JIT, connection pools, first partitions.
  await phase('warm-up', fleet(5, null, 'warm'));
  results.length = 0;

  await phase('no images', fleet(PER_DEVICE, null, 'plain'));
  await phase(`images (${IMAGES.plate / 1024} + ${IMAGES.overview / 1024} KiB)`, fleet(PER_DEVICE_IMAGES, IMAGES, 'img'));

  // Backlog: the workers are paused (SIGSTOP) while devices deliver to JetStream; then they drain it.
  const workers = procs.procs.filter((p) => p.role === 'worker' && p.child.exitCode === null);
  for (const w of workers) w.child.kill('SIGSTOP');
  const backlog = fleet(PER_DEVICE, null, 'backlog');
  const nBacklog = backlog.reduce((s, d) => s + d.ids.length, 0);
  const before = await stored();
  const tUp = performance.now();
  await Promise.all(backlog.map((d, i) => d.run(() => procs.receivers(), i)));
  const upS = (performance.now() - tUp) / 1000;
  all.push(...backlog);
  const cpu0 = cpuNow();
  const tDrain = performance.now();
  for (const w of workers) w.child.kill('SIGCONT');
  await waitStored(before + nBacklog);
  const drainS = (performance.now() - tDrain) / 1000;
  const cpu1 = cpuNow();
  const drain = {
    detections: nBacklog,
    receive_only_per_s: Math.round(nBacklog / upS),
    drain_per_s: Math.round(nBacklog / drainS),
    drain_cpu_ms_per_1000: Math.round((((cpu1.central - cpu0.central + cpu1.postgres - cpu0.postgres + cpu1.nats - cpu0.nats) / TICK) * 1e6) / nBacklog),
  };
  console.error(`backlog: ${JSON.stringify(drain)}`);

  // Faults while devices upload: a receiver SIGKILLed at 15 % of the detections acknowledged to devices and
  // restored at 45 %; a worker SIGKILLed at 30 % of them stored and restored at 60 %.
  const liveReceiver = procs.procs.find((p) => p.role === 'receiver' && p === r1)!;
  const liveWorker = procs.procs.filter((p) => p.role === 'worker' && p !== w1 && p.child.exitCode === null)[0] ?? w1;
  const faults: string[] = [];
  const faultFleet = fleet(PER_DEVICE, null, 'fault');
  const acked = (): number => faultFleet.reduce((s, d) => s + d.stats.acked, 0);
  const untilAcked = async (n: number): Promise<void> => {
    while (acked() < n) await new Promise((r) => setTimeout(r, 5));
  };
  await phase('faults (receiver and worker killed, restored)', faultFleet, async (target) => {
    const total = faultFleet.reduce((s, d) => s + d.ids.length, 0);
    const start = target - total;
    const receiverFaults = (async () => {
      await untilAcked(total * 0.15);
      await procs.kill(liveReceiver);
      faults.push(`receiver killed at ${acked()} acknowledged`);
      await untilAcked(total * 0.45);
      await procs.start('receiver', 1, liveReceiver.port);
      faults.push(`receiver restored at ${acked()} acknowledged`);
    })();
    const workerFaults = (async () => {
      await waitStored(start + total * 0.3);
      await procs.kill(liveWorker);
      faults.push(`worker killed at ${(await stored()) - start} stored`);
      await waitStored(start + total * 0.6);
      await procs.start('worker', 3);
      faults.push(`worker restored at ${(await stored()) - start} stored`);
    })();
    await Promise.all([receiverFaults, workerFaults]);
  });
  // Outages: nats-server SIGKILLed at 15 % acknowledged and restarted (same port, same store);
  // PostgreSQL crashed (SIGQUIT: immediate shutdown, WAL recovery on restart) at 40 % stored and restarted.
  const outageFleet = fleet(PER_DEVICE, null, 'outage');
  const ackedO = (): number => outageFleet.reduce((s, d) => s + d.stats.acked, 0);
  await phase('outages (nats-server, then PostgreSQL, killed and restarted)', outageFleet, async (target) => {
    const total = outageFleet.reduce((s, d) => s + d.ids.length, 0);
    const start = target - total;
    while (ackedO() < total * 0.15) await new Promise((r) => setTimeout(r, 5));
    await nats.stop('SIGKILL');
    faults.push(`nats-server killed at ${ackedO()} acknowledged`);
    await new Promise((r) => setTimeout(r, 2000));
    await nats.start();
    faults.push(`nats-server restarted at ${ackedO()} acknowledged`);
    await waitStored(start + total * 0.4);
    await pg.stop('SIGQUIT');
    faults.push('postgres crashed at 40 % stored');
    await new Promise((r) => setTimeout(r, 2000));
    await pg.start(pg.port);
    faults.push(`postgres restarted at ${ackedO()} acknowledged`);
  });
  console.error(faults.join('; '));

  // Exactly once: every id any device sent is stored, and no (device, id) twice.
  const sent = all.reduce((s, d) => s + d.ids.length, 0);
  const check = (
    await db.query<{ rows: string; distinct_keys: string }>(`SELECT count(*) AS rows, count(DISTINCT (device_id, id)) AS distinct_keys FROM detections WHERE device_id NOT LIKE 'warm-%'`)
  ).rows[0]!;
  const missing = await (async () => {
    let n = 0;
    for (const d of all) {
      const r = await db.query<{ n: string }>('SELECT count(*) AS n FROM detections WHERE device_id = $1 AND id = ANY($2::uuid[])', [d.deviceId, d.ids]);
      n += d.ids.length - Number(r.rows[0]!.n);
    }
    return n;
  })();
  const exactlyOnce = Number(check.rows) === sent && Number(check.distinct_keys) === sent && missing === 0;

  console.log('');
  console.log(`Fleet: ${DEVICES} devices, batches of ${BATCH}, 2 receivers + 2 workers (nats mode), PostgreSQL fsync on, ${process.env.HOSTNAME ?? ''} ${(await import('node:os')).cpus().length} cores`);
  console.log('phase'.padEnd(48) + 'detections'.padStart(11) + 'stored/s'.padStart(10) + 'acked/s'.padStart(10) + 'CPU ms/1000 (app+pg+nats)'.padStart(30) + 'retries'.padStart(9));
  for (const r of results) {
    const c = r.cpu_ms_per_1000;
    console.log(
      r.phase.padEnd(48) + String(r.detections).padStart(11) + String(r.per_s).padStart(10) + String(r.acked_per_s).padStart(10) + `${c.total} (${c.central}+${c.postgres}+${c.nats})`.padStart(30) + String(r.retries).padStart(9),
    );
  }
  const perHour = 1000;
  console.log(
    `backlog drain by 2 workers: ${drain.drain_per_s}/s (receivers alone took ${drain.receive_only_per_s}/s); a 1-hour backlog of ${DEVICES} devices at ${perHour} detections/h each ` +
      `(${DEVICES * perHour}) drains in ${Math.round((DEVICES * perHour) / drain.drain_per_s)} s`,
  );
  console.log(`faults: ${faults.join('; ')}`);
  console.log(`exactly once: ${exactlyOnce ? 'yes' : 'NO'} (${sent} sent, ${check.rows} rows, ${check.distinct_keys} distinct keys, ${missing} missing)`);
  console.log(JSON.stringify({ bench: 'fleet', devices: DEVICES, batch: BATCH, phases: results, backlog: drain, faults, exactly_once: exactlyOnce, sent, rows: Number(check.rows), missing }));
  if (!exactlyOnce) process.exitCode = 1;
} finally {
  clearInterval(sampler);
  await procs.stopAll();
  await db.end().catch(() => undefined);
  await Promise.all([pg.cleanup(), nats.cleanup()]);
  rmSync(dir, { recursive: true, force: true });
}
