/**
 * The WAL checkpointer's worker (store/checkpoint-worker.ts, started through shared/worker.ts):
 * from source its .ts entry is bundled and must still load better-sqlite3 from node_modules.
 */
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer, CHECKPOINT_WARN_EVERY_MS, checkpointReportHandler, type CheckpointReport, type CheckpointReportSinks } from '../../src/store/checkpointer.js';
import { ManualClock } from '../../src/shared/clock.js';
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

describe('checkpointReportHandler', () => {
  function sinks() {
    const lines: { level: 'debug' | 'info' | 'warn'; msg: string }[] = [];
    const gauges: number[] = [];
    const errors: string[] = [];
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const log = {
      debug: (_o: unknown, msg?: string) => void lines.push({ level: 'debug', msg: typeof _o === 'string' ? _o : (msg ?? '') }),
      info: (_o: unknown, msg?: string) => void lines.push({ level: 'info', msg: typeof _o === 'string' ? _o : (msg ?? '') }),
      warn: (_o: unknown, msg?: string) => void lines.push({ level: 'warn', msg: typeof _o === 'string' ? _o : (msg ?? '') }),
    } as unknown as CheckpointReportSinks['log'];
    const status = { gauge: (_k: string, v: number) => void gauges.push(v), error: (e: Error) => void errors.push(e.message) } as unknown as CheckpointReportSinks['status'];
    return { lines, gauges, errors, clock, handle: checkpointReportHandler({ log, status, clock }) };
  }
  const fail: CheckpointReport = { ok: false, error: 'SQLITE_FULL' };
  const ok: CheckpointReport = { ok: true, log: 12 };

  it('warns once about a checkpoint that keeps failing, and says when it works again', () => {
    const s = sinks();
    for (let i = 0; i < 50; i++) {
      s.clock.advance(300);
      s.handle(fail);
    }
    s.handle(ok);
    expect(s.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(s.lines.filter((l) => l.level === 'info').map((l) => l.msg)).toEqual(['background WAL checkpoint works again']);
    expect(s.errors).toHaveLength(50);
    expect(s.gauges).toEqual([12]);
  });

  it('warns once per 10 minutes about a checkpoint flapping between failing and working', () => {
    const s = sinks();
    // A full disk at the edge: fails, works, fails, works ... every 300 ms for 9 minutes.
    for (let i = 0; i < 1800; i++) {
      s.clock.advance(300);
      s.handle(i % 2 === 0 ? fail : ok);
    }
    expect(s.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(s.lines.filter((l) => l.level === 'info')).toHaveLength(1);
    // After the quiet period a new failure is news again.
    s.clock.advance(CHECKPOINT_WARN_EVERY_MS);
    s.handle(fail);
    expect(s.lines.filter((l) => l.level === 'warn')).toHaveLength(2);
  });
});
