/**
 * `PRAGMA quick_check` on the live database, in a worker thread with its own read-only
 * connection: it reads every page (seconds to minutes on a big file), and on the main thread that
 * would stall storing and alerting. Garbage pages in the middle of a running database used to go
 * unnoticed (the daemon stayed green and kept storing, issue 17 item 4).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface IntegrityResult {
  ok: boolean;
  /** quick_check's findings (at most `MAX_FINDINGS`), or the error that stopped it. */
  problems: string[];
  ms: number;
}

const MAX_FINDINGS = 20;

/** Plain CommonJS so it runs the same from the TypeScript sources and from dist/. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const t0 = Date.now();
let db;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const rows = db.pragma('quick_check(' + workerData.max + ')', { simple: false }).map((r) => String(Object.values(r)[0]));
  const ok = rows.length === 1 && rows[0] === 'ok';
  parentPort.postMessage({ ok, problems: ok ? [] : rows, ms: Date.now() - t0 });
} catch (err) {
  parentPort.postMessage({ ok: false, problems: [String(err && err.message || err)], ms: Date.now() - t0 });
} finally {
  if (db) db.close();
}
`;

/** Runs quick_check on `file` off the main thread. Never rejects: a failure to check is a finding. */
export function quickCheck(file: string): Promise<IntegrityResult> {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((resolve) => {
    const t0 = Date.now();
    let settled = false;
    const finish = (r: IntegrityResult): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const worker = new Worker(WORKER, { eval: true, workerData: { file, module, max: MAX_FINDINGS } });
    worker.once('message', (r: IntegrityResult) => finish(r));
    worker.once('error', (err) => finish({ ok: false, problems: [err.message], ms: Date.now() - t0 }));
    worker.once('exit', (code) => finish({ ok: false, problems: [`integrity check worker exited with code ${code}`], ms: Date.now() - t0 }));
  });
}
