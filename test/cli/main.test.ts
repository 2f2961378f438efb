import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleSecretsEnv, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'alpr-cli-'));

describe('alpr-edge command line', () => {
  it('prints help and version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['run', 'check-config', 'recognize', 'doctor']) expect(help.stdout).toContain(cmd);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('treats unknown commands and flags as errors', async () => {
    expect((await runCli(['--bogus'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const r = await runCli(['check-config', '--bogus', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
  });

  it('check-config accepts a good file', async () => {
    const r = await runCli(['check-config', 'config/patrol-car.yaml'], exampleSecretsEnv(dir));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('check-config prints every problem as path: message and exits 1', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'http:\n  port: 99999\n  bind: x\ndevice:\n  mode: boat\n');
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('http.port: must be <= 65535');
    expect(r.stderr).toContain('http.bind: unknown key');
    expect(r.stderr).toContain('device.mode: must be one of patrol, fixed');
  });

  it('run refuses a bad configuration with exit 1 before starting anything', async () => {
    const file = join(dir, 'bad-run.yaml');
    writeFileSync(file, 'cameras: 5\n');
    const r = await runCli(['run', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cameras: must be array');
  });

  it('doctor exits non-zero when no daemon answers', async () => {
    const r = await runCli(['doctor', '--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot reach the daemon');
  });
});
