import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cameras, PID_FILE } from '../../src/camera/cameras.js';
import { processStartTicks, sweepPidFile } from '../../src/camera/child-tracker.js';
import { frameToJpeg } from '../../src/recognizer/evidence.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { RtspPeer } from '../peers/rtsp-peer.js';
import { cameraConfig } from './helpers.js';
import { waitFor } from '../helpers/wait-for.js';
import { tempDir } from '../helpers/temp-dir.js';

const DAEMON = fileURLToPath(new URL('../peers/camera-daemon.ts', import.meta.url));

/** Alive and not a zombie (a container's PID 1 may never reap an orphan). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const spawned: ChildProcess[] = [];
const strays: number[] = [];

async function startDaemon(dataDir: string, kind: string, url: string, flag: '--wait-frame' | '--exit' | null): Promise<{ daemon: ChildProcess; ffmpegPid: number }> {
  const config = cameraConfig({ id: 'orphan', kind: kind as 'rtsp' | 'file', url, fps: 5, connect_timeout_s: 120, stall_timeout_s: 120, width: 160, height: 120 });
  const daemon = spawn(process.execPath, ['--import', 'tsx', DAEMON, dataDir, JSON.stringify(config), ...(flag ? [flag] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(daemon);
  let out = '';
  let err = '';
  daemon.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ffmpegPid = await new Promise<number>((resolve, reject) => {
    daemon.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /FFMPEG (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    daemon.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${err}`)));
    // Generous: a loaded 2-core machine takes seconds just to start Node with tsx.
    setTimeout(() => reject(new Error(`daemon never reported ffmpeg: ${err}`)), 45_000).unref();
  });
  strays.push(ffmpegPid);
  return { daemon, ffmpegPid };
}

async function sigkill(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

describe('no ffmpeg outlives the daemon', { timeout: 60_000 }, () => {
  const server = new RtspPeer({ mounts: ['/live=test:160x120@10'] });
  // Each test's daemon directory lies under one tempDir of this block, removed after the afterAll
  // below (registered later, so run first) has killed every daemon and stray ffmpeg.
  const root = tempDir('alpr-cam-');
  let made = 0;
  const daemonDir = (): string => {
    const d = join(root, String(made++));
    mkdirSync(d);
    return d;
  };

  beforeAll(async () => {
    await server.start(0);
  });
  afterAll(async () => {
    for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const pid of strays) if (running(pid)) process.kill(pid, 'SIGKILL');
    await server.stop();
  });

  it('a streaming ffmpeg dies of EPIPE when the daemon is SIGKILLed', async () => {
    const dir = daemonDir();
    const { daemon, ffmpegPid } = await startDaemon(dir, 'rtsp', server.url('/live'), '--wait-frame');
    expect(running(ffmpegPid)).toBe(true);
    const recorded = readFileSync(join(dir, PID_FILE), 'utf8');
    expect(recorded).toContain(`"pid":${ffmpegPid}`);
    await sigkill(daemon);
    // The next frame write (5 fps) hits the closed pipe.
    await waitFor(() => !running(ffmpegPid), `ffmpeg ${ffmpegPid} to die`, { timeoutMs: 5_000 });
  });

  it('a stalled ffmpeg that never writes is killed from the pid file at the next start', async () => {
    const dir = daemonDir();
    // A FIFO nobody writes to: ffmpeg blocks opening it and never touches its stdout.
    const fifo = join(dir, 'stalled.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const { daemon, ffmpegPid } = await startDaemon(dir, 'file', fifo, null);
    await sigkill(daemon);
    await new Promise((r) => setTimeout(r, 500));
    expect(running(ffmpegPid)).toBe(true); // EPIPE cannot save us here

    const next = new Cameras({ configs: [], logger: silentLogger(), registry: new StatusRegistry(), dataDir: dir, jpeg: frameToJpeg });
    await next.start();
    await waitFor(() => !running(ffmpegPid), `swept ffmpeg ${ffmpegPid} to die`, { timeoutMs: 3_000 });
    await next.stop();
  });

  it('process.exit() kills every ffmpeg child synchronously and clears the pid file', async () => {
    const dir = daemonDir();
    const fifo = join(dir, 'stalled.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const { daemon, ffmpegPid } = await startDaemon(dir, 'file', fifo, '--exit');
    if (daemon.exitCode === null) await once(daemon, 'exit');
    expect(daemon.exitCode).toBe(3);
    await waitFor(() => !running(ffmpegPid), `ffmpeg ${ffmpegPid} to die with the daemon`, { timeoutMs: 2_000 });
    expect(() => readFileSync(join(dir, PID_FILE))).toThrow(/ENOENT/);
  });

  it('the sweep spares a pid that is no longer our ffmpeg', async () => {
    const dir = daemonDir();
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    spawned.push(sleeper);
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=1', '-f', 'rawvideo', 'pipe:1'], { stdio: ['ignore', 'ignore', 'ignore'] });
    spawned.push(ffmpeg);
    strays.push(ffmpeg.pid!);
    await waitFor(() => processStartTicks(ffmpeg.pid!) !== null, 'ffmpeg to start', { timeoutMs: 2_000 });
    const file = join(dir, PID_FILE);
    writeFileSync(
      file,
      [
        { pid: sleeper.pid, camera: 'a', startTicks: processStartTicks(sleeper.pid!) }, // not ffmpeg
        { pid: ffmpeg.pid, camera: 'b', startTicks: processStartTicks(ffmpeg.pid!)! - 1 }, // pid reused by another ffmpeg
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    const result = sweepPidFile(file);
    expect(result.killed).toEqual([]);
    expect(result.ignored.map((e) => e.pid)).toEqual([sleeper.pid, ffmpeg.pid]);
    expect([running(sleeper.pid!), running(ffmpeg.pid!)]).toEqual([true, true]);
  });

  it('the sweep spares an ffmpeg whose daemon still runs (two daemons on one data folder)', async () => {
    const dir = daemonDir();
    const owner = spawn('sleep', ['30'], { stdio: 'ignore' }); // stands in for the other, live daemon
    spawned.push(owner);
    const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=1', '-f', 'rawvideo', 'pipe:1'], { stdio: ['ignore', 'ignore', 'ignore'] });
    spawned.push(ffmpeg);
    strays.push(ffmpeg.pid!);
    await waitFor(() => processStartTicks(ffmpeg.pid!) !== null && processStartTicks(owner.pid!) !== null, 'processes to start', { timeoutMs: 2_000 });
    const file = join(dir, PID_FILE);
    const entry = { pid: ffmpeg.pid, camera: 'b', startTicks: processStartTicks(ffmpeg.pid!), ownerPid: owner.pid, ownerStartTicks: processStartTicks(owner.pid!) };
    writeFileSync(file, `${JSON.stringify(entry)}\n`);
    expect(sweepPidFile(file).killed).toEqual([]);
    expect(running(ffmpeg.pid!)).toBe(true);

    // Once its daemon is gone, the same entry is a leftover.
    owner.kill('SIGKILL');
    await once(owner, 'exit');
    writeFileSync(file, `${JSON.stringify(entry)}\n`);
    expect(sweepPidFile(file).killed.map((e) => e.pid)).toEqual([ffmpeg.pid]);
    await waitFor(() => !running(ffmpeg.pid!), 'the leftover ffmpeg to die', { timeoutMs: 3_000 });
  });
});
