/** Login page, login and logout. The session cookie is HttpOnly, SameSite=Strict, Secure on HTTPS. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { ANY_ROLE, SESSION_COOKIE } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { layout } from '../pages/layout.js';
import { loginBody } from '../pages/screens.js';
import { fail, sessionOf } from './reply.js';

const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});

/** Only local paths: `next=https://elsewhere` must not turn the login into an open redirect. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/';
}

export const authRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  app.get<{ Querystring: { next?: string } }>('/login', { config: { access: { kind: 'public' }, page: true } }, (req, reply) => {
    if (req.session) return reply.redirect(safeNext(req.query.next), 303);
    return reply.type('text/html; charset=utf-8').send(layout({ title: 'Log in', page: 'login', session: null, device: ctx.deps.device, body: loginBody(safeNext(req.query.next)) }));
  });

  app.post<{ Body: Static<typeof LoginBody> }>('/api/login', { schema: { body: LoginBody }, config: { access: { kind: 'public' } } }, async (req, reply) => {
    const r = await ctx.auth.login(req.body.username.trim().toLowerCase(), req.body.password, req.ip);
    if (!r.ok) {
      if (r.code === 'HTTP_LOGIN_DELAYED') return fail(reply.header('retry-after', String(r.retryAfterS)), 429, r.code, { seconds: r.retryAfterS });
      if (r.code === 'HTTP_LOGIN_FAILED') return fail(reply, 401, r.code);
      if (r.code === 'HTTP_LOGIN_UNQUALIFIED') return fail(reply, 403, r.code, { detail: r.detail });
      return fail(reply.header('retry-after', '1'), r.code === 'HTTP_TOO_MANY_SESSIONS' ? 503 : 429, r.code);
    }
    const s = r.session;
    reply.setCookie(SESSION_COOKIE, s.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: ctx.secureCookies,
      maxAge: Math.floor(ctx.deps.config.session_max_h * 3600),
    });
    return reply.send({ username: s.username, role: s.role, fullName: s.fullName, csrf: s.csrf });
  });

  app.post('/api/logout', { config: { access: { kind: 'session', roles: ANY_ROLE } } }, (req, reply) => {
    ctx.auth.logout(sessionOf(req), req.ip);
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: ctx.secureCookies });
    return reply.send({ ok: true });
  });

  app.get('/api/me', { config: { access: { kind: 'session', roles: ANY_ROLE } } }, (req, reply) => {
    const s = sessionOf(req);
    return reply.send({ username: s.username, role: s.role, fullName: s.fullName, csrf: s.csrf, expiresAt: s.createdAt + ctx.deps.config.session_max_h * 3600_000 });
  });
  done();
};
