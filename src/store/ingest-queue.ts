/**
 * The store's group commit: detections arriving within `store.group_commit_ms` are committed
 * together (one fsync for the group), or at once when `GROUP_MAX` are waiting. Each caller's
 * promise settles when its own detection is durable or known lost.
 *
 *   ingest ──▶ queue ──window or GROUP_MAX──▶ commit(group) ──▶ resolve each
 *                                                 │ one bad item      │ full disk
 *                                                 ▼                   ▼
 *                                           each alone         makeRoom (purge), each alone once more
 */
import type { Position } from '../gps/fix.js';
import type { HotlistHit } from '../hotlist/types.js';
import type { Detection } from '../reads/detection.js';
import { AlprError } from '../shared/errors.js';
import { isDiskFull } from './database.js';
import { StoreErrors } from './errors.js';

export interface StoredRef {
  id: string;
  hitIds: number[];
}

/** One detection to store, with its position at capture and its hot-list hits. */
export interface IngestItem {
  d: Detection;
  position: Position | null;
  hits: HotlistHit[];
}

export interface IngestQueueDeps {
  /** `store.group_commit_ms`; 0 commits each detection alone. */
  windowMs: number;
  /** Stores the items in one transaction, all or none; throws like `StoreWriter.commit`. */
  commit(items: readonly IngestItem[]): StoredRef[];
  /** After a group met a full disk: frees room (the quota purge) before each item is tried once more. */
  makeRoom(): Promise<unknown>;
  /** Counts and logs detections that could not be stored even then. */
  lost(n: number, why: string): void;
}

interface Pending extends IngestItem {
  resolve: (r: StoredRef) => void;
  reject: (err: unknown) => void;
}

/** A queue this long is committed at once instead of waiting for the window. */
const GROUP_MAX = 256;

export class IngestQueue {
  private queue: Pending[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: IngestQueueDeps) {}

  /** Detections waiting for their group's commit. */
  get length(): number {
    return this.queue.length;
  }

  /** Resolves when the detection is durable; rejects with the commit's error. */
  push(item: IngestItem): Promise<StoredRef> {
    return new Promise<StoredRef>((resolve, reject) => {
      this.queue.push({ ...item, resolve, reject });
      if (this.queue.length >= GROUP_MAX || this.deps.windowMs === 0) this.flush();
      else this.flushTimer ??= setTimeout(() => this.flush(), this.deps.windowMs);
    });
  }

  /** Stops the window's timer without committing (the store flushes first when it can). */
  cancelTimer(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  /** Commits what is waiting now. */
  flush(): void {
    this.cancelTimer();
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      const refs = this.deps.commit(batch);
      batch.forEach((p, i) => p.resolve(refs[i]!));
    } catch (err) {
      if (isFull(err)) {
        void this.retryAfterPurge(batch);
        return;
      }
      // A lone detection has nothing to be kept apart from: its error is its answer.
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One bad detection must not take the others with it: store them one by one.
      for (const p of batch) {
        try {
          p.resolve(this.deps.commit([p])[0]!);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }

  /**
   * A group that met a full disk even after the reserve was released: purge what may be purged,
   * then try each detection once more. Only what still cannot be stored is lost, counted and
   * logged (a hit dropped 2 ms before space came back, issue 17 item 3, is what this prevents).
   */
  private async retryAfterPurge(batch: Pending[]): Promise<void> {
    await this.deps.makeRoom();
    for (const p of batch) {
      try {
        p.resolve(this.deps.commit([p])[0]!);
      } catch (err) {
        if (isFull(err)) this.deps.lost(1, 'disk full');
        p.reject(err);
      }
    }
  }
}

function isFull(err: unknown): boolean {
  return isDiskFull(err) || (err instanceof AlprError && err.code === StoreErrors.STORE_DISK_FULL);
}
