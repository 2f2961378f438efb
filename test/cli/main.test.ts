import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import { runCli } from '../helpers/cli.js';
import { exampleSecretsEnv } from '../helpers/secrets.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('alpr-cli-');

/** Runs `main` in this process, as bin/alpr-edge does in its own (no cold tsx start per case). */
async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('alpr-edge command line', () => {
  // One cold start of node + tsx: 20 s on a loaded 2-core machine, so it gets a longer budget.
  it('starts as a process: bin/alpr-edge prints the version and exits 0', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 90_000);

  it('prints help and version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['run', 'check-config', 'recognize', 'doctor']) expect(help.stdout).toContain(cmd);
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+$/);
    const runHelp = await cli(['run', '--help']);
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout).toMatch(/^usage: alpr-edge run /);
  });

  it('treats unknown commands and flags as errors', async () => {
    expect((await cli(['--bogus'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    const r = await cli(['check-config', '--bogus', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
    const run = await cli(['run', '--bogus']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: alpr-edge run');
  });

  it('check-config accepts a good file', async () => {
    const r = await cli(['check-config', 'config/patrol-car.yaml'], exampleSecretsEnv(dir));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('check-config prints every problem as path: message and exits 1', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'http:\n  port: 99999\n  bind: x\ndevice:\n  mode: boat\n');
    const r = await cli(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('http.port: must be <= 65535');
    expect(r.stderr).toContain('http.bind: unknown key');
    expect(r.stderr).toContain('device.mode: must be one of patrol, fixed');
  });

  it('run refuses a bad configuration with exit 1 before starting anything', async () => {
    const file = join(dir, 'bad-run.yaml');
    writeFileSync(file, 'cameras: 5\n');
    const r = await cli(['run', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cameras: must be array');
    expect(r.stderr).toContain('configuration refused');
  });

  it('doctor exits non-zero when no daemon answers', async () => {
    const r = await cli(['doctor', '--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot reach the daemon');
  });
});
