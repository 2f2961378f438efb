/**
 * The one way to start a worker thread. The compiled daemon starts the `.js` entry directly. Run
 * from source (tests, benchmarks, a checkout), the entry is TypeScript: it is bundled once per
 * process into plain JavaScript with esbuild, so that the worker starts and runs as the compiled
 * one does, without a TypeScript loader (whose module hooks would also hold up the main thread
 * while the worker starts). Packages stay external: native modules load as they do compiled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Starts a worker on `entry`, the `.ts` or `.js` URL of its module (`new URL('./x.js', import.meta.url)`
 *  resolves to the `.ts` file when the caller runs from source). */
export async function startWorker(entry: URL, options: WorkerOptions = {}): Promise<Worker> {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  // Plain JavaScript: the worker must not inherit the TypeScript loader from this process's flags.
  return new Worker(await bundle(entry), { ...options, execArgv: [] });
}

/** Readies a TypeScript entry (bundles it) so that the first `startWorker` starts at once. */
export async function prepareWorker(entry: URL): Promise<void> {
  if (entry.pathname.endsWith('.ts')) await bundle(entry);
}

const bundles = new Map<string, Promise<URL>>();

function bundle(entry: URL): Promise<URL> {
  interface Esbuild {
    build(options: { entryPoints: string[]; bundle: boolean; platform: 'node'; format: 'esm'; outfile: string; packages: 'external'; logLevel: 'error' }): Promise<unknown>;
  }
  const key = entry.href;
  let done = bundles.get(key);
  if (!done) {
    done = (async () => {
      const esbuild = (await import('esbuild')) as Esbuild;
      const dir = mkdtempSync(join(tmpdir(), 'alpr-edge-worker-'));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      const source = fileURLToPath(entry);
      const outfile = join(dir, `${basename(source, '.ts')}.mjs`);
      await esbuild.build({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', outfile, packages: 'external', logLevel: 'error' });
      return pathToFileURL(outfile);
    })();
    bundles.set(key, done);
  }
  return done;
}
