/**
 * Builds the fastify server (routes registered, not listening): `main.ts` listens, tests use
 * `inject()`. http/ reads the status registry and the ports in `ports.ts`; it never reaches into
 * cameras or workers.
 *
 *   browser ──cookie──▶ access control (session, role, CSRF) ──▶ route ──▶ audit row ──▶ port
 *              ◀──SSE── events port (detections, hits)
 */
import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { HttpConfig } from '../config/sections/http.js';
import { AlprError } from '../shared/errors.js';
import { AuditTrail, AuditUnavailableError } from './audit-trail.js';
import { installAccessControl } from './auth/access.js';
import { AccountWatch } from './auth/account-watch.js';
import { AddressThrottle } from './auth/address-throttle.js';
import { Authenticator } from './auth/authenticator.js';
import { allowedHosts, hostAllowed } from './auth/host-check.js';
import { DEFAULT_POLICY, LoginGuard } from './auth/login-guard.js';
import { RefusalSampler } from './auth/refusal-sampler.js';
import { SessionStore } from './auth/session-store.js';
import type { HttpContext, HttpDeps } from './context.js';
import { apiError, HttpErrors } from './errors.js';
import { assetRoutes } from './routes/assets.js';
import { auditRoutes } from './routes/audit.js';
import { auditReviewRoutes } from './routes/audit-review.js';
import { cameraReferenceRoutes } from './routes/camera-reference.js';
import { damageReportRoutes } from './routes/damage-reports.js';
import { authRoutes } from './routes/auth.js';
import { detectionRoutes } from './routes/detections.js';
import { eventRoutes } from './routes/events.js';
import { exportRoutes } from './routes/export.js';
import { hitRoutes } from './routes/hits.js';
import { hitOutcomeRoutes } from './routes/hit-outcomes.js';
import { hotlistRoutes } from './routes/hotlist.js';
import { hotlistLookupRoutes } from './routes/hotlist-lookup.js';
import { liveRoutes } from './routes/live.js';
import { metricsRoutes } from './routes/metrics.js';
import { misreadRoutes } from './routes/misreads.js';
import { oversightRoutes } from './routes/oversight.js';
import { pageRoutes } from './routes/pages.js';
import { recordsRoutes } from './routes/records.js';
import { searchRoutes } from './routes/search.js';
import { statusRoutes } from './routes/status.js';
import { userRoutes } from './routes/users.js';
import { ShiftCheck } from './shift-check.js';

export type { HttpDeps } from './context.js';

/** The route plugins, in registration order; each gets the whole context (see context.ts). */
const ROUTES = [assetRoutes, authRoutes, statusRoutes, metricsRoutes, pageRoutes, liveRoutes, detectionRoutes, eventRoutes, hitRoutes, hitOutcomeRoutes, hotlistRoutes, hotlistLookupRoutes, searchRoutes, exportRoutes, auditRoutes, userRoutes, cameraReferenceRoutes, oversightRoutes, misreadRoutes, damageReportRoutes, recordsRoutes, auditReviewRoutes];

type Tls = { cert: Buffer; key: Buffer };

export async function buildServer(deps: HttpDeps): Promise<FastifyInstance> {
  const tls = readTls(deps.config);
  // fastify's https overload has its own instance type; the rest of the daemon only listens and closes.
  const app = Fastify(serverOptions(deps, tls)) as unknown as FastifyInstance;
  const ctx = buildContext(deps, tls !== null);

  // Only JSON bodies: a cross-site <form> can send text/plain or urlencoded without a preflight.
  app.removeContentTypeParser(['text/plain']);
  await app.register(cookie);
  installHostCheck(app, deps.config);
  installAccessControl(app, ctx.sessions, deps.users, deps.config.monitor_token);
  installSecurityHeaders(app);
  installErrorHandler(app, ctx.reporter);
  for (const routes of ROUTES) await app.register(routes, ctx);
  installLifecycle(app, ctx, tls !== null);
  return app;
}

function serverOptions(deps: HttpDeps, tls: Tls | null): FastifyServerOptions & { https?: Tls } {
  const options: FastifyServerOptions & { https?: Tls } = {
    loggerInstance: deps.logger,
    // Per-request lines would flood journald on a device polled every few seconds.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
  };
  if (tls) options.https = tls;
  return options;
}

/** What every route plugin shares: sessions, the audit trail, the login checks, the account watch. */
function buildContext(deps: HttpDeps, secureCookies: boolean): HttpContext {
  const { config, clock } = deps;
  const reporter = deps.registry.reporter('http', 'http', { readiness: false });
  const sessions = new SessionStore(
    {
      idleMs: config.session_idle_timeout_min * 60_000,
      maxAgeMs: config.session_max_h * 3600_000,
      maxSessions: config.max_sessions,
      maxPerUser: config.max_sessions_per_user,
    },
    clock,
  );
  const audit = new AuditTrail(deps.audit, reporter);
  return {
    deps,
    sessions,
    audit,
    reporter,
    secureCookies,
    auth: new Authenticator({
      users: deps.users,
      sessions,
      throttle: new AddressThrottle(config.login_ip_max_failures, config.login_lockout_min * 60_000, clock),
      guard: new LoginGuard({ ...DEFAULT_POLICY, freeFailures: config.login_max_failures, maxDelayMs: config.login_max_delay_s * 1000 }),
      refusals: new RefusalSampler(60_000, clock),
      audit,
      clock,
      reporter,
      ...(deps.accounts ? { accounts: deps.accounts } : {}),
    }),
    shift: new ShiftCheck(deps.registry, audit, deps.audit, clock),
    watch: deps.accounts
      ? new AccountWatch({ accounts: deps.accounts, users: deps.users, audit, auditLog: deps.audit, sessions, clock, logger: deps.logger, reporter })
      : null,
  };
}

/**
 * DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 would be
 * same-origin with us; its requests still carry its own name in Host, so they are refused.
 */
function installHostCheck(app: FastifyInstance, config: HttpConfig): void {
  const hosts = allowedHosts(config);
  app.addHook('onRequest', async (req, reply) => {
    if (!hostAllowed(req.headers.host, hosts)) await reply.code(421).header('cache-control', 'no-store').send(apiError('HTTP_HOST_REFUSED'));
  });
}

function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** An unreadable audit log refuses access (503); client errors keep their code; the rest is a 500 on the status page. */
function installErrorHandler(app: FastifyInstance, reporter: HttpContext['reporter']): void {
  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    if (err instanceof AuditUnavailableError) {
      req.log.error({ err }, 'audit log unavailable; access refused');
      return reply.code(503).send({ error: err.code, message: err.message });
    }
    if (err.validation) return reply.code(400).send(apiError('HTTP_INVALID_INPUT', { detail: err.message }));
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.code, message: err.message });
    req.log.error({ err, url: req.url }, 'request failed');
    reporter.error(err);
    return reply.code(500).send({ error: 'HTTP_INTERNAL', message: 'internal error' });
  });
}

/** The status line follows the listener; the account watch runs while the server is ready. */
function installLifecycle(app: FastifyInstance, ctx: HttpContext, secure: boolean): void {
  app.addHook('onListen', (hookDone) => {
    ctx.reporter.set('ok', secure ? 'HTTPS' : 'HTTP (loopback)');
    hookDone();
  });
  app.addHook('onReady', (hookDone) => {
    ctx.watch?.start();
    hookDone();
  });
  app.addHook('onClose', (_instance, hookDone) => {
    ctx.watch?.stop();
    ctx.reporter.set('stopped');
    hookDone();
  });
}

function readTls(config: HttpConfig): Tls | null {
  if (!config.tls_cert_file || !config.tls_key_file) return null;
  const read = (which: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new AlprError(HttpErrors.HTTP_TLS_UNREADABLE, { which, file, detail: (err as NodeJS.ErrnoException).code ?? String(err) });
    }
  };
  return { cert: read('certificate', config.tls_cert_file), key: read('key', config.tls_key_file) };
}
