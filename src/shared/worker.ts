/**
 * The one way to start and to stop a worker thread (the recognizer pool, the hot-list builder,
 * the store's checkpointer and its integrity check use it). The compiled daemon starts the `.js`
 * entry directly. Run from source (tests, benchmarks, a checkout), the entry is TypeScript: it is
 * bundled once per process into plain JavaScript with esbuild, so that the worker starts and runs
 * as the compiled one does, without a TypeScript loader (whose module hooks would also hold up
 * the main thread while the worker starts). Packages stay external: native modules (onnxruntime, better-sqlite3)
 * load as they do compiled, from the checkout's node_modules.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The worker module `name` next to the calling module `base` (its `import.meta.url`): `name.ts`
 *  when the caller runs from source, `name.js` when compiled. */
export function workerEntry(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

/** Starts a worker on `entry`, the `.ts` or `.js` URL of its module (see `workerEntry`). */
export async function startWorker(entry: URL, options: WorkerOptions = {}): Promise<Worker> {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  // Plain JavaScript: the worker must not inherit the TypeScript loader from this process's flags.
  return new Worker(await bundle(entry), { ...options, execArgv: [] });
}

/**
 * Posts `message` (the worker's own "release what you hold and exit") and waits up to `graceMs`
 * for the worker to exit; terminates it only then. A bare terminate() while native code runs (an
 * ONNX session, a SQLite checkpoint) can abort the process or leave a file half written.
 */
export async function stopWorker(worker: Worker, message: unknown, graceMs: number): Promise<void> {
  // A worker unref'd while running must keep the process alive while it is waited for.
  worker.ref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  try {
    worker.postMessage(message);
  } catch {
    await worker.terminate();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  const outcome = await Promise.race([exited.then(() => 'exited' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') await worker.terminate();
}

/** Readies a TypeScript entry (bundles it) so that the first `startWorker` starts at once. */
export async function prepareWorker(entry: URL): Promise<void> {
  if (entry.pathname.endsWith('.ts')) await bundle(entry);
}

const bundles = new Map<string, Promise<URL>>();

/** Bundles live in `<tmp>/alpr-edge-worker-<pid>-XXXXXX`, removed when the process exits. */
const BUNDLE_DIR = /^alpr-edge-worker-(\d+)-/;
let swept = false;

function bundle(entry: URL): Promise<URL> {
  interface Esbuild {
    build(options: { entryPoints: string[]; bundle: boolean; platform: 'node'; format: 'esm'; outfile: string; packages: 'external'; logLevel: 'error' }): Promise<unknown>;
  }
  const key = entry.href;
  let done = bundles.get(key);
  if (!done) {
    done = (async () => {
      const esbuild = (await import('esbuild')) as Esbuild;
      if (!swept) sweepBundles();
      swept = true;
      const dir = mkdtempSync(join(tmpdir(), `alpr-edge-worker-${process.pid}-`));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      const source = fileURLToPath(entry);
      linkPackages(dirname(source), dir);
      const outfile = join(dir, `${basename(source, '.ts')}.mjs`);
      await esbuild.build({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', outfile, packages: 'external', logLevel: 'error' });
      return pathToFileURL(outfile);
    })();
    bundles.set(key, done);
  }
  return done;
}

/** Gives the bundle's folder a `node_modules` link to the one above the source, so that the
 *  bundle's package imports resolve to the same files as the source's. */
function linkPackages(from: string, dir: string): void {
  for (let d = from; ; d = dirname(d)) {
    const modules = join(d, 'node_modules');
    if (existsSync(modules)) {
      symlinkSync(modules, join(dir, 'node_modules'), 'dir');
      return;
    }
    if (dirname(d) === d) return;
  }
}

/** Removes the bundle folders of processes that died without their exit hook (SIGKILL, a crash). */
function sweepBundles(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return; // nothing to sweep where nothing can be listed
  }
  for (const name of names) {
    const pid = Number(BUNDLE_DIR.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists (another user's).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
