/**
 * Local hot plates. The hot list enforces the policy itself (required case number or XREF,
 * reason, officer and contact; expiry caps); this route passes its refusals to the form field by
 * field and records every change. A hot plate is removed only by the officer who entered it or an
 * administrator, with a reason.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import type { HotlistEntryInfo } from '../../hotlist/types.js';
import type { LocalEntryInput, Role } from '../ports.js';
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

/** Shortest reason accepted for taking a hot plate off ("ok" is not a reason). */
const MIN_REASON = 4;
const RemoveBody = Type.Object({ reason: Type.String({ maxLength: 500 }) });

/** Whether `user` may take `entry` off: the officer who entered it, or an administrator. */
export function mayRemove(entry: Pick<HotlistEntryInfo, 'enteredBy'>, user: string, role: Role): boolean {
  return role === 'administrator' || (entry.enteredBy != null && entry.enteredBy === user);
}

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

  // Only the officer who entered a hot plate or an administrator takes it off, and says why
  // (issue 15 item 9): the reason is on the audit row beside who removed it.
  app.delete<{ Params: { id: string }; Body: Static<typeof RemoveBody> }>(
    '/api/hotlist/local/:id',
    {
      schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9:._-]+$' }) }), body: RemoveBody },
      config: { access: { kind: 'session', roles: STATION } },
    },
    (req, reply) => {
      const { username: user, role } = sessionOf(req);
      const id = req.params.id;
      const reason = req.body.reason.trim();
      const entry = hotlist.listLocalEntries().find((e) => e.id === id);
      if (!entry) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hot-list entry' });
      const enteredBy = entry.enteredBy ?? null;
      if (!mayRemove(entry, user, role)) {
        ctx.audit.record({ user, action: 'hotlist.remove_refused', object: id, purpose: reason || null, ip: req.ip, details: { enteredBy } });
        return fail(reply, 403, 'HTTP_HOTLIST_NOT_YOURS', { enteredBy: enteredBy ?? 'unknown' });
      }
      if (reason.length < MIN_REASON) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: `reason: say why the hot plate is removed (at least ${MIN_REASON} characters)` }, [{ field: 'reason', message: `say why the hot plate is removed (at least ${MIN_REASON} characters)` }]);
      if (!hotlist.removeLocalEntry(id, user)) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'hot-list entry' });
      ctx.audit.record({ user, action: 'hotlist.remove', object: id, caseNumber: entry.caseNumber ?? null, purpose: reason, ip: req.ip, details: { list: entry.list, enteredBy } });
      return reply.send({ ok: true });
    },
  );
  done();
};
