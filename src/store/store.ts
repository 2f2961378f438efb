/**
 * The detection store unit: opens the database in `device.data_dir`, migrates it, sweeps what
 * a crash may have left, runs retention and the disk quota on a timer, and closes the database
 * last at shutdown. Repositories are reachable once started.
 *
 *   detection + position + hits ──insertDetection / ingest──▶ detections, images, hits, outbox
 *                                                                  │ onStored
 *                                                                  ▼
 *                                                              uploader
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { StoreConfig } from '../config/sections/store.js';
import type { Position } from '../gps/fix.js';
import type { HotlistHit } from '../hotlist/types.js';
import type { Detection } from '../reads/detection.js';
import type { Clock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import { AuditRepo } from './audit-repo.js';
import { Checkpointer } from './checkpointer.js';
import { isDiskFull, openDatabase } from './database.js';
import { DetectionsRepo } from './detections-repo.js';
import { DiskReserve } from './disk-reserve.js';
import { StoreErrors } from './errors.js';
import { HIT_PRIORITY, HitsRepo } from './hits-repo.js';
import { StoreMaintenance, type MaintenanceReport } from './maintenance.js';
import { LATEST_VERSION } from './migrations.js';
import { OutboxRepo } from './outbox-repo.js';
import { PurgeRepo } from './purge-repo.js';
import { UsersRepo } from './users-repo.js';

export interface StoreDeps {
  config: StoreConfig;
  /** `device.data_dir`, absolute. */
  dataDir: string;
  /** `device.id`, stored with every detection and sent with every upload. */
  deviceId: string;
  logger: Logger;
  status: StatusReporter;
  clock: Clock;
}

export interface StoredRef {
  id: string;
  hitIds: number[];
}

/** Told after each commit: the uploader wakes on it (hits at once). */
export interface StoredEvent {
  id: string;
  hit: boolean;
  /** False for a replayed revision that changed nothing. */
  changed: boolean;
}

interface Pending {
  d: Detection;
  position: Position | null;
  hits: HotlistHit[];
  resolve: (r: StoredRef) => void;
  reject: (err: unknown) => void;
}

interface Repos {
  db: Database;
  checkpointer: Checkpointer;
  detections: DetectionsRepo;
  hits: HitsRepo;
  users: UsersRepo;
  audit: AuditRepo;
  outbox: OutboxRepo;
  purge: PurgeRepo;
  maintenance: StoreMaintenance;
}

/** Status gauges refresh this often (disk space, backlog size); maintenance has its own interval. */
const STATUS_INTERVAL_MS = 10_000;
/** An ingest queue this long is committed at once instead of waiting for the window. */
const GROUP_MAX = 256;

export class Store implements Unit {
  readonly name = 'store';
  private repos: Repos | null = null;
  private readonly listeners = new Set<(e: StoredEvent) => void>();
  private queue: Pending[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private maintaining: Promise<MaintenanceReport | null> | null = null;
  private followUp: Promise<MaintenanceReport | null> | null = null;
  private stopped = false;
  private diskFull = false;
  private reserve: DiskReserve | null = null;
  private stuck = false;

  constructor(private readonly deps: StoreDeps) {}

  get file(): string {
    return join(this.deps.dataDir, this.deps.config.database);
  }

  get detections(): DetectionsRepo {
    return this.open().detections;
  }
  get hits(): HitsRepo {
    return this.open().hits;
  }
  get users(): UsersRepo {
    return this.open().users;
  }
  get audit(): AuditRepo {
    return this.open().audit;
  }
  get outbox(): OutboxRepo {
    return this.open().outbox;
  }

  async start(): Promise<void> {
    const { config, logger: log, status, clock } = this.deps;
    this.stopped = false;
    await mkdir(this.deps.dataDir, { recursive: true });
    const { db, from, applied } = openDatabase(this.file, { synchronous: config.synchronous });
    if (applied.length > 0) log.info({ from, to: LATEST_VERSION, applied }, from === 0 ? 'created the detection database' : 'migrated the detection database');
    const outbox = new OutboxRepo(db, clock);
    const audit = new AuditRepo(db, clock, outbox);
    const hits = new HitsRepo(db, clock, outbox);
    const purge = new PurgeRepo(db);
    const checkpointer = new Checkpointer(db, this.file, (r) => {
      if (r.ok) status.gauge('wal_frames', r.log ?? 0);
      else {
        status.error(new Error(`WAL checkpoint: ${r.error ?? 'failed'}`));
        log.warn({ err: r.error }, 'background WAL checkpoint failed');
      }
    });
    checkpointer.start();
    this.repos = {
      db,
      checkpointer,
      outbox,
      audit,
      hits,
      purge,
      detections: new DetectionsRepo(db, clock, hits, audit),
      users: new UsersRepo(db, clock),
      maintenance: new StoreMaintenance(config, this.file, purge, audit, clock, log, () => this.stopped),
    };

    this.reserve = new DiskReserve(join(this.deps.dataDir, '.store-reserve'), Math.round(config.quota.reserve_mb * 1024 * 1024));
    if (!this.reserve.ensure()) log.warn('no room for the disk reserve; a full disk will be harder to recover from');

    // Work in flight when the last run ended (crash, power cut) is pending again.
    const released = outbox.releaseAllClaimed();
    const orphans = purge.sweepOrphans();
    if (released > 0) log.info({ released }, 'uploads claimed by the previous run are pending again');
    if (orphans.images + orphans.hits + orphans.outbox > 0) log.warn({ orphans }, 'removed orphaned rows');
    status.detail('file', this.file);
    status.detail('schema_version', LATEST_VERSION);
    status.detail('synchronous', config.synchronous);
    status.gauge('orphans_removed', orphans.images + orphans.hits + orphans.outbox);
    this.refreshStatus();

    this.statusTimer = setInterval(() => this.refreshStatus(), STATUS_INTERVAL_MS);
    this.statusTimer.unref();
    this.maintenanceTimer = setInterval(() => void this.maintain(), config.retention.check_interval_s * 1000);
    this.maintenanceTimer.unref();
    void this.maintain();
  }

  async stop(): Promise<void> {
    if (this.stopped && !this.repos) return;
    this.stopped = true;
    clearInterval(this.statusTimer);
    clearInterval(this.maintenanceTimer);
    clearTimeout(this.flushTimer);
    if (this.repos) this.flush();
    await this.maintaining;
    await this.followUp;
    if (this.repos) {
      await this.repos.checkpointer.stop();
      this.repos.db.close();
      this.repos = null;
    }
    this.deps.status.set('stopped');
  }

  /** Subscribes to commits; returns the unsubscribe function. */
  onStored(listener: (e: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stores one detection in its own transaction; durable (per `store.synchronous`) when it
   * returns. Throws `STORE_DISK_FULL` or `STORE_WRITE_FAILED`; nothing is half-written either way.
   */
  insertDetection(d: Detection, position: Position | null, hits: HotlistHit[]): StoredRef {
    return this.commit([{ d, position, hits }])[0]!;
  }

  /** Stores several detections in one transaction (one fsync); all or none. */
  insertDetections(items: readonly { detection: Detection; position: Position | null; hits: HotlistHit[] }[]): StoredRef[] {
    return this.commit(items.map((i) => ({ d: i.detection, position: i.position, hits: i.hits })));
  }

  /**
   * Stores a detection together with others arriving within `store.group_commit_ms`: one fsync
   * for the group. Resolves when durable; rejects like `insertDetection` throws.
   */
  ingest(d: Detection, position: Position | null, hits: HotlistHit[]): Promise<StoredRef> {
    if (!this.repos || this.stopped) return Promise.reject(new AlprError(StoreErrors.STORE_NOT_STARTED));
    return new Promise<StoredRef>((resolve, reject) => {
      this.queue.push({ d, position, hits, resolve, reject });
      if (this.queue.length >= GROUP_MAX || this.deps.config.group_commit_ms === 0) this.flush();
      else this.flushTimer ??= setTimeout(() => this.flush(), this.deps.config.group_commit_ms);
    });
  }

  /**
   * Runs retention and the quota now (also on the timer). A call during a run gets one more run
   * after it (what it asked about may have been stored after the running one looked); calls
   * during that wait share it.
   */
  maintain(): Promise<MaintenanceReport | null> {
    if (this.maintaining) {
      this.followUp ??= this.maintaining.then(() => {
        this.followUp = null;
        return this.maintain();
      });
      return this.followUp;
    }
    this.maintaining = this.runMaintenance().finally(() => (this.maintaining = null));
    return this.maintaining;
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      const refs = this.commit(batch);
      batch.forEach((p, i) => p.resolve(refs[i]!));
    } catch (err) {
      if (isDiskFull(err) || batch.length === 1) {
        for (const p of batch) p.reject(err);
        return;
      }
      // One bad detection must not take the others with it: store them one by one.
      for (const p of batch) {
        try {
          p.resolve(this.commit([p])[0]!);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }

  private commit(items: readonly Omit<Pending, 'resolve' | 'reject'>[]): StoredRef[] {
    const r = this.open();
    const { status, logger: log, deviceId } = { ...this.deps, logger: this.deps.logger };
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
        if (!this.diskFull) log.error({ err: errorMessage(err) }, 'disk full: detections are not being stored');
        this.diskFull = true;
        if (this.reserve?.release()) log.warn('released the disk reserve so that uploaded detections can be purged');
        this.refreshStatus();
        void this.maintain();
        throw new AlprError(StoreErrors.STORE_DISK_FULL, { file: this.file, id }, { cause: err });
      }
      log.error({ err: errorMessage(err), id }, 'storing a detection failed');
      throw new AlprError(StoreErrors.STORE_WRITE_FAILED, { id, detail: errorMessage(err) }, { cause: err });
    }
    status.count('stored', items.length);
    if (this.diskFull) {
      this.diskFull = false;
      log.info('disk space is back: storing detections again');
      this.refreshStatus();
    }
    for (const e of events) this.emit(e);
    return refs;
  }

  private emit(e: StoredEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.deps.logger.warn({ err: errorMessage(err) }, 'a stored-detection listener threw');
      }
    }
  }

  private async runMaintenance(): Promise<MaintenanceReport | null> {
    const r = this.repos;
    if (!r || this.stopped) return null;
    try {
      const report = await r.maintenance.run();
      const purged = report.purges.reduce((n, p) => n + p.count, 0);
      this.deps.status.count('purged', purged);
      this.deps.status.gauge('purge_max_batch_ms', Math.round(report.maxBatchMs * 10) / 10);
      if (report.purges.length > 0) this.deps.status.detail('last_purge', report.purges);
      if (report.stuck && !this.stuck) {
        this.deps.logger.error({ space: report.space }, 'over the disk quota or low on space, with nothing left that may be purged');
      }
      this.stuck = report.stuck;
      this.refreshStatus();
      return report;
    } catch (err) {
      this.deps.status.error(err);
      this.deps.logger.error({ err: errorMessage(err) }, 'retention/quota maintenance failed');
      return null;
    }
  }

  private refreshStatus(): void {
    const r = this.repos;
    const status = this.deps.status;
    if (!r) return;
    try {
      const space = r.maintenance.space();
      status.gauge('db_bytes', space.usedBytes);
      status.gauge('available_bytes', space.availableBytes);
      const b = r.outbox.backlog();
      status.gauge('upload_backlog', b.pending + b.claimed);
      status.gauge('upload_quarantined', b.quarantined);
      if (space.lowSpace && !this.stuck && !this.diskFull) void this.maintain();
      const reserveBytes = this.deps.config.quota.reserve_mb * 1024 * 1024;
      if (!this.diskFull && this.reserve && !this.reserve.present() && space.availableBytes > this.deps.config.quota.min_free_mb * 1024 * 1024 + 2 * reserveBytes) {
        this.reserve.ensure();
      }
      if (this.diskFull) status.set('down', 'disk full: new detections are not being stored');
      else if (this.stuck && space.lowSpace) status.set('down', 'low on disk space and nothing left that may be purged');
      else if (this.stuck) status.set('down', 'over the disk quota with only un-uploaded or held detections left');
      else if (space.lowSpace) status.set('degraded', 'low on disk space: purging uploaded detections');
      else status.set('ok', '');
    } catch (err) {
      status.error(err);
    }
  }

  private open(): Repos {
    if (!this.repos) throw new AlprError(StoreErrors.STORE_NOT_STARTED);
    return this.repos;
  }
}
