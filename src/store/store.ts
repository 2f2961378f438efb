/**
 * The detection store unit: opens the database in `device.data_dir`, migrates it, sweeps what
 * a crash may have left, runs retention and the disk quota on a timer, and closes the database
 * last at shutdown. Repositories are reachable once started.
 *
 *   detection + position + hits ──insertDetection / ingest──▶ detections, images, hits, outbox
 *                                                                  │ onStored
 *                                                                  ▼
 *                                                              uploader
 *
 * Its rooms: opening and recovery (opening.ts), the repositories' wiring (store-repos.ts), the
 * group commit (ingest-queue.ts), the write path and its full-disk policy (store-writer.ts),
 * retention and the quota (maintenance.ts), the status line (store-health.ts). This file is the
 * unit itself: lifecycle, timers, the degraded start, and the API the other units call.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreConfig } from '../config/sections/store.js';
import type { Position } from '../gps/fix.js';
import type { HotlistHit } from '../hotlist/types.js';
import type { Detection } from '../reads/detection.js';
import type { Clock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import type { AuditRepo } from './audit-repo.js';
import { openDatabase } from './database.js';
import type { DamageReportsRepo } from './damage-reports-repo.js';
import type { DetectionsRepo } from './detections-repo.js';
import { DiskReserve } from './disk-reserve.js';
import { StoreErrors } from './errors.js';
import type { HitAlertsRepo } from './hit-alerts-repo.js';
import { IngestQueue, type StoredRef } from './ingest-queue.js';
import type { HitRecord, HitsRepo } from './hits-repo.js';
import type { MaintenanceReport } from './maintenance.js';
import { LATEST_VERSION } from './migrations.js';
import { findAside, openOrRecover, type Opened } from './opening.js';
import type { OutboxRepo } from './outbox-repo.js';
import { quickCheck, type IntegrityResult } from './integrity-check.js';
import { StoreHealth } from './store-health.js';
import { buildRepos, type StoreRepos } from './store-repos.js';
import { StoreWriter, type StoredEvent } from './store-writer.js';
import type { Correction, UsersRepo } from './users-repo.js';

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

export type { StoredRef } from './ingest-queue.js';


/** Status gauges refresh this often (disk space, backlog size); maintenance has its own interval. */
const STATUS_INTERVAL_MS = 10_000;

export class Store implements Unit {
  readonly name = 'store';
  private repos: StoreRepos | null = null;
  /** The group commit of `ingest` (ingest-queue.ts). */
  private readonly queue: IngestQueue;
  private statusTimer: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private maintaining: Promise<MaintenanceReport | null> | null = null;
  private followUp: Promise<MaintenanceReport | null> | null = null;
  private stopped = false;
  private reserve: DiskReserve | null = null;
  /** Why there is no database (degraded start), or null. */
  private noDatabase: string | null = null;
  private reopenTimer: NodeJS.Timeout | undefined;
  private lastIntegrityCheck = 0;
  private checking: Promise<IntegrityResult> | null = null;
  /** What the status page shows (store-health.ts). */
  private readonly health: StoreHealth;
  /** Transactions, the full-disk policy and `onStored` (store-writer.ts). */
  private readonly writer: StoreWriter;

  constructor(private readonly deps: StoreDeps) {
    this.health = new StoreHealth(deps.status, deps.logger);
    this.writer = new StoreWriter({
      deviceId: deps.deviceId,
      file: this.file,
      logger: deps.logger,
      status: deps.status,
      health: this.health,
      repos: () => this.open(),
      noDatabase: () => this.noDatabase,
      reserve: () => this.reserve,
      purge: () => void this.maintain(),
      refreshStatus: () => this.refreshStatus(),
    });
    this.queue = new IngestQueue({
      windowMs: deps.config.group_commit_ms,
      commit: (items) => {
        if (!this.repos) throw new AlprError(StoreErrors.STORE_NOT_STARTED);
        return this.writer.commit(items);
      },
      makeRoom: () => this.maintain(),
      lost: (n, why) => this.countLost(n, why),
    });
  }

  get file(): string {
    return join(this.deps.dataDir, this.deps.config.database);
  }

  get detections(): DetectionsRepo {
    return this.open().detections;
  }
  get hits(): HitsRepo {
    return this.open().hits;
  }
  /** How each hit was told to the operator station (pipeline/detection-sink.ts). */
  get hitAlerts(): HitAlertsRepo {
    return this.open().hitAlerts;
  }
  /** Damage and malfunction reports filed from the station (issue 18). */
  get damageReports(): DamageReportsRepo {
    return this.open().damageReports;
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
    const { config } = this.deps;
    this.stopped = false;
    await mkdir(this.deps.dataDir, { recursive: true });
    // A full disk at start is a degraded start, not an exit: reading and alerting go on, and the
    // database is opened again every `reopen_interval_s` until there is room.
    if (!this.openStore()) this.startWithoutDatabase();

    this.statusTimer = setInterval(() => this.refreshStatus(), STATUS_INTERVAL_MS);
    this.statusTimer.unref();
    this.maintenanceTimer = setInterval(() => void this.maintain(), config.retention.check_interval_s * 1000);
    this.maintenanceTimer.unref();
    if (this.repos) void this.maintain();
  }

  /**
   * Opens (creating, migrating or, when damaged, recovering) the database and builds the
   * repositories. False when the disk is too full to open it.
   */
  private openStore(): boolean {
    const opened = this.openOrRecover();
    if (!opened) return false;
    // The in-memory stand-in of a degraded start gives way to the real database.
    if (this.repos) {
      this.repos.db.close();
      this.repos = null;
    }
    this.noDatabase = null;
    clearInterval(this.reopenTimer);
    this.attach(opened, false);
    return true;
  }

  /**
   * Builds the repositories over an opened database. `memory`: the empty in-memory stand-in of
   * a degraded start, so the status page and every reader keep working; nothing is stored in it
   * (`ingest` refuses and counts while `noDatabase` is set).
   */
  private attach(opened: Opened, memory: boolean): void {
    const { config, logger: log, status, clock } = this.deps;
    if (!memory) this.health.aside ??= findAside(this.file, this.deps.dataDir);
    const { db, from, applied, released, orphans } = opened;
    if (applied.length > 0 && !memory) log.info({ from, to: LATEST_VERSION, applied }, from === 0 ? 'created the detection database' : 'migrated the detection database');
    this.repos = buildRepos(db, { config, file: this.file, clock, log, status, stopping: () => this.stopped });
    if (!memory) this.repos.checkpointer.start();

    if (memory) return;
    this.reserve = new DiskReserve(join(this.deps.dataDir, '.store-reserve'), Math.round(config.quota.reserve_mb * 1024 * 1024));
    if (!this.reserve.ensure()) log.warn('no room for the disk reserve; a full disk will be harder to recover from');

    if (released > 0) log.info({ released }, 'uploads claimed by the previous run are pending again');
    if (orphans.images + orphans.hits + orphans.outbox > 0) log.warn({ orphans }, 'removed orphaned rows');
    status.detail('file', this.file);
    status.detail('schema_version', LATEST_VERSION);
    status.detail('synchronous', config.synchronous);
    status.gauge('orphans_removed', orphans.images + orphans.hits + orphans.outbox);
    this.refreshStatus();
  }

  /** The database as it is; a damaged one moved aside and what can be read copied into a fresh one; null on a full disk. */
  private openOrRecover(): Opened | null {
    const { config, logger: log, clock, status, dataDir } = this.deps;
    const outcome = openOrRecover({ file: this.file, dataDir, synchronous: config.synchronous, log, clock, status });
    if ('diskFull' in outcome) {
      this.noDatabase = outcome.diskFull;
      return null;
    }
    if (outcome.aside) this.health.aside = outcome.aside;
    return outcome.opened;
  }

  /** Degraded start: no repositories; every detection is counted as not stored until the database opens. */
  private startWithoutDatabase(): void {
    const { config, logger: log } = this.deps;
    this.attach({ ...openDatabase(':memory:', { synchronous: 'normal' }), released: 0, orphans: { images: 0, hits: 0, outbox: 0 } }, true);
    this.refreshStatus();
    this.reopenTimer = setInterval(() => {
      if (this.stopped || !this.noDatabase) return;
      try {
        if (this.openStore()) {
          log.info('the detection database is open: storing detections again');
          void this.maintain();
        }
      } catch (err) {
        this.noDatabase = errorMessage(err);
        this.refreshStatus();
      }
    }, config.reopen_interval_s * 1000);
    this.reopenTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped && !this.repos) return;
    this.stopped = true;
    clearInterval(this.statusTimer);
    clearInterval(this.maintenanceTimer);
    clearInterval(this.reopenTimer);
    this.queue.cancelTimer();
    if (this.repos) this.queue.flush();
    await this.maintaining;
    await this.followUp;
    await this.checking;
    if (this.repos) {
      await this.repos.checkpointer.stop();
      this.repos.db.close();
      this.repos = null;
    }
    this.deps.status.set('stopped');
  }

  /** Subscribes to commits; returns the unsubscribe function. */
  onStored(listener: (e: StoredEvent) => void): () => void {
    return this.writer.onStored(listener);
  }

  /**
   * Stores one detection in its own transaction; durable (per `store.synchronous`) when it
   * returns. Throws `STORE_DISK_FULL` or `STORE_WRITE_FAILED`; nothing is half-written either way.
   *
   * The daemon stores through `ingest`; this synchronous path and `insertDetections` exist for
   * tests and benchmarks, which seed rows without waiting on the group-commit timer. Both call
   * the writer's `commit` that `ingest`'s flush ends in (the same transaction, disk-full handling
   * and `onStored` events, without the grouping and the retry after a purge), so they stay here:
   * a test helper in their place would need the store's private writer.
   */
  insertDetection(d: Detection, position: Position | null, hits: HotlistHit[]): StoredRef {
    return this.writer.commit([{ d, position, hits }])[0]!;
  }

  /** Stores several detections in one transaction (one fsync); all or none. Tests and benchmarks only (see `insertDetection`). */
  insertDetections(items: readonly { detection: Detection; position: Position | null; hits: HotlistHit[] }[]): StoredRef[] {
    return this.writer.commit(items.map((i) => ({ d: i.detection, position: i.position, hits: i.hits })));
  }

  /**
   * Stores a detection together with others arriving within `store.group_commit_ms`: one fsync
   * for the group. Resolves when durable; rejects like `insertDetection` throws.
   */
  ingest(d: Detection, position: Position | null, hits: HotlistHit[]): Promise<StoredRef> {
    if (this.stopped) return Promise.reject(new AlprError(StoreErrors.STORE_NOT_STARTED));
    if (!this.repos || this.noDatabase) {
      // Degraded start (no database): the caller still alerts; the loss is counted and shown.
      this.countLost(1, this.noDatabase ?? 'no database');
      return Promise.reject(new AlprError(StoreErrors.STORE_DISK_FULL, { file: this.file, id: d.id }));
    }
    return this.queue.push({ d, position, hits });
  }

  /**
   * Stores hits found later by matching an older read against a newer list (queued for upload)
   * and tells the `onStored` listeners, so the uploader wakes for them like for any new row.
   */
  addRetroactiveHits(detectionId: string, hits: HotlistHit[]): HitRecord[] {
    const records = this.hits.addRetroactive(detectionId, hits);
    if (records.length > 0) this.writer.emit({ id: detectionId, hit: true, changed: true });
    return records;
  }

  /**
   * Records a misread correction (queued for upload by the corrections trigger) and tells the
   * `onStored` listeners, so an idle uploader sends it now rather than at its next 30 s look.
   */
  addCorrection(c: Omit<Correction, 'id' | 'reportedAt'>): Correction {
    const correction = this.users.records.addCorrection(c);
    this.writer.emit({ id: c.detectionId, hit: false, changed: true });
    return correction;
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

  private countLost(n: number, why: string): void {
    this.health.countLost(n, why);
    this.refreshStatus();
  }

  private async runMaintenance(): Promise<MaintenanceReport | null> {
    const r = this.repos;
    if (!r || this.stopped || this.noDatabase) return null;
    try {
      const report = await r.maintenance.run();
      this.health.maintained(report);
      this.refreshStatus();
      if (this.queue.length === 0) void this.integrityCheckIfDue();
      return report;
    } catch (err) {
      this.deps.status.error(err);
      this.deps.logger.error({ err: errorMessage(err) }, 'retention/quota maintenance failed');
      return null;
    }
  }

  /**
   * Runs quick_check now (in a worker thread); damage turns the store red with what was found,
   * a clean check after damage turns it back. Concurrent calls share one run.
   */
  checkIntegrity(): Promise<IntegrityResult> {
    if (this.checking) return this.checking;
    this.lastIntegrityCheck = this.deps.clock.now();
    this.checking = quickCheck(this.file)
      .then((r) => {
        this.health.integrityChecked(r, this.lastIntegrityCheck);
        this.refreshStatus();
        return r;
      })
      .finally(() => (this.checking = null));
    return this.checking;
  }

  private async integrityCheckIfDue(): Promise<void> {
    const every = this.deps.config.integrity_check_interval_h * 3_600_000;
    if (every <= 0 || this.stopped || !this.repos || this.noDatabase || this.checking) return;
    if (this.lastIntegrityCheck !== 0 && this.deps.clock.now() - this.lastIntegrityCheck < every) return;
    await this.checkIntegrity();
  }

  /**
   * The status line and gauges (store-health.ts); then what the store does about them: a purge
   * when low on space, and the disk reserve put back once there is room for it again.
   */
  private refreshStatus(): void {
    const space = this.health.refresh(this.noDatabase ? null : this.repos, this.noDatabase);
    if (!space || this.health.diskFull) return;
    if (space.lowSpace && !this.health.stuck) void this.maintain();
    const { quota } = this.deps.config;
    if (this.reserve && !this.reserve.present() && space.availableBytes > (quota.min_free_mb + 2 * quota.reserve_mb) * 1024 * 1024) this.reserve.ensure();
  }

  private open(): StoreRepos {
    if (!this.repos) throw new AlprError(StoreErrors.STORE_NOT_STARTED);
    return this.repos;
  }
}
