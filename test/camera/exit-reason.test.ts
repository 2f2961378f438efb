import { describe, expect, it } from 'vitest';
import { exitReason } from '../../src/camera/exit-reason.js';
import type { FfmpegExit } from '../../src/camera/ffmpeg-process.js';

describe('exitReason', () => {
  const exit: FfmpegExit = { code: 1, signal: null, spawnError: null, requested: false };
  const config = { id: 'front', connect_timeout_s: 10 };
  const table: [string, FfmpegExit, Parameters<typeof exitReason>[1], string][] = [
    ['no first frame', { ...exit, signal: 'SIGTERM' }, { kind: 'no-first-frame', afterMs: 10_400 }, 'camera front: no frame within 10 s of connecting'],
    ['stalled', { ...exit, signal: 'SIGTERM' }, { kind: 'stalled', afterMs: 12_600 }, 'camera front: no frame for 13 s'],
    ['missing binary', { ...exit, code: null, spawnError: 'ENOENT' }, null, 'cannot start /opt/ffmpeg: ENOENT (install ffmpeg)'],
    ['exit code', exit, null, 'ffmpeg exited (code 1)'],
    ['signal', { ...exit, code: null, signal: 'SIGKILL' }, null, 'ffmpeg exited (signal SIGKILL)'],
  ];
  for (const [name, e, trip, reason] of table) {
    it(name, () => expect(exitReason(e, trip, config, '/opt/ffmpeg')).toBe(reason));
  }
});
