/**
 * Opening the detection database at start (and again after a degraded start): as it is, or, when
 * it is damaged, moved aside with what can be read copied into a fresh one; on a full disk, not
 * at all (the store starts degraded and tries again). Also the start-up sweeps that read whole
 * tables, so that damage there is found here, while it can still be handled by moving the file
 * aside, rather than as an exit.
 */
import { readdirSync, statfsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { StoreConfig } from '../config/sections/store.js';
import type { Clock } from '../shared/clock.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import { isDiskFull, openDatabase, type OpenResult } from './database.js';
import { OutboxRepo } from './outbox-repo.js';
import { PurgeRepo } from './purge-repo.js';
import { isDamaged, moveAside, probeDatabase, recoverInto } from './recovery.js';

/** An opened database after the start-up sweeps. */
export interface Opened extends OpenResult {
  /** Outbox items a previous run had claimed, pending again. */
  released: number;
  orphans: { images: number; hits: number; outbox: number };
}

/** A damaged database file moved aside, and why (shown on the status page until it is removed). */
export interface Aside {
  file: string;
  why: string;
}

export interface OpenOptions {
  file: string;
  dataDir: string;
  synchronous: StoreConfig['synchronous'];
  log: Logger;
  clock: Clock;
  status: Pick<StatusReporter, 'detail'>;
}

/** The database opened (`aside` set when it had to be recovered), or why it could not be: the disk is full. */
export type OpenOutcome = { opened: Opened; aside: Aside | null } | { diskFull: string };

export function openOrRecover({ file, dataDir, synchronous, log, clock, status }: OpenOptions): OpenOutcome {
  const opts = { synchronous };
  const sweep = (opened: OpenResult): Opened => {
    try {
      probeDatabase(file, opened.db);
      // Work in flight when the last run ended (crash, power cut) is pending again.
      const released = new OutboxRepo(opened.db, clock).releaseAllClaimed();
      return { ...opened, released, orphans: new PurgeRepo(opened.db).sweepOrphans() };
    } catch (err) {
      opened.db.close();
      throw err;
    }
  };
  try {
    return { opened: sweep(openDatabase(file, opts)), aside: null };
  } catch (err) {
    if (isDiskFull(err) || isDiskFull((err as { cause?: unknown }).cause) || noRoomIn(dataDir)) {
      log.error({ err: errorMessage(err) }, 'cannot open the detection database: the disk is full; reading and alerting go on, detections are not stored');
      return { diskFull: `disk full: ${errorMessage(err)}` };
    }
    if (!isDamaged(err)) throw err;
    log.error({ err: errorMessage(err) }, 'the detection database is damaged: moving it aside and starting a fresh one');
    const aside = moveAside(file, clock.now());
    const fresh = openDatabase(file, opts);
    const report = recoverInto(aside, fresh.db);
    const opened = sweep(fresh);
    const copied = Object.values(report.copied).reduce((a, b) => a + b, 0);
    log.warn({ aside, copied: report.copied, unreadable: report.unreadable, skipped: report.skipped }, `recovered ${copied} row(s) from the damaged database`);
    status.detail('recovered', { aside, ...report.copied, unreadable: report.unreadable, read_errors_skipped: report.skipped });
    return { opened, aside: { file: aside, why: `database was damaged (${errorMessage(err)}); ${report.copied.detections ?? 0} detection(s) recovered` } };
  }
}

/** The newest damaged copy an earlier start moved aside next to `file`, if it is still there. */
export function findAside(file: string, dataDir: string): Aside | null {
  const prefix = `${basename(file)}.damaged-`;
  const copies = readdirSync(dataDir).filter((f) => f.startsWith(prefix) && !f.endsWith('-wal') && !f.endsWith('-shm')).sort();
  const last = copies[copies.length - 1];
  return last ? { file: join(dataDir, last), why: 'an earlier start found the database damaged' } : null;
}

/**
 * Opening a WAL database needs room for its shared-memory file: on a full disk SQLite reports an
 * I/O error (SQLITE_IOERR_SHMSIZE), not SQLITE_FULL. Less than 1 MiB free counts as full.
 */
function noRoomIn(dir: string): boolean {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize < 1024 * 1024;
  } catch {
    return false;
  }
}
