/**
 * The integrity check's worker thread (integrity-check.ts): `PRAGMA quick_check` over its own
 * read-only connection, one answer, then the thread ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { IntegrityResult, IntegrityWorkerData } from './integrity-check.js';

const port = parentPort;
if (!port) throw new Error('the integrity worker must run in a worker thread');
const { file, max } = workerData as IntegrityWorkerData;
const post = (r: IntegrityResult): void => port.postMessage(r);

const t0 = Date.now();
let db: Database.Database | undefined;
try {
  db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const rows = (db.pragma(`quick_check(${max})`, { simple: false }) as Record<string, unknown>[]).map((r) => String(Object.values(r)[0]));
  const ok = rows.length === 1 && rows[0] === 'ok';
  post({ ok, problems: ok ? [] : rows, ms: Date.now() - t0 });
} catch (err) {
  post({ ok: false, problems: [err instanceof Error ? err.message : String(err)], ms: Date.now() - t0 });
} finally {
  db?.close();
}
