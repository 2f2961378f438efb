/**
 * Composition of the central roles from one configuration:
 *
 *   mode direct:  receiver ──▶ PostgreSQL                       (role all | receiver)
 *   mode nats:    receiver ──▶ JetStream                         (role receiver, or all)
 *                 ingest worker: JetStream ──▶ PostgreSQL        (role worker, or all)
 *
 * Every role applies pending migrations at start (serialised by an advisory lock), so the first
 * process to start brings the schema up to date. Retention runs in the direct receiver or in
 * ingest workers (one purge at a time: the drop is transactional and idempotent).
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../shared/logger.js';
import { CentralStore } from './central-store.js';
import type { CentralConfig } from './config.js';
import { DeviceTokens } from './device-tokens.js';
import { connectNats, ensureStream, IngestWorker, JetStreamSink } from './jetstream.js';
import { buildCentralReceiver, type IngestSink } from './receiver.js';
import { purgeExpired } from './retention.js';
import { approvalRoutes } from './approval-routes.js';
import { centralServices } from './central-services.js';
import { deviceRoutes } from './device-routes.js';
import { searchRoutes } from './search-routes.js';
import { staffRoutes } from './staff-routes.js';

export type CentralRole = 'all' | 'receiver' | 'worker';

export class CentralApp {
  private store: CentralStore | null = null;
  private nc: NatsConnection | null = null;
  private http: FastifyInstance | null = null;
  private worker: IngestWorker | null = null;
  private retentionTimer: NodeJS.Timeout | undefined;
  private recutTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** `http://host:port` once the receiver listens. */
  address: string | null = null;

  constructor(
    private readonly config: CentralConfig,
    private readonly role: CentralRole,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { config, role } = this;
    if (config.mode === 'direct' && role === 'worker') throw new Error('role worker needs mode: nats (in direct mode the receiver writes PostgreSQL itself)');
    const receiver = role !== 'worker';
    const worker = config.mode === 'nats' && role !== 'receiver';
    const poolMax = receiver && !worker && config.mode === 'nats' ? Math.min(2, config.postgres.pool_max) : config.postgres.pool_max;
    const store = new CentralStore({ url: config.postgres.url, password: config.postgres.password?.reveal(), poolMax, applicationName: `alpr-central-${role}` }, this.logger, {
      gapFlagAfterMs: config.fleet.audit_gap_flag_after_s * 1000,
    });
    this.store = store;
    await store.migrate();
    if (config.mode === 'nats') {
      this.nc = await connectNats(config.nats, `alpr-central-${role}-${process.pid}`, this.logger);
      await ensureStream(this.nc, config.nats);
    }
    if (worker) {
      this.worker = new IngestWorker(this.nc!, store, config.nats, config.worker, this.logger.child({ unit: 'ingest-worker' }));
      await this.worker.start();
    }
    if (receiver) {
      const sink: IngestSink = config.mode === 'nats' ? new JetStreamSink(this.nc!, config.nats) : { deliver: async (items) => (await store.write(items), items.map(() => true)) };
      const tls = config.http.tls_cert_file ? { cert: readFileSync(config.http.tls_cert_file), key: readFileSync(config.http.tls_key_file) } : undefined;
      this.http = buildCentralReceiver({
        sink,
        store,
        tokens: config.auth.mode === 'tokens' ? new DeviceTokens(store.pool, config.auth.cache_s * 1000) : null,
        logger: this.logger.child({ unit: 'receiver' }),
        bodyLimit: config.http.body_limit_mb * 1024 * 1024,
        retentionDays: config.retention.days,
        futureDays: config.retention.future_days,
        ...(tls ? { tls } : {}),
      });
      // The central's own routes beside the upload API: hot list and heartbeats for devices; fleet page, metrics, hot plates, search, releases for staff.
      const services = centralServices(config, store.pool, Boolean(tls));
      await this.http.register(deviceRoutes, { services });
      await this.http.register(staffRoutes, { services });
      await this.http.register(searchRoutes, { services });
      await this.http.register(approvalRoutes, { services });
      if (services.publisher.publishing && config.hotlist.recut_every_h > 0) {
        // A re-cut drops expired entries; an unchanged list keeps its version and ETag.
        const recut = (): void => void services.publisher.cut().catch((err: unknown) => this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'hot list cut failed'));
        recut();
        this.recutTimer = setInterval(recut, config.hotlist.recut_every_h * 3_600_000);
        this.recutTimer.unref();
      }
      await this.http.listen({ host: config.http.host, port: config.http.port });
      const a = this.http.server.address() as AddressInfo;
      this.address = `${tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    }
    if ((worker || config.mode === 'direct') && config.retention.run_every_h > 0) {
      const run = (): void => void this.purge().catch((err: unknown) => this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'retention purge failed'));
      run();
      this.retentionTimer = setInterval(run, config.retention.run_every_h * 3_600_000);
      this.retentionTimer.unref();
    }
  }

  purge(): ReturnType<typeof purgeExpired> {
    return purgeExpired(this.store!, this.config.retention.days, Date.now(), this.logger.child({ unit: 'retention' }));
  }

  /**
   * Stops taking requests first, then the worker (its in-flight write commits and acks), then the
   * connections. Each step is bounded: with NATS or PostgreSQL unreachable a drain would wait
   * for a reconnect forever, and a service that ignores SIGTERM gets SIGKILLed by systemd anyway.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.retentionTimer);
    clearInterval(this.recutTimer);
    await bounded(this.http?.close(), STOP_STEP_MS);
    await bounded(this.worker?.stop(), STOP_STEP_MS);
    if (this.nc && !(await bounded(this.nc.drain(), STOP_STEP_MS))) await bounded(this.nc.close(), STOP_STEP_MS);
    await bounded(this.store?.close(), STOP_STEP_MS);
  }
}

const STOP_STEP_MS = 5000;

/** Waits for `p` at most `ms`; true when it settled in time (a rejection counts as settled). */
async function bounded(p: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!p) return true;
  let timer: NodeJS.Timeout | undefined;
  const settled = p.then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  const done = await Promise.race([settled, late]);
  clearTimeout(timer);
  return done;
}
