/**
 * Every ffmpeg child of this process, in one place, so none outlives the daemon. Node cannot tie
 * a child's life to its parent, so each exit path is covered separately:
 *
 *   stop / restart          the camera stops its own child (q → SIGTERM → SIGKILL)
 *   process.exit, crash     the 'exit' hook SIGKILLs every survivor synchronously
 *   SIGKILL of the daemon   ffmpeg dies of EPIPE on its next write to our closed pipe; one that
 *                           is stalled and never writes is killed at the next start, from the
 *                           pid file (pid + kernel start time, so a reused pid is never hit)
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface TrackedChild {
  pid: number;
  camera: string;
  /** Kernel start time (clock ticks since boot, /proc/PID/stat field 22), or null off Linux. */
  startTicks: number | null;
  /** The daemon that started it, and that daemon's kernel start time. */
  ownerPid?: number;
  ownerStartTicks?: number | null;
}

/** This process's identity in the pid file, read once. */
let self: { pid: number; startTicks: number | null } | null = null;
function selfIdentity(): { pid: number; startTicks: number | null } {
  self ??= { pid: process.pid, startTicks: processStartTicks(process.pid) };
  return self;
}

export class ChildTracker {
  private readonly children = new Map<number, { child: ChildProcess; info: TrackedChild }>();
  private pidFile: string | null = null;
  private exitHook: (() => void) | null = null;
  /** The last failure to write the pid file (full disk, removed directory), or null. */
  lastWriteError: string | null = null;

  /** Keeps the pid file at `path` up to date from now on (null = stop). */
  usePidFile(path: string | null): void {
    this.pidFile = path;
    this.writePidFile();
  }

  track(child: ChildProcess, camera: string): void {
    const pid = child.pid;
    if (pid === undefined) return;
    const owner = selfIdentity();
    this.children.set(pid, { child, info: { pid, camera, startTicks: processStartTicks(pid), ownerPid: owner.pid, ownerStartTicks: owner.startTicks } });
    child.once('exit', () => {
      this.children.delete(pid);
      this.writePidFile();
    });
    this.installExitHook();
    this.writePidFile();
  }

  list(): TrackedChild[] {
    return [...this.children.values()].map((c) => c.info);
  }

  /** SIGKILLs every tracked child now. Synchronous: safe inside process 'exit'. */
  killAllSync(): number[] {
    const killed: number[] = [];
    for (const { child, info } of this.children.values()) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(info.pid, 'SIGKILL');
          killed.push(info.pid);
        } catch {
          continue; // already gone between the check and the kill
        }
      }
    }
    return killed;
  }

  private installExitHook(): void {
    if (this.exitHook) return;
    this.exitHook = () => {
      this.killAllSync();
      // Children are dead: an empty pid file means nothing to sweep at the next start.
      try {
        if (this.pidFile) rmSync(this.pidFile, { force: true });
      } catch {
        return; // the next start's sweep finds only dead pids in it
      }
    };
    process.once('exit', this.exitHook);
  }

  /**
   * Never throws: it runs inside spawn and exit handlers, and a pid file that cannot be written
   * only weakens the crash sweep; it must not stop a camera (or orphan the child being tracked).
   */
  private writePidFile(): void {
    if (!this.pidFile) return;
    const lines = this.list().map((c) => JSON.stringify(c));
    // Write-then-rename: a crash mid-write never leaves a half pid file.
    const tmp = `${this.pidFile}.tmp`;
    try {
      writeFileSync(tmp, lines.length ? `${lines.join('\n')}\n` : '');
      renameSync(tmp, this.pidFile);
      this.lastWriteError = null;
    } catch (err) {
      this.lastWriteError = `${this.pidFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
  }
}

/** The one tracker of this process. */
export const ffmpegChildren = new ChildTracker();

/** /proc/PID/stat field 22; null when unreadable (process gone, or not Linux). */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: fields count from the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

export interface SweepResult {
  killed: TrackedChild[];
  /** Entries whose process is gone or is no longer our ffmpeg (pid reused). */
  ignored: TrackedChild[];
}

/**
 * Kills the ffmpeg children a previous run of the daemon left behind (it was SIGKILLed or lost
 * power mid-write). A pid is killed only when it is still the very process we started (same
 * kernel start time, argv[0] an ffmpeg writing to pipe:1) and the daemon that started it is gone:
 * a second daemon pointed at the same data folder by mistake must not kill the first one's
 * cameras.
 */
export function sweepPidFile(path: string, binaryName = 'ffmpeg'): SweepResult {
  const result: SweepResult = { killed: [], ignored: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return result;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: TrackedChild;
    try {
      entry = JSON.parse(line) as TrackedChild;
    } catch {
      continue;
    }
    if (!Number.isInteger(entry.pid) || entry.pid <= 1) continue;
    if (isOurFfmpeg(entry, binaryName)) {
      try {
        process.kill(entry.pid, 'SIGKILL');
        result.killed.push(entry);
      } catch {
        result.ignored.push(entry);
      }
    } else {
      result.ignored.push(entry);
    }
  }
  rmSync(path, { force: true });
  return result;
}

function isOurFfmpeg(entry: TrackedChild, binaryName: string): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  if (basename(argv[0] ?? '') !== basename(binaryName) || !argv.includes('pipe:1')) return false;
  if (entry.startTicks === null || processStartTicks(entry.pid) !== entry.startTicks) return false;
  return !ownerAlive(entry);
}

/** The recorded owner still runs (same pid and start time), and is not this process. */
function ownerAlive(entry: TrackedChild): boolean {
  if (entry.ownerPid === undefined || entry.ownerPid === process.pid) return false;
  const ticks = processStartTicks(entry.ownerPid);
  return ticks !== null && ticks === entry.ownerStartTicks;
}
