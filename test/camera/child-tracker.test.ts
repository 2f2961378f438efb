import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChildTracker, processStartTicks } from '../../src/camera/child-tracker.js';
import { testTempDir } from '../helpers/temp-dir.js';

describe('ChildTracker', () => {
  it('records each child with its kernel start time and forgets it at exit', async () => {
    const dir = testTempDir('alpr-tracker-');
    const tracker = new ChildTracker();
    tracker.usePidFile(join(dir, 'pids'));
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    tracker.track(child, 'front');
    const entry = JSON.parse(readFileSync(join(dir, 'pids'), 'utf8').trim());
    expect(entry).toEqual({ pid: child.pid, camera: 'front', startTicks: processStartTicks(child.pid!), ownerPid: process.pid, ownerStartTicks: processStartTicks(process.pid) });
    expect(tracker.killAllSync()).toEqual([child.pid]);
    await once(child, 'exit');
    expect(tracker.list()).toEqual([]);
    expect(readFileSync(join(dir, 'pids'), 'utf8')).toBe('');
  });

  it('regression: a pid file in a removed folder never throws out of track() (it orphaned the child)', async () => {
    const dir = testTempDir('alpr-tracker-');
    const tracker = new ChildTracker();
    tracker.usePidFile(join(dir, 'pids'));
    rmSync(dir, { recursive: true, force: true });
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    expect(() => tracker.track(child, 'front')).not.toThrow();
    expect(tracker.lastWriteError).toMatch(/ENOENT/);
    expect(tracker.list().map((c) => c.pid)).toEqual([child.pid]);
    tracker.killAllSync();
    await once(child, 'exit');
  });
});
