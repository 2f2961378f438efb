/**
 * A simulated fleet and the central processes it talks to, shared by the JetStream test and
 * `npm run bench:fleet`.
 *
 * - `CentralProcesses` runs real `alpr-edge central` receivers and ingest workers as child
 *   processes (one config file each), and kills or restarts any of them by PID.
 * - `SimulatedDevice` behaves like the device uploader on the wire: it sends a batch with an
 *   Idempotency-Key, resends the same batch after any failure (to the next receiver, as a load
 *   balancer would), and settles only the items the answer names.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { uuidv7 } from '../../src/shared/uuid.js';
import { encodeBatch } from '../../src/upload/codec.js';
import type { WireAck, WireBatch, WireDetection } from '../../src/upload/wire.js';
import { freePort } from '../peers/free-port.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'alpr-edge');

export interface CentralProcess {
  role: 'receiver' | 'worker';
  child: ChildProcess;
  config: string;
  port: number;
  output: string;
}

export class CentralProcesses {
  readonly procs: CentralProcess[] = [];

  constructor(
    private readonly dir: string,
    private readonly base: Record<string, unknown>,
  ) {}

  /** Starts a receiver on its own port, or a worker; resolves once it says it runs. */
  async start(role: 'receiver' | 'worker', index: number, port?: number): Promise<CentralProcess> {
    const p = port ?? (role === 'receiver' ? await freePort() : 0);
    const config = join(this.dir, `${role}-${index}.json`);
    writeFileSync(config, JSON.stringify({ ...this.base, http: { ...(this.base.http as object), host: '127.0.0.1', port: p } }));
    const child = spawn(process.execPath, [BIN, 'central', '--config', config, '--role', role], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proc: CentralProcess = { role, child, config, port: p, output: '' };
    const keep = (d: Buffer): void => void (proc.output = (proc.output + d.toString()).slice(-20_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`central ${role} did not start in 60 s: ${proc.output}`)), 60_000);
      const onData = (): void => {
        if (/central \w+ running/.test(proc.output)) {
          clearTimeout(timer);
          res();
        }
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`central ${role} exited (${code}) during start: ${proc.output}`));
      });
    });
    this.procs[this.procs.length] = proc;
    return proc;
  }

  receivers(): string[] {
    return this.procs.filter((p) => p.role === 'receiver' && alive(p)).map((p) => `http://127.0.0.1:${p.port}`);
  }

  pids(): number[] {
    return this.procs.filter(alive).map((p) => p.child.pid!);
  }

  async kill(p: CentralProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!alive(p)) return;
    const exited = new Promise((r) => p.child.once('exit', r));
    p.child.kill(signal);
    await exited;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => this.kill(p, 'SIGTERM')));
  }
}

function alive(p: CentralProcess): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

export function jpeg(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i + 4 <= size; i += 4) b.writeUInt32LE((Math.imul(i + 1, 2654435761) ^ seed) >>> 0, i);
  b[0] = 0xff;
  b[1] = 0xd8;
  return b;
}

export function simDetection(device: number, n: number, at: number, images: { plate: number; overview: number } | null): WireDetection {
  const text = `${String.fromCharCode(65 + (n % 26))}${String.fromCharCode(65 + ((n >> 5) % 26))}${(device * 7919 + n) % 10_000}`;
  const img = (size: number, seed: number): WireDetection['images']['plate'] => {
    const data = jpeg(size, seed);
    return { sha256: createHash('sha256').update(data).digest('hex'), bytes: size, content_type: 'image/jpeg', data };
  };
  return {
    id: uuidv7(at),
    revision: 0,
    camera_id: n % 2 ? 'front' : 'rear',
    text,
    confidence: 0.9,
    candidates: [{ text, confidence: 0.9 }],
    region: 'us',
    first_seen: at - 900,
    last_seen: at,
    best_at: at - 300,
    frame_count: 5,
    direction: 'approaching',
    box: { x: 100, y: 200, w: 120, h: 40 },
    position: { lat: 38.58 + device / 1000, lon: -121.49, altitude_m: 10, speed_mps: 12, heading_deg: 90, mode: '3d', satellites: 9, hdop: 0.9, age_ms: 120, trusted: true, untrusted_reason: null, interpolated: false },
    stored_at: at,
    evidence_hold: false,
    images: images ? { plate: img(images.plate, device * 1_000_003 + n), overview: img(images.overview, device * 7_000_003 + n) } : { plate: null, overview: null },
    hits: [],
  };
}

interface PendingBatch {
  body: Buffer;
  contentType: string;
  batchId: string;
  detections: WireDetection[];
}

export interface DeviceStats {
  requests: number;
  failures: number;
  acked: number;
  /** 200 answers that left items unacknowledged. */
  partial: number;
}

/** One device: its detections, sent in batches until every one is acknowledged. */
export class SimulatedDevice {
  readonly ids: string[] = [];
  private readonly queue: PendingBatch[] = [];
  readonly stats: DeviceStats = { requests: 0, failures: 0, acked: 0, partial: 0 };

  constructor(
    readonly deviceId: string,
    detections: WireDetection[],
    batchSize: number,
  ) {
    for (let i = 0; i < detections.length; i += batchSize) this.queue.push(this.encode(detections.slice(i, i + batchSize)));
    for (const d of detections) this.ids.push(d.id);
  }

  private encode(detections: WireDetection[]): PendingBatch {
    const batch: WireBatch = { api: 1, device_id: this.deviceId, batch_id: uuidv7(), sent_at: Date.now(), detections, hits: [], audit: [] };
    const e = encodeBatch(batch, 'msgpack', false);
    return { body: e.body, contentType: e.contentType, batchId: batch.batch_id, detections };
  }

  get done(): boolean {
    return this.queue.length === 0;
  }

  /** Sends until settled; `endpoints()` is asked again after each failure (the balancer's view). */
  async run(endpoints: () => string[], offset: number, isStopping: () => boolean = () => false): Promise<void> {
    let attempt = offset;
    let delay = 50;
    while (this.queue.length > 0 && !isStopping()) {
      const b = this.queue[0]!;
      const urls = endpoints();
      const url = urls[attempt % Math.max(1, urls.length)];
      this.stats.requests++;
      let ack: WireAck | null = null;
      try {
        if (!url) throw new Error('no receiver');
        const res = await fetch(`${url}/v1/batches`, {
          method: 'POST',
          body: b.body,
          headers: { 'content-type': b.contentType, 'idempotency-key': b.batchId, 'x-device-id': this.deviceId },
          signal: AbortSignal.timeout(30_000),
        });
        if (res.status === 200) ack = (await res.json()) as WireAck;
        else await res.arrayBuffer();
      } catch {
        ack = null;
      }
      if (!ack) {
        // Like the uploader: the same batch again after a backoff with jitter, via the balancer.
        this.stats.failures++;
        attempt++;
        await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
        delay = Math.min(delay * 2, 2000);
        continue;
      }
      delay = 50;
      this.queue.shift();
      const acked = new Set(ack.acknowledged.detections);
      this.stats.acked += acked.size;
      const rejected = ack.rejected.filter((r) => r.stream === 'detection');
      if (rejected.length > 0) throw new Error(`${this.deviceId}: detections rejected: ${rejected.map((r) => r.reason).join('; ')}`);
      // Items a 200 does not name (their publish failed) go out again in a new batch, as the uploader does.
      const left = b.detections.filter((d) => !acked.has(d.id));
      if (left.length > 0) {
        this.stats.partial++;
        this.queue.push(this.encode(left));
      }
    }
  }
}
