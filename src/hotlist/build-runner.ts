/**
 * Runs a list build in a worker thread (one per build, ended when done). The compiled daemon
 * starts the `.js` entry directly. Run from source (tests, benchmarks), the entry is TypeScript:
 * it is bundled once per process into plain JavaScript with esbuild, so that the worker starts
 * and runs as the compiled one does, without a TypeScript loader (whose module hooks would also
 * hold up the main thread while the worker starts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  return startWorker().then((worker) => runIn(worker, task, signal));
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
export async function prepareBuildWorker(): Promise<void> {
  if (import.meta.url.endsWith('.ts')) await bundledEntry();
}

async function startWorker(): Promise<Worker> {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./build-worker.js', self));
  // Plain JavaScript: the worker must not inherit the TypeScript loader from this process's flags.
  return new Worker(await bundledEntry(), { execArgv: [] });
}

let bundled: Promise<string> | null = null;

function bundledEntry(): Promise<string> {
  interface Esbuild {
    build(options: { entryPoints: string[]; bundle: boolean; platform: 'node'; format: 'esm'; outfile: string; packages: 'external'; logLevel: 'error' }): Promise<unknown>;
  }
  bundled ??= (async () => {
    const esbuild = (await import('esbuild')) as Esbuild;
    const dir = mkdtempSync(join(tmpdir(), 'alpr-edge-build-worker-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'build-worker.mjs');
    await esbuild.build({ entryPoints: [fileURLToPath(new URL('./build-worker.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile, packages: 'external', logLevel: 'error' });
    return outfile;
  })();
  return bundled;
}
