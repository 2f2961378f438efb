/**
 * Cameras that never deliver a frame, on the real daemon (issue 17 item 6): one RTSP URL points at
 * a server that accepts the TCP connection and never answers, another at one that answers every
 * request with garbage. Both used to show amber "connecting" forever, their "since" reset on every
 * retry. Now each turns red after `down_after_s` (here 2 s), dated from the first try, and keeps
 * that start while ffmpeg is restarted again and again.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';

let daemon: TestDaemon;
const servers: Server[] = [];
const sockets = new Set<Socket>();
/** Connections each peer accepted: each one is an ffmpeg attempt. */
const accepted = { silent: 0, garbage: 0 };

async function listen(onConnection: (s: Socket) => void): Promise<number> {
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnection(s);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const GARBAGE = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151 + 29) & 0xff));

beforeAll(async () => {
  const silent = await listen(() => void accepted.silent++);
  const garbage = await listen((s) => {
    accepted.garbage++;
    s.on('data', () => s.write(GARBAGE));
    s.write(GARBAGE);
  });
  const camera = (id: string, port: number): Record<string, string | number> => ({
    id,
    kind: 'rtsp',
    url: `rtsp://127.0.0.1:${port}/live`,
    connect_timeout_s: 1,
    retry_initial_s: 0.2,
    retry_max_s: 0.5,
    down_after_s: 2,
  });
  daemon = await startDaemon({ name: 'camera-no-frames', config: { cameras: [camera('silent', silent), camera('garbage', garbage)] } });
}, 120_000);

afterAll(async () => {
  await daemon?.dispose();
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('cameras that never deliver a frame, on the real daemon', () => {
  for (const id of ['silent', 'garbage'] as const) {
    it(`${id === 'silent' ? 'a server that accepts and never answers' : 'a server that answers garbage'}: red after down_after_s, the outage start kept across retries`, async () => {
      const name = `camera:${id}`;
      const red = await daemon.waitForUnit(name, (u) => u.state === 'down', `${name} red`);
      const outage = red.details.outage_since;
      expect(typeof outage).toBe('string');
      expect(red.since).toBe(outage);
      expect(red.message).toMatch(/^no frame since start \S+/);
      // More attempts later (each a new connection to the peer): still red, still dated from the first try.
      const seen = accepted[id];
      await daemon.waitForUnit(name, () => accepted[id] >= seen + 2, `two more attempts on ${name}`);
      const later = await daemon.unit(name);
      expect([later.state, later.since, later.details.outage_since]).toEqual(['down', outage, outage]);
      expect(Number(later.details.connect_attempts)).toBeGreaterThan(Number(red.details.connect_attempts));
      expect(later.message).toMatch(/^no frame since start \S+, \d+ attempt\(s\): /);
    }, 90_000);
  }

  it('makes the readiness verdict red, naming both cameras', async () => {
    const status = await daemon.status();
    expect(status.readiness.verdict).toBe('red');
    expect(status.readiness.reasons.filter((r) => r.startsWith('camera:'))).toHaveLength(2);
  });
});
