/**
 * WAL checkpoints on a worker thread. better-sqlite3 is synchronous: a checkpoint run by the
 * connection that commits (SQLite's default, every 1000 pages) copies megabytes into the
 * database file and fsyncs it while storing, searching and the HTTP server wait. Here a second
 * connection on a worker does PASSIVE checkpoints, which run beside writers instead of blocking
 * them, and the main connection only checkpoints as a backstop when the WAL passes 16 MiB (the
 * worker fell behind or died), which bounds the WAL that a full disk has to absorb.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

/** Checkpoint this often (ms) on the worker. */
const INTERVAL_MS = 250;
/** Pages (4 KiB) of WAL after which the committing connection checkpoints itself. */
const BACKSTOP_PAGES = 4096;
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

// An eval worker is CommonJS and resolves modules from the working directory: hand it the path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.lib);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const tick = () => {
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message || err) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') { clearInterval(timer); db.close(); parentPort.close(); }
});
`;

export interface CheckpointReport {
  ok: boolean;
  /** WAL frames, and how many of them are in the database file now. */
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class Checkpointer {
  private worker: Worker | null = null;

  constructor(
    private readonly db: Database,
    private readonly file: string,
    private readonly onReport: (r: CheckpointReport) => void,
  ) {}

  start(): void {
    this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const lib = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { lib, file: this.file, intervalMs: INTERVAL_MS } });
    worker.on('message', (m: CheckpointReport) => this.onReport(m));
    worker.on('error', (err) => this.fallBack(err));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.fallBack(new Error(`checkpoint worker exited with code ${code}`));
    });
    worker.unref();
    this.worker = worker;
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    // Unref'd while running so it never keeps the process alive; waiting for its exit must.
    w.ref();
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage('stop');
    const timer = setTimeout(() => void w.terminate(), 2000);
    await exited;
    clearTimeout(timer);
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
