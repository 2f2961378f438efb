/**
 * Quick look-up (issue 15): an officer types a plate, full or partial, and learns whether it is
 * listed, with the matching entries (list, reason, expiry, informational or not). The hot list's own
 * matcher answers, so the answer is what a read of that plate would raise. Every look-up is an
 * audit row holding the plate (the audited store); the plate is never logged. POST, so the plate
 * is not in a URL either.
 *
 * The same look-up also answers by fragment: the listed plates that contain the typed text
 * anywhere (`6GU` finds `6GU547B`), or a pattern with `?` (one character) and `*` (any run), from
 * the hot list's own plate table (`Hotlist.lookupFragment`), at most `FRAGMENT_LIMIT` entries.
 * A text with `?` or `*` is a fragment only: a read never holds wildcards.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { STATION } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import type { FragmentAnswer } from '../../hotlist/fragment-search.js';
import type { HotlistEntryInfo, HotlistHit } from '../../hotlist/types.js';
import { normalisePlate } from '../../plate/normalise.js';
import { fail, sessionOf } from './reply.js';

/** Fewer known characters than this match half the traffic and say nothing. */
export const MIN_LOOKUP_CHARS = 3;

/** Most entries a fragment answers with; more says "type more characters". */
export const FRAGMENT_LIMIT = 50;

const LookupBody = Type.Object({ plate: Type.String({ maxLength: 32 }) });

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

/** A listed plate containing the fragment. */
export type FragmentEntry = Omit<LookupMatch, 'kind' | 'explanation'>;

export interface LookupAnswer {
  plate: string;
  /** True when an entry matches exactly or by its wildcard pattern; near matches alone are "not listed". */
  listed: boolean;
  matches: LookupMatch[];
  /** False when the text holds `?` or `*`: only the fragment search ran. */
  wholePlate?: boolean;
  /** Listed plates containing the text (or pattern), most urgent list first. */
  fragment?: { pattern: string; matches: FragmentEntry[]; truncated: boolean };
}

function entryFields(plate: string, e: HotlistEntryInfo): FragmentEntry {
  return { plate, state: e.state, list: e.list, priority: e.priority, reason: e.reason, caseNumber: e.caseNumber ?? null, expiresAt: e.expiresAt, informational: e.informational };
}

function fragmentPart(a: FragmentAnswer): NonNullable<LookupAnswer['fragment']> {
  return { pattern: a.pattern, matches: a.matches.map((m) => entryFields(m.plate, m.entry)), truncated: a.truncated };
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
    const refuse = (message: string) => fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: `plate: ${message}` }, [{ field: 'plate', message }]);
    const wildcard = /[?*]/.test(req.body.plate);
    const plate = wildcard ? '' : normalisePlate(req.body.plate);
    if (!wildcard && plate.length < MIN_LOOKUP_CHARS) return refuse(`type at least ${MIN_LOOKUP_CHARS} letters or digits of the plate`);
    // The messages never repeat the text: a refusal may be logged.
    const found = ctx.deps.hotlist.lookupFragment(wildcard ? req.body.plate : plate, FRAGMENT_LIMIT);
    if ('refused' in found) return refuse(found.refused);
    const fragment = fragmentPart(found);
    const answer: LookupAnswer = wildcard ? { plate: found.pattern, listed: false, matches: [], wholePlate: false, fragment } : { ...lookupAnswer(plate, ctx.deps.hotlist.lookup(plate)), wholePlate: true, fragment };
    ctx.audit.record({
      user,
      action: 'hotlist.lookup',
      object: null,
      ip: req.ip,
      details: {
        plate: answer.plate,
        listed: answer.listed,
        matches: answer.matches.map((m) => ({ plate: m.plate, list: m.list, kind: m.kind })),
        fragment: { matches: fragment.matches.map((m) => ({ plate: m.plate, list: m.list })), truncated: fragment.truncated },
      },
    });
    return reply.send(answer);
  });
  done();
};
