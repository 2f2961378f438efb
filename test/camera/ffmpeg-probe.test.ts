/**
 * The startup probe of the ffmpeg binary (Cameras.start runs it when a camera is enabled): a
 * binary that is missing or fails stops startup with CAMERA_FFMPEG_MISSING naming why.
 */
import { describe, expect, it } from 'vitest';
import { probeFfmpeg } from '../../src/camera/ffmpeg-process.js';
import { AlprError } from '../../src/shared/errors.js';

function probeError(binary: string): AlprError {
  try {
    probeFfmpeg(binary);
  } catch (err) {
    if (err instanceof AlprError) return err;
    throw err;
  }
  throw new Error(`probeFfmpeg(${binary}) did not throw`);
}

describe('probeFfmpeg', () => {
  it('accepts the installed ffmpeg', () => {
    expect(() => probeFfmpeg('ffmpeg')).not.toThrow();
  });

  it('names the errno of a binary that cannot start', () => {
    const err = probeError('/nonexistent/ffmpeg');
    expect(err.code).toBe('CAMERA_FFMPEG_MISSING');
    expect(err.message).toBe('cannot start /nonexistent/ffmpeg: ENOENT (install ffmpeg)');
  });

  it('names the exit status of a binary that fails', () => {
    const err = probeError('false');
    expect(err.code).toBe('CAMERA_FFMPEG_MISSING');
    expect(err.message).toBe('cannot start false: exit 1 (install ffmpeg)');
  });
});
