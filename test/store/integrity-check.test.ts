/** quick_check on its worker (store/integrity-worker.ts, started through shared/worker.ts). */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { quickCheck } from '../../src/store/integrity-check.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('alpr-integrity-');

describe('quickCheck', () => {
  it('finds a sound database sound', async () => {
    const file = join(dir, 'sound.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);');
    db.close();
    const r = await quickCheck(file);
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect(r.ms).toBeGreaterThanOrEqual(0);
  });

  it('reports a file it cannot open as a finding, without throwing', async () => {
    const r = await quickCheck(join(dir, 'missing.db'));
    expect(r.ok).toBe(false);
    expect(r.problems.join(' ')).toMatch(/unable to open|no such file|does not exist/i);
  });
});
