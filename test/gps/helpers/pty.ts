import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { constants, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * A socat pseudo-terminal pair standing in for a USB-serial GPS receiver: the test writes NMEA
 * into `writerPath`, the daemon opens `readerPath` with serialport. Killing socat removes both
 * links, as unplugging removes /dev/ttyUSB0; starting another on the same paths brings it back.
 */
export class PtyPair {
  readonly writerPath: string;
  readonly readerPath: string;
  private child: ChildProcess | null = null;
  private fh: FileHandle | null = null;

  constructor(dir: string) {
    this.writerPath = join(dir, 'ttyA');
    this.readerPath = join(dir, 'ttyB');
  }

  async start(): Promise<void> {
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.writerPath}`, `pty,raw,echo=0,link=${this.readerPath}`], { stdio: 'ignore' });
    this.child = child;
    await waitFor(() => existsSync(this.writerPath) && existsSync(this.readerPath), 'socat links');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Asynchronous on purpose: the reader lives in this same process, and a blocking write into
   *  a full pty would wait for a read that can never run. */
  async write(data: string | Buffer): Promise<void> {
    // O_NOCTTY: the test process must never adopt the pty as its controlling terminal.
    const fh = (this.fh ??= await open(this.writerPath, constants.O_WRONLY | constants.O_NOCTTY));
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    let off = 0;
    try {
      while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
    } catch (err) {
      // A writer racing `stop()` can open the dying pty (the links still exist until socat is
      // gone); drop that handle so the next write opens whatever pty the path names then,
      // instead of writing into the dead one for good.
      if (this.fh === fh) this.fh = null;
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  /** Kills socat by PID and waits until it is gone and its links are removed. */
  async stop(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    await waitFor(() => !existsSync(this.readerPath), 'socat links removed');
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
