/**
 * Quick look-up (issue 15): an officer types a plate, full or partial, and learns whether it is
 * listed, with the matching entries (list, reason, expiry, informational or not). The hot list's own
 * matcher answers, so the answer is what a read of that plate would raise. Every look-up is an
 * audit row holding the plate (the audited store); the plate is never logged. POST, so the plate
 * is not in a URL either.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import type { HotlistHit } from '../../hotlist/types.js';
import { normalisePlate } from '../../plate/normalise.js';
import { fail, sessionOf } from './reply.js';

/** Fewer known characters than this match half the traffic and say nothing. */
export const MIN_LOOKUP_CHARS = 3;

const LookupBody = Type.Object({ plate: Type.String({ maxLength: 16 }) });

export interface LookupMatch {
  plate: string;
  state: string | null;
  list: string;
  priority: number;
  reason: string;
  caseNumber: string | null;
  expiresAt: number | null;
  informational: boolean;
  /** exact, wildcard (a partial-plate entry), confusion or edit (a near match). */
  kind: HotlistHit['kind'];
  explanation: string;
}

export interface LookupAnswer {
  plate: string;
  /** True when an entry matches exactly or by its wildcard pattern; near matches alone are "not listed". */
  listed: boolean;
  matches: LookupMatch[];
}

export function lookupAnswer(plate: string, hits: readonly HotlistHit[]): LookupAnswer {
  const matches = hits.map((h): LookupMatch => ({
    plate: h.entry.plate,
    state: h.entry.state,
    list: h.entry.list,
    priority: h.entry.priority,
    reason: h.entry.reason,
    caseNumber: h.entry.caseNumber ?? null,
    expiresAt: h.entry.expiresAt,
    informational: h.entry.informational,
    kind: h.kind,
    explanation: h.explanation,
  }));
  return { plate, listed: matches.some((m) => m.kind === 'exact' || m.kind === 'wildcard'), matches };
}

export const hotlistLookupRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  app.post<{ Body: Static<typeof LookupBody> }>('/api/hotlist/lookup', { schema: { body: LookupBody }, config: { access: { kind: 'session', roles: STATION } } }, (req, reply) => {
    const user = sessionOf(req).username;
    const plate = normalisePlate(req.body.plate);
    if (plate.length < MIN_LOOKUP_CHARS) {
      const message = `type at least ${MIN_LOOKUP_CHARS} letters or digits of the plate`;
      return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: `plate: ${message}` }, [{ field: 'plate', message }]);
    }
    const answer = lookupAnswer(plate, ctx.deps.hotlist.lookup(plate));
    ctx.audit.record({ user, action: 'hotlist.lookup', object: null, ip: req.ip, details: { plate, listed: answer.listed, matches: answer.matches.map((m) => ({ plate: m.plate, list: m.list, kind: m.kind })) } });
    return reply.send(answer);
  });
  done();
};
