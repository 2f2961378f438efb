/**
 * Temporary directories for tests, removed by vitest's own hooks so that no test file repeats the
 * `mkdtempSync` + `rmSync` pair or forgets the second half. Removal is `force`: a test that
 * already removed its directory, or never wrote to it, is fine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/**
 * Directories made and not yet removed. vitest runs no hooks for a block whose tests are all
 * skipped (`skipIf`, a `-t` filter), so a `tempDir` made while collecting such a block never sees
 * its afterAll: these go when the worker process exits instead.
 */
const pending = new Set<string>();
let exitHook = false;

function make(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  pending.add(dir);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const d of pending) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

function remove(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  pending.delete(dir);
}

/**
 * A directory for the tests of this file (call at module level) or of one `describe` block (call
 * in its body): made now, removed after the last of them. After-hooks run in reverse order of
 * registration, so an `afterAll` registered later (closing a database in the directory) runs first.
 */
export function tempDir(prefix = 'alpr-test-'): string {
  const dir = make(prefix);
  afterAll(() => remove(dir));
  return dir;
}

/** A directory for the running test (call in the test or in a `beforeEach`): removed when it finishes, passed or failed. */
export function testTempDir(prefix = 'alpr-test-'): string {
  const dir = make(prefix);
  onTestFinished(() => remove(dir));
  return dir;
}
