/**
 * The store's health on the status page: the conditions the store reports (a damaged copy moved
 * aside, damage found by quick_check, a full disk, stuck over the quota, detections lost,
 * never-uploaded detections purged), the gauges, and one state from them, the most serious first.
 * Each change of condition is logged once, repeats are not. What the store does about a
 * condition (purge, put the disk reserve back) stays in the store.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import type { IntegrityResult } from './integrity-check.js';
import type { MaintenanceReport, SpaceReport, StoreMaintenance } from './maintenance.js';
import type { Aside } from './opening.js';
import type { OutboxRepo } from './outbox-repo.js';

/** What the gauges are read from: the open database's space and upload backlog. */
export interface HealthSource {
  maintenance: Pick<StoreMaintenance, 'space'>;
  outbox: Pick<OutboxRepo, 'backlog'>;
}

export class StoreHealth {
  /**
   * A damaged database moved aside (this run or an earlier one): red until the administrator
   * acknowledges it by moving the copy out of the data directory or deleting it.
   */
  aside: Aside | null = null;
  /** Damage found by quick_check, shown red. */
  private damage: string | null = null;
  private full = false;
  private stuckNow = false;
  /** Detections that could not be stored (full disk after every retry, or no database). */
  private lost = 0;
  private purgedNotUploaded = 0;

  constructor(
    private readonly status: StatusReporter,
    private readonly log: Logger,
  ) {}

  /** The last commit met a full disk. */
  get diskFull(): boolean {
    return this.full;
  }

  /** Over quota or low on space with nothing left that may be purged (the last maintenance run). */
  get stuck(): boolean {
    return this.stuckNow;
  }

  /** A commit met a full disk: detections are not being stored. */
  diskFullMet(err: unknown): void {
    if (!this.full) this.log.error({ err: errorMessage(err) }, 'disk full: detections are not being stored');
    this.full = true;
  }

  /** A commit succeeded; true when that ended a full disk. */
  stored(): boolean {
    if (!this.full) return false;
    this.full = false;
    this.log.info('disk space is back: storing detections again');
    return true;
  }

  countLost(n: number, why: string): void {
    this.lost += n;
    this.status.count('lost_detections', n);
    // No plate text here: it is personal data (policy); the id is enough to find nothing was kept.
    this.log.error({ lost_since_start: this.lost, why }, `${n} detection(s) could not be stored (alerts still raised)`);
  }

  maintained(report: MaintenanceReport): void {
    const status = this.status;
    const purged = report.purges.reduce((n, p) => n + p.count, 0);
    status.count('purged', purged);
    status.gauge('purge_max_batch_ms', Math.round(report.maxBatchMs * 10) / 10);
    if (report.purges.length > 0) status.detail('last_purge', report.purges);
    // Never-uploaded detections are gone for good: amber with their count (the audit row is
    // written by the purge itself, with the count and time range).
    const notUploaded = report.purges.filter((p) => p.reason === 'quota_not_uploaded').reduce((n, p) => n + p.count, 0);
    if (notUploaded > 0) {
      this.purgedNotUploaded += notUploaded;
      status.count('purged_not_uploaded', notUploaded);
    }
    if (report.stuck && !this.stuckNow) {
      this.log.error({ space: report.space }, 'over the disk quota or low on space, with nothing left that may be purged');
    }
    this.stuckNow = report.stuck;
  }

  /** Damage turns the store red with what was found; a clean check after damage turns it back. */
  integrityChecked(r: IntegrityResult, at: number): void {
    this.status.detail('integrity_check', { ok: r.ok, at: new Date(at).toISOString(), ms: r.ms, problems: r.problems.slice(0, 5) });
    if (!r.ok) {
      if (!this.damage) this.log.error({ problems: r.problems.slice(0, 5) }, 'quick_check found damage in the detection database');
      this.damage = `quick_check found damage: ${r.problems[0] ?? 'unknown'}${r.problems.length > 1 ? ` (+${r.problems.length - 1} more)` : ''}`;
    } else if (this.damage?.startsWith('quick_check')) this.damage = null;
  }

  /**
   * Sets the gauges and the state. `db`: null while there is no database (`noDatabase` says why,
   * or the store is not started). Returns the space it read, or null when it read none.
   */
  refresh(db: HealthSource | null, noDatabase: string | null): SpaceReport | null {
    const status = this.status;
    status.gauge('lost_detections', this.lost);
    if (!db) {
      if (noDatabase) status.set('down', `no database (${noDatabase}): reading and alerting go on, ${this.lost} detection(s) not stored`);
      return null;
    }
    try {
      const space = db.maintenance.space();
      status.gauge('db_bytes', space.usedBytes);
      status.gauge('available_bytes', space.availableBytes);
      const b = db.outbox.backlog();
      status.gauge('upload_backlog', b.pending + b.claimed);
      status.gauge('upload_quarantined', b.quarantined);
      if (this.aside && !existsSync(this.aside.file)) this.aside = null;
      if (this.aside) status.set('down', `${this.aside.why}; the damaged copy is kept as ${basename(this.aside.file)} (move or delete it to acknowledge)`);
      else if (this.damage) status.set('down', this.damage);
      else if (this.full) status.set('down', `disk full: new detections are not being stored (${this.lost} lost)`);
      else if (this.stuckNow && space.lowSpace) status.set('down', 'low on disk space and nothing left that may be purged');
      else if (this.stuckNow) status.set('down', 'over the disk quota with only un-uploaded or held detections left');
      else if (space.lowSpace) status.set('degraded', 'low on disk space: purging uploaded detections');
      else if (this.lost > 0) status.set('degraded', `${this.lost} detection(s) could not be stored since start (disk full); alerts were raised`);
      else if (this.purgedNotUploaded > 0) status.set('degraded', `the quota purged ${this.purgedNotUploaded} detection(s) never uploaded (store.quota.purge_unuploaded)`);
      else status.set('ok', '');
      return space;
    } catch (err) {
      status.error(err);
      return null;
    }
  }
}
