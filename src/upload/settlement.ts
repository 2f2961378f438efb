/**
 * Settling a sent batch from the server's answer (docs/upload-api.yaml): acknowledged items leave
 * the outbox, rejected ones are quarantined with the reason, the rest go back to pending. The
 * answer also feeds the link estimate (a timeout, a 413) and the uploader's health, and says how
 * long to wait before the next request (UploadHealth.pause: the one pacing rule).
 */
import { AlprError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import type { OutboxEntry, OutboxRepo } from '../store/outbox-repo.js';
import { UploadErrors } from './errors.js';
import type { LinkEstimator } from './link-estimator.js';
import type { Outcome } from './response.js';
import type { UploadHealth } from './upload-health.js';
import type { WireBatch, WireRejection, WireStream } from './wire.js';

export interface Batch {
  wire: WireBatch;
  entries: OutboxEntry[];
  byKey: Map<string, OutboxEntry>;
  /** Estimated wire bytes when claimed (the unit of the link's batch budget). */
  estimatedBytes: number;
  /** Records the server holds, sent again with their images inline (records before images). */
  imagesPhase: boolean;
}

export interface Settlement {
  settled: boolean;
  delayMs: number;
  /** Not settled, and too big for what the link proved to carry: hand it back and cut it again. */
  recut?: boolean;
}

/** A request and how it went. */
export interface Sent {
  outcome: Outcome;
  elapsedMs: number;
  timeoutMs: number;
}

export function itemKey(stream: WireStream, id: string | number): string {
  return `${stream}:${id}`;
}

export interface SettlerDeps {
  outbox: () => OutboxRepo;
  link: LinkEstimator;
  health: UploadHealth;
  status: StatusReporter;
  logger: Logger;
  /** Records before images: an acknowledged detection keeps its images queued. */
  deferred: boolean;
}

export class Settler {
  constructor(private readonly deps: SettlerDeps) {}

  apply(sent: Sent, batch: Batch, bytes: number): Settlement {
    const outcome = sent.outcome;
    const outbox = this.deps.outbox();
    switch (outcome.kind) {
      case 'ack': {
        const acked: OutboxEntry[] = [];
        const take = (stream: WireStream, id: string | number): void => {
          const e = batch.byKey.get(itemKey(stream, id));
          if (!e) return;
          acked.push(e);
          batch.byKey.delete(itemKey(stream, id));
        };
        for (const id of outcome.ack.acknowledged.detections) take('detection', id);
        for (const id of outcome.ack.acknowledged.hits) take('hit', id);
        for (const id of outcome.ack.acknowledged.audit) take('audit', id);
        for (const id of outcome.ack.acknowledged.corrections ?? []) take('correction', id);
        const r = outbox.ack(acked, { imagesFollow: this.deps.deferred });
        const quarantined = this.quarantineAll(outcome.ack.rejected, batch);
        this.releaseRest(batch);
        this.count(acked, batch.imagesPhase);
        if (acked.length + quarantined === 0) {
          this.deps.health.fail(`HTTP 2xx acknowledged none of the ${batch.entries.length} item(s) sent`, false);
          return { settled: true, delayMs: this.deps.health.pause() };
        }
        this.deps.link.sent(bytes, sent.elapsedMs);
        this.deps.health.succeeded(r.acked, bytes);
        return { settled: true, delayMs: 0 };
      }
      case 'reject-items': {
        const quarantined = this.quarantineAll(outcome.rejected, batch);
        this.releaseRest(batch);
        if (quarantined === 0) {
          this.deps.health.fail(`HTTP ${outcome.status} naming no item of this batch`, true);
          return { settled: true, delayMs: this.deps.health.pause() };
        }
        return { settled: true, delayMs: 0 };
      }
      case 'too-large': {
        // One item the server will not take at any size goes aside; otherwise half the bytes next
        // time, growing back after successes (a 413 used to halve the batch for good).
        if (batch.byKey.size === 1) {
          for (const [key] of batch.byKey) {
            const [stream, ...rest] = key.split(':') as [WireStream, ...string[]];
            this.quarantine(stream, rest.join(':'), `HTTP ${outcome.status}: too large for the server`, batch);
          }
        }
        this.releaseRest(batch);
        this.deps.link.tooLarge(batch.estimatedBytes);
        this.deps.status.detail('refused_batch_bytes', this.deps.link.refusedCap);
        return { settled: true, delayMs: 0 };
      }
      case 'retry': {
        this.deps.health.fail(outcome.reason, false);
        const delayMs = this.deps.health.pause(outcome.retryAfterMs);
        if (outcome.status === 0 && sent.elapsedMs >= sent.timeoutMs * 0.9) {
          // Timed out: the link carried at most this much. A batch bigger than it now allows is
          // handed back and cut again smaller (a new key; the receiver keeps one copy per id).
          this.deps.link.stalled(bytes, sent.elapsedMs);
          if (batch.entries.length > 1 && batch.estimatedBytes > this.deps.link.batchBytes()) return { settled: false, delayMs, recut: true };
        }
        return { settled: false, delayMs };
      }
      case 'refused':
        this.deps.health.fail(outcome.reason, true);
        return { settled: false, delayMs: this.deps.health.pause() };
    }
  }

  quarantineAll(rejected: WireRejection[], batch: Batch): number {
    let n = 0;
    for (const r of rejected) if (this.quarantine(r.stream, r.id, r.reason, batch)) n++;
    return n;
  }

  quarantine(stream: WireStream, id: string | number, reason: string, batch: Batch): boolean {
    const key = itemKey(stream, id);
    const e = batch.byKey.get(key);
    if (!e) return false;
    batch.byKey.delete(key);
    this.deps.outbox().quarantine(e.outboxId, reason);
    this.deps.status.count('quarantined');
    this.deps.logger.warn({ stream, id, reason }, new AlprError(UploadErrors.UPLOAD_REJECTED, { stream, id, reason }).message);
    return true;
  }

  releaseRest(batch: Batch): void {
    this.deps.outbox().release([...batch.byKey.values()].map((e) => e.outboxId));
    batch.byKey.clear();
  }

  private count(acked: OutboxEntry[], imagesPhase: boolean): void {
    const by: Record<WireStream, number> = { detection: 0, hit: 0, audit: 0, correction: 0 };
    for (const e of acked) by[e.stream]++;
    const status = this.deps.status;
    if (imagesPhase) {
      status.count('uploaded_image_sets', by.detection);
      return;
    }
    if (by.detection) status.count('uploaded_detections', by.detection);
    if (by.hit) status.count('uploaded_hits', by.hit);
    if (by.audit) status.count('uploaded_audit', by.audit);
    if (by.correction) status.count('uploaded_corrections', by.correction);
  }
}
