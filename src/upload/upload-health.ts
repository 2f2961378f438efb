/**
 * The uploader's health: its state on the status registry (ok, amber while retrying, red when
 * refused or failing for `down_after_s`), the gauges (backlog, throughput, link, drain time), and
 * the one pacing rule for what follows a failure: the server's Retry-After when it gave one
 * (bounded by `retry_after_max_s`), else the next backoff step. Reset only after a success.
 */
import type { UploadConfig } from '../config/sections/upload.js';
import { Backoff } from '../shared/backoff.js';
import { RateMeter } from '../shared/rate-meter.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import type { OutboxRepo } from '../store/outbox-repo.js';
import type { LinkEstimator } from './link-estimator.js';

export interface UploadHealthDeps {
  config: UploadConfig;
  status: StatusReporter;
  logger: Logger;
  clock: Clock;
  link: LinkEstimator;
  outbox: () => Pick<OutboxRepo, 'backlog' | 'backlogSize' | 'backlogSplit'>;
  /** Image-piece counters (records before images). */
  pieces: () => { pieces: number; resumed: number };
  stopped: () => boolean;
  random?: () => number;
}

const THROUGHPUT_WINDOW_MS = 60_000;

export class UploadHealth {
  private readonly backoff: Backoff;
  /** Items and bytes acknowledged per second over the last minute, for the status page. */
  private readonly items = new RateMeter(THROUGHPUT_WINDOW_MS);
  private readonly bytes = new RateMeter(THROUGHPUT_WINDOW_MS);
  private failingSince: number | null = null;
  private refusedReason: string | null = null;
  private lastReason = '';
  private lastSuccess: number | null = null;
  private lastRefresh = 0;

  constructor(private readonly deps: UploadHealthDeps) {
    const c = deps.config;
    this.backoff = new Backoff({ initial_ms: c.retry_initial_s * 1000, max_ms: c.retry_max_s * 1000 }, deps.random);
  }

  /** Starts the throughput measurement: until its window is full, the rates average over the time since. */
  begin(): void {
    const now = this.deps.clock.now();
    this.items.reset(now);
    this.bytes.reset(now);
  }

  /**
   * The pacing rule: how long to wait after a failure. `retryAfterMs` is the server's
   * Retry-After (null when it gave none). The wait is not cut short by new detections.
   */
  pause(retryAfterMs: number | null = null): number {
    return retryAfterMs !== null ? Math.min(retryAfterMs, this.deps.config.retry_after_max_s * 1000) : this.backoff.next();
  }

  succeeded(items: number, bytes: number, batch = true): void {
    const { status, logger, clock } = this.deps;
    if (this.failingSince !== null) logger.info({ failedFor_s: Math.round((clock.now() - this.failingSince) / 1000) }, 'upload link is back');
    this.backoff.reset();
    this.failingSince = null;
    this.refusedReason = null;
    const now = clock.now();
    this.lastSuccess = now;
    this.items.add(now, items);
    this.bytes.add(now, bytes);
    if (batch) {
      status.count('batches');
      status.count('bytes_sent', bytes);
    }
    // Gauges follow progress during a drain, but a backlog count is not worth more than one a second.
    if (clock.now() - this.lastRefresh >= 1000) this.refresh();
    else this.updateState();
  }

  /** The first failure of a run is logged loudly, repeats quietly. */
  fail(reason: string, refused: boolean): void {
    const { status, logger, clock } = this.deps;
    status.count('failures');
    status.error(new Error(reason));
    if (this.failingSince === null) {
      this.failingSince = clock.now();
      logger.warn({ reason }, 'upload failed; retrying with backoff');
    } else if (reason !== this.lastReason) logger.info({ reason }, 'upload still failing');
    else logger.debug({ reason, failures: this.backoff.failures }, 'upload still failing');
    this.lastReason = reason;
    this.refusedReason = refused ? reason : null;
    this.updateState();
  }

  private updateState(): void {
    const { status, clock, config } = this.deps;
    if (this.deps.stopped()) return;
    if (this.failingSince === null) status.set('ok', '');
    else if (this.refusedReason) status.set('down', `server refused the upload: ${this.refusedReason}`);
    else if (clock.now() - this.failingSince >= config.down_after_s * 1000) {
      status.set('down', `no successful upload for ${Math.round((clock.now() - this.failingSince) / 1000)} s: ${this.lastReason}`);
    } else status.set('degraded', `retrying: ${this.lastReason}`);
  }

  refresh(): void {
    const { status, clock, config, link } = this.deps;
    this.lastRefresh = clock.now();
    try {
      const outbox = this.deps.outbox();
      const b = outbox.backlog();
      status.gauge('backlog', b.pending + b.claimed);
      status.gauge('quarantined_items', b.quarantined);
      status.gauge('oldest_age_s', b.oldestEnqueuedAt === null ? 0 : Math.round((clock.now() - b.oldestEnqueuedAt) / 1000));
      const now = clock.now();
      status.gauge('items_per_s', Math.round(this.items.rate(now) * 10) / 10);
      status.gauge('bytes_per_s', Math.round(this.bytes.rate(now)));
      // What the link carries while sending (not averaged over idle time), and what waits for it.
      const rate = link.bytesPerS;
      const size = outbox.backlogSize(config.images !== 'none');
      status.gauge('link_kbit_s', rate === null ? 0 : Math.round((rate * 8) / 100) / 10);
      status.gauge('batch_bytes', link.batchBytes());
      // The limit a 413 left, as it grows back after successes; null once lifted (it used to
      // keep showing the first halved size however far the batches had grown back).
      status.detail('refused_batch_bytes', link.refusedCap);
      status.gauge('backlog_detections', size.detections);
      status.gauge('backlog_bytes', size.bytes);
      if (config.images === 'deferred') {
        const split = outbox.backlogSplit();
        status.gauge('backlog_records', split.records);
        status.gauge('backlog_images', split.images);
        const p = this.deps.pieces();
        status.gauge('image_pieces', p.pieces);
        status.gauge('images_resumed', p.resumed);
      }
      // Unknown (null) until an upload big enough to measure the link has gone through.
      status.detail('drain_s', size.bytes === 0 ? 0 : rate === null ? null : Math.ceil(size.bytes / rate));
      status.detail('last_success', this.lastSuccess === null ? null : new Date(this.lastSuccess).toISOString());
      this.updateState();
    } catch (err) {
      // The store is closed (shutdown in progress) or failing; its own status says so.
      status.error(err);
    }
  }
}
