/**
 * Access control for every route. Each route must declare `config.access`; registering one
 * without it throws at build time, so a new route cannot slip in unprotected. One `onRequest`
 * hook then resolves the session cookie, refuses anonymous or wrong-role requests, and checks
 * the CSRF token on every state change.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Secret } from '../../config/secret.js';
import { AlprError } from '../../shared/errors.js';
import { apiError, HttpErrors } from '../errors.js';
import type { Role, UsersPort } from '../ports.js';
import { credentialStamp, csrfMatches, type Session, type SessionStore } from './session-store.js';
import { timingSafeEqual } from 'node:crypto';

export type Access =
  /** No login: the login page, static assets, liveness. */
  | { kind: 'public' }
  /** A logged-in session with one of these roles. */
  | { kind: 'session'; roles: readonly Role[] }
  /** The monitoring bearer token, or a logged-in session with one of these roles. */
  | { kind: 'monitor'; roles: readonly Role[] };

export const STATION: readonly Role[] = ['operator', 'administrator'];
export const ADMIN: readonly Role[] = ['administrator'];
export const AUDITORS: readonly Role[] = ['auditor', 'administrator'];
export const ANY_ROLE: readonly Role[] = ['operator', 'administrator', 'auditor'];

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
  page: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** A page (HTML): anonymous visitors are sent to the login page instead of getting 401. */
    page?: boolean;
  }
  interface FastifyRequest {
    session: Session | null;
  }
  interface FastifyInstance {
    /** Every registered route and its access rule (the security test walks this). */
    accessTable: RouteAccess[];
  }
}

export const SESSION_COOKIE = 'alpr_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function installAccessControl(app: FastifyInstance, sessions: SessionStore, users: UsersPort, monitorToken: Secret | undefined): void {
  app.decorate('accessTable', [] as RouteAccess[]);
  app.decorateRequest('session', null);

  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) throw new AlprError(HttpErrors.HTTP_ROUTE_WITHOUT_ACCESS, { route: `${String(route.method)} ${route.url}` });
    for (const method of [route.method].flat()) {
      app.accessTable.push({ method, url: route.url ?? route.path, access, page: route.config?.page === true });
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config.access;
    // Unmatched URLs reach the 404 handler with no route config: nothing to protect there.
    if (!access) return;
    req.session = current(sessions, users, req.cookies[SESSION_COOKIE]);
    if (access.kind === 'public') {
      if (!SAFE_METHODS.has(req.method) && !sameOrigin(req)) return deny(reply, 403, apiError('HTTP_CSRF_REJECTED'));
      return;
    }
    if (access.kind === 'monitor' && monitorToken && bearerMatches(req, monitorToken)) return;
    const s = req.session;
    if (!s) {
      if (req.routeOptions.config.page && SAFE_METHODS.has(req.method)) {
        return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      }
      return deny(reply, 401, apiError('HTTP_UNAUTHENTICATED'));
    }
    if (!access.roles.includes(s.role)) return deny(reply, 403, apiError('HTTP_FORBIDDEN_ROLE', { role: s.role }));
    if (!SAFE_METHODS.has(req.method)) {
      const presented = req.headers[CSRF_HEADER];
      if (typeof presented !== 'string' || !csrfMatches(s, presented)) return deny(reply, 403, apiError('HTTP_CSRF_REJECTED'));
    }
  });
}

/**
 * The session, if its account still stands as it was at login: disabling an account, changing
 * its role or its password (`alpr-edge user ...`, possibly from another process) ends its
 * sessions at their next request.
 */
function current(sessions: SessionStore, users: UsersPort, cookie: string | undefined): Session | null {
  const s = sessions.get(cookie);
  if (!s) return null;
  const u = users.get(s.username);
  if (!u || u.disabled || u.role !== s.role || credentialStamp(u.passwordHash) !== s.stamp) {
    sessions.destroy(s.id);
    return null;
  }
  return s;
}

async function deny(reply: FastifyReply, code: number, body: unknown): Promise<void> {
  await reply.code(code).header('cache-control', 'no-store').send(body);
}

function bearerMatches(req: FastifyRequest, token: Secret): boolean {
  const h = req.headers.authorization;
  if (!h?.startsWith('Bearer ')) return false;
  const a = Buffer.from(h.slice(7).trim());
  const b = Buffer.from(token.reveal());
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Anonymous state changes (the login form) must come from our own pages: browsers send
 * `Sec-Fetch-Site` and `Origin` on cross-site posts, so a forged login is refused.
 */
function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
