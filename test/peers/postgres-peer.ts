/**
 * A real PostgreSQL server for tests and benchmarks: `initdb` into a temp dir, `postgres` on a
 * free loopback port, stopped by PID. PostgreSQL refuses to run as root, so when this process is
 * root the data dir is handed to the `postgres` user and the server runs under `setpriv`, which
 * execs in place (the PID we hold is the postmaster's, unlike `runuser`, which forks).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresPeerOptions {
  /** fsync off: fine for tests (durability against power loss is PostgreSQL's, not ours); benchmarks keep it on. */
  fsync?: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
}

export class PostgresPeer {
  private child: ChildProcess | null = null;
  readonly dir: string;
  port = 0;
  log = '';
  private readonly asUser: { uid: number; gid: number } | null;

  constructor(private readonly opts: PostgresPeerOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'alpr-pg-'));
    this.asUser = process.getuid?.() === 0 ? postgresUser() : null;
    if (this.asUser) chownSync(this.dir, this.asUser.uid, this.asUser.gid);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private command(bin: string, args: string[]): [string, string[]] {
    if (!this.asUser) return [join(BIN, bin), args];
    return ['setpriv', ['--reuid', String(this.asUser.uid), '--regid', String(this.asUser.gid), '--init-groups', join(BIN, bin), ...args]];
  }

  /** Runs initdb once (trust auth on loopback; tests only). */
  init(): void {
    const [cmd, args] = this.command('initdb', ['-D', join(this.dir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: this.dir });
    if (r.status !== 0) throw new Error(`initdb failed (${r.status}): ${r.stderr}`);
  }

  /** Starts the server (initialising the data dir the first time) and waits until it accepts connections. */
  async start(port?: number): Promise<void> {
    if (!this.port) this.init();
    this.port = port ?? (this.port || (await freePort()));
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      port: this.port,
      unix_socket_directories: this.dir,
      fsync: this.opts.fsync === false ? 'off' : 'on',
      ...(this.opts.fsync === false ? { synchronous_commit: 'off', full_page_writes: 'off' } : {}),
      max_connections: 60,
      ...this.opts.settings,
    };
    const args = ['-D', join(this.dir, 'data'), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const [cmd, full] = this.command('postgres', args);
    const child = spawn(cmd, full, { stdio: ['ignore', 'ignore', 'pipe'], cwd: this.dir });
    this.child = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => (this.log = (this.log + t).slice(-20_000)));
    const exited = new Promise<never>((_, reject) => child.once('exit', (c) => reject(new Error(`postgres exited (${c}) during start: ${this.log}`))));
    await Promise.race([this.waitReady(), exited]);
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = spawnSync(join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port), '-t', '1'], { encoding: 'utf8' });
      if (r.status === 0) return;
      if (Date.now() > deadline) throw new Error(`postgres not ready after 30 s: ${this.log}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /** SIGINT is PostgreSQL's fast shutdown; SIGQUIT its immediate one and SIGKILL a crash (both recover from WAL on restart). */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((res) => child.once('exit', res));
    child.kill(signal);
    await done;
    if (signal === 'SIGKILL') {
      // The postmaster's children notice its death on their own; wait until the port is free.
      const deadline = Date.now() + 15_000;
      while (spawnSync(join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port), '-t', '1']).status === 0 && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  }

  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function postgresUser(): { uid: number; gid: number } {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) throw new Error('running as root needs a `postgres` user to run the server as (apt-get install postgresql)');
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}
