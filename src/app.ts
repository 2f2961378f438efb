/**
 * Composition root: builds every unit from its config slice and wires the stages together with
 * callbacks; it holds no policy of its own. Starts them sinks first and stops them in reverse.
 *
 *   cameras ──frames──▶ recognizer pool ──reads──▶ tracker (one detection per vehicle)
 *                                                    │ detection (first confident read, then pass end)
 *                                                    ▼
 *   GPS ──position at capture time──▶ detection sink (src/pipeline/): match ──▶ store ──onStored──▶ uploader
 *   hot list ──match / retroactive hits──▶     │
 *                                              └── alerts, live events ──▶ operator station (SSE)
 *
 * Start order is sinks first (store, uploader, detection sink, hot list, GPS, tracker,
 * recognizer, cameras), so that nothing a source produces arrives at a stage that is not
 * running; stop is the reverse, so a clean shutdown drains the cameras' last frames through the
 * tracker into the database before the database closes.
 */
import type { FastifyInstance } from 'fastify';
import { Cameras } from './camera/cameras.js';
import type { Config } from './config/schema.js';
import { GpsUnit } from './gps/gps-unit.js';
import { Hotlist } from './hotlist/hotlist.js';
import { buildServer } from './http/server.js';
import { DetectionSink, type LiveEvents } from './pipeline/detection-sink.js';
import { ConfusionTable } from './plate/confusion-table.js';
import { PlateTracker } from './reads/plate-tracker.js';
import { encodeEvidence, frameToJpeg } from './recognizer/evidence.js';
import { RecognizerPool } from './recognizer/pool.js';
import type { Clock } from './shared/clock.js';
import { Lifecycle, type Unit } from './shared/lifecycle.js';
import type { Logger } from './shared/logger.js';
import { StatusRegistry } from './status/registry.js';
import { Store } from './store/store.js';
import { storePorts } from './store-ports.js';
import { Heartbeat } from './upload/heartbeat.js';
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
  /** Detections and alerts as they are stored (what the operator page shows live), with replay. */
  events: LiveEvents;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Live-view snapshots are downscaled to this width: enough to check aim and focus. */
const SNAPSHOT_WIDTH = 960;

export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const { logger, clock } = deps;
  const registry = new StatusRegistry(clock);
  const dataDir = config.device.data_dir;

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

  const gps = new GpsUnit({
    config: config.gps,
    logger: logger.child({ unit: 'gps' }),
    reporter: registry.reporter('gps', 'gps'),
    clock,
  });

  const hotlist: Hotlist = new Hotlist({
    config: config.hotlist,
    dataDir,
    logger: logger.child({ unit: 'hotlist' }),
    status: registry.reporter('hotlist', 'hotlist'),
    clock,
    recentReads: (since) => store.detections.recentReads(since),
    // Called only once the units run, after `sink` below exists.
    onRetroactiveHit: (detectionId, hits) => sink.onRetroactiveHit(detectionId, hits),
    alarmLists: config.alerts.alarm_lists,
    // A slow or broken list never holds up start (issue 16 item 12); the status shows it loading.
    background: true,
  });

  // The junction after the tracker (src/pipeline/detection-sink.ts): position, match, store, alert.
  const trackerStatus = registry.reporter('tracker', 'tracker', { readiness: false });
  const sink = new DetectionSink({
    config: config.alerts,
    specialLists: config.hotlist.special_lists,
    logger: logger.child({ unit: 'pipeline' }),
    status: trackerStatus,
    clock,
    positionAt: (t) => gps.positionAt(t),
    match: (candidates) => hotlist.match(candidates),
    store,
  });
  const events = sink.events;

  const tracker = new PlateTracker({
    config: config.tracker,
    logger: logger.child({ unit: 'tracker' }),
    status: trackerStatus,
    clock,
    encode: encodeEvidence,
    onDetection: (d) => sink.onDetection(d),
    // Association, voting and de-duplication judge look-alikes by the classes the hot list matches with.
    confusion: ConfusionTable.of(config.hotlist.confusion_classes),
    // Only a read the hot list knows is worth storing before its pass ends (hits on the first confident read).
    ...(config.alerts.first_read_confidence < 1 ? { firstRead: { minConfidence: config.alerts.first_read_confidence, wanted: (candidates: readonly { text: string; confidence: number }[]) => hotlist.match(candidates).length > 0 } } : {}),
  });

  const pool = new RecognizerPool({
    config: config.recognizer,
    logger: logger.child({ unit: 'recognizer' }),
    status: registry.reporter('recognizer', 'recognizer'),
    clock,
    // Each camera's frames wait in its own queue of cameras[].queue_size; its drops show on its status.
    cameras: config.cameras,
    cameraStatus: (id) => registry.reporter(`camera:${id}`, 'camera'),
    // The second reader's network runs once per vehicle: each frame carries its camera's tracks' opinions.
    opinions: (camera, capturedAt) => tracker.secondOpinions(camera, capturedAt),
    onResult: (reads, frame) => {
      // Picture health: plates found but none readable for long point at focus or exposure.
      cameras.plates(reads.cameraId, reads.plates.map((p) => p.confidence));
      tracker.push(reads, frame);
    },
  });

  const cameras = new Cameras({
    configs: config.cameras,
    logger,
    registry,
    dataDir,
    jpeg: frameToJpeg,
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
    // Users, audit log, detections, hits, accounts, records and damage reports: the store's, per call.
    ...storePorts(store, config),
    hotlist,
    events,
    snapshots: {
      snapshot: async (cameraId) => {
        const frame = cameras.latestFrame(cameraId);
        return frame ? frameToJpeg(frame, SNAPSHOT_WIDTH) : null;
      },
    },
    cameraReference: {
      referenceImage: (id) => cameras.referenceImage(id),
      retakeReference: (id) => cameras.retakeReference(id),
    },
  });

  // Status heartbeat to the central (fleet health); off with the uploader, harmless to an older server.
  const heartbeat = new Heartbeat({ config: config.upload, deviceId: config.device.id, snapshot: () => registry.snapshot(), logger: logger.child({ unit: 'heartbeat' }), clock, version: deps.version });
  const units: Unit[] = [store, uploader, heartbeat, sink, hotlist, gps, tracker, pool, cameras];
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
