/**
 * Issue 16 item 3: the documented install left the database readable by every local user
 * (data directory 0755, `alpr.db` and its WAL/SHM 0644). Modes are checked under the usual
 * umask 022, after the install script and after `alpr-edge user add`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { runCli } from '../helpers/cli.js';
import { testTempDir } from '../helpers/temp-dir.js';

const root = resolve(import.meta.dirname, '..', '..');
const temp = (): string => testTempDir('alpr-modes-');

const mode = (p: string): number => statSync(p).mode & 0o777;

describe('database file modes', () => {
  it('a new database, its WAL and its SHM are 0600 and the directory is closed to others, whatever the umask', () => {
    const dir = join(temp(), 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const old = process.umask(0o022);
    try {
      const { db } = openDatabase(join(dir, 'alpr.db'), { synchronous: 'full' });
      db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      for (const f of ['alpr.db', 'alpr.db-wal', 'alpr.db-shm']) expect(mode(join(dir, f)).toString(8), f).toBe('600');
      expect(mode(dir) & 0o007).toBe(0);
      db.close();
    } finally {
      process.umask(old);
    }
  });

  it('a database path under a non-directory (`/dev/null/x.db`) is refused with ENOTDIR and the node keeps its mode', () => {
    // Run as root, the directory step once took the "other" bits off /dev/null itself.
    const node = join(temp(), 'not-a-dir');
    writeFileSync(node, '');
    chmodSync(node, 0o666);
    expect(() => openDatabase(join(node, 'x.db'), { synchronous: 'full' })).toThrow(/ENOTDIR/);
    expect(mode(node).toString(8)).toBe('666');
  });

  it('files left 0644 by an earlier version are made 0600 at open', () => {
    const dir = temp();
    const file = join(dir, 'alpr.db');
    openDatabase(file, { synchronous: 'full' }).db.close();
    for (const f of [file, `${file}-wal`]) {
      writeFileSync(f, readFileSyncOrEmpty(f));
      chmodSync(f, 0o644);
    }
    const { db } = openDatabase(file, { synchronous: 'full' });
    expect(mode(file).toString(8)).toBe('600');
    expect(mode(`${file}-wal`).toString(8)).toBe('600');
    db.close();
  });

  it('after install.sh (DESTDIR) and `alpr-edge user add` the data directory is 0700 and every database file 0600', async () => {
    const dest = temp();
    execFileSync(join(root, 'scripts', 'install.sh'), ['--profile', 'patrol-car'], { env: { ...process.env, DESTDIR: dest, INSTALL_SKIP_BUILD: '1' }, stdio: 'pipe' });
    const data = join(dest, 'var/lib/alpr-edge');
    expect(mode(data).toString(8)).toBe('700');
    // The installed config names /var/lib/alpr-edge; point it into the staging root.
    const installed = readFileSync(join(dest, 'etc/alpr-edge/config.yaml'), 'utf8');
    const config = join(dest, 'etc/alpr-edge/test.yaml');
    writeFileSync(config, installed.replace('data_dir: /var/lib/alpr-edge', `data_dir: ${data}`));
    const pw = join(dest, 'pw');
    writeFileSync(pw, 'long enough passphrase 7\n');
    const env = { CREDENTIALS_DIRECTORY: join(dest, 'etc/alpr-edge/credentials'), CAMERA_FRONT_PASSWORD: 'x' };
    writeFileSync(join(dest, 'etc/alpr-edge/credentials/camera-rear-password'), 'x\n');
    writeFileSync(join(dest, 'etc/alpr-edge/credentials/upload-token'), 'x\n');
    const r = await runCli(['user', 'add', 'admin', '--role', 'administrator', '--name', 'ALPR Administrator', '--password-file', pw, '--config', config], env);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(data).toString(8)).toBe('700');
    for (const f of ['alpr.db', 'alpr.db-wal', 'alpr.db-shm']) {
      const p = join(data, f);
      try {
        expect(mode(p).toString(8), f).toBe('600');
      } catch (err) {
        // SQLite removes the WAL and SHM when the last connection closes cleanly.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    expect(mode(join(data, 'alpr.db')).toString(8)).toBe('600');
  }, 120_000);
});

function readFileSyncOrEmpty(f: string): Buffer {
  try {
    return readFileSync(f);
  } catch {
    return Buffer.alloc(0);
  }
}
