/**
 * A minimal daemon for the orphan tests: runs the Cameras unit for one camera and prints
 * `FFMPEG <pid>` once ffmpeg runs (after the first frame with `--wait-frame`). The test then
 * SIGKILLs this process and checks by PID that no ffmpeg survives.
 *
 * With `--exit`, it calls process.exit() right after, to check the synchronous exit hook.
 *
 *   node --import tsx test/peers/camera-daemon.ts DATA_DIR CAMERA_CONFIG_JSON [--wait-frame | --exit]
 */
import { Cameras } from '../../src/camera/cameras.js';
import type { CameraConfig } from '../../src/config/sections/camera.js';
import { frameToJpeg } from '../../src/recognizer/evidence.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';

// The camera config arrives as JSON, already validated by the test: starting the config loader
// here would only slow the daemon's start on a loaded machine.
const [dataDir, configJson, flag] = process.argv.slice(2);
const config = JSON.parse(configJson!) as CameraConfig;
const cameras = new Cameras({ configs: [config], logger: silentLogger(), registry: new StatusRegistry(), dataDir: dataDir!, jpeg: frameToJpeg });
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
