/**
 * Runs a list build in a worker thread (one per build, ended when done), started the daemon's one
 * way (shared/worker.ts).
 */
import type { Worker } from 'node:worker_threads';
import { prepareWorker, startWorker, workerEntry } from '../shared/worker.js';
import { buildList, type BuildResult, type BuildTask } from './list-build.js';

/** The worker's entry: list-build-worker.ts from source, list-build-worker.js compiled. */
const ENTRY = workerEntry('list-build-worker', import.meta.url);

export type BuildMode = 'worker' | 'inline';

/** `signal` ends the worker at once (shutdown): a multi-million-row build must not hold up a stop. */
export function runBuild(task: BuildTask, mode: BuildMode = 'worker', signal?: AbortSignal): Promise<BuildResult> {
  if (mode === 'inline') {
    try {
      return Promise.resolve(buildList(task));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
  if (signal?.aborted) return Promise.reject(new Error('build cancelled'));
  return startWorker(ENTRY).then((worker) => runIn(worker, task, signal));
}

function runIn(worker: Worker, task: BuildTask, signal?: AbortSignal): Promise<BuildResult> {
  return new Promise<BuildResult>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => finish(() => reject(new Error('build cancelled')));
    // A result is delivered once the worker is gone, so its memory (the file it read, its
    // working arrays) is released before the new list is swapped in or another build starts.
    const finish = (fn: () => void, waitForExit = false): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      const ended = worker.terminate();
      if (waitForExit) void ended.then(fn, fn);
      else fn();
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (msg: BuildResult | { crashed: string }) => {
      finish(() => ('crashed' in msg ? reject(new Error(msg.crashed)) : resolve(msg)), true);
    });
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) => finish(() => reject(new Error(`build worker exited with code ${code}`))));
    worker.postMessage(task);
  });
}

/** Readies the worker entry (from source: bundles it) so the first build starts at once. */
export function prepareBuildWorker(): Promise<void> {
  return prepareWorker(ENTRY);
}
