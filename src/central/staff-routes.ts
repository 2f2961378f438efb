/**
 * Routes for the agency's people, behind staff tokens (src/central/staff.ts), never device
 * tokens: sign-in, the fleet page and its JSON, Prometheus metrics, and hot-plate entry.
 * Every route names the roles it admits in `config.roles`; a page sends an anonymous visitor to
 * the sign-in form, an API answers 401. Search and releases are in search-routes.ts.
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { LocalEntryInput } from '../hotlist/local-entries.js';
import { AddressThrottle } from '../http/auth/address-throttle.js';
import type { CentralServices } from './central-services.js';
import { fleetMetrics } from './fleet-health.js';
import { FLEET_CSP, fleetPage, LOGIN_CSP, loginPage } from './fleet-page.js';
import { requestToken, STAFF_COOKIE, type Staff, type StaffRole } from './staff.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route for staff, not devices: the receiver's device-token check leaves it to staffGuard. */
    staff?: boolean;
    /** Staff roles admitted; marks the route as a staff route (no device token asked). */
    roles?: readonly StaffRole[];
    /** An HTML page: an anonymous visitor is sent to the sign-in form. */
    page?: boolean;
  }
  interface FastifyRequest {
    staff?: Staff;
  }
}

export const ADMIN: readonly StaffRole[] = ['admin'];
export const STAFF: readonly StaffRole[] = ['admin', 'officer'];
const SIGN_IN_MAX_AGE_S = 12 * 3600;
/** Wrong tokens from one address before sign-in is refused for a while (the device's throttle; bounds the audit rows too). */
const SIGN_IN_FAILURES = 10;
const SIGN_IN_WINDOW_MS = 15 * 60_000;

/** The staff member of a route whose roles were checked; throws if reached without one. */
export function staffOf(req: FastifyRequest): Staff {
  if (!req.staff) throw new Error(`route ${req.routeOptions.url ?? req.url} reached without a staff member`);
  return req.staff;
}

/** A JSON body of a staff API (the receiver hands every body over as bytes). */
export function jsonBody(req: FastifyRequest): { value: unknown } | { error: string } {
  const b = req.body;
  if (!Buffer.isBuffer(b) || b.length === 0) return { error: 'body: expected a JSON object' };
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return { error: 'content-type: expected application/json' };
  try {
    return { value: JSON.parse(b.toString('utf8')) as unknown };
  } catch {
    return { error: 'body: not valid JSON' };
  }
}

/** Checks the staff token of every route that names roles (hook of the staff plugins). */
export function staffGuard(services: CentralServices) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return;
    const token = requestToken(req.headers);
    const staff = token ? await services.staff.staffOf(token) : null;
    if (!staff) {
      if (req.routeOptions.config.page) await reply.code(303).header('location', '/admin/login').send();
      else await reply.code(401).header('www-authenticate', 'Bearer').send({ message: 'missing, wrong or revoked staff token' });
      return;
    }
    if (!roles.includes(staff.role)) {
      await reply.code(403).send({ message: `needs the role ${roles.join(' or ')}` });
      return;
    }
    req.staff = staff;
  };
}

/** Marks every route the plugin adds as a staff route (call first in a staff plugin). */
export function markStaffRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (r) => {
    r.config = { ...(r.config ?? {}), staff: true };
  });
}

export const staffRoutes: FastifyPluginCallback<{ services: CentralServices }> = (app, { services }, done) => {
  const { config } = services;
  markStaffRoutes(app);
  app.addHook('onRequest', staffGuard(services));

  app.get('/admin/login', async (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', LOGIN_CSP).send(loginPage(null)));

  const throttle = new AddressThrottle(SIGN_IN_FAILURES, SIGN_IN_WINDOW_MS, { now: services.now });
  app.post('/admin/login', { bodyLimit: 4096 }, async (req, reply) => {
    const page = (code: number, message: string): FastifyReply => reply.code(code).type('text/html; charset=utf-8').header('content-security-policy', LOGIN_CSP).send(loginPage(message));
    if (throttle.blocked(req.ip)) return page(429, `Too many wrong tokens from this address: try again in ${SIGN_IN_WINDOW_MS / 60_000} minutes.`);
    const form = new URLSearchParams(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    const token = form.get('token')?.trim() ?? '';
    const staff = token ? await services.staff.staffOf(token) : null;
    if (!staff || staff.role === 'metrics') {
      throttle.fail(req.ip);
      await services.audit.append({ staff: null, action: 'login.refused', ip: req.ip });
      return page(401, 'That token is not a live staff token.');
    }
    throttle.succeed(req.ip);
    await services.audit.append({ staff: staff.name, action: 'login', ip: req.ip });
    const cookie = `${STAFF_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SIGN_IN_MAX_AGE_S}${services.secureCookie ? '; Secure' : ''}`;
    return reply.code(303).header('set-cookie', cookie).header('location', staff.role === 'admin' ? '/admin/fleet' : '/admin/search').send();
  });

  app.post('/admin/logout', async (_req, reply) =>
    reply.code(303).header('set-cookie', `${STAFF_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`).header('location', '/admin/login').send(),
  );

  app.get('/admin/fleet', { config: { roles: ADMIN, page: true } }, async (req, reply) => {
    const devices = await services.fleet.view();
    const html = fleetPage(devices, { now: services.now(), staff: staffOf(req).name, lateMs: config.fleet.heartbeat_late_s * 1000, hotlistMaxAgeMs: config.fleet.hotlist_max_age_h * 3_600_000 });
    return reply.type('text/html; charset=utf-8').header('content-security-policy', FLEET_CSP).header('cache-control', 'no-store').send(html);
  });

  app.get('/api/central/fleet', { config: { roles: ADMIN } }, async (_req, reply) => reply.send({ now: services.now(), devices: await services.fleet.view() }));

  app.get('/metrics', { config: { roles: ['admin', 'metrics'] } }, async (_req, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(fleetMetrics(await services.fleet.view(), services.now())),
  );

  // Hot plates entered at the central: the device's own policy check, audited either way.
  app.get('/api/central/hotplates', { config: { roles: STAFF } }, async (req, reply) => {
    const entries = await services.publisher.live();
    await services.audit.append({ staff: staffOf(req).name, action: 'hotplates.viewed', ip: req.ip, details: { count: entries.length } });
    const v = await services.publisher.current();
    return reply.send({ entries, list: v ? { version: v.version, issued: v.issued, entries: v.entries } : null });
  });

  app.post('/api/central/hotplates', { config: { roles: STAFF }, bodyLimit: 16 * 1024 }, async (req, reply) => {
    const who = staffOf(req).name;
    const parsed = jsonBody(req);
    if ('error' in parsed) return reply.code(400).send({ message: parsed.error });
    const input = parsed.value as Partial<LocalEntryInput> & { expiresAt?: unknown };
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return reply.code(400).send({ message: 'body: expected a JSON object' });
    const expires = typeof input.expiresAt === 'string' ? Date.parse(input.expiresAt) : input.expiresAt;
    const r = await services.publisher.enter({ ...(input as LocalEntryInput), expiresAt: expires as number }, who);
    if (!r.ok) {
      // The refusal is on record without the plate (it may be a mistyped real plate).
      await services.audit.append({ staff: who, action: 'hotplate.refused', ip: req.ip, caseNumber: typeof input.caseNumber === 'string' ? input.caseNumber.slice(0, 64) : null, details: { errors: r.errors } });
      return reply.code(400).send({ message: r.errors.map((e) => `${e.field}: ${e.message}`).join('; '), fields: r.errors });
    }
    const e = r.entry;
    await services.audit.append({
      staff: who,
      action: 'hotplate.entered',
      object: e.id,
      ip: req.ip,
      caseNumber: e.caseNumber,
      purpose: e.reason,
      details: { plate: e.plate, list: e.list, expiresAt: e.expiresAt, alsoInNcic: e.alsoInNcic, officer: e.officerName, listVersion: r.version },
    });
    return reply.code(201).send({ entry: e, listVersion: r.version });
  });

  app.delete<{ Params: { id: string } }>('/api/central/hotplates/:id', { config: { roles: STAFF } }, async (req, reply) => {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(req.params.id)) return reply.code(400).send({ message: 'id: expected an entry id (UUID)' });
    const who = staffOf(req).name;
    const e = await services.publisher.remove(req.params.id, who);
    if (!e) return reply.code(404).send({ message: 'no live hot plate with this id' });
    await services.audit.append({ staff: who, action: 'hotplate.removed', object: e.id, ip: req.ip, caseNumber: e.caseNumber, details: { list: e.list } });
    return reply.send({ removed: e.id });
  });
  done();
};
