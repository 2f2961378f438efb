/**
 * The real daemon (`alpr-edge run`) started on a damaged database and on a disk 100% full: it
 * used to exit 1 at start in both cases (no reading, no alerts; under systemd a restart loop,
 * issue 17 item 4). Now it starts, serves its status with the store red and the reason, and
 * stops cleanly. No cameras, no GPS: only the start-up path is under test.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectLines, spawnCli } from '../helpers/cli.js';
import { skipWithout } from '../helpers/peer.js';
import { waitFor } from '../helpers/wait-for.js';
import { fillDisk } from './helpers/fill-disk.js';

const MONITOR = 'daemon-start-monitor-token-0123456789abcdef';
let daemon: ChildProcess | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    const exited = once(daemon, 'exit');
    daemon.kill('SIGKILL');
    await exited;
  }
  daemon = undefined;
  for (const c of cleanups.splice(0).reverse()) c();
});

function config(dir: string, dataDir: string): string {
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    [
      'device:',
      '  id: start-unit',
      `  data_dir: ${dataDir}`,
      'http:',
      '  host: 127.0.0.1',
      '  port: 0',
      `  monitor_token: ${MONITOR}`,
      'cameras: []',
      'gps:',
      '  source: none',
      'upload:',
      '  enabled: false',
      '',
    ].join('\n'),
  );
  return file;
}

interface Running {
  base: string;
  log: string[];
}

async function start(configFile: string): Promise<Running> {
  const log: string[] = [];
  daemon = spawnCli(['run', '--config', configFile]);
  collectLines(daemon, log);
  let base = '';
  await waitFor(() => {
    if (daemon!.exitCode !== null) throw new Error(`the daemon exited ${daemon!.exitCode}:\n${log.slice(-10).join('\n')}`);
    const started = log.map((l) => (l.startsWith('{') ? (JSON.parse(l) as { msg?: string; address?: string }) : {})).find((l) => l.msg === 'started');
    base = started?.address ?? '';
    return base !== '';
  }, 'the daemon to start', { timeoutMs: 90_000 });
  return { base, log };
}

async function storeStatus(base: string): Promise<{ state: string; message: string }> {
  const res = await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${MONITOR}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /api/status: HTTP ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { units: { name: string; state: string; message: string }[] };
  return body.units.find((u) => u.name === 'store')!;
}

async function stop(): Promise<number | null> {
  const exited = once(daemon!, 'exit') as Promise<[number | null]>;
  daemon!.kill('SIGTERM');
  const [code] = await exited;
  return code;
}

describe('the daemon starting on a bad data directory', () => {
  it('starts on a database file of garbage, with the store red, and keeps the file aside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alpr-start-damaged-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const data = join(dir, 'data');
    mkdirSync(data);
    const junk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
    writeFileSync(join(data, 'alpr.db'), junk);
    const { base } = await start(config(dir, data));
    const store = await storeStatus(base);
    expect(store.state).toBe('down');
    expect(store.message).toMatch(/^database was damaged .*the damaged copy is kept as alpr\.db\.damaged-/);
    expect(readdirSync(data).filter((f) => f.startsWith('alpr.db.damaged-'))).toHaveLength(1);
    expect(await stop()).toBe(0);
  }, 150_000);

  const tmpfsOk = ((): { ok: boolean; why: string } => {
    const probe = mkdtempSync(join(tmpdir(), 'alpr-tmpfs-probe-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
      execFileSync('umount', [probe], { stdio: 'pipe' });
      return { ok: true, why: '' };
    } catch (err) {
      return { ok: false, why: String((err as { stderr?: Buffer }).stderr ?? err).trim() };
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  })();

  it.skipIf(skipWithout('a tmpfs mount (root)', tmpfsOk.ok, tmpfsOk.why))('starts degraded on a disk 100% full (it used to exit 1), with the store red', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alpr-start-full-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const data = join(dir, 'data');
    mkdirSync(data);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', data], { stdio: 'pipe' });
    cleanups.push(() => execFileSync('umount', [data], { stdio: 'pipe' }));
    fillDisk(join(data, 'filler'));
    const { base } = await start(config(dir, data));
    const store = await storeStatus(base);
    expect(store.state).toBe('down');
    expect(store.message).toMatch(/^no database \(disk full/);
    expect(await stop()).toBe(0);
  }, 150_000);
});
