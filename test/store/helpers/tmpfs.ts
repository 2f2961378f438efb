import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether this machine lets the test mount a tmpfs (needs root): probed with a mount that is undone at once. */
export function probeTmpfs(): { ok: boolean; why: string } {
  const probe = mkdtempSync(join(tmpdir(), 'alpr-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return { ok: true, why: '' };
  } catch (err) {
    return { ok: false, why: String((err as { stderr?: Buffer }).stderr ?? err).trim() };
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Mounts a tmpfs of `size` (e.g. `16m`) on `dir`; returns the matching umount. */
export function mountTmpfs(dir: string, size: string): () => void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  return () => execFileSync('umount', [dir], { stdio: 'pipe' });
}

/** Changes the size of the tmpfs mounted on `dir` (smaller than its contents fills it at once). */
export function remountTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-o', `remount,size=${size}`, dir], { stdio: 'pipe' });
}
