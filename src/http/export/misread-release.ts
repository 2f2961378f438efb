/**
 * Confirmed misreads, released for model improvement (issue 20: "confirmed misreads are exported
 * for model improvement (text, crop) only with the administrator's release"):
 *
 *   report (any officer)             `read.error.reported`    the read untouched, the correction beside it
 *   decide (administrator)           `read.error.confirmed` | `read.error.rejected`   once per report
 *   release (administrator, reason)  `misreads.released`      the package below, nothing else leaves
 *
 * The decisions and releases are audit rows (hash-chained, uploaded), like the supervisor's
 * approvals: the corrections table is left as it is. The package holds, per confirmed report,
 * the corrected text, the original read, the plate crop and the day of the read: no position, no
 * time finer than the day, no detection id (a UUIDv7 carries the time to the millisecond), no hit
 * or list data, no note and no reporter. Its layout is the training data set's own `ocr/`
 * folder (docs/misread-release.md), so `models/training` reads it as it is.
 */
import type { Correction } from '../../accounts/account-policy.js';
import type { AuditPort, AuditRecord } from '../ports.js';
import { csvDocument, type Cell } from '../../shared/csv.js';
import type { ZipEntry } from './zip-writer.js';

export const MISREAD_CONFIRMED = 'read.error.confirmed';
export const MISREAD_REJECTED = 'read.error.rejected';
export const MISREADS_RELEASED = 'misreads.released';
/** Most reports in one package (a crop is about 8 KiB; the zip writer has no ZIP64). */
export const MAX_PACKAGE = 5000;

export type MisreadState = 'reported' | 'confirmed' | 'rejected';

export interface MisreadReport extends Correction {
  state: MisreadState;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  /** The releases (audit ids) whose package held it, oldest first. */
  releasedIn: number[];
  /** The releases that left it out because its read (and crop) was purged. */
  leftOutIn: number[];
}

export interface MisreadRelease {
  releaseId: number;
  by: string;
  at: number;
  reason: string;
  count: number;
  /** Confirmed reports left out because their read (and crop) was purged. */
  missing: number;
}

interface ReleaseDetails {
  reason?: string;
  correctionIds?: number[];
  count?: number;
  missing?: number[];
}

/** The decision on each report (the first one; a second is refused by the route). */
function decisions(log: AuditPort): Map<string, AuditRecord> {
  const m = new Map<string, AuditRecord>();
  const rows = [...log.query({ action: MISREAD_CONFIRMED, limit: 10_000 }), ...log.query({ action: MISREAD_REJECTED, limit: 10_000 })].sort((a, b) => a.id - b.id);
  for (const r of rows) if (r.object !== null && !m.has(r.object)) m.set(r.object, r);
  return m;
}

function noteOf(r: AuditRecord): string {
  const v = (r.details as { note?: unknown } | null)?.note;
  return typeof v === 'string' ? v : '';
}

/** The reports with their decision and the releases that held them. */
export function misreadStates(log: AuditPort, corrections: readonly Correction[]): MisreadReport[] {
  const decided = decisions(log);
  const released = new Map<number, number[]>();
  const leftOut = new Map<number, number[]>();
  for (const r of log.query({ action: MISREADS_RELEASED, limit: 10_000 }).reverse()) {
    const d = r.details as ReleaseDetails | null;
    for (const id of d?.correctionIds ?? []) released.set(id, [...(released.get(id) ?? []), r.id]);
    for (const id of d?.missing ?? []) leftOut.set(id, [...(leftOut.get(id) ?? []), r.id]);
  }
  return corrections.map((c) => {
    const d = decided.get(String(c.id));
    return {
      ...c,
      state: d ? (d.action === MISREAD_CONFIRMED ? 'confirmed' : 'rejected') : 'reported',
      decidedBy: d?.user ?? null,
      decidedAt: d?.at ?? null,
      decisionNote: d ? noteOf(d) : null,
      releasedIn: released.get(c.id) ?? [],
      leftOutIn: leftOut.get(c.id) ?? [],
    };
  });
}

/** Confirmed, and in no package yet (nor left out of one for a purged crop). */
export function waitingForRelease(r: MisreadReport): boolean {
  return r.state === 'confirmed' && r.releasedIn.length === 0 && r.leftOutIn.length === 0;
}

export function misreadDecision(log: AuditPort, correctionId: number): AuditRecord | null {
  return decisions(log).get(String(correctionId)) ?? null;
}

/** The latest releases, newest first. */
export function misreadReleases(log: AuditPort, limit = 20): MisreadRelease[] {
  return log.query({ action: MISREADS_RELEASED, limit }).map((r) => {
    const d = (r.details ?? {}) as ReleaseDetails;
    return { releaseId: r.id, by: r.user ?? '', at: r.at, reason: d.reason ?? '', count: d.count ?? 0, missing: d.missing?.length ?? 0 };
  });
}

/** One confirmed misread as it goes into the package. */
export interface PackageItem {
  correctedText: string;
  originalText: string;
  region: string | null;
  /** The read's capture time; only its UTC day is written. */
  readAt: number;
  crop: Buffer;
}

export const LABELS_HEADER = ['split', 'file', 'text', 'region', 'source', 'original_text', 'day'] as const;
export const PACKAGE_SOURCE = 'alpr-edge:misread';

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `ocr/images/000001.jpg`: numbered in the package, nothing that leads back to the read. */
export function cropName(i: number): string {
  return `${String(i + 1).padStart(6, '0')}.jpg`;
}

export function labelsCsv(items: readonly PackageItem[]): string {
  const rows: Cell[][] = items.map((x, i) => ['train', cropName(i), x.correctedText, x.region ?? '', PACKAGE_SOURCE, x.originalText, utcDay(x.readAt)]);
  return csvDocument(LABELS_HEADER, rows);
}

export interface PackageMeta {
  releaseId: number;
  deviceId: string;
  agency: string;
  releasedBy: string;
  releasedAt: number;
  reason: string;
  missing: number;
}

export function packageReadme(m: PackageMeta, count: number): string {
  return [
    `Misread release ${m.releaseId} from device ${m.deviceId}${m.agency ? ` (${m.agency})` : ''}: confirmed misreads for model improvement.`,
    `Released by ${m.releasedBy} on ${utcDay(m.releasedAt)}; reason: ${m.reason}`,
    `Reports: ${count}${m.missing ? ` (${m.missing} confirmed report(s) left out: their read was purged with its crop)` : ''}`,
    '',
    'ocr/labels.csv: split,file,text,region,source,original_text,day',
    '  text = the corrected plate text (the label), original_text = what the reader read,',
    '  day = UTC day of the read; file = the plate crop in ocr/images/.',
    'No position, no time finer than the day, no detection id, no hit or hot-list data.',
    'Layout and use: docs/misread-release.md in alpr-edge.',
    '',
  ].join('\r\n');
}

/** The package's entries in order; every timestamp is the release day at 00:00 UTC. */
export function* packageEntries(items: readonly PackageItem[], meta: PackageMeta): Generator<ZipEntry> {
  const mtime = new Date(`${utcDay(meta.releasedAt)}T00:00:00Z`);
  yield { name: 'README.txt', data: Buffer.from(packageReadme(meta, items.length)), compress: true, mtime };
  yield { name: 'ocr/labels.csv', data: Buffer.from(labelsCsv(items)), compress: true, mtime };
  for (const [i, x] of items.entries()) yield { name: `ocr/images/${cropName(i)}`, data: x.crop, mtime };
}
