/**
 * Releases of ALPR data to another agency (sacramento-pd 525.08 C.2–C.6; shasta 467.7;
 * roseville 426.9; Civil Code § 1798.90.55), in three steps, each an audit row:
 *
 *   request (administrator A) ──policy──▶ refused, policy cited          `release.refused`
 *        │ the exact detection ids fixed here                              `release.requested`
 *        ▼
 *   approve (administrator B ≠ A)                                          `release.approved`
 *        ▼
 *   export CSV or zip, rebuilt from the recorded ids (any later time too)  `release.exported`
 *
 * A release whose purpose is not on the agency's list also needs a supervisor's approval of the
 * export (issue 20; sacramento-da IV.A.a.iv, roseville 426.5 (c)), named in the request: then only
 * the administrator who asked for it exports, once, while the approval is valid.
 *
 * The request's audit row is the release record: agency, kind, state, person, purpose, the
 * written request's reference and date, and the detection ids with a hash of the set. The log
 * is hash-chained and uploaded, so the record cannot be quietly changed, and the released set
 * can be produced again from it (detections purged since are named as missing).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { ADMIN, AUDITORS } from '../auth/access.js';
import { checkApproval, EXPORT_DONE, offListJustification, type ApprovalRequest } from '../auth/approvals.js';
import type { HttpContext } from '../context.js';
import { csvDocument, type Cell } from '../../shared/csv.js';
import { releaseRefusal, releaseRequest, ReleaseRequestBody, RELEASE_PURPOSES, AGENCY_KINDS, type ReleaseRequest } from '../export/release-policy.js';
import { zipChunks, type ZipEntry } from '../export/zip-writer.js';
import type { AuditRecord, DetectionQuery, DetectionSummary, DetectionsPort } from '../ports.js';
import { criteria, justification, searchPolicy } from '../search-criteria.js';
import { fail, sessionOf } from './reply.js';

const PAGE = 500;

export const CSV_HEADER = [
  'id', 'plate', 'confidence', 'candidates', 'region', 'first_seen', 'last_seen', 'best_at', 'camera', 'direction',
  'lat', 'lon', 'position_trusted', 'hit_count', 'uploaded', 'evidence_hold', 'plate_image', 'overview_image',
] as const;

export function csvCells(d: DetectionSummary, images: boolean): Cell[] {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return [
    d.id, d.text, d.confidence.toFixed(3), d.candidates.map((c) => `${c.text}:${c.confidence.toFixed(2)}`).join(' '), d.region,
    iso(d.firstSeen), iso(d.lastSeen), iso(d.bestAt), d.cameraId, d.direction, d.lat, d.lon, d.positionTrusted, d.hitCount,
    d.uploaded, d.evidenceHold, images ? `images/${d.id}-plate.jpg` : '', images ? `images/${d.id}-overview.jpg` : '',
  ];
}

/** All matches up to `max + 1` (one more tells that the limit is exceeded), page by page. */
function collect(detections: DetectionsPort, q: DetectionQuery, max: number): DetectionSummary[] {
  const out: DetectionSummary[] = [];
  for (let offset = 0; out.length <= max; offset += PAGE) {
    const page = detections.search({ ...q, limit: PAGE, offset });
    out.push(...page);
    if (page.length < PAGE) break;
  }
  return out;
}

/** A hash of the released set (sorted ids), so a copy can be checked against the record. */
export function setHash(ids: readonly string[]): string {
  return createHash('sha256').update([...ids].sort().join('\n')).digest('hex');
}

interface ReleaseRecord extends ReleaseRequest {
  caseNumber: string;
  searchPurpose: string;
  detectionIds: string[];
  setHash: string;
  query: DetectionQuery | null;
  /** The supervisor's approval of an off-list purpose, when the purpose needed one. */
  approvalId?: number;
  purposeCategory?: string;
  approvedBy?: string | null;
}

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const ExportBody = Type.Object({ format: Type.Union([Type.Literal('csv'), Type.Literal('zip')]) });

export const exportRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { detections, config, clock, device } = ctx.deps;
  const log = ctx.deps.audit;
  const policy = searchPolicy(config);

  /** The request behind a release id, or null when that audit row is no release request. */
  const requestOf = (id: number): (AuditRecord & { details: ReleaseRecord }) | null => {
    const r = log.get(id);
    return r && r.action === 'release.requested' && r.details ? (r as AuditRecord & { details: ReleaseRecord }) : null;
  };
  const approvalOf = (id: number): AuditRecord | null =>
    log.query({ action: 'release.approved', limit: 10_000 }).find((r) => r.object === String(id)) ?? null;

  app.get('/api/releases/options', { config: { access: { kind: 'session', roles: ADMIN } } }, (_req, reply) =>
    reply.send({ agencyKinds: AGENCY_KINDS, purposes: RELEASE_PURPOSES, searchPurposes: config.search_purposes, maxDetections: config.max_export_rows }),
  );

  app.post<{ Body: Static<typeof ReleaseRequestBody> }>('/api/releases', { schema: { body: ReleaseRequestBody }, config: { access: { kind: 'session', roles: ADMIN } } }, (req, reply) => {
    const user = sessionOf(req).username;
    const b = req.body;
    let why = justification(b, policy);
    const request = releaseRequest(b, clock.now());
    // A purpose off the agency's list is answered after the request's own checks (issue 20).
    const offList = ctx.deps.accounts ? offListJustification(b, policy) : null;
    if (offList) why = offList;
    if (Array.isArray(why) || Array.isArray(request)) {
      const errors = [...(Array.isArray(why) ? why : []), ...(Array.isArray(request) ? request : [])];
      ctx.audit.record({ user, action: 'release.refused', ip: req.ip, details: { errors } });
      return fail(reply, 400, Array.isArray(why) ? 'HTTP_PURPOSE_REQUIRED' : 'HTTP_RELEASE_REQUIRED', {}, errors);
    }
    const refusal = releaseRefusal(request);
    if (refusal) {
      // Refused on the device, on record: who asked, for what, and the rule that forbids it.
      ctx.audit.record({ user, action: 'release.refused', ip: req.ip, caseNumber: why.caseNumber, purpose: why.purpose, details: { ...request, ...refusal } });
      return fail(reply, 403, 'HTTP_RELEASE_REFUSED', { reason: refusal.reason, policy: refusal.policy });
    }
    // An off-list purpose: refused unless a supervisor approved this export.
    let approval: ApprovalRequest | null = null;
    if (offList && ctx.deps.accounts) {
      const refused = (details: Record<string, unknown>) =>
        ctx.audit.record({ user, action: 'release.refused', ip: req.ip, caseNumber: offList.caseNumber, purpose: offList.purpose, details });
      if (b.approvalId === undefined) {
        refused({ errors: [{ field: 'purposeCategory', message: 'off the list, no approval' }] });
        return fail(reply, 403, 'HTTP_APPROVAL_REQUIRED', { purpose: offList.purposeCategory, use: 'export' });
      }
      const want = { use: 'export' as const, requester: user, caseNumber: offList.caseNumber, purposeCategory: offList.purposeCategory };
      const c = checkApproval(log, b.approvalId, want, clock.now(), ctx.deps.accounts.config.approval_valid_h * 3600_000);
      // One approval, one release: a second request naming it is refused.
      const taken = c.ok && log.query({ action: 'release.requested', from: c.approval.at, limit: 10_000 }).some((r) => (r.details as { approvalId?: unknown } | null)?.approvalId === b.approvalId);
      if (!c.ok || taken) {
        const reason = c.ok ? 'another release request already names it' : c.reason;
        refused({ approvalId: b.approvalId, reason });
        return fail(reply, 403, 'HTTP_APPROVAL_INVALID', { id: b.approvalId, reason, use: 'export' });
      }
      approval = c.approval;
    }
    let rows: DetectionSummary[];
    let query: DetectionQuery | null = null;
    if (b.detectionIds) {
      rows = b.detectionIds.map((id) => detections.get(id)).filter((d): d is DetectionSummary => d !== null);
      if (rows.length !== b.detectionIds.length) {
        const found = new Set(rows.map((d) => d.id));
        const missing = b.detectionIds.filter((id) => !found.has(id));
        return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: `detectionIds: ${missing.length} not stored (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ' ...' : ''})` });
      }
    } else {
      const q = criteria(b, policy);
      if (Array.isArray(q)) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: q.map((e) => `${e.field}: ${e.message}`).join('; ') }, q);
      query = q;
      rows = collect(detections, q, config.max_export_rows);
    }
    if (rows.length > config.max_export_rows) return fail(reply, 413, 'HTTP_TOO_MANY_ROWS', { count: `more than ${config.max_export_rows}`, max: config.max_export_rows });
    if (rows.length === 0) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: 'no detections match: nothing to release' });
    const ids = rows.map((d) => d.id);
    const record: ReleaseRecord = {
      ...request, caseNumber: why.caseNumber, searchPurpose: why.purpose, detectionIds: ids, setHash: setHash(ids), query,
      ...(approval ? { approvalId: approval.id, purposeCategory: approval.purposeCategory, approvedBy: approval.approvedBy } : {}),
    };
    const rec = ctx.audit.record({
      user,
      action: 'release.requested',
      ip: req.ip,
      caseNumber: why.caseNumber,
      purpose: `${request.releasePurposeCategory}: ${request.releasePurpose}`,
      object: request.requestingAgency,
      details: { ...record },
    });
    return reply.code(201).send({ releaseId: rec.id, status: 'pending', count: ids.length, setHash: record.setHash });
  });

  app.get('/api/releases', { config: { access: { kind: 'session', roles: AUDITORS } } }, (_req, reply) => {
    const approvals = new Map(log.query({ action: 'release.approved', limit: 10_000 }).map((r) => [r.object, r]));
    const exported = new Set(log.query({ action: EXPORT_DONE, limit: 10_000 }).map((r) => r.object));
    const releases = log.query({ action: 'release.requested', limit: 500 }).map((r) => {
      const d = r.details as unknown as ReleaseRecord;
      const a = approvals.get(String(r.id));
      return {
        releaseId: r.id,
        requestedBy: r.user,
        requestedAt: r.at,
        requestingAgency: d.requestingAgency,
        agencyKind: d.agencyKind,
        requester: d.requester,
        purpose: r.purpose,
        writtenRequestRef: d.writtenRequestRef,
        count: d.detectionIds.length,
        status: a ? 'approved' : 'pending',
        approvedBy: a?.user ?? null,
        approvedAt: a?.at ?? null,
        // A release on a supervisor's approval of an off-list purpose: exported once, by its requester.
        supervisorApproval: d.approvalId ?? null,
        supervisor: d.approvedBy ?? null,
        exported: exported.has(String(r.id)),
      };
    });
    return reply.send({ releases });
  });

  app.post<{ Params: Static<typeof IdParams> }>('/api/releases/:id/approve', { schema: { params: IdParams }, config: { access: { kind: 'session', roles: ADMIN } } }, (req, reply) => {
    const user = sessionOf(req).username;
    const r = requestOf(req.params.id);
    if (!r) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'release request' });
    // A second person approves (shasta 467.7 (b)): never the administrator who entered it.
    if (r.user === user) {
      ctx.audit.record({ user, action: 'release.approval.refused', object: String(r.id), ip: req.ip, details: { reason: 'self-approval' } });
      return fail(reply, 403, 'HTTP_RELEASE_SELF_APPROVAL');
    }
    if (approvalOf(r.id)) return fail(reply, 409, 'HTTP_RELEASE_ALREADY_APPROVED', { id: r.id });
    ctx.audit.record({ user, action: 'release.approved', object: String(r.id), ip: req.ip, caseNumber: r.caseNumber, details: { requestedBy: r.user, setHash: r.details.setHash, count: r.details.detectionIds.length } });
    return reply.send({ releaseId: r.id, status: 'approved', approvedBy: user });
  });

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ExportBody> }>(
    '/api/releases/:id/export',
    { schema: { params: IdParams, body: ExportBody }, config: { access: { kind: 'session', roles: ADMIN } } },
    (req, reply) => {
      const user = sessionOf(req).username;
      const r = requestOf(req.params.id);
      if (!r) return fail(reply, 404, 'HTTP_NOT_FOUND', { what: 'release request' });
      const approval = approvalOf(r.id);
      if (!approval) return fail(reply, 409, 'HTTP_RELEASE_NOT_APPROVED', { id: r.id });
      const d = r.details;
      if (d.approvalId !== undefined) {
        // The supervisor approved this export for its requester, once, while valid (issue 20).
        const want = { use: 'export' as const, requester: user, caseNumber: d.caseNumber, purposeCategory: d.purposeCategory ?? '' };
        const c = user === r.user ? checkApproval(log, d.approvalId, want, clock.now(), (ctx.deps.accounts?.config.approval_valid_h ?? 0) * 3600_000) : { ok: false as const, reason: 'only the administrator who asked for it runs the export' };
        if (!c.ok) {
          ctx.audit.record({ user, action: 'release.export.refused', object: String(r.id), ip: req.ip, caseNumber: d.caseNumber, details: { approvalId: d.approvalId, reason: c.reason } });
          return fail(reply, 403, 'HTTP_APPROVAL_INVALID', { id: d.approvalId, reason: c.reason, use: 'export' });
        }
      }
      // Rebuilt from the recorded ids, so a later export gives the same set (less what retention purged since).
      const rows: DetectionSummary[] = [];
      const missing: string[] = [];
      for (const id of d.detectionIds) {
        const det = detections.get(id);
        if (det) rows.push(det);
        else missing.push(id);
      }
      const at = clock.now();
      const format = req.body.format;
      const rec = ctx.audit.record({
        user,
        action: 'release.exported',
        object: String(r.id),
        ip: req.ip,
        caseNumber: r.caseNumber,
        details: {
          format, count: rows.length, missing, setHash: d.setHash, approvedBy: approval.user, device: device.id,
          ...(d.approvalId !== undefined ? { approvalId: d.approvalId, supervisor: d.approvedBy } : {}),
        },
      });
      const stamp = new Date(at).toISOString().replace(/[:.]/g, '-');
      const base = `alpr-release-${r.id}-${device.id}-${stamp}`;
      const withImages = format === 'zip';
      const csv = csvDocument(CSV_HEADER, rows.map((x) => csvCells(x, withImages)));
      reply.header('content-disposition', `attachment; filename="${base}.${format}"`).header('x-audit-id', String(rec.id)).header('x-release-id', String(r.id));
      if (!withImages) return reply.type('text/csv; charset=utf-8').send(csv);

      const manifest = [
        `Release ${r.id} of ALPR data from device ${device.id}${device.agency ? ` (${device.agency})` : ''}`,
        `Requesting agency: ${d.requestingAgency} (${d.agencyKind}, ${d.agencyState})`,
        `Requesting person: ${d.requester}`,
        `Purpose of the request: ${d.releasePurposeCategory}: ${d.releasePurpose}`,
        `Written request: ${d.writtenRequestRef} dated ${d.writtenRequestDate}`,
        `Case number: ${d.caseNumber}`,
        `Entered by: ${r.user} at ${new Date(r.at).toISOString()}`,
        `Approved by: ${approval.user} at ${new Date(approval.at).toISOString()}`,
        `Exported by: ${user} at ${new Date(at).toISOString()}; audit record ${rec.id}`,
        `Detections: ${rows.length} of ${d.detectionIds.length} recorded${missing.length ? ` (${missing.length} purged since: ${missing.join(' ')})` : ''}`,
        `Set hash (sha256 of the sorted ids): ${d.setHash}`,
        '',
      ].join('\r\n');
      function* entries(): Generator<ZipEntry> {
        yield { name: 'release.txt', data: Buffer.from(manifest), compress: true };
        yield { name: 'detections.csv', data: Buffer.from(csv), compress: true };
        for (const x of rows) {
          for (const kind of ['plate', 'overview'] as const) {
            const img = detections.image(x.id, kind);
            if (img) yield { name: `images/${x.id}-${kind}.jpg`, data: img, mtime: new Date(x.bestAt) };
          }
        }
      }
      return reply.type('application/zip').send(Readable.from(zipChunks(entries())));
    },
  );
  done();
};
