/**
 * Export of search results as CSV, or CSV plus images in a zip. Releases go only to agencies on
 * a request naming the agency, the person and the purpose, approved before fulfilment and kept
 * on file (shasta 467.7, roseville 426.9): only administrators export, and the request and its
 * approver are the audit row.
 */
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginCallback } from 'fastify';
import { ADMIN } from '../auth/access.js';
import type { HttpContext } from '../context.js';
import { csvDocument, type Cell } from '../export/csv.js';
import { zipChunks, type ZipEntry } from '../export/zip-writer.js';
import type { DetectionQuery, DetectionSummary, DetectionsPort } from '../ports.js';
import { criteria, justification, SearchFields, searchPolicy } from '../search-criteria.js';
import { fail, sessionOf } from './reply.js';

const ExportBody = Type.Object({
  ...SearchFields,
  requestingAgency: Type.Optional(Type.String({ maxLength: 200 })),
  requester: Type.Optional(Type.String({ maxLength: 200 })),
  releasePurpose: Type.Optional(Type.String({ maxLength: 500 })),
  format: Type.Union([Type.Literal('csv'), Type.Literal('zip')]),
});

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

export const exportRoutes: FastifyPluginCallback<HttpContext> = (app, ctx, done) => {
  const { detections, config, clock, device } = ctx.deps;
  const policy = searchPolicy(config);

  app.post<{ Body: Static<typeof ExportBody> }>('/api/export', { schema: { body: ExportBody }, config: { access: { kind: 'session', roles: ADMIN } } }, (req, reply) => {
    const user = sessionOf(req).username;
    const b = req.body;
    const why = justification(b, policy);
    const release = {
      requestingAgency: b.requestingAgency?.trim() ?? '',
      requester: b.requester?.trim() ?? '',
      releasePurpose: b.releasePurpose?.trim() ?? '',
    };
    const missing = Object.entries(release)
      .filter(([, v]) => !v)
      .map(([field]) => ({ field, message: 'required for a release (shasta 467.7 (a))' }));
    if (Array.isArray(why) || missing.length) {
      ctx.audit.record({ user, action: 'export.refused', ip: req.ip, details: { errors: [...(Array.isArray(why) ? why : []), ...missing] } });
      return fail(reply, 400, Array.isArray(why) ? 'HTTP_PURPOSE_REQUIRED' : 'HTTP_RELEASE_REQUIRED', {}, [...(Array.isArray(why) ? why : []), ...missing]);
    }
    const q = criteria(b, policy);
    if (Array.isArray(q)) return fail(reply, 400, 'HTTP_INVALID_INPUT', { detail: q.map((e) => `${e.field}: ${e.message}`).join('; ') }, q);
    const rows = collect(detections, q, config.max_export_rows);
    if (rows.length > config.max_export_rows) return fail(reply, 413, 'HTTP_TOO_MANY_ROWS', { count: `more than ${config.max_export_rows}`, max: config.max_export_rows });

    const at = clock.now();
    const rec = ctx.audit.record({
      user,
      action: 'export',
      ip: req.ip,
      caseNumber: why.caseNumber,
      purpose: why.purpose,
      object: b.format,
      details: { ...release, approvedBy: user, count: rows.length, query: q, device: device.id },
    });
    const stamp = new Date(at).toISOString().replace(/[:.]/g, '-');
    const base = `alpr-export-${device.id}-${stamp}`;
    const withImages = b.format === 'zip';
    const csv = csvDocument(CSV_HEADER, rows.map((d) => csvCells(d, withImages)));
    reply.header('content-disposition', `attachment; filename="${base}.${b.format}"`).header('x-audit-id', String(rec.id));
    if (!withImages) return reply.type('text/csv; charset=utf-8').send(csv);

    const manifest = [
      `Release of ALPR data from device ${device.id}${device.agency ? ` (${device.agency})` : ''}`,
      `Requesting agency: ${release.requestingAgency}`,
      `Requesting person: ${release.requester}`,
      `Purpose of the request: ${release.releasePurpose}`,
      `Case number: ${why.caseNumber}`,
      `Search purpose: ${why.purpose}`,
      `Approved and exported by: ${user} at ${new Date(at).toISOString()}`,
      `Detections: ${rows.length}; audit record ${rec.id}`,
      '',
    ].join('\r\n');
    function* entries(): Generator<ZipEntry> {
      yield { name: 'release.txt', data: Buffer.from(manifest), compress: true };
      yield { name: 'detections.csv', data: Buffer.from(csv), compress: true };
      for (const d of rows) {
        for (const kind of ['plate', 'overview'] as const) {
          const img = detections.image(d.id, kind);
          if (img) yield { name: `images/${d.id}-${kind}.jpg`, data: img, mtime: new Date(d.bestAt) };
        }
      }
    }
    return reply.type('application/zip').send(Readable.from(zipChunks(entries())));
  });
  done();
};
