/**
 * The repositories over one open database, wired to each other: hits and audit rows queue for
 * upload through the outbox, detections write their hits and evidence holds through the hits and
 * audit repositories, and maintenance purges through the purge repository and audits each purge.
 * Constructors only prepare statements; the store starts the checkpointer itself.
 */
import type { Database } from 'better-sqlite3';
import type { StoreConfig } from '../config/sections/store.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import { AuditRepo } from './audit-repo.js';
import { Checkpointer, checkpointReportHandler } from './checkpointer.js';
import { DamageReportsRepo } from './damage-reports-repo.js';
import { DetectionsRepo } from './detections-repo.js';
import { HitAlertsRepo } from './hit-alerts-repo.js';
import { HitsRepo } from './hits-repo.js';
import { StoreMaintenance } from './maintenance.js';
import { OutboxRepo } from './outbox-repo.js';
import { PurgeRepo } from './purge-repo.js';
import { UsersRepo } from './users-repo.js';

export interface StoreRepos {
  db: Database;
  checkpointer: Checkpointer;
  detections: DetectionsRepo;
  hits: HitsRepo;
  hitAlerts: HitAlertsRepo;
  damageReports: DamageReportsRepo;
  users: UsersRepo;
  audit: AuditRepo;
  outbox: OutboxRepo;
  purge: PurgeRepo;
  maintenance: StoreMaintenance;
}

export interface StoreReposDeps {
  config: StoreConfig;
  /** The database file (the checkpointer's worker and the maintenance's size checks open it by name). */
  file: string;
  clock: Clock;
  log: Logger;
  status: StatusReporter;
  /** True once the store is stopping: maintenance ends its purge between batches. */
  stopping: () => boolean;
}

export function buildRepos(db: Database, { config, file, clock, log, status, stopping }: StoreReposDeps): StoreRepos {
  const outbox = new OutboxRepo(db, clock);
  const audit = new AuditRepo(db, clock, outbox, config.audit_key ? Buffer.from(config.audit_key.reveal()) : null);
  const hits = new HitsRepo(db, clock, outbox);
  const purge = new PurgeRepo(db);
  return {
    db,
    checkpointer: new Checkpointer(db, file, checkpointReportHandler({ log, status, clock })),
    outbox,
    audit,
    hits,
    hitAlerts: new HitAlertsRepo(db),
    damageReports: new DamageReportsRepo(db),
    purge,
    detections: new DetectionsRepo(db, clock, hits, audit),
    users: new UsersRepo(db, clock),
    maintenance: new StoreMaintenance(config, file, purge, audit, clock, log, stopping),
  };
}
