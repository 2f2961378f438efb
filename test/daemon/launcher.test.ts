/**
 * `ALPR_EDGE_USE_DIST=1`, the launcher's own switch (bin/alpr-edge runs the compiled dist/
 * instead of the sources), on a real daemon start (issue 17 item 6): the config loader used to
 * reject it as an unknown configuration key, so the switch could not be used at all.
 *
 * A packaged copy is made in a temp dir: bin/ and package.json copied (with a version of its own,
 * which tells which code ran), src/, node_modules/, models/ and config/ linked, and dist/
 * compiled from src/ with esbuild (a transform per file, as tsc emits it, in about a second where
 * tsc takes over a minute on this machine).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaemon, type TestDaemon } from '../helpers/daemon.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const DIST_VERSION = `${pkg.version}-launcher-test`;
let packaged = '';
const daemons: TestDaemon[] = [];

beforeAll(() => {
  packaged = mkdtempSync(join(tmpdir(), 'alpr-packaged-'));
  mkdirSync(join(packaged, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'alpr-edge'), join(packaged, 'bin', 'alpr-edge'));
  writeFileSync(join(packaged, 'package.json'), JSON.stringify({ ...pkg, version: DIST_VERSION }));
  for (const d of ['src', 'node_modules', 'models', 'config']) symlinkSync(join(ROOT, d), join(packaged, d));
  const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  execFileSync(join(ROOT, 'node_modules', '.bin', 'esbuild'), [...sources, `--outdir=${join(packaged, 'dist')}`, '--format=esm', '--platform=node', '--target=node20', '--log-level=warning'], {
    cwd: join(ROOT, 'src'),
    stdio: 'pipe',
  });
  cpSync(join(ROOT, 'src', 'http', 'pages', 'assets'), join(packaged, 'dist', 'http', 'pages', 'assets'), { recursive: true });
}, 60_000);

afterAll(async () => {
  for (const d of daemons) await d.dispose();
  if (packaged) rmSync(packaged, { recursive: true, force: true });
});

describe('the launcher switch on a real daemon start', () => {
  it('ALPR_EDGE_USE_DIST=1 is accepted, and the compiled daemon runs', async () => {
    const d = await createDaemon({ name: 'use-dist', bin: join(packaged, 'bin', 'alpr-edge') });
    daemons.push(d);
    await d.start({ ALPR_EDGE_USE_DIST: '1' });
    // The packaged copy's version: dist/ ran (the sources would report the checkout's).
    expect((await d.status()).version).toBe(DIST_VERSION);
    expect(d.lines.filter((l) => /USE_DIST/.test(l))).toEqual([]);
    expect(await d.stop()).toBe(0);
  }, 120_000);

  it('an unknown ALPR_EDGE_ variable is still an error (the switch is an exception, not a hole)', async () => {
    const d = await createDaemon({ name: 'unknown-env', bin: join(packaged, 'bin', 'alpr-edge') });
    daemons.push(d);
    await expect(d.start({ ALPR_EDGE_USE_DIST: '1', ALPR_EDGE_NOT_A_KEY: '1' })).rejects.toThrow(/exited \(\d+\)[\s\S]*ALPR_EDGE_NOT_A_KEY/);
  }, 120_000);
});
