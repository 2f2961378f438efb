/** The HTML screens. Each is a page route: anonymous visitors are sent to the login page. */
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../ports.js';
import { ADMIN, ANY_ROLE, AUDITORS, STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { html, type SafeHtml } from '../pages/html.js';
import { layout } from '../pages/layout.js';
import { auditBody, hitsBody, hotlistBody, hotlistTable, liveBody, readsBody, searchBody, usersBody } from '../pages/screens.js';
import { publicUser } from './users.js';
import { mayRemove } from './hotlist.js';
import { cameraIdOf, statusPanel } from '../pages/status-page.js';
import { statusStrip } from '../pages/status-strip.js';
import { sessionOf } from './reply.js';

export const pageRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { deps } = ctx;
  const cameras = (): string[] =>
    deps.registry
      .list()
      .filter((u) => u.kind === 'camera')
      .map(cameraIdOf);

  const page = (url: string, title: string, name: string, roles: readonly Role[], body: (req: FastifyRequest) => SafeHtml, data?: () => Record<string, string | number>): void => {
    app.get(url, { config: { access: { kind: 'session', roles }, page: true } }, (req: FastifyRequest, reply: FastifyReply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(layout({ title, page: name, session: sessionOf(req), device: deps.device, body: body(req), strip: statusStrip(deps.registry.snapshot()), data: data?.() })),
    );
  };

  page('/', 'Status', 'status', ANY_ROLE, (req) => {
    const canAct = STATION.includes(sessionOf(req).role);
    return html`<div id="status-panel">${statusPanel(deps.registry.snapshot(), ctx.shift.latest(), canAct)}</div>${canAct && deps.damageReports ? html`<p><a href="/damage">Report damage or a malfunction</a></p>` : ''}${deps.records && ADMIN.includes(sessionOf(req).role) ? html`<p><a href="/records">Records: retention, purge history, evidence holds</a></p>` : ''}`;
  });
  page('/live', 'Live view', 'live', STATION, () => liveBody(cameras(), deps.config.snapshot_interval_ms), () => ({ interval: deps.config.snapshot_interval_ms }));
  page('/reads', 'Live reads', 'reads', STATION, () => readsBody());
  page('/hits', 'Hits', 'hits', STATION, () => hitsBody());
  page('/hotlist', 'Hot plates', 'hotlist', STATION, (req) => {
    const s = sessionOf(req);
    return hotlistBody(s, deps.users.get(s.username)?.contact ?? '', deps.hotlist.listLocalEntries(), deps.clock.now(), (e) => mayRemove(e, s.username, s.role));
  });
  page('/search', 'Search', 'search', STATION, (req) => searchBody(cameras(), ADMIN.includes(sessionOf(req).role), deps.config.search_purposes));
  page('/audit', 'Audit log', 'audit', AUDITORS, () => auditBody());
  page('/users', 'Accounts', 'users', ADMIN, (req) => usersBody(deps.users.list().map(publicUser), sessionOf(req).username, deps.clock.now()));

  app.get('/fragments/hotlist', { config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const s = sessionOf(req);
    return reply.type('text/html; charset=utf-8').send(hotlistTable(deps.hotlist.listLocalEntries(), deps.clock.now(), (e) => mayRemove(e, s.username, s.role)).value);
  });
  done();
};
