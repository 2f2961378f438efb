import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReference } from '../../src/config/reference.js';

describe('configuration reference', () => {
  it('docs/configuration.md is generated from the current schema (run npm run docs:config)', () => {
    const file = readFileSync(resolve(import.meta.dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    expect(file).toBe(configReference());
  });

  it('every key has a description', () => {
    const undocumented = configReference()
      .split('\n')
      .filter((l) => l.startsWith('| `') && l.split(/(?<!\\)\|/)[5]?.trim() === '');
    expect(undocumented).toEqual([]);
  });
});
