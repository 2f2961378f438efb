/**
 * The reference view through the operator station: the station fetches a camera's stored
 * reference picture; only an administrator re-takes it, and the request is audited before the
 * camera acts on it (a refused audit row means nothing is re-taken). Real Cameras unit (not
 * started) with its data dir; the station on in-memory ports as in test/http.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Cameras } from '../../src/camera/cameras.js';
import { HealthStore, thumbnail } from '../../src/camera/health-store.js';
import { buildServer } from '../../src/http/server.js';
import { frameToJpeg } from '../../src/recognizer/evidence.js';
import { ManualClock } from '../../src/shared/clock.js';
import { EventBus } from '../../src/shared/event-bus.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { LiveEvent } from '../../src/http/ports.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { MemoryAudit, MemoryDetections, MemoryHits, MemoryHotlist, MemorySnapshots, MemoryUsers } from '../http/doubles.js';
import { addUser, auth, httpConfig, login, type Login } from '../http/harness.js';
import { loadClip } from './health-clips.js';
import { cameraConfig, capturedLogger } from './helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('reference view API', () => {
  // Removed after this block's afterAll below (registered later, so run first) has closed the app.
  const dataDir = tempDir('alpr-reference-api-');
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 9));
  const registry = new StatusRegistry(clock);
  const audit = new MemoryAudit(clock);
  const users = new MemoryUsers(clock);
  const { logger, lines } = capturedLogger('info');
  const cameras = new Cameras({
    configs: [cameraConfig({ id: 'front', kind: 'file', path: '/dev/null' }), cameraConfig({ id: 'rear', kind: 'file', path: '/dev/null' })],
    logger,
    registry,
    dataDir,
    jpeg: frameToJpeg,
    clock,
  });
  let app: FastifyInstance;
  let admin: Login;
  let operator: Login;

  beforeAll(async () => {
    const clip = loadClip('normal');
    await new HealthStore(dataDir, 'front', frameToJpeg).saveReferencePicture(thumbnail(clip.frames[0]!, clip.width, clip.height, clip.format));
    app = await buildServer({
      config: httpConfig(),
      registry,
      logger: silentLogger(),
      clock,
      version: '0.0.0-test',
      device: { id: 'test-unit', agency: 'Test Agency', mode: 'fixed' },
      users,
      audit,
      detections: new MemoryDetections(),
      hits: new MemoryHits(),
      hotlist: new MemoryHotlist(clock),
      events: new EventBus<LiveEvent>(),
      snapshots: new MemorySnapshots(),
      cameraReference: { referenceImage: (id) => cameras.referenceImage(id), retakeReference: (id) => cameras.retakeReference(id) },
    });
    await addUser({ users }, 'admin1', 'administrator');
    await addUser({ users }, 'op1', 'operator');
    admin = await login(app, 'admin1');
    operator = await login(app, 'op1');
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves the stored reference picture to the station, 404 before one is taken or for an unknown camera', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/cameras/front/reference.jpg', headers: auth(operator, false) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.rawPayload.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect((await app.inject({ method: 'GET', url: '/api/cameras/rear/reference.jpg', headers: auth(operator, false) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/cameras/nope/reference.jpg', headers: auth(operator, false) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/cameras/front/reference.jpg' })).statusCode).toBe(401);
  });

  it('only an administrator re-takes it; the request is audited with who, which camera and from where', async () => {
    const refused = await app.inject({ method: 'POST', url: '/api/cameras/front/reference', headers: auth(operator) });
    expect(refused.statusCode).toBe(403);
    expect(audit.actions()).not.toContain('camera.reference.retake');

    const res = await app.inject({ method: 'POST', url: '/api/cameras/front/reference', headers: auth(admin) });
    expect(res.statusCode).toBe(202);
    const row = audit.rows.find((r) => r.action === 'camera.reference.retake')!;
    expect(row).toMatchObject({ user: 'admin1', object: 'front' });
    expect(row.ip).toBeTruthy();
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; camera?: string }).filter((r) => r.msg === 'camera reference view is being re-taken');
    expect(logged.map((r) => r.camera)).toEqual(['front']);
  });

  it('re-takes nothing when the audit log refuses the row', async () => {
    const before = lines.length;
    audit.failing = true;
    try {
      const res = await app.inject({ method: 'POST', url: '/api/cameras/rear/reference', headers: auth(admin) });
      expect(res.statusCode).toBe(503);
    } finally {
      audit.failing = false;
    }
    expect(lines.slice(before).join('')).not.toContain('re-taken');
  });
});
