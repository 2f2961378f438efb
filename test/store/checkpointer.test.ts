/**
 * The WAL checkpointer's worker (store/checkpoint-worker.ts, started through shared/worker.ts):
 * from source its .ts entry is bundled and must still load better-sqlite3 from node_modules.
 */
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer, type CheckpointReport } from '../../src/store/checkpointer.js';
import { waitFor } from '../helpers/wait-for.js';
import { testTempDir } from '../helpers/temp-dir.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function walDatabase(): { db: Database.Database; file: string } {
  // Removed when the test finishes, after the afterEach above has closed the database.
  const file = join(testTempDir('alpr-checkpoint-'), 'edge.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  cleanups.push(() => db.close());
  db.exec('CREATE TABLE t (x BLOB)');
  return { db, file };
}

describe('Checkpointer', () => {
  it('checkpoints the WAL into the database file on its worker, and stops cleanly', async () => {
    const { db, file } = walDatabase();
    const reports: CheckpointReport[] = [];
    const checkpointer = new Checkpointer(db, file, (r) => reports.push(r));
    checkpointer.start();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(4096);
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run(Buffer.alloc(4096, i));
    await waitFor(() => reports.some((r) => r.ok && (r.log ?? 0) > 0 && r.checkpointed === r.log), 'a checkpoint of the whole WAL');
    expect(reports.filter((r) => !r.ok)).toEqual([]);
    // The rows are in the database file itself, not only in the WAL.
    expect(statSync(file).size).toBeGreaterThan(200 * 4096);
    await checkpointer.stop();
    const after = reports.length;
    await checkpointer.stop();
    expect(reports.length).toBe(after); // stopping is not a failure, and no report after it
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(4096);
  });

  it('falls back to checkpoints on commit when its worker cannot open the database', async () => {
    const { db } = walDatabase();
    const reports: CheckpointReport[] = [];
    const checkpointer = new Checkpointer(db, join(tmpdir(), 'no-such-dir-alpr', 'edge.db'), (r) => reports.push(r));
    checkpointer.start();
    await waitFor(() => reports.some((r) => !r.ok), 'the failure report');
    expect(reports.find((r) => !r.ok)?.error).toMatch(/unable to open|directory does not exist|no such file/i);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await checkpointer.stop();
  });

  it('can be stopped while its worker is still starting', async () => {
    const { db, file } = walDatabase();
    const reports: CheckpointReport[] = [];
    const checkpointer = new Checkpointer(db, file, (r) => reports.push(r));
    checkpointer.start();
    await checkpointer.stop();
    expect(reports).toEqual([]);
  });
});
