/** Shared test helpers for camera tests: configs with schema defaults, a captured logger. */
import { tmpdir } from 'node:os';
import { loadConfigObject } from '../../src/config/load.js';
import type { CameraConfig } from '../../src/config/sections/camera.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';

/** A camera config as the real loader produces it: defaults filled in, checks run, secret resolved. */
export function cameraConfig(partial: Partial<Omit<CameraConfig, 'password'>> & { id: string; kind: CameraConfig['kind']; password?: string }): CameraConfig {
  const r = loadConfigObject({ cameras: [partial] }, tmpdir());
  if (!r.config) throw new Error(`invalid test camera config: ${r.errors.join('; ')}`);
  return r.config.cameras[0]!;
}

/** A real pino logger whose JSON lines are kept in memory. */
export function capturedLogger(level: 'debug' | 'info' = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
