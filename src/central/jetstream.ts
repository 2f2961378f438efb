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
import { idPart, messageId, type IngestItem } from './items.js';
import { decodeItems, encodeItems } from './message-codec.js';
import type { IngestSink } from './receiver.js';

type NatsConfig = CentralConfig['nats'];

export async function connectNats(config: NatsConfig, name: string, logger: Logger): Promise<NatsConnection> {
  const nc = await connect({ servers: config.servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: true });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') logger.warn({ nats: s.type }, `NATS ${s.type}`);
    }
  })();
  return nc;
}

/** Creates (or updates) the stream and the shared durable consumer. Idempotent; every role calls it at start. */
export async function ensureStream(nc: NatsConnection, config: NatsConfig): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const stream = {
    name: config.stream,
    subjects: [`${config.subject}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Workqueue,
    discard: DiscardPolicy.New,
    max_bytes: config.max_bytes_mb * 1024 * 1024,
    duplicate_window: nanos(config.duplicate_window_s * 1000),
  };
  try {
    await jsm.streams.info(config.stream);
    await jsm.streams.update(config.stream, stream);
  } catch (err) {
    if (!/not found/i.test(err instanceof Error ? err.message : String(err))) throw err;
    await jsm.streams.add(stream);
  }
  await jsm.consumers.add(config.stream, {
    durable_name: config.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(config.ack_wait_s * 1000),
    max_deliver: -1,
    max_ack_pending: config.max_ack_pending,
  });
}

/** Bytes of one batch message at most: below nats-server's default max_payload (1 MiB). */
const CHUNK_BYTES = 768 * 1024;

interface Outgoing {
  indexes: number[];
  id: string;
  items: IngestItem[];
}

/**
 * Groups items into messages. `item`: one message per item, its id the item's own (detection id
 * and revision). `batch`: one message per accepted batch (chunked so that images stay under
 * the payload limit), its id the device's batch key and chunk number, so a retried batch is
 * dropped by JetStream; a detection re-sent in another batch is dropped by PostgreSQL.
 */
export function groupMessages(items: readonly IngestItem[], mode: NatsConfig['message']): Outgoing[] {
  const contact = items.find((i) => i.kind === 'contact');
  if (mode === 'item' || !contact || contact.kind !== 'contact') return items.map((item, i) => ({ indexes: [i], id: messageId(item), items: [item] }));
  const out: Outgoing[] = [];
  let cur: Outgoing | null = null;
  let bytes = 0;
  items.forEach((item, i) => {
    const size = 1024 + (item.kind === 'detection' ? item.images.reduce((s, x) => s + x.data.length, 0) : item.kind === 'image' ? item.data.length : 0);
    if (!cur || (bytes + size > CHUNK_BYTES && cur.items.length > 0)) {
      cur = { indexes: [], id: `b:${idPart(`${contact.device}\u0000${contact.batchId}`)}:${out.length}`, items: [] };
      out.push(cur);
      bytes = 0;
    }
    cur.indexes.push(i);
    cur.items.push(item);
    bytes += size;
  });
  return out;
}

/** The receiver's sink in nats mode: items are acknowledged to the device only once JetStream holds them. */
export class JetStreamSink implements IngestSink {
  private readonly js: JetStreamClient;

  constructor(
    nc: NatsConnection,
    private readonly config: NatsConfig,
  ) {
    this.js = jetstream(nc, { timeout: config.publish_timeout_s * 1000 });
  }

  async deliver(items: readonly IngestItem[]): Promise<boolean[]> {
    const messages = groupMessages(items, this.config.message);
    const results = await Promise.allSettled(
      messages.map((m) => this.js.publish(`${this.config.subject}.${m.items.length === 1 ? m.items[0]!.kind : 'batch'}`, encodeItems(m.items), { msgID: m.id, timeout: this.config.publish_timeout_s * 1000 })),
    );
    const ok: boolean[] = items.map(() => false);
    results.forEach((r, k) => {
      if (r.status === 'fulfilled') for (const i of messages[k]!.indexes) ok[i] = true;
    });
    const failed = results.find((r) => r.status === 'rejected');
    if (!ok.some(Boolean) && failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
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

/**
 * Pulls messages from the stream (`fetch_max` per pull; a message is at most 768 KiB, so memory
 * is bounded) and writes what has arrived in one transaction, waiting `linger_ms` for more when
 * the pull has nothing further ready; acknowledges after the commit.
 */
export class IngestWorker {
  private stopping = false;
  private running: Promise<void> | null = null;
  private current: { stop(): void } | null = null;
  readonly counters: WorkerCounters = { messages: 0, transactions: 0, detectionsStored: 0, detectionsRepeated: 0, failures: 0, undecodable: 0 };

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: CentralStore,
    private readonly config: NatsConfig,
    private readonly worker: CentralConfig['worker'],
    private readonly logger: Logger,
  ) {}

  start(): Promise<void> {
    this.running = this.loop();
    return Promise.resolve();
  }

  private async loop(): Promise<void> {
    let delay = 200;
    while (!this.stopping) {
      try {
        await this.pull();
        delay = 200;
      } catch (err) {
        if (this.stopping) return;
        this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'pull from JetStream failed; retrying');
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  private async pull(): Promise<void> {
    const consumer = await jetstream(this.nc).consumers.get(this.config.stream, this.config.consumer);
    while (!this.stopping) {
      const iter = await consumer.fetch({ max_messages: this.worker.fetch_max, expires: 2000 });
      this.current = iter;
      let batch: JsMsg[] = [];
      for await (const m of iter) {
        batch.push(m);
        if (iter.getPending() > 0) continue;
        // Nothing more ready: give the stream a moment to deliver more, then write what there is.
        if (this.worker.linger_ms > 0) await sleep(this.worker.linger_ms);
        if (iter.getPending() > 0) continue;
        await this.flush(batch);
        batch = [];
      }
      if (batch.length > 0) await this.flush(batch);
      this.current = null;
    }
  }

  private async flush(batch: JsMsg[]): Promise<void> {
    const items: IngestItem[] = [];
    const good: JsMsg[] = [];
    for (const m of batch) {
      try {
        items.push(...decodeItems(m.data));
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
      // Not acknowledged: JetStream delivers these again (nak asks for it after 1 s instead of ack_wait).
      this.counters.failures++;
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), messages: good.length }, 'write to PostgreSQL failed; messages will be delivered again');
      for (const m of good) m.nak(1000);
      await sleep(1000);
    }
  }

  /** Stops pulling; the write in progress commits and acknowledges first. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.current?.stop();
    await this.running;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
