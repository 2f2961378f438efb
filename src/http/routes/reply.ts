/** Small helpers shared by the route plugins. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError, type ApiError, type HttpErrorCode } from '../errors.js';
import type { Session } from '../auth/session-store.js';

/** Detection ids are UUIDv7: anything else (`..`, `/`, NUL) never reaches the store. */
export const DETECTION_ID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export function fail(reply: FastifyReply, status: number, code: HttpErrorCode, params: Record<string, string | number> = {}, fields?: ApiError['fields']): FastifyReply {
  return reply.code(status).send(apiError(code, params, fields));
}

/** The session of a route whose access rule requires one (the access hook has already checked). */
export function sessionOf(req: FastifyRequest): Session {
  if (!req.session) throw new Error(`route ${req.routeOptions.url ?? req.url} reached without a session`);
  return req.session;
}

/** The user name recorded in audit rows: the session's, or `monitor` for the bearer token. */
export function actorOf(req: FastifyRequest): string {
  return req.session?.username ?? 'monitor';
}

/** `datetime-local` values arrive as ms since epoch; blank fields as undefined. */
export function trimmed(v: string | undefined | null): string | null {
  const t = v?.trim();
  return t ? t : null;
}
