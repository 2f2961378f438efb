import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/camera/frame.js';
import { RecognizerSection, type RecognizerConfig } from '../../src/config/sections/recognizer.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { BUNDLED_MODELS_DIR } from '../../src/recognizer/contract.js';
import { RecognizerPool } from '../../src/recognizer/pool.js';
import type { FrameReads } from '../../src/recognizer/types.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { waitFor } from '../helpers/wait-for.js';
import { testTempDir } from '../helpers/temp-dir.js';

const echoWorker = new URL('./echo-worker.ts', import.meta.url);

function config(over: Partial<RecognizerConfig> = {}): RecognizerConfig {
  return { ...(Value.Default(RecognizerSection, {}) as RecognizerConfig), models_dir: BUNDLED_MODELS_DIR, ...over };
}

function frame(cameraId: string, seq: number, data: Buffer = Buffer.alloc(64 * 48 * 3, seq)): Frame {
  return { cameraId, seq, capturedAt: 1_700_000_000_000 + seq, width: 64, height: 48, format: 'rgb24', data };
}

const pools: RecognizerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

function makePool(over: Partial<RecognizerConfig> = {}, onResult?: (r: FrameReads, f: Frame) => void, worker: URL | null = echoWorker, cameras: { id: string; queue_size: number }[] = []) {
  const registry = new StatusRegistry();
  const clock = new ManualClock();
  const results: { reads: FrameReads; frame: Frame }[] = [];
  const pool = new RecognizerPool({
    config: config(over),
    logger: silentLogger(),
    status: registry.reporter('recognizer', 'recognizer'),
    clock,
    onResult: onResult ?? ((reads, f) => results.push({ reads, frame: f })),
    cameras,
    cameraStatus: (id) => registry.reporter(`camera:${id}`, 'camera'),
    ...(worker ? { workerUrl: worker } : {}),
  });
  pools.push(pool);
  const status = () => registry.get('recognizer')!;
  const camera = (id: string) => registry.get(`camera:${id}`)!;
  return { pool, results, status, camera, clock };
}

describe('RecognizerPool', () => {
  it('reads frames and hands back the frame with its pixels, transferred without a copy', async () => {
    const { pool, results, status } = makePool();
    await pool.start();
    expect(status().state).toBe('ok');
    const data = Buffer.alloc(64 * 48 * 3, 7);
    pool.submit(frame('front', 1, data));
    await waitFor(() => results.length === 1, 'result');
    expect(results[0]!.reads).toMatchObject({ cameraId: 'front', seq: 1, width: 64, height: 48, plates: [] });
    expect(results[0]!.frame.data.length).toBe(64 * 48 * 3);
    expect(results[0]!.frame.data[100]).toBe(7);
    expect(data.length).toBe(0); // ownership moved to the worker and back into the result
    expect(status().counters).toMatchObject({ frames_submitted: 1, frames_read: 1, frames_transferred: 1 });
  });

  it("sends each frame the second opinions its camera's tracks hold, only with second_reader.once_per_track on", async () => {
    const box = { x: 10, y: 20, w: 30, h: 10 };
    const asked: [string, number][] = [];
    const run = async (once: boolean): Promise<FrameReads> => {
      const registry = new StatusRegistry();
      const results: FrameReads[] = [];
      const base = config();
      const pool = new RecognizerPool({
        config: { ...base, second_reader: { ...base.second_reader, once_per_track: once } },
        logger: silentLogger(),
        status: registry.reporter('recognizer', 'recognizer'),
        clock: new ManualClock(),
        onResult: (reads) => results.push(reads),
        workerUrl: echoWorker,
        opinions: (camera, capturedAt) => {
          asked.push([camera, capturedAt]);
          return [{ box, frames: { probs: new Float64Array(37), T: 1, C: 37 } }];
        },
      });
      pools.push(pool);
      await pool.start();
      pool.submit(frame('opinions', 5));
      await waitFor(() => results.length === 1, 'result');
      return results[0]!;
    };
    expect((await run(true)).plates.map((p) => p.box)).toEqual([box]);
    expect(asked).toEqual([['opinions', 1_700_000_000_005]]);
    expect((await run(false)).plates).toEqual([]);
    expect(asked).toHaveLength(1);
  });

  it('copies a frame whose Buffer is a slice of a larger allocation', async () => {
    const { pool, results, status } = makePool();
    await pool.start();
    const big = Buffer.alloc(64 * 48 * 3 + 16, 9);
    pool.submit(frame('front', 1, big.subarray(16)));
    await waitFor(() => results.length === 1, 'result');
    expect(big.length).toBe(64 * 48 * 3 + 16);
    expect(status().counters.frames_copied).toBe(1);
  });

  it("drops the oldest waiting frames when the camera's queue is full, and counts them on the camera", async () => {
    const { pool, results, status, camera } = makePool({}, undefined, echoWorker, [{ id: 'slow', queue_size: 2 }]);
    await pool.start();
    pool.submit(frame('slow', 0));
    for (let seq = 1; seq <= 5; seq++) pool.submit(frame('slow', seq));
    expect(camera('slow').details.queue).toBe(2);
    await waitFor(() => results.length === 3, 'three results');
    expect(results.map((r) => r.reads.seq)).toEqual([0, 4, 5]);
    expect(status().counters.frames_dropped).toBe(3);
    expect(camera('slow').counters.dropped).toBe(3);
    expect(camera('slow').details.queue).toBe(0);
  });

  it('gives a camera not in the configuration the default queue of 2', async () => {
    const { pool, results, status } = makePool();
    await pool.start();
    for (let seq = 0; seq <= 5; seq++) pool.submit(frame('slow', seq));
    await waitFor(() => results.length === 3, 'three results');
    expect(results.map((r) => r.reads.seq)).toEqual([0, 4, 5]);
    expect(status().counters.frames_dropped).toBe(3);
  });

  it('takes the cameras in turn, so a flooding camera cannot hold up another', async () => {
    const { pool, results, camera } = makePool({}, undefined, echoWorker, [
      { id: 'slow-flood', queue_size: 4 },
      { id: 'slow-quiet', queue_size: 4 },
    ]);
    await pool.start();
    for (let seq = 0; seq < 5; seq++) pool.submit(frame('slow-flood', seq));
    pool.submit(frame('slow-quiet', 100));
    await waitFor(() => results.length === 6, 'six results');
    // The worker had flood 0; the quiet camera's one frame comes next, before flood 1..4.
    expect(results.map((r) => r.reads.seq)).toEqual([0, 100, 1, 2, 3, 4]);
    expect(camera('slow-flood').counters.dropped ?? 0).toBe(0);
  });

  it('under a slow recognizer drops each camera\'s oldest frames, counted per camera, and holds no more than the queues', async () => {
    const cameras = [
      { id: 'slow-a', queue_size: 3 },
      { id: 'slow-b', queue_size: 1 },
    ];
    const { pool, results, status, camera } = makePool({ workers: 1 }, undefined, echoWorker, cameras);
    await pool.start();
    const SIZE = 1024 * 1024; // 1 MiB frames: 2 x 300 of them would be 600 MiB if they were kept
    const width = 1024;
    const height = SIZE / width / 3;
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let maxWaiting = 0;
    for (let seq = 0; seq < 300; seq++) {
      for (const { id } of cameras) pool.submit({ ...frame(id, seq), width, height, data: Buffer.alloc(width * height * 3, seq % 256) });
      maxWaiting = Math.max(maxWaiting, camera('slow-a').details.queue as number, camera('slow-b').details.queue as number, status().counters.queue_depth ?? 0);
      expect(camera('slow-a').details.queue).toBeLessThanOrEqual(3);
      expect(camera('slow-b').details.queue).toBeLessThanOrEqual(1);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
      // Let results come back now and then, as a camera delivers at its frame rate.
      if (seq % 50 === 49) {
        const readSoFar = results.length;
        await waitFor(() => results.length > readSoFar, 'a result');
      }
    }
    const settled = () => {
      const c = status().counters;
      return c.frames_read! + c.frames_dropped! === 600;
    };
    await waitFor(settled, 'every frame read or dropped');
    const read = (id: string) => results.filter((r) => r.reads.cameraId === id).length;
    // Every frame not read was dropped, and each drop is on its camera's entry.
    for (const { id } of cameras) {
      expect(read(id)).toBeGreaterThan(0);
      expect(camera(id).counters.dropped).toBe(300 - read(id));
    }
    expect(camera('slow-a').counters.dropped! + camera('slow-b').counters.dropped!).toBe(status().counters.frames_dropped);
    expect(status().counters.queue_depth).toBe(0);
    expect(maxWaiting).toBeLessThanOrEqual(4);
    // Memory: at most the queues (4 frames) and one frame in the worker are held, not the 600 MiB
    // submitted; the margin is the garbage the collector has not yet taken back.
    expect(peak).toBeLessThan(200 * SIZE);
  });

  it('replaces a worker that hangs on a frame and goes on reading', async () => {
    const { pool, results, status } = makePool({ task_timeout_s: 0.2 });
    await pool.start();
    pool.submit(frame('hang', 1));
    await waitFor(() => status().counters.worker_restarts === 1 && status().state === 'ok', 'replacement worker');
    expect(status().counters.tasks_timed_out).toBe(1);
    expect(status().lastError?.message).toMatch(/took longer than 0.2 s/);
    pool.submit(frame('front', 2));
    await waitFor(() => results.length === 1, 'result after restart');
    expect(results[0]!.reads.seq).toBe(2);
  });

  it('replaces a worker that dies', async () => {
    const { pool, results, status } = makePool();
    await pool.start();
    pool.submit(frame('crash', 1));
    await waitFor(() => status().counters.worker_crashes === 1 && status().state === 'ok', 'replacement worker');
    pool.submit(frame('front', 2));
    await waitFor(() => results.length === 1, 'result after restart');
  });

  it('gives up after more than 5 restarts within 60 s, but not when they are spread out', async () => {
    const { pool, status, clock } = makePool();
    await pool.start();
    const crashAndWait = async (n: number) => {
      pool.submit(frame('crash', n));
      await waitFor(() => status().counters.worker_restarts === n && (status().state === 'ok' || status().state === 'failed'), `restart ${n}`);
    };
    await crashAndWait(1);
    clock.advance(61_000); // the first restart leaves the window
    for (let n = 2; n <= 6; n++) await crashAndWait(n);
    expect(status().state).toBe('ok');
    await crashAndWait(7);
    expect(status().state).toBe('failed');
    expect(status().message).toMatch(/restarted 6 times in 60 s/);
    pool.submit(frame('front', 99));
    expect(status().counters.frames_dropped).toBeGreaterThanOrEqual(1);
  });

  it('counts a task the worker could not read, and keeps going', async () => {
    const { pool, results, status } = makePool();
    await pool.start();
    pool.submit(frame('fail', 1));
    pool.submit(frame('front', 2));
    await waitFor(() => results.length === 1, 'result');
    expect(status().counters.frames_failed).toBe(1);
  });

  it('survives a result consumer that throws', async () => {
    let calls = 0;
    const { pool, status } = makePool({}, () => {
      calls++;
      throw new Error('consumer broke');
    });
    await pool.start();
    pool.submit(frame('front', 1));
    pool.submit(frame('front', 2));
    await waitFor(() => calls === 2, 'two results');
    expect(status().lastError?.message).toBe('consumer broke');
    expect(status().state).toBe('ok');
  });

  it('refuses a frame whose buffer does not match its size', async () => {
    const { pool, results, status } = makePool();
    await pool.start();
    pool.submit({ ...frame('front', 1), data: Buffer.alloc(10) });
    expect(status().counters.frames_invalid).toBe(1);
    expect(results).toHaveLength(0);
  });

  it('stops idempotently and drops what is submitted afterwards', async () => {
    const { pool, status } = makePool({ workers: 2 });
    await pool.start();
    expect(status().counters.workers_ready).toBe(2);
    await pool.stop();
    await pool.stop();
    pool.submit(frame('front', 1));
    expect(status().state).toBe('stopped');
    expect(status().counters.frames_dropped).toBe(1);
  });
});

describe('RecognizerPool with the real worker', () => {
  it('fails to start with a clear error when the model files are missing', async () => {
    const dir = testTempDir('alpr-models-');
    copyFileSync(join(BUNDLED_MODELS_DIR, 'models.json'), join(dir, 'models.json'));
    const { pool } = makePool({ models_dir: dir }, undefined, null);
    await expect(pool.start()).rejects.toThrow(/recognizer worker 0 failed to start: cannot load model .*detector\.onnx/);
  });

  it('fails to start when the model contract is missing', async () => {
    const dir = testTempDir('alpr-models-');
    const { pool } = makePool({ models_dir: dir }, undefined, null);
    await expect(pool.start()).rejects.toThrow(/cannot read the model contract/);
  });
});
