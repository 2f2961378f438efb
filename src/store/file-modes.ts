/**
 * File permissions of the database. It holds plates, positions, images, password hashes and the
 * audit log: no other local user may read it, whoever creates it (`alpr-edge user add` run as
 * root or as the service user, or the daemon itself) and whatever the umask. The directory loses
 * its "other" bits (0700, or 0750 where an operator gave a group access on purpose); the database
 * and its WAL and shared-memory files are 0600. SQLite creates `-wal` and `-shm` with the mode of
 * the database file, so restricting the database before SQLite opens it covers files made later.
 */
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export const DB_FILE_MODE = 0o600;
export const DATA_DIR_MODE = 0o700;
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/** Before SQLite opens `file`: the directory exists without access for others, the file is 0600. */
export function prepareDatabaseFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  const dir = dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  // Only a directory of our own, and never a shared sticky one such as /tmp. A path under a
  // non-directory (`/dev/null/x.db`) is left for the open below to refuse with ENOTDIR: root must
  // never take the "other" bits off a device node.
  const st = statSync(dir);
  if (st.isDirectory() && st.mode & 0o007 && !(st.mode & 0o1000) && st.uid === process.getuid?.()) chmodSync(dir, st.mode & 0o770);
  // O_APPEND|O_CREAT with 0600 creates an empty file SQLite accepts as a new database.
  closeSync(openSync(file, 'a', DB_FILE_MODE));
  restrictDatabaseFiles(file);
}

/**
 * The database and any side file present get 0600 (files left 0644 by an older version). Run as
 * root (`sudo alpr-edge user add` before the service first starts), the files are handed to the
 * owner of the data directory, so the service user can still open what root created.
 */
export function restrictDatabaseFiles(file: string): void {
  if (file === ':memory:' || file === '') return;
  const dir = statSync(dirname(file));
  const asRoot = process.getuid?.() === 0 && dir.uid !== 0;
  for (const f of [file, ...SIDE_FILES.map((s) => file + s)]) {
    try {
      const st = statSync(f);
      if ((st.mode & 0o777) !== DB_FILE_MODE) chmodSync(f, DB_FILE_MODE);
      if (asRoot && st.uid !== dir.uid) chownSync(f, dir.uid, dir.gid);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
