/**
 * The JetStream leg of nats mode.
 *
 *   device ─POST─▶ receiver ─publish (msg id = item id)─▶ stream ALPR_INGEST ─pull─▶ ingest worker ─▶ PostgreSQL
 *                     ◀── ack the device after the publish acks ──┘      ◀── ack after COMMIT ──┘
 *
 * - The receiver answers a device only for items whose publish JetStream acknowledged (stored
 *   on its disk); an unacknowledged item is simply not named, so the device sends it again.
 * - JetStream drops a second publish with the same message id inside `duplicate_window_s`;
 *   PostgreSQL's unique keys drop it at any distance.
 * - Workers share one durable pull consumer (work-queue stream: a message leaves the stream once
 *   a worker acknowledges it). A worker acknowledges only after its transaction commits; a worker
 *   killed before that leaves the messages unacknowledged and JetStream hands them to another
 *   worker after `ack_wait_s`. The redelivered rows hit ON CONFLICT: stored once.
 */
import { AckPolicy, DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../shared/logger.js';
import type { CentralStore } from './central-store.js';
import type { CentralConfig } from './config.js';
import { messageId, type IngestItem } from './items.js';
import { decodeItem, encodeItem } from './message-codec.js';
import type { IngestSink } from './receiver.js';

type NatsConfig = CentralConfig['nats'];

export async function connectNats(cfg: NatsConfig, name: string, logger: Logger): Promise<NatsConnection> {
  const nc = await connect({ servers: cfg.servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: true });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') logger.warn({ nats: s.type }, `NATS ${s.type}`);
    }
  })();
  return nc;
}

/** Creates (or updates) the stream and the shared durable consumer. Idempotent; every role calls it at start. */
export async function ensureStream(nc: NatsConnection, cfg: NatsConfig): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const stream = {
    name: cfg.stream,
    subjects: [`${cfg.subject}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Workqueue,
    discard: DiscardPolicy.New,
    max_bytes: cfg.max_bytes_mb * 1024 * 1024,
    duplicate_window: nanos(cfg.duplicate_window_s * 1000),
  };
  try {
    await jsm.streams.info(cfg.stream);
    await jsm.streams.update(cfg.stream, stream);
  } catch (err) {
    if (!/not found/i.test(err instanceof Error ? err.message : String(err))) throw err;
    await jsm.streams.add(stream);
  }
  await jsm.consumers.add(cfg.stream, {
    durable_name: cfg.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(cfg.ack_wait_s * 1000),
    max_deliver: -1,
    max_ack_pending: 50_000,
  });
}

/** The receiver's sink in nats mode: one message per item, acknowledged to the device only once JetStream has it. */
export class JetStreamSink implements IngestSink {
  private readonly js: JetStreamClient;

  constructor(
    nc: NatsConnection,
    private readonly cfg: NatsConfig,
  ) {
    this.js = jetstream(nc, { timeout: cfg.publish_timeout_s * 1000 });
  }

  async deliver(items: readonly IngestItem[]): Promise<boolean[]> {
    const results = await Promise.allSettled(
      items.map((item) => this.js.publish(`${this.cfg.subject}.${item.kind}`, encodeItem(item), { msgID: messageId(item), timeout: this.cfg.publish_timeout_s * 1000 })),
    );
    const ok = results.map((r) => r.status === 'fulfilled');
    if (!ok.some(Boolean) && results[0]?.status === 'rejected') throw results[0].reason instanceof Error ? results[0].reason : new Error(String(results[0].reason));
    return ok;
  }
}

export interface WorkerCounters {
  messages: number;
  transactions: number;
  detectionsStored: number;
  detectionsRepeated: number;
  failures: number;
  undecodable: number;
}

/** Pulls items from the stream, writes them in one transaction per pull, acknowledges after the commit. */
export class IngestWorker {
  private stopping = false;
  private running: Promise<void> | null = null;
  private stopMessages: (() => void) | null = null;
  readonly counters: WorkerCounters = { messages: 0, transactions: 0, detectionsStored: 0, detectionsRepeated: 0, failures: 0, undecodable: 0 };

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: CentralStore,
    private readonly cfg: NatsConfig,
    private readonly worker: CentralConfig['worker'],
    private readonly logger: Logger,
  ) {}

  start(): Promise<void> {
    this.running = this.loop().catch((err: unknown) => {
      if (!this.stopping) this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'ingest worker stopped');
    });
    return Promise.resolve();
  }

  private async loop(): Promise<void> {
    let delay = 200;
    while (!this.stopping) {
      try {
        await this.consume();
        delay = 200;
      } catch (err) {
        if (this.stopping) return;
        this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'ingest consumer failed; retrying');
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private async consume(): Promise<void> {
    const js = jetstream(this.nc);
    const consumer = await js.consumers.get(this.cfg.stream, this.cfg.consumer);
    const messages = await consumer.consume({ max_messages: this.worker.fetch_max * 2 });
    this.stopMessages = () => messages.stop();
    let batch: JsMsg[] = [];
    let bytes = 0;
    const limit = this.worker.fetch_max_mb * 1024 * 1024;
    for await (const m of messages) {
      batch.push(m);
      bytes += m.data.length;
      // Write as soon as nothing else is waiting (low latency when quiet), or when the batch is full.
      if (batch.length >= this.worker.fetch_max || bytes >= limit || messages.getPending() === 0) {
        await this.flush(batch);
        batch = [];
        bytes = 0;
      }
      if (this.stopping) break;
    }
    if (batch.length > 0) await this.flush(batch);
  }

  private async flush(batch: JsMsg[]): Promise<void> {
    const items: IngestItem[] = [];
    const good: JsMsg[] = [];
    for (const m of batch) {
      try {
        items.push(decodeItem(m.data));
        good.push(m);
      } catch {
        // Not something a receiver of ours published: keep it out of the way, but on record.
        this.counters.undecodable++;
        this.logger.error({ subject: m.subject, seq: m.seq }, 'undecodable message terminated');
        m.term('undecodable');
      }
    }
    if (items.length === 0) return;
    try {
      const stats = await this.store.write(items);
      for (const m of good) m.ack();
      await this.nc.flush();
      this.counters.messages += good.length;
      this.counters.transactions++;
      this.counters.detectionsStored += stats.detectionsStored;
      this.counters.detectionsRepeated += stats.detectionsRepeated;
    } catch (err) {
      this.counters.failures++;
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), messages: good.length }, 'write to PostgreSQL failed; messages will be delivered again');
      for (const m of good) m.nak(1000);
      await sleep(1000);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopMessages?.();
    await this.running;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
