import { closeSync, openSync, writeSync } from 'node:fs';

/** Fills the file system holding `file` to the last byte with `file` (not the database). */
export function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 20, 1 << 16, 512, 1]) {
      const buf = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, buf);
      } catch {
        // ENOSPC at this size: go on with smaller writes to fill the remainder.
      }
    }
  } finally {
    closeSync(fd);
  }
}
