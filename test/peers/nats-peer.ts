/**
 * A real NATS server with JetStream for tests and benchmarks: `nats-server -js` on a free
 * loopback port with its store in a temp dir, stopped by PID. The store survives `stop()`, so a
 * restart on the same port finds its streams again (a NATS outage, not a wipe).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export class NatsPeer {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'alpr-nats-'));
  port = 0;
  log = '';

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port ||= await freePort();
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', join(this.dir, 'store'), '--no_advertise'];
    const child = spawn(process.env.NATS_SERVER ?? 'nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (t: Buffer): void => void (this.log = (this.log + t.toString('utf8')).slice(-20_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise<never>((_, reject) => child.once('exit', (c) => reject(new Error(`nats-server exited (${c}) during start: ${this.log}`))));
    const spawnFailed = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`nats-server did not start: ${e.message}`))));
    await Promise.race([this.waitReady(), exited, spawnFailed]);
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!/Server is ready/.test(this.log) || !(await canConnect(this.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server not ready after 20 s: ${this.log}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((res) => child.once('exit', res));
    child.kill(signal);
    await done;
  }

  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
