/**
 * WAL checkpoints on a worker thread. better-sqlite3 is synchronous: a checkpoint run by the
 * connection that commits (SQLite's default, every 1000 pages) copies megabytes into the
 * database file and fsyncs it while storing, searching and the HTTP server wait. Here a second
 * connection on a worker does PASSIVE checkpoints, which run beside writers instead of blocking
 * them, and the main connection only checkpoints as a backstop when the WAL passes 16 MiB (the
 * worker fell behind or died), which bounds the WAL that a full disk has to absorb.
 */
import type { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { startWorker, stopWorker, workerEntry } from '../shared/worker.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';

/** Checkpoint this often (ms) on the worker. */
const INTERVAL_MS = 250;
/** Pages (4 KiB) of WAL after which the committing connection checkpoints itself. */
const BACKSTOP_PAGES = 4096;
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** A checkpoint in progress gets this long to finish before the worker is terminated at stop. */
const STOP_GRACE_MS = 2_000;

/** What checkpoint-worker.ts is started with. */
export interface CheckpointWorkerData {
  file: string;
  intervalMs: number;
}

/** What checkpoint-worker.ts is sent: release the connection and exit. */
export type CheckpointCommand = 'stop';

export interface CheckpointReport {
  ok: boolean;
  /** WAL frames, and how many of them are in the database file now. */
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class Checkpointer {
  private worker: Worker | null = null;
  /** The worker while it starts (from source its entry is bundled first). */
  private starting: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly file: string,
    private readonly onReport: (r: CheckpointReport) => void,
  ) {}

  start(): void {
    this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const workerData: CheckpointWorkerData = { file: this.file, intervalMs: INTERVAL_MS };
    this.starting = startWorker(workerEntry('checkpoint-worker', import.meta.url), { workerData, name: 'checkpointer' }).then(
      (worker) => {
        this.starting = null;
        if (this.stopped) {
          void worker.terminate();
          return;
        }
        worker.on('message', (m: CheckpointReport) => this.onReport(m));
        worker.on('error', (err) => this.fallBack(err));
        worker.on('exit', (code) => {
          if (this.worker === worker) this.fallBack(new Error(`checkpoint worker exited with code ${code}`));
        });
        // Never keeps the process alive by itself; stop() waits for it.
        worker.unref();
        this.worker = worker;
      },
      (err: unknown) => {
        this.starting = null;
        if (!this.stopped) this.fallBack(err);
      },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.starting) await this.starting;
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    const stop: CheckpointCommand = 'stop';
    await stopWorker(w, stop, STOP_GRACE_MS);
  }

  /** Without the worker, SQLite checkpoints on commit again (slower commits, bounded WAL). */
  private fallBack(err: unknown): void {
    this.worker = null;
    this.onReport({ ok: false, error: err instanceof Error ? err.message : String(err) });
    try {
      this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    } catch {
      // The database is already closed (shutdown): nothing left to bound.
      return;
    }
  }
}

/** A failing background checkpoint is warned about at most this often (a flapping one included). */
export const CHECKPOINT_WARN_EVERY_MS = 10 * 60_000;

/** Where a checkpoint report goes: the status page's gauge and errors, and the log. */
export interface CheckpointReportSinks {
  log: Pick<Logger, 'debug' | 'info' | 'warn'>;
  status: Pick<StatusReporter, 'gauge' | 'error'>;
  clock: Clock;
}

/**
 * The handler for a Checkpointer's reports. The first failure is news; the same failure every
 * few hundred ms on a full disk is not (it filled the log 4 lines a second in the full-disk test
 * of the real daemon), and neither is a checkpoint that flaps between failing and working while
 * the disk sits at the edge: one warning per CHECKPOINT_WARN_EVERY_MS, the rest at debug level.
 */
export function checkpointReportHandler({ log, status, clock }: CheckpointReportSinks): (r: CheckpointReport) => void {
  let failing = false;
  let warnedThisEpisode = false;
  let lastWarnAt = -Infinity;
  return (r) => {
    if (r.ok) {
      status.gauge('wal_frames', r.log ?? 0);
      if (failing) {
        if (warnedThisEpisode) log.info('background WAL checkpoint works again');
        else log.debug('background WAL checkpoint works again');
      }
      failing = false;
      warnedThisEpisode = false;
      return;
    }
    status.error(new Error(`WAL checkpoint: ${r.error ?? 'failed'}`));
    const now = clock.now();
    if (!failing && now - lastWarnAt >= CHECKPOINT_WARN_EVERY_MS) {
      log.warn({ err: r.error }, 'background WAL checkpoint failed (repeats are logged at debug level)');
      lastWarnAt = now;
      warnedThisEpisode = true;
    } else log.debug({ err: r.error }, 'background WAL checkpoint failed again');
    failing = true;
  };
}
