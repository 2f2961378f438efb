/**
 * The device's status heartbeat (src/upload/heartbeat.ts): what it takes from the status
 * registry (states and counts, never a unit's message), and that a central without heartbeats
 * (404) is asked again only every tenth interval, without an error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseHeartbeat } from '../../src/central/fleet-health.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { Heartbeat, heartbeatOf } from '../../src/upload/heartbeat.js';
import { uploadConfig } from '../upload/helpers/config.js';

function registry(clock: ManualClock): StatusRegistry {
  const r = new StatusRegistry(clock);
  r.reporter('camera:front', 'camera').set('ok');
  r.reporter('camera:rear', 'camera').set('down', 'no frame from rtsp://user:pw@10.0.0.5 near 38.581,-121.494');
  r.reporter('camera:side', 'camera').set('disabled', 'enabled: false');
  const up = r.reporter('upload', 'upload');
  up.set('degraded', 'HTTP 503 from central');
  up.gauge('backlog', 42);
  up.gauge('backlog_detections', 40);
  up.gauge('oldest_age_s', 610);
  const hl = r.reporter('hotlist', 'hotlist');
  hl.set('ok', 'hit on 7ABC123');
  hl.detail('sync', { enabled: true, issued: '2026-01-01T06:00:00.000Z', last_success: '2026-01-01T09:00:00.000Z' });
  const gps = r.reporter('gps', 'gps');
  gps.set('ok', 'fix 38.581,-121.494');
  gps.detail('lat', 38.581);
  return r;
}

describe('heartbeatOf', () => {
  it('carries readiness, camera states, backlog and hot-list times; no unit message, position or plate', () => {
    const clock = new ManualClock(Date.parse('2026-01-01T10:00:00Z'));
    const hb = heartbeatOf(registry(clock).snapshot(), 'car-12', clock.now(), '0.1.0');
    expect(hb).toEqual({
      api: 1,
      device_id: 'car-12',
      sent_at: clock.now(),
      version: '0.1.0',
      readiness: 'red',
      reasons: ['camera:rear down', 'upload degraded'],
      cameras: [
        { id: 'front', state: 'ok' },
        { id: 'rear', state: 'down' },
        { id: 'side', state: 'disabled' },
      ],
      backlog: { items: 42, detections: 40, oldest_s: 610 },
      hotlist: { issued_at: Date.parse('2026-01-01T06:00:00Z'), confirmed_at: Date.parse('2026-01-01T09:00:00Z') },
    });
    const text = JSON.stringify(hb);
    for (const secret of ['38.58', '121.49', '7ABC123', 'rtsp', 'pw@']) expect(text).not.toContain(secret);
    // What the device sends is what the central takes.
    expect(parseHeartbeat(JSON.parse(text))).toEqual({ hb });
  });

  it('reports a device without upload or hot-list units as an empty backlog and no list', () => {
    const clock = new ManualClock();
    const hb = heartbeatOf(new StatusRegistry(clock).snapshot(), 'pole-3', clock.now(), null);
    expect(hb.backlog).toEqual({ items: 0, detections: 0, oldest_s: 0 });
    expect(hb.hotlist).toEqual({ issued_at: null, confirmed_at: null });
    expect(parseHeartbeat(hb)).toEqual({ hb });
  });

  it('the central names every malformed field of a heartbeat', () => {
    const r = parseHeartbeat({ api: 2, device_id: 'a b', sent_at: -1, version: 5, readiness: 'blue', reasons: ['x'], cameras: 'none', backlog: {}, hotlist: null });
    expect('errors' in r && r.errors.map((e) => e.split(':')[0])).toEqual([
      'api',
      'device_id',
      'sent_at',
      'version',
      'readiness',
      'reasons',
      'cameras',
      'backlog.items',
      'backlog.detections',
      'backlog.oldest_s',
      'hotlist',
    ]);
  });
});

describe('Heartbeat against a central that does not take heartbeats', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('after a 404 asks again only every tenth interval, and never throws', async () => {
    const seen: string[] = [];
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const clock = new ManualClock();
    const hb = new Heartbeat({
      config: uploadConfig({ endpoint: `http://127.0.0.1:${port}/api`, tokenValue: 'tok-1' }),
      deviceId: 'car-12',
      snapshot: () => registry(clock).snapshot(),
      logger: silentLogger(),
      clock,
      intervalMs: 3_600_000,
    });
    await hb.start();
    try {
      // The first call joins the heartbeat start() sent; the next ten are skipped; the one after asks again.
      for (let i = 0; i < 11; i++) await hb.beat();
      expect(seen).toEqual(['POST /api/v1/heartbeats Bearer tok-1']);
      await hb.beat();
      expect(seen).toEqual(['POST /api/v1/heartbeats Bearer tok-1', 'POST /api/v1/heartbeats Bearer tok-1']);
      expect(hb.sent).toBe(0);
    } finally {
      await hb.stop();
    }
  });
});
