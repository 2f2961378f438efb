/**
 * The station's alert channel (docs/operator.md, "Event stream"): server-sent events, one
 * connection per open page. It must never go quiet unnoticed:
 * - every alert carries the store's hit id as its SSE id, and a reconnecting page gets every
 *   alert it missed (`Last-Event-ID`, or `?lastEventId=` from a freshly loaded page) before
 *   anything live;
 * - a `tick` every HEARTBEAT_MS, so the page declares a silent stream dead within 5 s (an event,
 *   not an SSE comment: `EventSource` hides comments from the page);
 * - while the stream is open it keeps its session from idling out: an officer watching for hits
 *   is not logged out by the idle timeout (the shift limit still holds, announced 10 min ahead);
 * - when the session ends — logout, the account disabled or its role or password changed (here
 *   or by `alpr-edge user` from another process), the shift limit, shutdown — the stream says why
 *   (`end`) and closes: at once for logout and changes access control finds, within one tick for
 *   changes made by another process.
 * A client that stops reading (more than MAX_BUFFERED waiting) is cut off the same way, so a
 * stalled tablet cannot make the daemon buffer forever.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import { credentialStamp, type Session } from '../auth/session-store.js';
import type { HttpContext } from '../context.js';
import type { LiveEvent } from '../ports.js';
import { sessionOf } from './reply.js';

/** Two ticks fit in the page's 5 s dead-stream limit with room for a slow one. */
export const HEARTBEAT_MS = 2000;
/** Most missed alerts replayed on one connection; the page continues from the last one it got. */
export const REPLAY_MAX = 500;
/** The `session` warning comes this long before the shift limit ends the session. */
const SESSION_WARNING_MS = 10 * 60_000;
const MAX_BUFFERED = 1024 * 1024;

export type EndReason = 'logout' | 'revoked' | 'expired' | 'shutdown' | 'overflow';
/** `gone`: the client went away; nothing left to tell it. */
type CloseReason = EndReason | 'gone';

const EventsQuery = Type.Object({
  lastEventId: Type.Optional(Type.Integer({ minimum: 0 })),
  after: Type.Optional(Type.Integer({ minimum: 0 })),
});

export function eventPayload(e: LiveEvent): { event: string; data: unknown } {
  const images = (id: string) => ({ plate: `/api/detections/${id}/plate.jpg`, overview: `/api/detections/${id}/overview.jpg` });
  switch (e.type) {
    case 'detection':
      return { event: 'detection', data: { detection: e.detection } };
    case 'hit':
    case 'hit-update':
      return {
        event: e.type,
        data: { alert: e.alert ?? null, hit: e.hit, detection: e.detection, images: images(e.detection.id), replayed: e.replayed === true },
      };
    case 'notice':
      return { event: 'notice', data: { alert: e.alert, notice: e.notice, replayed: e.replayed === true } };
  }
}

/** One SSE frame; `id` only for the events a reconnecting page must not miss. */
function frame(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** `Last-Event-ID` (the browser's own retry) wins over the query (a freshly loaded page). */
function resumeFrom(header: string | string[] | undefined, query: Static<typeof EventsQuery>): number | null {
  const h = Array.isArray(header) ? header[0] : header;
  if (h !== undefined && /^\d{1,15}$/.test(h.trim())) return Number(h.trim());
  return query.lastEventId ?? query.after ?? null;
}

export const eventRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const closers = new Set<(reason: CloseReason) => void>();
  const { events, users, clock } = ctx.deps;

  app.get<{ Querystring: Static<typeof EventsQuery> }>(
    '/api/events',
    { schema: { querystring: EventsQuery }, config: { access: { kind: 'session', roles: STATION } } },
    (req, reply) => {
      const session = sessionOf(req);
      const newest = events.lastId?.() ?? 0;
      let from = resumeFrom(req.headers['last-event-id'], req.query);
      // An id beyond anything this store ever issued comes from another database (reinstalled,
      // restored): everything here is news to that page.
      if (from !== null && events.lastId && from > newest) from = 0;
      ctx.audit.record({ user: session.username, action: 'live.subscribe', ip: req.ip, ...(from !== null ? { details: { resumeAfter: from } } : {}) });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });

      // Replay and subscription happen in this one synchronous turn: no alert can fall between them.
      const replay = from !== null && events.replay ? events.replay(from, REPLAY_MAX) : { events: [], truncated: false };
      const lastId = newest;
      const sessionEndsAt = session.createdAt + ctx.deps.config.session_max_h * 3600_000;
      res.write(`retry: ${HEARTBEAT_MS}\n\n`);
      // The server's time comes first: a page that reconnects asks for what it missed since then.
      res.write(
        frame('hello', { now: clock.now(), lastId, replayed: replay.events.length, truncated: replay.truncated, heartbeatMs: HEARTBEAT_MS, heartbeat_ms: HEARTBEAT_MS, sessionEndsAt }),
      );
      for (const e of replay.events) send(e);
      if (replay.events.length > 0) ctx.reporter.count('sse_replayed', replay.events.length);

      let closed = false;
      let warned = false;
      const close = (reason: CloseReason): void => {
        if (closed) return;
        closed = true;
        unsubscribe();
        unwatch();
        clearInterval(heartbeat);
        closers.delete(close);
        ctx.reporter.gauge('sse_clients', closers.size);
        ctx.reporter.count(`sse_ended_${reason}`);
        if (reason !== 'overflow' && reason !== 'gone' && !res.destroyed) res.write(frame('end', { reason }));
        res.end();
      };
      function send(e: LiveEvent): void {
        const { event, data } = eventPayload(e);
        res.write(frame(event, data, e.type === 'detection' ? undefined : e.eventId));
        ctx.reporter.count(`sse_${event.replace('-', '_')}s_sent`);
      }
      /** The session still stands as at login: not ended, not expired, its account unchanged. */
      const standing = (touch: boolean): EndReason | null => {
        const s = ctx.sessions.get(session.id, touch);
        if (!s) return 'expired';
        if (!accountStands(s)) return 'revoked';
        if (res.writableLength > MAX_BUFFERED) return 'overflow';
        return null;
      };
      const accountStands = (s: Session): boolean => {
        const u = users.get(s.username);
        return !!u && !u.disabled && u.role === s.role && credentialStamp(u.passwordHash) === s.stamp;
      };

      const unsubscribe = events.subscribe((e) => {
        if (closed) return;
        if (res.writableLength > MAX_BUFFERED) return close('overflow');
        send(e);
      });
      // Logout and revocations found by access control end the stream at once.
      const unwatch = ctx.sessions.onSessionEnd((id) => {
        if (id === session.id) close(accountStands(session) ? 'logout' : 'revoked');
      });
      const heartbeat = setInterval(() => {
        // Each tick is activity: the open stream keeps its session from idling out.
        const ended = standing(true);
        if (ended) {
          close(ended);
          // A session whose account changed ends everywhere, not only on this page.
          if (ended === 'revoked') ctx.sessions.destroy(session.id);
          return;
        }
        const now = clock.now();
        if (!warned && sessionEndsAt - now <= SESSION_WARNING_MS) {
          warned = true;
          res.write(frame('session', { endsAt: sessionEndsAt, reason: 'max_age' }));
        }
        res.write(frame('tick', { now }));
      }, HEARTBEAT_MS);
      closers.add(close);
      ctx.reporter.gauge('sse_clients', closers.size);
      req.raw.on('close', () => close('gone'));
    },
  );

  app.addHook('preClose', (hookDone) => {
    for (const close of [...closers]) close('shutdown');
    hookDone();
  });
  done();
};
