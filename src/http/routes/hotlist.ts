/**
 * Local hot plates. The hot list enforces the policy itself (required case number or XREF,
 * reason, officer and contact; expiry caps); this route passes its refusals to the form field by
 * field and records every change.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import type { LocalEntryInput } from '../ports.js';
import { NullableString } from '../schema.js';
import { fail, sessionOf, trimmed } from './reply.js';

const Str = (max: number) => Type.Optional(NullableString(max));
const EntryBody = Type.Object({
  plate: Type.String({ maxLength: 16 }),
  state: Str(8),
  list: Type.String({ maxLength: 64 }),
  priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 9 })),
  reason: Type.String({ maxLength: 500 }),
  caseNumber: Str(64),
  subjectXref: Str(64),
  officerName: Type.String({ maxLength: 128 }),
  officerContact: Type.String({ maxLength: 128 }),
  expiresAt: Type.Integer({ minimum: 0 }),
  alsoInNcic: Type.Boolean(),
  informational: Type.Optional(Type.Boolean()),
});

export const hotlistRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { hotlist } = ctx.deps;

  app.get('/api/hotlist/local', { config: { access: { kind: 'session', roles: STATION } } }, (_req, reply) => reply.send({ entries: hotlist.listLocalEntries() }));

  app.post<{ Body: Static<typeof EntryBody> }>('/api/hotlist/local', { schema: { body: EntryBody }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const b = req.body;
    const user = sessionOf(req).username;
    const input: LocalEntryInput = {
      plate: b.plate.trim().toUpperCase(),
      state: trimmed(b.state)?.toUpperCase() ?? null,
      list: b.list.trim(),
      reason: b.reason.trim(),
      caseNumber: trimmed(b.caseNumber),
      subjectXref: trimmed(b.subjectXref),
      officerName: b.officerName.trim(),
      officerContact: b.officerContact.trim(),
      expiresAt: b.expiresAt,
      alsoInNcic: b.alsoInNcic,
      informational: b.informational ?? false,
    };
    if (b.priority !== undefined) input.priority = b.priority;
    const r = hotlist.addLocalEntry(input, user);
    if (!r.ok) {
      ctx.audit.record({ user, action: 'hotlist.refused', object: input.plate, caseNumber: input.caseNumber ?? null, ip: req.ip, details: { errors: r.errors } });
      return fail(reply, 400, 'HTTP_HOTLIST_REFUSED', { detail: r.errors.map((e) => `${e.field}: ${e.message}`).join('; ') }, r.errors);
    }
    ctx.audit.record({
      user,
      action: 'hotlist.add',
      object: r.entry.id,
      caseNumber: input.caseNumber ?? null,
      purpose: input.reason,
      ip: req.ip,
      details: { plate: r.entry.plate, list: r.entry.list, expiresAt: r.entry.expiresAt, subjectXref: input.subjectXref, officerName: input.officerName, officerContact: input.officerContact, alsoInNcic: input.alsoInNcic },
    });
    return reply.code(201).send({ entry: r.entry });
  });

  app.delete<{ Params: { id: string } }>(
    '/api/hotlist/local/:id',
    { schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9:._-]+$' }) }) }, config: { access: { kind: 'session', roles: STATION } } },
    (req, reply) => {
      const user = sessionOf(req).username;
      if (!hotlist.removeLocalEntry(req.params.id, user)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hot-list entry' });
      ctx.audit.record({ user, action: 'hotlist.remove', object: req.params.id, ip: req.ip });
      return reply.send({ ok: true });
    },
  );
  done();
};
