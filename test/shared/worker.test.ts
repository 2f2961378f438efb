import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { prepareWorker, startWorker, stopWorker, workerEntry } from '../../src/shared/worker.js';
import { testTempDir } from '../helpers/temp-dir.js';

const ENTRY = new URL('./fixtures/echo-worker.ts', import.meta.url);
const WITH_PACKAGE = workerEntry('fixtures/package-worker', import.meta.url);

describe('startWorker', () => {
  it('runs a TypeScript entry as plain JavaScript, without the TypeScript loader', async () => {
    await prepareWorker(ENTRY);
    const worker = await startWorker(ENTRY);
    try {
      worker.postMessage(21);
      const [reply] = (await once(worker, 'message')) as [{ doubled: number; execArgv: string[] }];
      expect(reply).toEqual({ doubled: 42, execArgv: [] });
    } finally {
      await worker.terminate();
    }
  });

  it('resolves the packages a TypeScript entry imports from the checkout (the bundle lives in a temp folder)', async () => {
    expect(WITH_PACKAGE.pathname).toMatch(/package-worker\.ts$/);
    const worker = await startWorker(WITH_PACKAGE);
    try {
      worker.postMessage('typebox loaded');
      const [reply] = (await once(worker, 'message')) as [string];
      expect(reply).toBe('typebox loaded');
    } finally {
      await worker.terminate();
    }
  });
});

describe('stopWorker', () => {
  it('lets a worker that obeys its stop message exit by itself', async () => {
    const worker = await startWorker(WITH_PACKAGE);
    const exit = once(worker, 'exit') as Promise<[number]>;
    await stopWorker(worker, 'stop', 10_000);
    expect((await exit)[0]).toBe(0);
  });

  it('terminates a worker that does not exit within the grace period', async () => {
    const worker = await startWorker(ENTRY);
    worker.postMessage(1);
    await once(worker, 'message'); // running, not still loading
    const exit = once(worker, 'exit') as Promise<[number]>;
    // The echo worker answers a number and keeps running: only terminate() ends it (exit code 1).
    await stopWorker(worker, 2, 50);
    expect((await exit)[0]).toBe(1);
  });
});

describe('workerEntry', () => {
  it('names the .ts module from source and the .js module when compiled', () => {
    expect(workerEntry('worker', 'file:///app/src/recognizer/pool.ts').href).toBe('file:///app/src/recognizer/worker.ts');
    expect(workerEntry('worker', 'file:///app/dist/recognizer/pool.js').href).toBe('file:///app/dist/recognizer/worker.js');
  });
});

describe('bundle folders', () => {
  it("removes the folder a killed process left behind, and keeps a live process's", async () => {
    // A pid that is surely dead: a child that has exited.
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    const dead = testTempDir(`alpr-edge-worker-${child.pid}-`);
    const live = testTempDir(`alpr-edge-worker-${process.ppid}-`);
    // A fresh module instance sweeps on its first bundle.
    vi.resetModules();
    const fresh = await import('../../src/shared/worker.js');
    await fresh.prepareWorker(ENTRY);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});
