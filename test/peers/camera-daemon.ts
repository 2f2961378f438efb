/**
 * A minimal daemon for the orphan tests: runs the Cameras unit for one camera and prints
 * `FFMPEG <pid>` once ffmpeg runs (after the first frame with `--wait-frame`). The test then
 * SIGKILLs this process and checks by PID that no ffmpeg survives.
 *
 * With `--exit`, it calls process.exit() right after, to check the synchronous exit hook.
 *
 *   node --import tsx test/peers/camera-daemon.ts DATA_DIR KIND URL [--wait-frame | --exit]
 */
import { tmpdir } from 'node:os';
import { Cameras } from '../../src/camera/cameras.js';
import { loadConfigObject } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';

const [dataDir, kind, url, flag] = process.argv.slice(2);
const r = loadConfigObject({ cameras: [{ id: 'orphan', kind, url, fps: 5, connect_timeout_s: 120, stall_timeout_s: 120, width: 160, height: 120 }] }, tmpdir());
if (!r.config) throw new Error(r.errors.join('; '));
const cameras = new Cameras({ configs: r.config.cameras, logger: silentLogger(), registry: new StatusRegistry(), dataDir: dataDir! });
let frames = 0;
cameras.onFrame(() => void frames++);
await cameras.start();
const source = cameras.sources[0]!;
const timer = setInterval(() => {
  if (source.ffmpegPid !== undefined && (flag !== '--wait-frame' || frames > 0)) {
    process.stdout.write(`FFMPEG ${source.ffmpegPid}\n`);
    clearInterval(timer);
    if (flag === '--exit') process.exit(3);
  }
}, 50);
