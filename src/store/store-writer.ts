/**
 * The store's write path: a group of detections in one transaction (durable per
 * `store.synchronous` when it returns, all or none), the full-disk policy with the disk reserve,
 * and the `onStored` events that wake the uploader. The group commit in front of it is
 * ingest-queue.ts; the purge it starts on a full disk is the store's maintenance.
 *
 *   items ──one transaction──▶ detections, images, hits, outbox ──▶ onStored listeners
 *               │ disk full, reserve whole         │ disk full, half of it left
 *               ▼                                  ▼
 *     free half, purge, commit once more    free the rest for the purge, throw
 */
import { AlprError, errorMessage } from '../shared/errors.js';
import { EventBus } from '../shared/event-bus.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import { isDiskFull } from './database.js';
import type { DiskReserve } from './disk-reserve.js';
import { StoreErrors } from './errors.js';
import { HIT_PRIORITY } from './hits-repo.js';
import type { IngestItem, StoredRef } from './ingest-queue.js';
import type { StoreHealth } from './store-health.js';
import type { StoreRepos } from './store-repos.js';

/** Told after each commit: the uploader wakes on it (hits at once). */
export interface StoredEvent {
  id: string;
  hit: boolean;
  /** False for a replayed revision that changed nothing. */
  changed: boolean;
}

export interface StoreWriterDeps {
  /** `device.id`, stored with every detection. */
  deviceId: string;
  /** The database file, named in `STORE_DISK_FULL`. */
  file: string;
  logger: Logger;
  status: StatusReporter;
  health: Pick<StoreHealth, 'diskFullMet' | 'stored'>;
  /** The open repositories; throws `STORE_NOT_STARTED` when there are none. */
  repos: () => StoreRepos;
  /** Why there is no database (degraded start), or null. */
  noDatabase: () => string | null;
  reserve: () => DiskReserve | null;
  /** Starts a purge of what may be purged (not awaited). */
  purge: () => void;
  /** Shows a change of condition (a full disk, space back) on the status page. */
  refreshStatus: () => void;
}

export class StoreWriter {
  private readonly stored: EventBus<StoredEvent>;

  constructor(private readonly deps: StoreWriterDeps) {
    // A listener that throws is logged; the others are still told.
    this.stored = new EventBus<StoredEvent>((err) => deps.logger.warn({ err: errorMessage(err) }, 'a stored-detection listener threw'));
  }

  /** Subscribes to commits; returns the unsubscribe function. */
  onStored(listener: (e: StoredEvent) => void): () => void {
    return this.stored.subscribe(listener);
  }

  /** Tells every listener. */
  emit(e: StoredEvent): void {
    this.stored.emit(e);
  }

  /**
   * Commits; on a full disk with the reserve still whole, frees half of it and tries once more
   * at once (the detection that met the full disk is stored, and a purge is started). With only
   * half left, that half goes to the purge of uploaded detections and the error is thrown
   * (`ingest` retries after the purge). Throws like `commitOnce`.
   */
  commit(items: readonly IngestItem[]): StoredRef[] {
    const { noDatabase, reserve, logger } = this.deps;
    if (noDatabase()) throw new AlprError(StoreErrors.STORE_DISK_FULL, { file: this.deps.file, id: items.map((i) => i.d.id).join(',') });
    try {
      return this.commitOnce(items);
    } catch (err) {
      if (!(err instanceof AlprError && err.code === StoreErrors.STORE_DISK_FULL)) throw err;
      if (reserve()?.releaseHalf()) {
        logger.warn('disk full: released half the disk reserve to store this detection; purging uploaded detections');
        this.deps.purge();
        return this.commitOnce(items);
      }
      if (reserve()?.release()) logger.warn('released the rest of the disk reserve so that uploaded detections can be purged');
      throw err;
    }
  }

  /** One transaction. Throws `STORE_DISK_FULL` or `STORE_WRITE_FAILED`; nothing is half-written either way. */
  private commitOnce(items: readonly IngestItem[]): StoredRef[] {
    const r = this.deps.repos();
    const { status, logger: log, deviceId, health } = this.deps;
    const events: StoredEvent[] = [];
    let refs: StoredRef[];
    try {
      refs = r.db.transaction(() =>
        items.map(({ d, position, hits }): StoredRef => {
          const up = r.detections.upsert(d, position, deviceId);
          const hitIds = r.hits.insertFor(up.n, hits);
          if (up.changed) r.outbox.enqueue('detection', up.n, hits.length > 0 ? HIT_PRIORITY : 0);
          events.push({ id: d.id, hit: hits.length > 0, changed: up.changed });
          return { id: d.id, hitIds };
        }),
      )();
    } catch (err) {
      status.count('store_failed', items.length);
      status.error(err);
      const id = items.map((i) => i.d.id).join(',');
      if (isDiskFull(err)) {
        health.diskFullMet(err);
        this.deps.refreshStatus();
        this.deps.purge();
        throw new AlprError(StoreErrors.STORE_DISK_FULL, { file: this.deps.file, id }, { cause: err });
      }
      log.error({ err: errorMessage(err), id }, 'storing a detection failed');
      throw new AlprError(StoreErrors.STORE_WRITE_FAILED, { id, detail: errorMessage(err) }, { cause: err });
    }
    status.count('stored', items.length);
    if (health.stored()) this.deps.refreshStatus();
    for (const e of events) this.emit(e);
    return refs;
  }
}
