/**
 * The checkpointer's worker thread (checkpointer.ts): a second connection to the database file
 * that runs a PASSIVE WAL checkpoint every `intervalMs` and reports each one, until told to stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointCommand, CheckpointReport, CheckpointWorkerData } from './checkpointer.js';

const port = parentPort;
if (!port) throw new Error('the checkpoint worker must run in a worker thread');
const { file, intervalMs } = workerData as CheckpointWorkerData;
const post = (r: CheckpointReport): void => port.postMessage(r);

const db = new Database(file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    post({ ok: true, log: r?.log ?? 0, checkpointed: r?.checkpointed ?? 0 });
  } catch (err) {
    post({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}, intervalMs);

port.on('message', (m: CheckpointCommand) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  port.close();
});
