/**
 * `PRAGMA quick_check` on the live database, in a worker thread with its own read-only
 * connection: it reads every page (seconds to minutes on a big file), and on the main thread that
 * would stall storing and alerting. Garbage pages in the middle of a running database used to go
 * unnoticed (the daemon stayed green and kept storing, issue 17 item 4).
 */
import { startWorker, workerEntry } from '../shared/worker.js';

export interface IntegrityResult {
  ok: boolean;
  /** quick_check's findings (at most `MAX_FINDINGS`), or the error that stopped it. */
  problems: string[];
  ms: number;
}

/** What integrity-worker.ts is started with. */
export interface IntegrityWorkerData {
  file: string;
  max: number;
}

const MAX_FINDINGS = 20;

/** Runs quick_check on `file` off the main thread. Never rejects: a failure to check is a finding. */
export async function quickCheck(file: string): Promise<IntegrityResult> {
  const t0 = Date.now();
  const workerData: IntegrityWorkerData = { file, max: MAX_FINDINGS };
  let worker;
  try {
    worker = await startWorker(workerEntry('integrity-worker', import.meta.url), { workerData, name: 'integrity-check' });
  } catch (err) {
    return { ok: false, problems: [`integrity check worker did not start: ${err instanceof Error ? err.message : String(err)}`], ms: Date.now() - t0 };
  }
  const w = worker;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: IntegrityResult): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    w.once('message', (r: IntegrityResult) => finish(r));
    w.once('error', (err) => finish({ ok: false, problems: [err.message], ms: Date.now() - t0 }));
    w.once('exit', (code) => finish({ ok: false, problems: [`integrity check worker exited with code ${code}`], ms: Date.now() - t0 }));
  });
}
