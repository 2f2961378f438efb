/**
 * Retention and disk-quota purges, run in small transactions sized to a time budget with a
 * yield to the event loop between them: storing a detection waits at most one batch. Each purge
 * is logged and written to the audit log with how many detections went and their time range.
 */
import { statfsSync, statSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { StoreConfig } from '../config/sections/store.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { AuditRepo } from './audit-repo.js';
import type { DbUsage, PurgeRepo, PurgeRow } from './purge-repo.js';
import { nextBatchSize, retentionCutoffs, type RetentionReason } from './retention.js';

export type PurgeReason = RetentionReason | 'quota_uploaded' | 'quota_not_uploaded';

export interface PurgeSummary {
  reason: PurgeReason;
  count: number;
  /** Capture-time range of what was purged (ms since epoch). */
  from: number;
  to: number;
}

export interface SpaceReport extends DbUsage {
  /** Free bytes on the file system plus free pages inside the database. */
  availableBytes: number;
  overQuota: boolean;
  lowSpace: boolean;
}

export interface MaintenanceReport {
  purges: PurgeSummary[];
  space: SpaceReport;
  /** Over quota or low on space with nothing left that may be purged. */
  stuck: boolean;
  /** Longest single purge transaction (ms). */
  maxBatchMs: number;
}

const MB = 1024 * 1024;
/** Quota purges go this far below the limit, so they do not restart at the next detection. */
const QUOTA_HYSTERESIS = 0.95;
const VACUUM_PAGES_PER_STEP = 256;

export class StoreMaintenance {
  private batch = 256;
  private maxBatchMs = 0;

  constructor(
    private readonly config: StoreConfig,
    private readonly dbFile: string,
    private readonly purge: PurgeRepo,
    private readonly audit: AuditRepo,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly stopping: () => boolean,
  ) {}

  space(): SpaceReport {
    const usage = this.purge.usage(fileSize(`${this.dbFile}-wal`));
    const fsFree = freeBytes(this.dbFile);
    const availableBytes = fsFree + usage.freeInFileBytes;
    const q = this.config.quota;
    return {
      ...usage,
      availableBytes,
      overQuota: q.max_mb > 0 && usage.usedBytes > q.max_mb * MB,
      lowSpace: availableBytes < q.min_free_mb * MB,
    };
  }

  async run(): Promise<MaintenanceReport> {
    this.maxBatchMs = 0;
    const purges: PurgeSummary[] = [];
    const now = this.clock.now();
    const cutoffs = retentionCutoffs(this.config.retention, now);
    const add = (s: PurgeSummary | null): void => void (s && purges.push(s));

    add(await this.purgeWhile('max_age', (n) => this.purge.expiredByMaxAge(cutoffs, n), () => true));
    add(await this.purgeWhile('acknowledged', (n) => this.purge.expiredAfterAck(cutoffs, n), () => true));

    const needsSpace = (): boolean => {
      const s = this.space();
      const q = this.config.quota;
      return (q.max_mb > 0 && s.usedBytes > q.max_mb * MB * QUOTA_HYSTERESIS) || s.lowSpace;
    };
    let space = this.space();
    // On a nearly full disk, move the WAL into the database and cut it, so the purge has room.
    if (space.lowSpace) this.purge.checkpoint();
    if (space.overQuota || space.lowSpace) {
      add(await this.purgeWhile('quota_uploaded', (n) => this.purge.oldestUploaded(n), needsSpace));
      if (this.config.quota.purge_unuploaded) {
        // Never-uploaded detections are gone for good: no more of them than the space needs
        // (a whole batch of 256 went at once, far past a quota a few detections over).
        add(await this.purgeWhile('quota_not_uploaded', (n) => this.purge.oldestNotUploaded(Math.min(n, this.rowsOverQuota())), needsSpace));
      }
    }
    // Freed pages are reused before the file grows, and the quota counts pages in use, so the
    // file only needs to shrink when the file system itself is short of space.
    if (purges.length > 0 && space.lowSpace) await this.giveBackPages();
    space = this.space();
    return { purges, space, stuck: space.overQuota || space.lowSpace, maxBatchMs: this.maxBatchMs };
  }

  private async purgeWhile(reason: PurgeReason, select: (limit: number) => PurgeRow[], more: () => boolean): Promise<PurgeSummary | null> {
    let count = 0;
    let from = Infinity;
    let to = -Infinity;
    while (!this.stopping() && more()) {
      const t0 = performance.now();
      const rows = select(this.batch);
      if (rows.length === 0) break;
      this.purge.deleteBatch(rows);
      const took = performance.now() - t0;
      this.maxBatchMs = Math.max(this.maxBatchMs, took);
      this.batch = nextBatchSize(this.batch, took, this.config.retention.purge_batch_ms);
      count += rows.length;
      for (const r of rows) {
        from = Math.min(from, r.bestAt);
        to = Math.max(to, r.bestAt);
      }
      await yieldToLoop();
    }
    if (count === 0) return null;
    const summary: PurgeSummary = { reason, count, from, to };
    this.log.info({ purge: summary, fromIso: new Date(from).toISOString(), toIso: new Date(to).toISOString() }, `purged ${count} detection(s): ${reason}`);
    this.audit.append({ user: null, action: 'purge', object: null, purpose: reason, caseNumber: null, details: { ...summary }, ip: null });
    return summary;
  }

  /**
   * About how many detections must go for the space need to end (at least 1): the bytes over the
   * quota's target (or short of `min_free_mb`) over the mean bytes of a stored detection.
   */
  private rowsOverQuota(): number {
    const s = this.space();
    const q = this.config.quota;
    const over = Math.max(q.max_mb > 0 ? s.usedBytes - q.max_mb * MB * QUOTA_HYSTERESIS : 0, s.lowSpace ? q.min_free_mb * MB - s.availableBytes : 0);
    const n = this.purge.detectionCount();
    if (n === 0 || over <= 0) return 1;
    return Math.max(1, Math.ceil(over / (s.usedBytes / n)));
  }

  /** Moving pages writes the WAL: on a nearly full disk, cut it after every step. */
  private async giveBackPages(): Promise<void> {
    let left = Infinity;
    while (left > 0 && !this.stopping()) {
      const t0 = performance.now();
      left = this.purge.vacuumStep(VACUUM_PAGES_PER_STEP);
      this.purge.checkpoint();
      this.maxBatchMs = Math.max(this.maxBatchMs, performance.now() - t0);
      await yieldToLoop();
    }
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // no WAL yet (or already checkpointed away)
  }
}

function freeBytes(file: string): number {
  const dir = file.slice(0, Math.max(file.lastIndexOf('/'), 1));
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}
