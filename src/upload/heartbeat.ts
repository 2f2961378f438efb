/**
 * The device's status heartbeat to the central server (`POST <endpoint>/v1/heartbeats`, JSON):
 * readiness, each camera's state, the upload backlog and the hot list's issue and confirmation
 * times, read from the status registry every `intervalMs` (60 s). Batches say when a device last
 * delivered; only this says how it is, also while it has nothing to upload.
 *
 * Its own unit beside the uploader, sharing its endpoint, token and TLS settings and its HTTP
 * client class. Backward compatible both ways: an older central answers 404, which is remembered
 * and retried only every 10 intervals, never an error state; an older device simply never sends
 * one. What it sends holds no plate, no position and no unit messages (which may name places).
 */
import type { UploadConfig } from '../config/sections/upload.js';
import type { Clock } from '../shared/clock.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { StatusSnapshot, UnitState, Verdict } from '../status/registry.js';
import { UploadClient } from './http-client.js';

export interface WireHeartbeat {
  api: 1;
  device_id: string;
  sent_at: number;
  version: string | null;
  readiness: Verdict;
  /** Units that are not green, as `name state` (no message). */
  reasons: string[];
  cameras: { id: string; state: UnitState }[];
  backlog: { items: number; detections: number; oldest_s: number };
  hotlist: { issued_at: number | null; confirmed_at: number | null };
}

export const HEARTBEAT_PATH = 'v1/heartbeats';
const DEFAULT_INTERVAL_MS = 60_000;
/** After a 404 (a central without heartbeats), ask again only every this many intervals. */
const UNSUPPORTED_SKIP = 10;

/** The heartbeat for a status snapshot. Pure. */
export function heartbeatOf(snap: StatusSnapshot, deviceId: string, now: number, version: string | null): WireHeartbeat {
  const unit = (kind: string): StatusSnapshot['units'][number] | undefined => snap.units.find((u) => u.kind === kind);
  const upload = unit('upload');
  const hotlist = unit('hotlist');
  const sync = hotlist?.details.sync as { issued?: string | null; last_success?: string | null } | undefined;
  const time = (v: unknown): number | null => {
    const t = typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isNaN(t) ? null : t;
  };
  const n = (v: number | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0);
  return {
    api: 1,
    device_id: deviceId,
    sent_at: now,
    version,
    readiness: snap.readiness.verdict,
    reasons: snap.units.filter((u) => u.readiness && u.state !== 'ok' && u.state !== 'disabled' && u.state !== 'stopped').map((u) => `${u.name} ${u.state}`).slice(0, 32),
    cameras: snap.units.filter((u) => u.kind === 'camera').map((u) => ({ id: u.name.replace(/^camera:/, ''), state: u.state })).slice(0, 64),
    backlog: { items: n(upload?.counters.backlog), detections: n(upload?.counters.backlog_detections), oldest_s: n(upload?.counters.oldest_age_s) },
    hotlist: { issued_at: time(sync?.issued), confirmed_at: time(sync?.last_success) },
  };
}

export interface HeartbeatDeps {
  config: UploadConfig;
  deviceId: string;
  snapshot: () => StatusSnapshot;
  logger: Logger;
  clock: Clock;
  version?: string | null;
  intervalMs?: number;
}

export class Heartbeat {
  readonly name = 'heartbeat';
  private client: UploadClient | null = null;
  private timer: NodeJS.Timeout | undefined;
  private skip = 0;
  private failing = false;
  private sending: Promise<void> | null = null;
  /** Heartbeats the central accepted (for tests and the log). */
  sent = 0;

  constructor(private readonly deps: HeartbeatDeps) {}

  start(): Promise<void> {
    const { config } = this.deps;
    if (!config.enabled || !config.endpoint) return Promise.resolve();
    const base = config.endpoint.endsWith('/') ? config.endpoint : `${config.endpoint}/`;
    this.client = new UploadClient(config, base);
    const tick = (): void => void this.beat();
    tick();
    this.timer = setInterval(tick, this.deps.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.timer.unref();
    return Promise.resolve();
  }

  /** Sends one heartbeat now, or joins the one in flight; never throws (a heartbeat lost is replaced by the next). */
  beat(): Promise<void> {
    this.sending ??= this.send().finally(() => (this.sending = null));
    return this.sending;
  }

  private async send(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (this.skip > 0) {
      this.skip--;
      return;
    }
    const { deviceId, clock, logger } = this.deps;
    const hb = heartbeatOf(this.deps.snapshot(), deviceId, clock.now(), this.deps.version ?? null);
    try {
      const ans = await client.send('POST', HEARTBEAT_PATH, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(hb)));
      if (ans.status === 404) {
        this.skip = UNSUPPORTED_SKIP;
        logger.debug('the central server does not take heartbeats (404); asking again later');
        return;
      }
      if (ans.status < 200 || ans.status >= 300) throw new Error(`HTTP ${ans.status}`);
      this.sent++;
      if (this.failing) logger.info('heartbeat delivered again');
      this.failing = false;
    } catch (err) {
      // The first failure is worth a line; the uploader already reports the link itself.
      if (!this.failing) logger.warn({ err: errorMessage(err) }, 'heartbeat not delivered');
      this.failing = true;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const c = this.client;
    this.client = null;
    await c?.close();
  }
}
