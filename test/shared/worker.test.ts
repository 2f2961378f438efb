import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { prepareWorker, startWorker } from '../../src/shared/worker.js';

const ENTRY = new URL('./fixtures/echo-worker.ts', import.meta.url);

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
});
