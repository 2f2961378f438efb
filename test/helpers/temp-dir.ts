/**
 * Temporary directories for tests, removed by vitest's own hooks so that no test file repeats the
 * `mkdtempSync` + `rmSync` pair or forgets the second half. Removal is `force`: a test that
 * already removed its directory, or never wrote to it, is fine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

function make(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function remove(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
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
