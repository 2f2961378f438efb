import { existsSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, testTempDir } from './temp-dir.js';

const seen: string[] = [];

describe('tempDir', () => {
  const dir = tempDir('alpr-temp-dir-');
  it('exists during the tests of its block', () => {
    seen.push(dir);
    expect(existsSync(dir)).toBe(true);
  });
});

describe('testTempDir', () => {
  let each = '';
  beforeEach(() => {
    each = testTempDir('alpr-temp-each-');
  });
  it('made in a beforeEach, exists during its test', () => {
    seen.push(each);
    expect(existsSync(each)).toBe(true);
  });
  it('made in a test, exists during it; the previous test\'s is gone', () => {
    const own = testTempDir('alpr-temp-own-');
    seen.push(own);
    expect(existsSync(own)).toBe(true);
    expect(existsSync(seen[1]!)).toBe(false);
  });
});

afterAll(() => {
  // Registered after the describe blocks' own afterAll, so it runs after them: every directory is gone.
  expect(seen.filter((d) => existsSync(d))).toEqual([]);
});
