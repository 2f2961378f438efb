import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CameraSource } from '../../src/camera/camera-source.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { cameraConfig, capturedLogger } from './helpers.js';

/** Lets spawn's error events (real I/O, not timers) run. */
async function flushIo(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe('reconnect pacing with fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => vi.useRealTimers());

  it('waits the backoff delay between attempts, doubling up to the cap, and logs only the first failure loudly', async () => {
    const registry = new StatusRegistry();
    const { logger, lines } = capturedLogger('debug');
    const config = cameraConfig({ id: 'cab', kind: 'rtsp', url: 'rtsp://127.0.0.1:9/live', retry_initial_s: 1, retry_max_s: 4, down_after_s: 5 });
    // No such binary: every attempt fails at once, so only the pacing decides when the next comes.
    const source = new CameraSource({ config, logger, status: registry.reporter('camera:cab', 'camera'), ffmpegPath: '/nonexistent/ffmpeg', random: () => 0 });
    const status = () => registry.get('camera:cab')!;
    await source.start();
    const startedAt = new Date(Date.now()).toISOString();
    await flushIo();
    expect(status().counters.reconnects).toBe(1);
    // Never delivered a frame: amber until down_after_s, dated to the start.
    expect(status().state).toBe('starting');
    expect(status().since).toBe(startedAt);
    expect(status().message).toMatch(/cannot start \/nonexistent\/ffmpeg: ENOENT .*; retry in 1\.0 s$/);

    const steps: [number, number, string][] = [
      // advance ms, attempts so far, next delay
      [999, 1, '1.0'],
      [1, 2, '2.0'],
      [1_999, 2, '2.0'],
      [1, 3, '4.0'],
      [4_000, 4, '4.0'], // capped at retry_max_s
      [4_000, 5, '4.0'],
    ];
    for (const [ms, attempts, next] of steps) {
      await vi.advanceTimersByTimeAsync(ms);
      await flushIo();
      expect(status().counters.reconnects).toBe(attempts);
      expect(status().message).toMatch(new RegExp(`retry in ${next.replace('.', '\\.')} s$`));
      // Red once down_after_s (5 s) has passed; the since-time stays the outage start across retries.
      expect(status().state).toBe(Date.now() - Date.parse(startedAt) >= 5_000 ? 'down' : 'starting');
      expect(status().since).toBe(startedAt);
      expect(status().details.outage_since).toBe(startedAt);
    }
    expect(status().state).toBe('down');
    expect(status().message).toMatch(/^no frame since start .*, 5 attempt\(s\): cannot start/);
    await source.stop();
    expect(status().state).toBe('stopped');

    const records = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(records.filter((r) => r.msg === 'camera connection lost' && r.level === 40)).toHaveLength(1);
    expect(records.filter((r) => r.msg === 'camera reconnect failed' && r.level === 20).length).toBeGreaterThanOrEqual(4);
  });
});
