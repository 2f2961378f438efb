/**
 * Issue 16 item 19: the README's first-administrator command failed on the patrol-car profile
 * (it demanded camera and upload secrets), and tool errors printed stack traces.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const root = resolve(import.meta.dirname, '..', '..');
const dir = tempDir('alpr-cli-tools-');

describe('account and audit tools', () => {
  it('create the first administrator on the patrol-car profile without camera or upload secrets', async () => {
    const config = join(dir, 'patrol-car.yaml');
    writeFileSync(config, readFileSync(join(root, 'config', 'patrol-car.yaml'), 'utf8').replace('data_dir: /var/lib/alpr-edge', `data_dir: ${join(dir, 'data')}`));
    const r = await runCli(['user', 'add', 'admin', '--role', 'administrator', '--name', 'ALPR Administrator', '--config', config], {}, 'long enough passphrase 7\n');
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(dir, 'data', 'alpr.db')).mode & 0o777).toBe(0o600);
    const v = await runCli(['audit', 'verify', '--config', config]);
    expect(v.stdout).toMatch(/audit log intact: 1 rows/);
  }, 60_000);

  it.each([
    [['user', 'list', '--config', 'BAD'], /STORE_UNAVAILABLE: cannot open the store/],
    [['receiver', '--port', '0', '--db', '/dev/null/x.db', '--insecure-no-auth'], /ENOTDIR/],
  ])('report a failure as one message, without a stack trace: %j', async (args, message) => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'device:\n  data_dir: /dev/null/x\n');
    const r = await runCli(args.map((a) => (a === 'BAD' ? bad : a)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
