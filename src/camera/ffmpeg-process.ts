/**
 * One ffmpeg child: spawn, cut its stdout into frames, keep the last stderr lines (scrubbed of
 * credentials), and stop it politely then firmly: `q` on stdin (ffmpeg flushes and exits) →
 * SIGTERM → SIGKILL. It never restarts itself; the camera's watchdog decides that. The startup
 * probe of the binary lives here too: this module is the one that runs ffmpeg.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { AlprError } from '../shared/errors.js';
import { CameraErrors } from './errors.js';
import { StreamBannerParser, type StreamInfo } from './ffmpeg-banner.js';
import { ffmpegChildren, type ChildTracker } from './child-tracker.js';
import { FrameReader } from './frame-reader.js';
import { bytesPerPixel, type PixelFormat } from './frame.js';
import { scrubLine } from './stream-url.js';

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT …). */
  spawnError: string | null;
  /** Whether `stop()` asked for this exit. */
  requested: boolean;
}

export interface FfmpegProcessOptions {
  binary: string;
  args: string[];
  cameraId: string;
  pixelFormat: PixelFormat;
  /** Strings that must never leave this module unscrubbed (the camera password). */
  secrets: readonly string[];
  /** Called at the start of every frame: false = skip it without allocating. */
  want?: () => boolean;
  onFrame: (data: Buffer, width: number, height: number) => void;
  /** The output size became known (from ffmpeg's stream lines). */
  onInfo?: (info: StreamInfo) => void;
  /** Also available as the promise `exit()`. */
  onExit?: (exit: FfmpegExit) => void;
  /** Lines of stderr kept. */
  stderrLines?: number;
  tracker?: ChildTracker;
  /** Grace periods of the stop sequence. */
  quitMs?: number;
  termMs?: number;
}

/**
 * Runs `binary -version` once and throws CAMERA_FFMPEG_MISSING when it cannot start or fails, so a
 * missing ffmpeg stops the daemon at startup instead of turning into a camera that retries forever.
 */
export function probeFfmpeg(binary: string): void {
  const probe = spawnSync(binary, ['-hide_banner', '-version'], { timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (probe.error || probe.status !== 0) {
    throw new AlprError(CameraErrors.CAMERA_FFMPEG_MISSING, { binary, detail: probe.error ? ((probe.error as NodeJS.ErrnoException).code ?? probe.error.message) : `exit ${probe.status}` });
  }
}

/** Largest stdout backlog held while the frame size is still unknown (a few 4K frames). */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;

export class FfmpegProcess {
  private child: ChildProcess | null = null;
  private reader: FrameReader | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly banner = new StreamBannerParser();
  private readonly tail: string[] = [];
  private partialLine = '';
  private stopRequested = false;
  private exited: Promise<FfmpegExit> | null = null;

  constructor(private readonly opts: FfmpegProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The argv as given, credentials included: never log it unscrubbed. */
  get args(): readonly string[] {
    return this.opts.args;
  }

  get info(): StreamInfo {
    return this.banner.info;
  }

  /** Frames skipped unallocated because `want()` said no. */
  get skipped(): number {
    return this.reader?.skipped ?? 0;
  }

  /** The last stderr lines, credentials scrubbed. */
  stderrTail(): string[] {
    return [...this.tail];
  }

  start(): void {
    if (this.child) throw new Error('ffmpeg process already started');
    const child = spawn(this.opts.binary, this.opts.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.opts.tracker ??= ffmpegChildren;
    if (child.pid !== undefined) this.opts.tracker.track(child, this.opts.cameraId);

    this.exited = new Promise<FfmpegExit>((resolve) => {
      let spawnError: string | null = null;
      child.once('error', (err: NodeJS.ErrnoException) => {
        spawnError = err.code ?? err.message;
        // 'error' without a process (ENOENT) is never followed by 'exit'.
        if (child.pid === undefined) resolve({ code: null, signal: null, spawnError, requested: this.stopRequested });
      });
      // 'close' rather than 'exit': it comes after stderr is drained, so the tail holds ffmpeg's last words.
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        resolve({ code, signal, spawnError, requested: this.stopRequested });
      });
    });
    void this.exited.then((exit) => {
      this.flushLine();
      this.opts.onExit?.(exit);
    });

    child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => this.onStderr(text));
    // Writing `q` to an ffmpeg that already exited raises EPIPE here; the exit is handled above.
    child.stdin.on('error', () => undefined);
  }

  /** q → SIGTERM → SIGKILL; resolves when the process is gone. Idempotent. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    this.stopRequested = true;
    if (child.exitCode !== null || child.signalCode !== null) {
      await this.exited;
      return;
    }
    const steps: (() => void)[] = [
      () => {
        if (child.stdin?.writable) child.stdin.end('q');
      },
      () => child.kill('SIGTERM'),
      () => child.kill('SIGKILL'),
    ];
    const waits = [this.opts.quitMs ?? 1_500, this.opts.termMs ?? 1_500, 5_000];
    for (let i = 0; i < steps.length; i++) {
      steps[i]!();
      if (await settlesWithin(this.exited, waits[i]!)) return;
    }
  }

  /** Resolves when the process has exited (whoever caused it). */
  exit(): Promise<FfmpegExit> {
    return this.exited ?? Promise.resolve({ code: null, signal: null, spawnError: 'not started', requested: false });
  }

  private onStdout(chunk: Buffer): void {
    if (this.reader) {
      this.reader.push(chunk);
      return;
    }
    // Size not known yet: hold the bytes until ffmpeg's Output stream line arrives on stderr.
    if (this.pendingBytes + chunk.length > MAX_PENDING_BYTES) {
      this.remember(new AlprError(CameraErrors.CAMERA_FRAME_SIZE_UNKNOWN, { camera: this.opts.cameraId }).message);
      void this.stop();
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
  }

  private onStderr(text: string): void {
    const lines = (this.partialLine + text).split(/\r?\n|\r/);
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  private flushLine(): void {
    if (this.partialLine) this.onLine(this.partialLine);
    this.partialLine = '';
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    this.remember(line);
    if (this.banner.line(line)) this.startReader();
  }

  private remember(line: string): void {
    this.tail.push(scrubLine(line, this.opts.secrets));
    if (this.tail.length > (this.opts.stderrLines ?? 100)) this.tail.shift();
  }

  private startReader(): void {
    const { width, height } = this.banner.info;
    if (width === null || height === null || this.reader) return;
    this.opts.onInfo?.(this.banner.info);
    const bytes = width * height * bytesPerPixel(this.opts.pixelFormat);
    this.reader = new FrameReader(bytes, (data) => this.opts.onFrame(data, width, height), this.opts.want);
    for (const chunk of this.pending) this.reader.push(chunk);
    this.pending = [];
    this.pendingBytes = 0;
  }
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
