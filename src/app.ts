/**
 * Composition root: builds every unit from its config slice, wires the stages together with
 * bounded queues and callbacks, starts them in data-flow order and stops them in reverse.
 *
 *   cameras ──frames──▶ recognizer pool ──reads──▶ tracker (one detection per vehicle)
 *                                                    │
 *   GPS ──position at capture time──────────────────▶ detection ──▶ hot-list match ──▶ store ──▶ uploader
 *                                                                      │
 *                                                            hits ──▶ operator page (alert, verify)
 *
 * Start order is sinks first (store, uploader, hot list, GPS, tracker, recognizer, cameras), so
 * that nothing a source produces arrives at a stage that is not running; stop is the reverse, so
 * a clean shutdown drains the cameras' last frames through the tracker into the database before
 * the database closes.
 */
import type { FastifyInstance } from 'fastify';
import { Cameras } from './camera/cameras.js';
import type { Config } from './config/schema.js';
import { GpsUnit } from './gps/gps-unit.js';
import { Hotlist } from './hotlist/hotlist.js';
import type { HotlistHit } from './hotlist/types.js';
import type { LiveEvent } from './http/ports.js';
import { buildServer } from './http/server.js';
import type { Detection } from './reads/detection.js';
import { PlateTracker } from './reads/plate-tracker.js';
import { encodeEvidence, frameToJpeg } from './recognizer/evidence.js';
import { RecognizerPool } from './recognizer/pool.js';
import type { Clock } from './shared/clock.js';
import { EventBus } from './shared/event-bus.js';
import { errorMessage } from './shared/errors.js';
import { Lifecycle, type Unit } from './shared/lifecycle.js';
import type { Logger } from './shared/logger.js';
import { StatusRegistry } from './status/registry.js';
import { Store } from './store/store.js';
import { Uploader } from './upload/uploader.js';

export interface AppDeps {
  logger: Logger;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  version: string;
}

export interface App {
  registry: StatusRegistry;
  http: FastifyInstance;
  units: readonly Unit[];
  store: Store;
  hotlist: Hotlist;
  cameras: Cameras;
  /** Detections and hits as they are stored (what the operator page shows live). */
  events: EventBus<LiveEvent>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Hits already alerted, so a tracker revision of the same pass does not alarm twice. */
const ALERTED_MEMORY = 4096;
/** Live-view snapshots are downscaled to this width: enough to check aim and focus. */
const SNAPSHOT_WIDTH = 960;

export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const { logger, clock } = deps;
  const registry = new StatusRegistry(clock);
  const dataDir = config.device.data_dir;
  const pipelineLog = logger.child({ unit: 'pipeline' });
  const events = new EventBus<LiveEvent>((err) => pipelineLog.warn({ err: errorMessage(err) }, 'a live-event listener threw'));

  const store = new Store({
    config: config.store,
    dataDir,
    deviceId: config.device.id,
    logger: logger.child({ unit: 'store' }),
    status: registry.reporter('store', 'store'),
    clock,
  });

  const uploader = new Uploader({
    config: config.upload,
    deviceId: config.device.id,
    store,
    logger: logger.child({ unit: 'upload' }),
    status: registry.reporter('upload', 'upload'),
    clock,
  });

  const alerted = new Set<number>();
  const publish = (detectionId: string, hitIds: readonly number[]): void => {
    const detection = store.detections.get(detectionId);
    if (!detection) return;
    events.emit({ type: 'detection', detection });
    for (const id of hitIds) {
      if (alerted.has(id)) continue;
      alerted.add(id);
      if (alerted.size > ALERTED_MEMORY) alerted.delete(alerted.values().next().value!);
      const hit = store.hits.get(id);
      if (hit) events.emit({ type: 'hit', hit, detection });
    }
  };

  const hotlist = new Hotlist({
    config: config.hotlist,
    dataDir,
    logger: logger.child({ unit: 'hotlist' }),
    status: registry.reporter('hotlist', 'hotlist'),
    clock,
    recentReads: (since) => store.detections.recentReads(since),
    onRetroactiveHit: (detectionId: string, hits: HotlistHit[]) => {
      const records = store.hits.addRetroactive(detectionId, hits);
      uploader.wake();
      publish(
        detectionId,
        records.map((r) => r.id),
      );
    },
  });

  const gps = new GpsUnit({
    config: config.gps,
    logger: logger.child({ unit: 'gps' }),
    reporter: registry.reporter('gps', 'gps'),
    clock,
  });

  // detection → position at capture time → hot-list match (every candidate) → durable store → alert
  const trackerStatus = registry.reporter('tracker', 'tracker', { readiness: false });
  const onDetection = (d: Detection): void => {
    const position = gps.positionAt(d.bestAt);
    const candidates = d.candidates.length > 0 ? d.candidates : [{ text: d.text, confidence: d.confidence }];
    const hits = hotlist.match(candidates);
    store.ingest(d, position, hits).then(
      (ref) => {
        if (ref.hitIds.length > 0) uploader.wake();
        publish(ref.id, ref.hitIds);
      },
      (err: unknown) => {
        // The store has already turned its status red and logged; the tracker's count shows the loss.
        trackerStatus.count('store_failed');
        pipelineLog.error({ id: d.id, text: d.text, err: errorMessage(err) }, 'detection could not be stored');
      },
    );
  };

  const tracker = new PlateTracker({
    config: config.tracker,
    logger: logger.child({ unit: 'tracker' }),
    status: trackerStatus,
    clock,
    encode: encodeEvidence,
    onDetection,
  });

  const pool = new RecognizerPool({
    config: config.recognizer,
    logger: logger.child({ unit: 'recognizer' }),
    status: registry.reporter('recognizer', 'recognizer'),
    clock,
    onResult: (reads, frame) => tracker.push(reads, frame),
  });

  const cameras = new Cameras({
    configs: config.cameras,
    logger,
    registry,
    dataDir,
    clock,
    ...(config.device.mode === 'patrol' ? { speed: () => gps.speedMps() } : {}),
  });
  cameras.onFrame((frame) => pool.submit(frame));

  const http = await buildServer({
    config: config.http,
    registry,
    logger: logger.child({ unit: 'http' }),
    clock,
    version: deps.version,
    device: { id: config.device.id, agency: config.device.agency, mode: config.device.mode },
    // The store opens its database in start(); these adapters resolve the repos per request.
    users: {
      create: (u) => store.users.create(u),
      get: (name) => store.users.get(name),
      list: () => store.users.list(),
      update: (name, patch) => store.users.update(name, patch),
      count: () => store.users.count(),
    },
    audit: {
      append: (e) => store.audit.append(e),
      query: (f) => store.audit.query(f),
      verify: () => store.audit.verify(),
    },
    detections: {
      search: (q) => store.detections.search(q),
      get: (id) => store.detections.get(id),
      recent: (n) => store.detections.recent(n),
      image: (id, kind) => store.detections.image(id, kind),
      setEvidenceHold: (id, hold, user, reason) => store.detections.setEvidenceHold(id, hold, user, reason),
    },
    hits: {
      list: (q) => store.hits.list(q),
      get: (id) => store.hits.get(id),
      verify: (id, v) => store.hits.verify(id, v),
    },
    hotlist,
    events,
    snapshots: {
      snapshot: async (cameraId) => {
        const frame = cameras.latestFrame(cameraId);
        return frame ? frameToJpeg(frame, SNAPSHOT_WIDTH) : null;
      },
    },
  });

  const units: Unit[] = [store, uploader, hotlist, gps, tracker, pool, cameras];
  const lifecycle = new Lifecycle(units);
  return {
    registry,
    http,
    units,
    store,
    hotlist,
    cameras,
    events,
    start: () => lifecycle.start(),
    stop: async () => {
      const reports = await lifecycle.stop();
      for (const r of reports) {
        if (r.error) logger.error({ unit: r.unit, ms: r.ms }, `stop failed: ${r.error}`);
        else logger.debug({ unit: r.unit, ms: r.ms }, 'stopped');
      }
    },
  };
}
