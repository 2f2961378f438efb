/** Damage made by the recovery tests: `length` bytes of junk written over a database file at `offset`. */
import { closeSync, openSync, writeSync } from 'node:fs';

export function garble(file: string, offset: number, length: number): void {
  const junk = Buffer.alloc(length);
  for (let i = 0; i < length; i++) junk[i] = (i * 97 + 13) & 0xff;
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, junk, 0, length, offset);
  } finally {
    closeSync(fd);
  }
}
