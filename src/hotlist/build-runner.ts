/**
 * Runs a list build in a worker thread (one per build, ended when done). Under tsx (tests,
 * benchmarks) the worker entry is TypeScript, so it is started through a bootstrap that
 * registers tsx's loader first; the compiled daemon starts the `.js` entry directly.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildList, type BuildResult, type BuildTask } from './list-build.js';

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
  return new Promise<BuildResult>((resolve, reject) => {
    const worker = startWorker();
    let settled = false;
    const onAbort = (): void => finish(() => reject(new Error('build cancelled')));
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (msg: BuildResult | { crashed: string }) => {
      finish(() => ('crashed' in msg ? reject(new Error(msg.crashed)) : resolve(msg)));
    });
    worker.once('error', (err) => finish(() => reject(err)));
    worker.once('exit', (code) => finish(() => reject(new Error(`build worker exited with code ${code}`))));
    worker.postMessage(task);
  });
}

function startWorker(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./build-worker.js', self));
  // `tsx/esm/api` resolved for import (its CommonJS build cannot register from a data: URL).
  const api = new URL('./api/index.mjs', pathToFileURL(createRequire(self).resolve('tsx/esm'))).href;
  const entry = new URL('./build-worker.ts', self).href;
  const boot = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}
