/**
 * Store-and-forward uploader: claims batches from the store's outbox, sends them to the central
 * server, and settles each item only on the server's per-item acknowledgement.
 *
 *   outbox ──claim N──▶ batch (idempotency key) ──POST──▶ server
 *     ▲                     │ 2xx ack ──▶ items settled; rejected ──▶ quarantined
 *     └──release (stop)─────┘ 5xx / 429 / timeout / reset ──▶ same batch again after Backoff or Retry-After
 *
 * A batch is due when a hit waits, when `batch_size` items wait, or when the oldest has waited
 * `batch_interval_s`. Its size follows the link (LinkEstimator): about `batch_target_s` of
 * sending at the measured rate, at most `batch_max_mb` and `batch_size` items, hits first; its
 * time limit grows with its bytes. The same batch (same key) is retried until settled, so the
 * server can answer a repeat from its record of the first; only a batch that timed out and is
 * now bigger than the link allows is handed back and re-cut smaller.
 *
 * Records before images (`images: deferred`): batches carry records only; a detection's images
 * follow, one detection at a time, in resumable pieces (ImageSender). Order: hits' records,
 * hits' images, records, images. Misread corrections travel as their own stream to a receiver
 * that announces `corrections` (GET v1/capabilities, asked when the link first answers and every
 * 30 minutes); to one that does not, the audit row that recorded them is their upload, as before.
 *
 * One pacing rule (UploadHealth.pause): after any failed request, a batch POST, an image PUT or
 * a piece, the wait is the server's Retry-After or the next backoff step, and it runs to its end.
 * New detections (the store's `onStored`) and `wake()` only end an idle wait; during an outage
 * they used to cut every backoff short (398 connection attempts in 8 minutes where the backoff
 * allows ~10).
 *
 * Settling an answer is settlement.ts; the unit's state and gauges are upload-health.ts; the
 * batch's records batch-builder.ts; the receiver's capabilities receiver-features.ts; one
 * detection's deferred images image-set.ts; what it needs of the store ports.ts.
 */
import type { UploadConfig } from '../config/sections/upload.js';
import type { Clock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import { scrubSecrets } from '../shared/redact.js';
import { Sleeper } from '../shared/sleeper.js';
import type { StatusReporter } from '../status/registry.js';
import type { OutboxEntry, QueuePeek } from '../store/outbox-repo.js';
import { encodeBatch, type EncodedBody } from './codec.js';
import { Settler, type Batch, type Sent, type Settlement } from './settlement.js';
import { UploadHealth } from './upload-health.js';
import { UploadErrors } from './errors.js';
import { UploadClient } from './http-client.js';
import { classifyResponse, type Outcome } from './response.js';
import { LinkEstimator } from './link-estimator.js';
import { ImageSender } from './image-sender.js';
import { sendImageSet } from './image-set.js';
import { BatchBuilder } from './batch-builder.js';
import { ReceiverFeatures } from './receiver-features.js';
import type { UploadStore } from './ports.js';

export interface UploaderDeps {
  config: UploadConfig;
  deviceId: string;
  /** The store, through the uploader's port (ports.ts). */
  store: UploadStore;
  logger: Logger;
  status: StatusReporter;
  clock: Clock;
  random?: () => number;
}

/** Milliseconds until a batch is due (0 = now); `idleMs` when nothing waits. */
export function batchDueIn(peek: QueuePeek, now: number, intervalMs: number, idleMs: number): number {
  if (!peek.top) return idleMs;
  if (peek.top.priority > 0 || peek.full) return 0;
  return Math.max(0, peek.top.enqueuedAt + intervalMs - now);
}

/** An idle wait ends when something is stored; a paced one (backoff, Retry-After) never early. */
type WaitKind = 'idle' | 'paced';

/** With nothing queued, look again this often anyway (a wake-up could only be missed by a bug). */
const IDLE_POLL_MS = 30_000;
const STATUS_INTERVAL_MS = 5_000;

export class Uploader implements Unit {
  readonly name = 'upload';
  private client: UploadClient | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private readonly sleeper = new Sleeper();
  private waitKind: WaitKind | null = null;
  private unsubscribe: (() => void) | null = null;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly link: LinkEstimator;
  private readonly health: UploadHealth;
  private readonly settler: Settler;
  private readonly features: ReceiverFeatures;
  private readonly batches: BatchBuilder;
  private readonly images: ImageSender;

  constructor(private readonly deps: UploaderDeps) {
    const c = deps.config;
    this.link = new LinkEstimator({
      targetSendMs: c.batch_target_s * 1000,
      maxBatchBytes: c.batch_max_mb * 1024 * 1024,
      baseTimeoutMs: c.timeout_s * 1000,
      minBytesPerS: (c.min_rate_kbit_s * 1000) / 8,
    });
    this.images = new ImageSender({
      outbox: () => deps.store.outbox,
      link: this.link,
      deviceId: deps.deviceId,
      send: (method, path, headers, body, timeoutMs) => {
        if (!this.client) return Promise.reject(new Error('stopping'));
        return this.client.send(method, path, headers, body, timeoutMs);
      },
      stopped: () => this.stopped,
      hitWaiting: () => this.hitWaiting(),
      progressed: (bytes) => {
        this.deps.status.count('bytes_sent', bytes);
        this.health.succeeded(0, bytes, false);
      },
    });
    this.health = new UploadHealth({
      config: c,
      status: deps.status,
      logger: deps.logger,
      clock: deps.clock,
      link: this.link,
      outbox: () => deps.store.outbox,
      pieces: () => ({ pieces: this.images.pieces, resumed: this.images.resumed }),
      stopped: () => this.stopped,
      random: deps.random,
    });
    this.features = new ReceiverFeatures({ deviceId: deps.deviceId, clock: deps.clock, status: deps.status, logger: deps.logger, timeoutMs: () => this.link.timeoutMs(0) });
    this.batches = new BatchBuilder({ images: c.images, deviceId: deps.deviceId, store: deps.store, clock: deps.clock, status: deps.status, features: this.features });
    this.settler = new Settler({ outbox: () => deps.store.outbox, link: this.link, health: this.health, status: deps.status, logger: deps.logger, deferred: c.images === 'deferred' });
  }

  private get deferred(): boolean {
    return this.deps.config.images === 'deferred';
  }

  /** A hit's record or a hit's image waits (an image of a plain read yields to it between pieces). */
  private hitWaiting(): boolean {
    const outbox = this.deps.store.outbox;
    return (outbox.peek(1, { recordsOnly: true }).top?.priority ?? 0) > 0 || (outbox.peekImages()?.priority ?? 0) > 0;
  }

  start(): Promise<void> {
    const { config, status, store } = this.deps;
    if (!config.enabled) {
      status.set('disabled', 'upload.enabled is false');
      return Promise.resolve();
    }
    const base = config.endpoint.endsWith('/') ? config.endpoint : `${config.endpoint}/`;
    try {
      this.client = new UploadClient(config, base); // reads the TLS files: UPLOAD_TLS_FILE
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.stopped = false;
    this.health.begin();
    status.detail('endpoint', scrubSecrets(config.endpoint));
    status.detail('format', config.format);
    status.detail('images', config.images);
    this.unsubscribe = store.onStored((e) => {
      if (e.changed) this.wake();
    });
    status.detail('pacing', 'backoff and Retry-After waits are not cut short by new detections');
    this.statusTimer = setInterval(() => this.health.refresh(), STATUS_INTERVAL_MS);
    this.statusTimer.unref();
    this.health.refresh();
    this.running = this.loop();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    clearInterval(this.statusTimer);
    this.interrupt();
    const client = this.client;
    this.client = null;
    await client?.close();
    await this.running;
    this.running = null;
    if (this.deps.config.enabled) {
      this.health.refresh();
      this.deps.status.set('stopped');
    }
  }

  /**
   * Something was stored: look at the queue now if idle. A backoff or Retry-After wait in
   * progress is left to run out (the pacing rule); the item goes with the next attempt.
   */
  wake(): void {
    if (this.waitKind === 'idle') this.interrupt();
  }

  private interrupt(): void {
    this.waitKind = null;
    this.sleeper.wake();
  }

  private async loop(): Promise<void> {
    const { store, config, clock } = this.deps;
    while (!this.stopped) {
      try {
        const records = store.outbox.peek(config.batch_size, { recordsOnly: this.deferred });
        const due = batchDueIn(records, clock.now(), config.batch_interval_s * 1000, IDLE_POLL_MS);
        // Records first, hits first: a hit's record, then a hit's images, then records, then images.
        const images = this.deferred ? store.outbox.peekImages() : null;
        const imagesFirst = images !== null && (due > 0 || (images.priority > 0 && (records.top?.priority ?? 0) === 0));
        if (due > 0 && !imagesFirst) {
          await this.sleep(due, 'idle');
          continue;
        }
        const delay = imagesFirst ? await this.sendImages() : await this.sendBatch();
        if (delay > 0) await this.sleep(delay, 'paced');
      } catch (err) {
        if (this.stopped) break;
        this.health.fail(errorMessage(err), false);
        await this.sleep(this.health.pause(), 'paced');
      }
    }
  }

  /** Claims and sends one batch until it is settled or the unit stops; returns a pause before the next. */
  private async sendBatch(): Promise<number> {
    const { store, config } = this.deps;
    const budget = this.link.batchBytes();
    const inlineBytes = config.images === 'inline' || config.images === 'separate';
    const { entries, bytes: estimatedBytes } = store.outbox.claimBytes(config.batch_size, budget, inlineBytes, { recordsOnly: this.deferred });
    if (entries.length === 0) return 0;
    if (entries.some((e) => e.stream === 'correction')) await this.features.ask(this.client);
    return this.sendClaimed(entries, estimatedBytes, false);
  }

  /** Sends claimed items as one batch until settled or stopped; returns a pause before the next. */
  private async sendClaimed(entries: OutboxEntry[], estimatedBytes: number, imagesPhase: boolean): Promise<number> {
    const { store, config } = this.deps;
    let settled = false;
    let settledAt: Settlement = { settled: false, delayMs: 0 };
    try {
      const batch = this.batches.build(entries, estimatedBytes, imagesPhase);
      if (batch.byKey.size === 0) {
        settled = true;
        return 0;
      }
      // Separate images: each is PUT first, then the batch that names them. A failed PUT waits
      // by the same pacing rule as a failed POST, and the next pass skips the images stored.
      let imagesLeft = config.images === 'separate' && !imagesPhase;
      let body: EncodedBody | null = null;
      while (!this.stopped) {
        if (imagesLeft) {
          const wait = await this.putImages(batch);
          if (this.stopped) break;
          if (wait !== null) {
            await this.sleep(wait, 'paced');
            continue;
          }
          imagesLeft = false;
        }
        body ??= encodeBatch(batch.wire, config.format, config.gzip);
        const headers: Record<string, string> = { 'content-type': body.contentType, 'idempotency-key': batch.wire.batch_id, 'x-device-id': this.deps.deviceId };
        if (body.contentEncoding) headers['content-encoding'] = body.contentEncoding;
        const sent = await this.post('v1/batches', headers, body.body);
        if (this.stopped) break;
        settledAt = this.settler.apply(sent, batch, body.body.length);
        if (settledAt.settled) break;
        if (settledAt.recut) return settledAt.delayMs;
        await this.sleep(settledAt.delayMs, 'paced');
      }
      settled = settledAt.settled;
      return settledAt.delayMs;
    } finally {
      // Stopped (or failed) before the server settled them: they go out again next time.
      if (!settled) store.outbox.release(entries.map((e) => e.outboxId));
    }
  }

  /**
   * One pass over the batch's images not stored yet (config `images: separate`), one idempotent
   * PUT each. Returns null when every image is stored or its detection set aside (the server
   * refused it), else the wait before the next pass (the pacing rule, after a failed PUT).
   */
  private async putImages(batch: Batch): Promise<number | null> {
    for (const d of [...batch.wire.detections]) {
      for (const kind of ['plate', 'overview'] as const) {
        const img = d.images[kind];
        if (!img?.data) continue;
        if (this.stopped) return 0;
        const data = Buffer.from(img.data as Uint8Array);
        const sent = await this.post(`v1/images/${encodeURIComponent(d.id)}/${kind}`, { 'content-type': 'image/jpeg', 'x-content-sha256': img.sha256, 'x-device-id': this.deps.deviceId }, data, 'PUT');
        const outcome = sent.outcome;
        if (outcome.kind === 'ack') {
          this.link.sent(data.length, sent.elapsedMs);
          delete img.data;
          continue;
        }
        if (outcome.kind === 'refused' && (outcome.status === 401 || outcome.status === 403)) {
          this.health.fail(outcome.reason, true);
          return this.health.pause();
        }
        if (outcome.kind === 'retry') {
          this.health.fail(outcome.reason, false);
          if (outcome.status === 0 && sent.elapsedMs >= sent.timeoutMs * 0.9) this.link.stalled(data.length, sent.elapsedMs);
          return this.health.pause(outcome.retryAfterMs);
        }
        // Refused for good (4xx, 413): the detection goes aside, its batch goes on without it.
        this.settler.quarantine('detection', d.id, `${kind} image: HTTP ${outcome.status}`, batch);
        batch.wire.detections = batch.wire.detections.filter((x) => x !== d);
        break;
      }
    }
    return null;
  }

  private async post(path: string, headers: Record<string, string>, body: Buffer, method: 'POST' | 'PUT' = 'POST'): Promise<Sent> {
    const timeoutMs = this.link.timeoutMs(body.length);
    const t0 = performance.now();
    const outcome = await this.exchange(path, headers, body, method, timeoutMs);
    return { outcome, elapsedMs: performance.now() - t0, timeoutMs };
  }

  private async exchange(path: string, headers: Record<string, string>, body: Buffer, method: 'POST' | 'PUT', timeoutMs: number): Promise<Outcome> {
    const client = this.client;
    if (!client) return { kind: 'retry', status: 0, reason: 'stopping', retryAfterMs: 0 };
    try {
      const ans = await client.send(method, path, headers, body, timeoutMs);
      if (ans.bodyError !== null && ans.status >= 200 && ans.status < 300) {
        return { kind: 'retry', status: ans.status, reason: new AlprError(UploadErrors.UPLOAD_BAD_RESPONSE, { status: ans.status, detail: ans.bodyError }).message, retryAfterMs: null };
      }
      // An image PUT answers 2xx with no acknowledgement list: that is its acknowledgement.
      if (method === 'PUT' && ans.status >= 200 && ans.status < 300) return { kind: 'ack', ack: { batch_id: '', acknowledged: { detections: [], hits: [], audit: [] }, rejected: [] } };
      return classifyResponse(ans.status, ans.headers, ans.body, this.deps.clock.now());
    } catch (err) {
      return { kind: 'retry', status: 0, reason: errorMessage(err), retryAfterMs: null };
    }
  }

  /** Sends the images of one detection whose record the server holds; returns a pause before the next. */
  private async sendImages(): Promise<number> {
    const { store, status, config, logger } = this.deps;
    await this.features.ask(this.client);
    // Small images go many to a request, inline with their records again (~1 KB each): one
    // request per image cost a round trip and a commit each, 70 % of inline's rate at 1 Mbit/s.
    const small = store.outbox.claimImageBatch(config.batch_size, this.link.batchBytes(), this.images.pieceBytes());
    if (small.entries.length > 0) return this.sendClaimed(small.entries, small.bytes, true);
    const work = store.outbox.claimImages();
    if (!work) return 0;
    return sendImageSet({ outbox: () => store.outbox, images: this.images, features: this.features, health: this.health, status, logger }, work);
  }

  private async sleep(ms: number, kind: WaitKind): Promise<void> {
    if (this.stopped || ms <= 0) return;
    this.waitKind = kind;
    try {
      await this.sleeper.sleep(ms);
    } finally {
      this.waitKind = null;
    }
  }
}
