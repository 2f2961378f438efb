import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigOrThrow } from '../../src/config/load.js';
import { UsageError } from '../../src/cli/command.js';
import { ERROR_DOMAINS, GENERATED_MARK, errorsMarkdown } from '../../src/error-catalogue.js';
import { AlprError, CoreErrors, errorCatalogue } from '../../src/shared/errors.js';
import { UnitStartError } from '../../src/shared/lifecycle.js';

const root = resolve(import.meta.dirname, '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** The section of a page that explains error codes ("## Error codes" up to the next "## "). */
function errorSection(page: string): string {
  const text = read(page);
  if (page === 'docs/errors.md') return text.slice(0, text.indexOf(GENERATED_MARK));
  const start = text.indexOf('## Error codes');
  if (start < 0) return '';
  const next = text.indexOf('\n## ', start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

describe('error catalogue', () => {
  it('docs/errors.md is generated from the catalogue and current (npm run docs:errors)', () => {
    const doc = read('docs/errors.md');
    expect(doc).toContain(GENERATED_MARK);
    expect(doc.slice(doc.indexOf(GENERATED_MARK))).toBe(errorsMarkdown());
  });

  it("explains every code under Error codes on its domain's page", () => {
    const missing = ERROR_DOMAINS.flatMap((d) => {
      const section = errorSection(d.page);
      return Object.keys(d.codes)
        .filter((code) => !section.includes(`\`${code}\``))
        .map((code) => `${code} (${d.page})`);
    });
    expect(missing).toEqual([]);
  });

  it('lists every errors.ts under src/, and nothing else defines codes', async () => {
    const modules = readdirSync(join(root, 'src'), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts') && /\bdefineErrors\(/.test(readFileSync(join(e.parentPath, e.name), 'utf8')))
      .map((e) => relative(join(root, 'src'), join(e.parentPath, e.name)).split('\\').join('/'));
    // Loading every declaring module must add no code the catalogue does not list.
    for (const m of modules) await import(pathToFileURL(join(root, 'src', m)).href);
    const listed = new Set(ERROR_DOMAINS.flatMap((d) => Object.keys(d.codes)));
    expect([...errorCatalogue().keys()].filter((c) => !listed.has(c))).toEqual([]);
    expect(modules.sort()).toEqual(ERROR_DOMAINS.map((d) => d.module).sort());
  });

  it('fills message parameters', () => {
    const e = new AlprError('UNIT_START_FAILED', { unit: 'gps', detail: 'ENOENT' });
    expect(e.message).toBe('unit gps failed to start: ENOENT');
    expect(e.code).toBe('UNIT_START_FAILED');
  });

  it('gives the boundary errors their codes', () => {
    expect(new UnitStartError('store', new Error('disk full'))).toMatchObject({ code: CoreErrors.UNIT_START_FAILED, message: 'unit store failed to start: disk full', unit: 'store' });
    expect(new UsageError('--port needs a number')).toMatchObject({ code: CoreErrors.CLI_USAGE, message: '--port needs a number' });
    const unreadable = catchError(() => loadConfigOrThrow(join(root, 'no-such-config.yaml'), {}));
    expect(unreadable).toBeInstanceOf(ConfigError);
    expect(unreadable).toMatchObject({ code: CoreErrors.CONFIG_UNREADABLE });
    const invalid = new ConfigError('x.yaml', ['http.port: must be <= 65535']);
    expect(invalid).toMatchObject({ code: CoreErrors.CONFIG_INVALID, message: 'x.yaml: invalid configuration: http.port: must be <= 65535' });
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
