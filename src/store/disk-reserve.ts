/**
 * A ballast file in the data directory. SQLite needs free space to delete: a purge writes WAL
 * frames and a checkpoint grows the database file before anything is freed. On a disk filled to
 * the last byte (by us or by anything else) the store releases this file, and the space it held
 * lets the purge of uploaded detections run; it is put back once space has returned. Half of it
 * goes first, to store the detection that met the full disk (issue 17 item 3); the other half
 * when the disk fills again, for the purge.
 */
import { closeSync, existsSync, fsyncSync, openSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';

const CHUNK = 1024 * 1024;

export class DiskReserve {
  constructor(
    private readonly file: string,
    private readonly bytes: number,
  ) {}

  /** True when the reserve is in place at its full size. */
  present(): boolean {
    try {
      return this.bytes === 0 || statSync(this.file).size === this.bytes;
    } catch {
      return false;
    }
  }

  /** Writes the reserve (zeros, synced). False when there is no room for it; never throws on ENOSPC. */
  ensure(): boolean {
    if (this.bytes === 0 || this.present()) return true;
    let fd: number | undefined;
    try {
      fd = openSync(this.file, 'w');
      const zeros = Buffer.alloc(Math.min(CHUNK, this.bytes));
      for (let left = this.bytes; left > 0; left -= zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, left));
      fsyncSync(fd);
      return true;
    } catch {
      // No room (or no permission): without a reserve the store still works, it only recovers less easily.
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      rmSync(this.file, { force: true });
      return false;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /**
   * Frees half the reserve, keeping the other half for the purge that must follow; true when
   * the reserve was still whole. The detection that met the full disk is retried in this room.
   */
  releaseHalf(): boolean {
    if (this.bytes === 0 || !this.present()) return false;
    truncateSync(this.file, Math.floor(this.bytes / 2));
    return true;
  }

  /** Frees the reserve's space; true when there was one to free. */
  release(): boolean {
    if (this.bytes === 0 || !existsSync(this.file)) return false;
    rmSync(this.file, { force: true });
    return true;
  }
}
