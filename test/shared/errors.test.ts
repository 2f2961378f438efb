import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AlprError, errorCatalogue } from '../../src/shared/errors.js';

const root = resolve(import.meta.dirname, '..', '..');

function files(dir: string, match: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && match(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('error catalogue', () => {
  it('every error code is documented under docs/', async () => {
    for (const f of files(join(root, 'src'), (n) => n === 'errors.ts')) await import(pathToFileURL(f).href);
    const docs = files(join(root, 'docs'), (n) => n.endsWith('.md'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const codes = [...errorCatalogue().keys()];
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.filter((c) => !docs.includes(c))).toEqual([]);
  });

  it('fills message parameters', () => {
    const e = new AlprError('CONFIG_UNREADABLE', { file: '/etc/x.yaml', detail: 'ENOENT' });
    expect(e.message).toBe('cannot read configuration file /etc/x.yaml: ENOENT');
    expect(e.code).toBe('CONFIG_UNREADABLE');
  });
});
