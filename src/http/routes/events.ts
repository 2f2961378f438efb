/**
 * Server-sent events: new detections and hits reach the open pages at once. One subscription to
 * the events port per open page; a client that stops reading (more than MAX_BUFFERED waiting) or
 * whose session ends is disconnected, so a stalled tablet cannot make the daemon buffer forever.
 */
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import type { LiveEvent } from '../ports.js';
import { sessionOf } from './reply.js';

const HEARTBEAT_MS = 15_000;
const MAX_BUFFERED = 1024 * 1024;

export function eventPayload(e: LiveEvent): { event: string; data: unknown } {
  switch (e.type) {
    case 'detection':
      return { event: 'detection', data: { detection: e.detection } };
    case 'hit':
      return {
        event: 'hit',
        data: {
          hit: e.hit,
          detection: e.detection,
          images: { plate: `/api/detections/${e.detection.id}/plate.jpg`, overview: `/api/detections/${e.detection.id}/overview.jpg` },
        },
      };
  }
}

export const eventRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const closers = new Set<() => void>();

  app.get('/api/events', { config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const session = sessionOf(req);
    ctx.audit.record({ user: session.username, action: 'live.subscribe', ip: req.ip });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    // Server time on connect and with every heartbeat: a page that reconnects asks for the hits
    // it missed since the last time it saw, in the server's clock, not the tablet's.
    const tick = (event: string): string => `event: ${event}\ndata: {"now":${ctx.deps.clock.now()}}\n\n`;
    res.write(`retry: 3000\n\n${tick('hello')}`);

    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      closers.delete(close);
      ctx.reporter.gauge('sse_clients', closers.size);
      res.end();
    };
    const alive = (): boolean => {
      if (closed) return false;
      if (!ctx.sessions.get(session.id, false) || res.writableLength > MAX_BUFFERED) {
        close();
        return false;
      }
      return true;
    };
    const unsubscribe = ctx.deps.events.subscribe((e) => {
      if (!alive()) return;
      const { event, data } = eventPayload(e);
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      ctx.reporter.count(`sse_${event}s_sent`);
    });
    const heartbeat = setInterval(() => {
      if (alive()) res.write(tick('tick'));
    }, HEARTBEAT_MS);
    closers.add(close);
    ctx.reporter.gauge('sse_clients', closers.size);
    req.raw.on('close', close);
  });

  app.addHook('preClose', (hookDone) => {
    for (const close of [...closers]) close();
    hookDone();
  });
  done();
};
