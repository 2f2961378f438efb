/**
 * The administrator's side of reported misreads (issue 20): confirm or reject each report, then
 * release the confirmed ones for model improvement as one package with a reason. Each step is an
 * audit row written before it takes effect or before a byte of the package leaves
 * (`export/misread-release.ts`). Served only when the composition root passes `deps.accounts`.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { ADMIN } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import {
  labelsCsv, MAX_PACKAGE, MISREAD_CONFIRMED, MISREAD_REJECTED, MISREADS_RELEASED, misreadDecision, misreadStates, packageEntries, utcDay, waitingForRelease, type PackageItem,
} from '../export/misread-release.js';
import { zipChunks } from '../export/zip-writer.js';
import { fail, sessionOf } from './reply.js';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const DecisionBody = Type.Object({
  decision: Type.Union([Type.Literal('confirmed'), Type.Literal('rejected')]),
  note: Type.Optional(Type.String({ maxLength: 500 })),
});
const ReleaseBody = Type.Object({
  reason: Type.String({ maxLength: 500 }),
  /** These confirmed reports (again, if released before); otherwise every confirmed report not yet released. */
  correctionIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: MAX_PACKAGE, uniqueItems: true })),
});
/** A reason says something: at least this many letters or digits. */
const REASON_MIN_CHARS = 8;

export const misreadRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const accounts = ctx.deps.accounts;
  if (!accounts) return done();
  const { audit: log, detections, clock, device } = ctx.deps;
  const { records } = accounts;
  const admin = { kind: 'session', roles: ADMIN } as const;
  /** Every report, with its state (the table holds no more than the station's reports: bounded by use, read newest first). */
  const reports = () => misreadStates(log, records.corrections({ limit: 1000 }));

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof DecisionBody> }>(
    '/api/corrections/:id/decision',
    { schema: { params: IdParams, body: DecisionBody }, config: { access: admin } },
    (req, reply) => {
      const c = reports().find((x) => x.id === req.params.id);
      if (!c) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: `data error report ${req.params.id}` });
      const earlier = misreadDecision(log, c.id);
      if (earlier) return fail(reply, 409, 'HTTP_MISREAD_DECIDED', { id: c.id, decision: earlier.action === MISREAD_CONFIRMED ? 'confirmed' : 'rejected', user: earlier.user ?? '?' });
      const user = sessionOf(req).username;
      const note = req.body.note?.trim() ?? '';
      ctx.audit.record({
        user,
        action: req.body.decision === 'confirmed' ? MISREAD_CONFIRMED : MISREAD_REJECTED,
        object: String(c.id),
        ip: req.ip,
        details: { detectionId: c.detectionId, originalText: c.originalText, correctedText: c.correctedText, reportedBy: c.reportedBy, note },
      });
      return reply.send({ report: reports().find((x) => x.id === c.id) });
    },
  );

  app.post<{ Body: Static<typeof ReleaseBody> }>('/api/corrections/release', { schema: { body: ReleaseBody }, config: { access: admin } }, (req, reply) => {
    const reason = req.body.reason.trim();
    if ((reason.match(/[\p{L}\p{N}]/gu)?.length ?? 0) < REASON_MIN_CHARS) {
      return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'reason: say why and to whom the misreads are released' }, [{ field: 'reason', message: 'say why and to whom the misreads are released' }]);
    }
    const all = reports();
    let chosen;
    if (req.body.correctionIds) {
      const byId = new Map(all.map((c) => [c.id, c]));
      const bad = req.body.correctionIds.filter((id) => byId.get(id)?.state !== 'confirmed');
      if (bad.length) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: `correctionIds: ${bad.length} not confirmed (${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ' ...' : ''}): only confirmed misreads are released` });
      chosen = req.body.correctionIds.map((id) => byId.get(id)!);
    } else {
      chosen = all.filter(waitingForRelease).reverse().slice(0, MAX_PACKAGE);
    }
    if (chosen.length === 0) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'no confirmed misreads waiting for release: confirm reports first' });
    const items: (PackageItem & { correctionId: number })[] = [];
    const missing: number[] = [];
    for (const c of chosen) {
      const d = detections.get(c.detectionId);
      const crop = d ? detections.image(c.detectionId, 'plate') : null;
      if (!d || !crop) missing.push(c.id);
      else items.push({ correctionId: c.id, correctedText: c.correctedText, originalText: c.originalText, region: d.region, readAt: d.bestAt, crop });
    }
    if (items.length === 0) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'the reads of these reports were purged with their crops: nothing to release' });
    const user = sessionOf(req).username;
    const at = clock.now();
    // The release row goes in first: nothing of the package leaves unrecorded.
    const rec = ctx.audit.record({
      user,
      action: MISREADS_RELEASED,
      ip: req.ip,
      purpose: `model improvement: ${reason}`,
      details: {
        reason,
        correctionIds: items.map((x) => x.correctionId),
        count: items.length,
        missing,
        labelsSha256: createHash('sha256').update(labelsCsv(items)).digest('hex'),
        device: device.id,
      },
    });
    const name = `alpr-misreads-${rec.id}-${device.id}-${utcDay(at)}.zip`;
    const meta = { releaseId: rec.id, deviceId: device.id, agency: device.agency, releasedBy: user, releasedAt: at, reason, missing: missing.length };
    reply.header('content-disposition', `attachment; filename="${name}"`).header('x-audit-id', String(rec.id)).header('x-release-count', String(items.length));
    return reply.type('application/zip').send(Readable.from(zipChunks(packageEntries(items, meta))));
  });
  done();
};
