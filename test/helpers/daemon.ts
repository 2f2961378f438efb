/**
 * The real daemon in a test: `bin/alpr-edge run` as its own child process, with its own temp
 * directory (config file, data dir), a free port and the monitoring token; ready once
 * `/api/status` answers; its JSON log lines collected; stopped by PID (SIGTERM, then SIGKILL,
 * then any child it left, such as ffmpeg); its temp directory removed.
 *
 *   const d = await createDaemon({ config: { gps: { source: 'serial', ... } } });
 *   writeFileSync(join(d.dataDir, 'alpr.db'), junk);   // prepare the data dir, then
 *   await d.start();
 *   expect((await d.unit('store')).state).toBe('down');
 *   await d.dispose();                                 // in afterAll
 *
 * The config is written as JSON (YAML is a superset of it): harness defaults (no cameras, no GPS,
 * no upload, loopback only) with the test's sections merged over them, key by key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusSnapshot, UnitStatus } from '../../src/status/registry.js';
import { freePort } from '../peers/free-port.js';
import { alive, collectLines, spawnCli } from './cli.js';
import { waitFor } from './wait-for.js';

/** The monitoring token the harness gives every daemon (`/api/status` needs it). */
export const MONITOR_TOKEN = 'daemon-harness-monitor-token-0123456789abcdef';

/** A config section or value; arrays are replaced, objects merged key by key. */
export type ConfigValue = string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };
export type DaemonConfig = Record<string, ConfigValue>;

export interface DaemonOptions {
  /** Sections merged over the harness defaults. */
  config?: DaemonConfig;
  /** The data dir (a tmpfs the test mounted); default `<dir>/data`, created. */
  dataDir?: string;
  /** Extra environment for `alpr-edge run` (ALPR_EDGE_* from the test's own environment are dropped). */
  env?: NodeJS.ProcessEnv;
  /** Temp dir name prefix, to tell leftovers apart. */
  name?: string;
  /** The launcher to run instead of the checkout's bin/alpr-edge (a packaged copy). */
  bin?: string;
  /** How long the start may take (ONNX models load on a loaded 2-core machine): default 90 s. */
  readyTimeoutMs?: number;
}

/** One JSON log record of the daemon (pino). */
export interface LogRecord {
  level?: number;
  msg?: string;
  unit?: string;
  time?: string | number;
  [key: string]: unknown;
}

export interface StatusBody extends StatusSnapshot {
  version: string;
}

function isObject(v: ConfigValue | undefined): v is { [key: string]: ConfigValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: DaemonConfig, over: DaemonConfig): DaemonConfig {
  const out: DaemonConfig = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? merge(b, v) : v;
  }
  return out;
}

/** Pids of the processes whose parent is `pid` (Linux /proc): the daemon's ffmpeg children. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // Gone meanwhile: no children left to find.
  }
  return out;
}

export class TestDaemon {
  /** Every log line of every run, in order; stderr chunks as `stderr: ...`. */
  readonly lines: string[] = [];
  readonly configFile: string;
  private child: ChildProcess | null = null;
  private readonly cleanups: (() => void)[] = [];
  private runs = 0;

  constructor(
    /** The temp dir holding config.yaml and (by default) the data dir. */
    readonly dir: string,
    readonly dataDir: string,
    readonly port: number,
    readonly config: DaemonConfig,
    private readonly options: DaemonOptions,
  ) {
    this.configFile = join(dir, 'config.yaml');
    this.writeConfig(config);
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Rewrites the config file (takes effect at the next start). */
  writeConfig(config: DaemonConfig): void {
    writeFileSync(this.configFile, `${JSON.stringify(config, null, 2)}\n`);
  }

  /** Runs `fn` at dispose, after the daemon stopped and before the temp dir goes (an umount). */
  onDispose(fn: () => void): void {
    this.cleanups.push(fn);
  }

  /** Starts `alpr-edge run` and waits until `/api/status` answers; throws with the log tail if it exits first. */
  async start(env: NodeJS.ProcessEnv = {}): Promise<void> {
    if (this.running) throw new Error('the daemon is already running');
    this.runs++;
    this.lines.push(`--- run ${this.runs} ---`);
    const args = ['run', '--config', this.configFile];
    const extra = { ...this.options.env, ...env };
    const bin = this.options.bin;
    const child = bin
      ? spawn(process.execPath, [bin, ...args], { env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALPR_EDGE_'))), ...extra }, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawnCli(args, extra);
    this.child = child;
    collectLines(child, this.lines);
    // An exit ends the wait at once (waitFor would count it as "not yet" until its deadline).
    const exited = (once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => {
      throw new Error(`the daemon exited (${code ?? signal}) before it answered /api/status:\n${this.tail()}`);
    });
    exited.catch(() => undefined);
    const ready = waitFor(
      async () => {
        if (child.exitCode === null && child.signalCode === null) await this.status();
        return true;
      },
      'the daemon to answer /api/status',
      { timeoutMs: this.options.readyTimeoutMs ?? 90_000, intervalMs: 100 },
    );
    try {
      await Promise.race([ready, exited]);
      if (!this.running) await exited;
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${this.tail()}`);
    }
  }

  /** The last log lines, for failure messages (plate text is never logged). */
  tail(n = 15): string {
    return this.lines.slice(-n).join('\n');
  }

  /** The JSON log records of every run so far. */
  records(): LogRecord[] {
    return this.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogRecord);
  }

  /** Waits for a log record matching `pred`; a timeout shows the log tail. */
  async logged(what: string, pred: (r: LogRecord) => boolean, timeoutMs = 30_000): Promise<LogRecord> {
    let found: LogRecord | undefined;
    try {
      await waitFor(() => Boolean((found = this.records().find(pred))), what, { timeoutMs, intervalMs: 100 });
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}; last log lines:\n${this.tail()}`);
    }
    return found!;
  }

  /** GET `path` with the monitoring token; throws on a status other than 200. */
  async get(path: string): Promise<string> {
    const res = await fetch(`${this.base}${path}`, { headers: { authorization: `Bearer ${MONITOR_TOKEN}` } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    return text;
  }

  async status(): Promise<StatusBody> {
    return JSON.parse(await this.get('/api/status')) as StatusBody;
  }

  /** One unit's status; throws when the daemon has no such unit. */
  async unit(name: string): Promise<UnitStatus> {
    const u = (await this.status()).units.find((x) => x.name === name);
    if (!u) throw new Error(`no unit "${name}" on the status`);
    return u;
  }

  /** Waits until unit `name` satisfies `pred`; returns that status. A timeout names the unit's last state. */
  async waitForUnit(name: string, pred: (u: UnitStatus) => boolean, what: string, timeoutMs = 30_000): Promise<UnitStatus> {
    let last: UnitStatus | undefined;
    try {
      await waitFor(async () => pred((last = await this.unit(name))), what, { timeoutMs, intervalMs: 100 });
    } catch (err) {
      const state = last ? `${last.state} "${last.message}" since ${last.since}` : 'never read';
      throw new Error(`${err instanceof Error ? err.message : String(err)}; ${name} was ${state}`);
    }
    return last!;
  }

  /** Stops the daemon by PID (SIGTERM; SIGKILL after 15 s) and any child it left; resolves with its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    if (!this.running) return child.exitCode;
    const children = childrenOf(child.pid!);
    const exited = once(child, 'exit') as Promise<[number | null]>;
    process.kill(child.pid!, signal);
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code] = await exited;
    clearTimeout(kill);
    for (const pid of children) if (alive(pid)) process.kill(pid, 'SIGKILL');
    return code;
  }

  /** Stops the daemon, runs the test's clean-ups (in reverse) and removes the temp dir. */
  async dispose(): Promise<void> {
    try {
      await this.stop();
    } finally {
      try {
        for (const fn of this.cleanups.splice(0).reverse()) fn();
      } finally {
        rmSync(this.dir, { recursive: true, force: true });
      }
    }
  }
}

/** Makes the temp dir, the data dir and the config file, and picks a free port; does not start. */
export async function createDaemon(options: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), `alpr-daemon-${options.name ?? 'test'}-`));
  const dataDir = options.dataDir ?? join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const defaults: DaemonConfig = {
    device: { id: `test-${options.name ?? 'unit'}`, data_dir: dataDir },
    http: { host: '127.0.0.1', port, monitor_token: MONITOR_TOKEN },
    cameras: [],
    gps: { source: 'none' },
    upload: { enabled: false },
  };
  return new TestDaemon(dir, dataDir, port, merge(defaults, options.config ?? {}), options);
}

/** `createDaemon` and `start` in one. */
export async function startDaemon(options: DaemonOptions = {}): Promise<TestDaemon> {
  const d = await createDaemon(options);
  try {
    await d.start();
  } catch (err) {
    await d.dispose();
    throw err;
  }
  return d;
}
