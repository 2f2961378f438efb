/**
 * Search of the fleet's detections and releases of them, at the central, under the device's
 * rules and with the device's own checks (src/http/search-criteria.ts,
 * src/http/export/release-policy.ts), so a look-up refused on a car is refused here too:
 *
 * - search: a case number in the agency's format, a purpose from the agency's list with text,
 *   a real criterion (plate with 3+ known characters, or a place with a bounded window); capped
 *   and paged; the audit row is written before the results leave;
 * - release: request (policy checked: no private, federal, out-of-state or immigration use, no
 *   gender-affirming care), approval by a second administrator, CSV export rebuilt from the
 *   recorded detections; each step an audit row, the request's row the release record.
 *
 * A purpose off the agency's list needs a supervisor's approval (approval-routes.ts), checked by
 * the device's own `checkApproval`. Not here yet: images in a release (CSV only).
 */
import { Type, type Static } from '@sinclair/typebox';
import AjvModule from 'ajv';
import type { FastifyPluginCallback, FastifyReply } from 'fastify';
import { csvDocument } from '../shared/csv.js';
import { AGENCY_KINDS, RELEASE_PURPOSES, releaseRefusal, releaseRequest, ReleaseRequestBody } from '../http/export/release-policy.js';
import { setHash } from '../http/routes/export.js';
import { offListJustification, type ApprovalRequest } from '../http/auth/approvals.js';
import { criteria, justification, PLATE_MIN_KNOWN, SearchBody, searchPolicy, type FieldError, type Justification } from '../http/search-criteria.js';
import type { CentralAuditRow } from './central-audit.js';
import type { CentralDetection, CentralQuery } from './central-search.js';
import type { CentralServices } from './central-services.js';
import { SEARCH_CSP, searchBodyFromForm, searchPage, type SearchAnswer } from './search-page.js';
import { ADMIN, jsonBody, markStaffRoutes, STAFF, staffGuard, staffOf } from './staff-routes.js';

const Ajv = AjvModule.default;
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: false });

const DEVICE_ID = '^[A-Za-z0-9._-]{1,64}$';
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const CentralSearchBody = Type.Object({ ...SearchBody.properties, deviceId: Type.Optional(Type.String({ pattern: DEVICE_ID })) });
const { detectionIds: _ids, ...releaseFields } = ReleaseRequestBody.properties;
const CentralReleaseBody = Type.Object({
  ...releaseFields,
  deviceId: Type.Optional(Type.String({ pattern: DEVICE_ID })),
  /** The exact detections asked for; otherwise the search criteria select them. */
  detections: Type.Optional(Type.Array(Type.Object({ deviceId: Type.String({ pattern: DEVICE_ID }), id: Type.String({ pattern: UUID }) }), { minItems: 1, maxItems: 10_000 })),
});
const checkSearch = ajv.compile<Static<typeof CentralSearchBody>>(CentralSearchBody);
const checkRelease = ajv.compile<Static<typeof CentralReleaseBody>>(CentralReleaseBody);

const CSV_HEADER = ['device', 'id', 'plate', 'confidence', 'captured_at', 'camera', 'direction', 'lat', 'lon', 'evidence_hold', 'hits'] as const;
const keyOf = (d: { deviceId: string; id: string }): string => `${d.deviceId}/${d.id}`;

interface ReleaseRecord {
  caseNumber: string;
  searchPurpose: string;
  detections: string[];
  setHash: string;
  query: CentralQuery | null;
  [k: string]: unknown;
}

export const searchRoutes: FastifyPluginCallback<{ services: CentralServices }> = (app, { services }, done) => {
  const { config, audit, detections } = services;
  const s = config.search;
  const policy = searchPolicy({ case_number_pattern: s.case_number_pattern, search_purposes: s.purposes, search_max_window_h: s.max_window_h });
  markStaffRoutes(app);
  app.addHook('onRequest', staffGuard(services));

  const invalid = (reply: FastifyReply, errors: FieldError[] | string): FastifyReply =>
    reply.code(400).send(typeof errors === 'string' ? { message: errors } : { message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), fields: errors });
  const schemaErrors = (errs: typeof checkSearch.errors): string => (errs ?? []).map((e) => `${e.instancePath.slice(1) || 'body'}: ${e.message ?? e.keyword}`).join('; ');

  /**
   * For a body whose only fault is an off-list purpose: the approval that covers this use, or why
   * it is refused; null for a listed purpose or other faults (answered as usual).
   */
  const offListApproval = async (
    b: { caseNumber?: string | null; purposeCategory?: string | null; purpose?: string | null; approvalId?: number },
    use: 'search' | 'export',
    who: string,
  ): Promise<{ why: Justification; approval: ApprovalRequest } | { why: Justification; refusal: string } | null> => {
    const why = offListJustification(b, policy);
    if (!why) return null;
    if (b.approvalId === undefined) return { why, refusal: `the purpose "${why.purposeCategory}" is not on the agency's list: ask a supervisor's approval (POST /api/central/approvals) and give its approvalId` };
    const c = await services.approvals.check(b.approvalId, { use, requester: who, caseNumber: why.caseNumber, purposeCategory: why.purposeCategory });
    if (!c.ok) return { why, refusal: `approval ${b.approvalId} does not cover this ${use}: ${c.reason}` };
    return { why, approval: c.approval };
  };

  app.get('/api/central/search/options', { config: { roles: STAFF } }, async (_req, reply) =>
    reply.send({ purposes: s.purposes, caseNumberPattern: s.case_number_pattern, maxWindowH: s.max_window_h, plateMinKnown: PLATE_MIN_KNOWN, pageSize: s.max_rows, maxTotal: s.max_total }),
  );

  /** One search under the rules, answered as status and body; the API and the page share it. */
  const runSearch = async (raw: unknown, who: string, ip: string): Promise<SearchAnswer> => {
    if (!checkSearch(raw)) return { status: 400, body: { message: schemaErrors(checkSearch.errors) } };
    const b = raw;
    let why = justification(b, policy);
    // A purpose off the list is allowed only with a supervisor's approval (device: issue 20).
    const approved = await offListApproval(b, 'search', who);
    if (approved && 'refusal' in approved) {
      await audit.append({ staff: who, action: 'search.refused', ip, caseNumber: approved.why.caseNumber, purpose: approved.why.purpose, details: { approvalId: b.approvalId ?? null, reason: approved.refusal } });
      return { status: 403, body: { message: approved.refusal } };
    }
    if (approved) why = approved.why;
    if (Array.isArray(why)) {
      await audit.append({ staff: who, action: 'search.refused', ip, details: { errors: why } });
      return { status: 400, body: { message: why.map((e) => `${e.field}: ${e.message}`).join('; '), fields: why } };
    }
    const q = criteria(b, policy);
    if (Array.isArray(q)) return { status: 400, body: { message: q.map((e) => `${e.field}: ${e.message}`).join('; '), fields: q } };
    const query: CentralQuery = { ...q, ...(b.deviceId ? { deviceId: b.deviceId } : {}) };
    const limit = Math.min(b.limit ?? s.max_rows, s.max_rows);
    const offset = b.offset ?? 0;
    if (offset >= s.max_total) return { status: 400, body: { message: `offset: a search reaches at most ${s.max_total} detections; narrow it` } };
    const take = Math.min(limit, s.max_total - offset);
    // On record before any result leaves (sacramento-da IV.C.b); the query holds the plate asked for, as on the device.
    const rec = await audit.append({ staff: who, action: 'search', ip, caseNumber: why.caseNumber, purpose: why.purpose, details: { query, purposeCategory: why.purposeCategory, limit: take, offset, ...(approved && 'approval' in approved ? { approvalId: approved.approval.id, approvedBy: approved.approval.approvedBy } : {}) } });
    let rows: CentralDetection[];
    try {
      rows = await detections.search(query, take + 1, offset);
    } catch (err) {
      return { status: 422, body: { message: err instanceof Error ? err.message : String(err), auditId: rec.id } };
    }
    const more = rows.length > take && offset + take < s.max_total;
    return { status: 200, body: { results: rows.slice(0, take), limit: take, offset, hasMore: more, nextOffset: more ? offset + take : null, auditId: rec.id } };
  };

  app.post('/api/central/search', { config: { roles: STAFF }, bodyLimit: 16 * 1024 }, async (req, reply) => {
    const parsed = jsonBody(req);
    if ('error' in parsed) return invalid(reply, parsed.error);
    const a = await runSearch(parsed.value, staffOf(req).name, req.ip);
    return reply.code(a.status).send(a.body);
  });

  // The same search as a page: a plain form, answered by the server (no script).
  const options = { purposes: s.purposes, maxWindowH: s.max_window_h, plateMinKnown: PLATE_MIN_KNOWN };
  app.get('/admin/search', { config: { roles: STAFF, page: true } }, async (req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', SEARCH_CSP).header('cache-control', 'no-store').send(searchPage(options, staffOf(req), {}, null)),
  );
  app.post('/admin/search', { config: { roles: STAFF, page: true }, bodyLimit: 16 * 1024 }, async (req, reply) => {
    const form = new URLSearchParams(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    const fields = Object.fromEntries([...form.entries()].map(([k, v]) => [k, v.slice(0, 600)]));
    const a = await runSearch(searchBodyFromForm(fields), staffOf(req).name, req.ip);
    return reply
      .code(a.status === 200 ? 200 : a.status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', SEARCH_CSP)
      .header('cache-control', 'no-store')
      .send(searchPage(options, staffOf(req), fields, a));
  });

  const requestOf = async (id: number): Promise<(CentralAuditRow & { details: ReleaseRecord }) | null> => {
    const r = await audit.get(id);
    return r && r.action === 'release.requested' && r.details ? (r as CentralAuditRow & { details: ReleaseRecord }) : null;
  };
  const approvalOf = async (id: number): Promise<CentralAuditRow | null> => (await audit.byAction('release.approved', 10_000)).find((r) => r.object === String(id)) ?? null;

  app.get('/api/central/releases/options', { config: { roles: ADMIN } }, async (_req, reply) =>
    reply.send({ agencyKinds: AGENCY_KINDS, purposes: RELEASE_PURPOSES, searchPurposes: s.purposes, maxDetections: s.max_export_rows }),
  );

  app.post('/api/central/releases', { config: { roles: ADMIN }, bodyLimit: 2 * 1024 * 1024 }, async (req, reply) => {
    const who = staffOf(req).name;
    const parsed = jsonBody(req);
    if ('error' in parsed) return invalid(reply, parsed.error);
    if (!checkRelease(parsed.value)) return invalid(reply, schemaErrors(checkRelease.errors));
    const b = parsed.value;
    let why: Justification | FieldError[] = justification(b, policy);
    const offList = offListJustification(b, policy);
    if (offList) why = offList;
    const request = releaseRequest(b, services.now());
    if (Array.isArray(why) || Array.isArray(request)) {
      const errors = [...(Array.isArray(why) ? why : []), ...(Array.isArray(request) ? request : [])];
      await audit.append({ staff: who, action: 'release.refused', ip: req.ip, details: { errors } });
      return invalid(reply, errors);
    }
    const refusal = releaseRefusal(request);
    if (refusal) {
      await audit.append({ staff: who, action: 'release.refused', ip: req.ip, caseNumber: why.caseNumber, purpose: why.purpose, details: { ...request, ...refusal } });
      return reply.code(403).send({ message: `refused: ${refusal.reason} (${refusal.policy})`, ...refusal });
    }
    // An off-list purpose: refused unless a supervisor approved this export, and only once.
    let approval: ApprovalRequest | null = null;
    if (offList) {
      const a = await offListApproval(b, 'export', who);
      let refusal = a && 'refusal' in a ? a.refusal : null;
      if (a && 'approval' in a) {
        const taken = (await audit.byAction('release.requested', 10_000)).some((r) => r.at >= a.approval.at && r.details?.approvalId === a.approval.id);
        if (taken) refusal = `approval ${a.approval.id} does not cover this export: another release request already names it`;
        else approval = a.approval;
      }
      if (refusal !== null) {
        await audit.append({ staff: who, action: 'release.refused', ip: req.ip, caseNumber: offList.caseNumber, purpose: offList.purpose, details: { approvalId: b.approvalId ?? null, reason: refusal } });
        return reply.code(403).send({ message: refusal });
      }
    }
    let rows: CentralDetection[];
    let query: CentralQuery | null = null;
    if (b.detections) {
      const keys = [...new Map(b.detections.map((d) => [keyOf(d), d])).values()];
      rows = await detections.byKeys(keys);
      if (rows.length !== keys.length) {
        const found = new Set(rows.map(keyOf));
        const missing = keys.map(keyOf).filter((k) => !found.has(k));
        return invalid(reply, `detections: ${missing.length} not stored (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ' ...' : ''})`);
      }
    } else {
      const q = criteria(b, policy);
      if (Array.isArray(q)) return invalid(reply, q);
      query = { ...q, ...(b.deviceId ? { deviceId: b.deviceId } : {}) };
      try {
        rows = await detections.search(query, s.max_export_rows + 1, 0);
      } catch (err) {
        return reply.code(422).send({ message: err instanceof Error ? err.message : String(err) });
      }
    }
    if (rows.length > s.max_export_rows) return reply.code(413).send({ message: `more than ${s.max_export_rows} detections match; narrow the request` });
    if (rows.length === 0) return invalid(reply, 'no detections match: nothing to release');
    const keys = rows.map(keyOf);
    const record: ReleaseRecord = {
      ...request,
      caseNumber: why.caseNumber,
      searchPurpose: why.purpose,
      detections: keys,
      setHash: setHash(keys),
      query,
      ...(approval ? { approvalId: approval.id, purposeCategory: approval.purposeCategory, approvedBy: approval.approvedBy } : {}),
    };
    const rec = await audit.append({ staff: who, action: 'release.requested', ip: req.ip, caseNumber: why.caseNumber, purpose: `${request.releasePurposeCategory}: ${request.releasePurpose}`, object: request.requestingAgency, details: record });
    return reply.code(201).send({ releaseId: rec.id, status: 'pending', count: keys.length, setHash: record.setHash });
  });

  app.get('/api/central/releases', { config: { roles: ADMIN } }, async (_req, reply) => {
    const approvals = new Map((await audit.byAction('release.approved', 10_000)).map((r) => [r.object, r]));
    const releases = (await audit.byAction('release.requested', 500)).map((r) => {
      const d = r.details as ReleaseRecord;
      const a = approvals.get(String(r.id));
      return { releaseId: r.id, requestedBy: r.staff, requestedAt: r.at, requestingAgency: d.requestingAgency, purpose: r.purpose, count: d.detections.length, status: a ? 'approved' : 'pending', approvedBy: a?.staff ?? null };
    });
    return reply.send({ releases });
  });

  app.post<{ Params: { id: string } }>('/api/central/releases/:id/approve', { config: { roles: ADMIN } }, async (req, reply) => {
    const who = staffOf(req).name;
    const id = Number(req.params.id);
    const r = Number.isSafeInteger(id) && id > 0 ? await requestOf(id) : null;
    if (!r) return reply.code(404).send({ message: 'no such release request' });
    // A second person approves (shasta 467.7 (b)): never the administrator who entered it.
    if (r.staff === who) {
      await audit.append({ staff: who, action: 'release.approval.refused', object: String(r.id), ip: req.ip, details: { reason: 'self-approval' } });
      return reply.code(403).send({ message: 'a release is approved by a second administrator, not the one who entered it (shasta 467.7 (b))' });
    }
    if (await approvalOf(r.id)) return reply.code(409).send({ message: `release ${r.id} is already approved` });
    await audit.append({ staff: who, action: 'release.approved', object: String(r.id), ip: req.ip, caseNumber: r.caseNumber, details: { requestedBy: r.staff, setHash: r.details.setHash, count: r.details.detections.length } });
    return reply.send({ releaseId: r.id, status: 'approved', approvedBy: who });
  });

  app.post<{ Params: { id: string } }>('/api/central/releases/:id/export', { config: { roles: ADMIN } }, async (req, reply) => {
    const who = staffOf(req).name;
    const id = Number(req.params.id);
    const r = Number.isSafeInteger(id) && id > 0 ? await requestOf(id) : null;
    if (!r) return reply.code(404).send({ message: 'no such release request' });
    const approval = await approvalOf(r.id);
    if (!approval) return reply.code(409).send({ message: `release ${r.id} is not approved yet` });
    // A release on a supervisor's approval of an off-list purpose: exported once, by its requester (as on the device).
    const approvalId = typeof r.details.approvalId === 'number' ? r.details.approvalId : null;
    if (approvalId !== null) {
      if (r.staff !== who) return reply.code(403).send({ message: `release ${r.id} rests on approval ${approvalId}: only ${r.staff ?? 'its requester'} exports it` });
      if ((await audit.byAction('release.exported', 10_000)).some((x) => x.object === String(r.id))) return reply.code(409).send({ message: `release ${r.id} rests on approval ${approvalId} and was exported already` });
    }
    const keys = r.details.detections.map((k) => {
      const [deviceId, detId] = k.split('/');
      return { deviceId: deviceId!, id: detId! };
    });
    // Rebuilt from the recorded detections: a later export gives the same set, less what retention purged since.
    const rows = await detections.byKeys(keys);
    const found = new Set(rows.map(keyOf));
    const missing = r.details.detections.filter((k) => !found.has(k));
    const rec = await audit.append({ staff: who, action: 'release.exported', object: String(r.id), ip: req.ip, caseNumber: r.caseNumber, details: { format: 'csv', count: rows.length, missing, setHash: r.details.setHash, approvedBy: approval.staff, ...(approvalId !== null ? { approvalId } : {}) } });
    const csv = csvDocument(
      CSV_HEADER,
      rows.map((d) => [d.deviceId, d.id, d.plate, d.confidence.toFixed(3), new Date(d.capturedAt).toISOString(), d.cameraId, d.direction, d.lat, d.lon, d.evidenceHold, d.hits]),
    );
    const stamp = new Date(services.now()).toISOString().replace(/[:.]/g, '-');
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="alpr-central-release-${r.id}-${stamp}.csv"`)
      .header('x-audit-id', String(rec.id))
      .header('x-release-id', String(r.id))
      .send(csv);
  });
  done();
};
