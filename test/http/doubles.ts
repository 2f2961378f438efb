/**
 * In-memory versions of the ports the operator station uses (the store's repositories, the hot
 * list, the events bus, camera snapshots), for tests of src/http/ alone. They follow the
 * contracts in src/http/ports.ts; tests against the real store live in store-backed.test.ts.
 */
import { createHash } from 'node:crypto';
import type { HotlistEntryInfo, HotlistHit } from '../../src/hotlist/types.js';
import { parseFragment, searchFragment, type FragmentAnswer } from '../../src/hotlist/fragment-search.js';
import { buildFromRows } from '../../src/hotlist/list-build.js';
import { ListIndex } from '../../src/hotlist/index/list-index.js';
import type {
  AuditInput, AuditPort, AuditQuery, AuditRecord, AuditVerifyResult, DetectionQuery, DetectionSummary, DetectionsPort, HitFollowUp, HitHistoryEntry, HitOutcome, HitRecord, HitsPort,
  HotlistPort, ImageKind, LocalEntryInput, LocalEntryResult, Role, SnapshotPort, UserPatch, UserRecord, UsersPort,
} from '../../src/http/ports.js';
import type { Clock } from '../../src/shared/clock.js';

export class MemoryUsers implements UsersPort {
  readonly rows = new Map<string, UserRecord>();
  constructor(private readonly clock: Clock) {}
  create(u: { username: string; role: Role; passwordHash: string; fullName: string; contact: string }): UserRecord {
    if (this.rows.has(u.username)) throw new Error(`user ${u.username} exists`);
    const now = this.clock.now();
    const rec: UserRecord = { ...u, disabled: false, failedLogins: 0, lockedUntil: null, createdAt: now, updatedAt: now };
    this.rows.set(u.username, rec);
    return { ...rec };
  }
  get(username: string): UserRecord | null {
    const r = this.rows.get(username);
    return r ? { ...r } : null;
  }
  list(): UserRecord[] {
    return [...this.rows.values()].map((r) => ({ ...r }));
  }
  update(username: string, patch: UserPatch): void {
    const r = this.rows.get(username);
    if (r) Object.assign(r, patch, { updatedAt: this.clock.now() });
  }
  count(): number {
    return this.rows.size;
  }
}

export class MemoryAudit implements AuditPort {
  readonly rows: AuditRecord[] = [];
  failing = false;
  constructor(private readonly clock: Clock) {}
  private hashOf(r: Omit<AuditRecord, 'hash'>): string {
    return createHash('sha256').update(r.prevHash + JSON.stringify({ ...r, prevHash: undefined })).digest('hex');
  }
  append(e: AuditInput): AuditRecord {
    if (this.failing) throw new Error('disk I/O error');
    const prevHash = this.rows.at(-1)?.hash ?? '0'.repeat(64);
    const base = { ...e, id: this.rows.length + 1, at: this.clock.now(), prevHash };
    const rec = { ...base, hash: this.hashOf(base) };
    this.rows.push(rec);
    return rec;
  }
  get(id: number): AuditRecord | null {
    return this.rows.find((r) => r.id === id) ?? null;
  }
  query(f: AuditQuery): AuditRecord[] {
    return this.rows
      .filter((r) => (f.from === undefined || r.at >= f.from) && (f.to === undefined || r.at <= f.to) && (!f.user || r.user === f.user) && (!f.users || (r.user !== null && f.users.includes(r.user))) && (!f.action || r.action === f.action) && (f.beforeId === undefined || r.id < f.beforeId))
      .reverse()
      .slice(f.offset ?? 0, (f.offset ?? 0) + (f.limit ?? 100));
  }
  verify(): AuditVerifyResult {
    let prev = '0'.repeat(64);
    const breaks: { id: number; problem: string }[] = [];
    for (const r of this.rows) {
      const { hash, ...rest } = r;
      if (r.prevHash !== prev || this.hashOf(rest) !== hash) breaks.push({ id: r.id, problem: 'hash mismatch' });
      prev = hash;
    }
    return { ok: breaks.length === 0, checked: this.rows.length, firstBadId: breaks[0]?.id ?? null, problem: breaks[0]?.problem ?? null, breaks, breakCount: breaks.length };
  }
  actions(): string[] {
    return this.rows.map((r) => r.action);
  }
}

export function wildcardRegex(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

export class MemoryDetections implements DetectionsPort {
  readonly rows: DetectionSummary[] = [];
  readonly images = new Map<string, Buffer>();
  add(d: DetectionSummary, plate?: Buffer, overview?: Buffer): void {
    this.rows.push(d);
    if (plate) this.images.set(`${d.id}/plate`, plate);
    if (overview) this.images.set(`${d.id}/overview`, overview);
  }
  search(q: DetectionQuery): DetectionSummary[] {
    const re = q.plate ? wildcardRegex(q.plate) : null;
    return this.rows
      .filter(
        (d) =>
          (!re || re.test(d.text)) &&
          (q.from === undefined || d.bestAt >= q.from) &&
          (q.to === undefined || d.bestAt <= q.to) &&
          (!q.cameraId || d.cameraId === q.cameraId) &&
          (!q.bbox || (d.lat !== null && d.lon !== null && d.lat >= q.bbox.minLat && d.lat <= q.bbox.maxLat && d.lon >= q.bbox.minLon && d.lon <= q.bbox.maxLon)),
      )
      .sort((a, b) => b.bestAt - a.bestAt)
      .slice(q.offset ?? 0, (q.offset ?? 0) + (q.limit ?? 100));
  }
  get(id: string): DetectionSummary | null {
    return this.rows.find((d) => d.id === id) ?? null;
  }
  recent(limit: number): DetectionSummary[] {
    return [...this.rows].sort((a, b) => b.bestAt - a.bestAt).slice(0, limit);
  }
  image(id: string, kind: ImageKind): Buffer | null {
    return this.images.get(`${id}/${kind}`) ?? null;
  }
  setEvidenceHold(id: string, hold: boolean): boolean {
    const d = this.get(id);
    if (!d) return false;
    d.evidenceHold = hold;
    return true;
  }
}

export class MemoryHits implements HitsPort {
  readonly rows: HitRecord[] = [];
  add(h: Omit<HitRecord, 'id' | 'outcome' | 'verifiedBy' | 'verifiedAt' | 'note'>): HitRecord {
    const rec: HitRecord = { ...h, id: this.rows.length + 1, outcome: null, verifiedBy: null, verifiedAt: null, note: null };
    this.rows.push(rec);
    return rec;
  }
  list(q: { since?: number; unverifiedOnly?: boolean; limit?: number }): HitRecord[] {
    return this.rows
      .filter((h) => (q.since === undefined || h.createdAt >= q.since) && (!q.unverifiedOnly || h.outcome === null))
      .reverse()
      .slice(0, q.limit ?? 100);
  }
  get(id: number): HitRecord | null {
    return this.rows.find((h) => h.id === id) ?? null;
  }
  verify(id: number, v: { outcome: HitOutcome; user: string; note: string | null; at: number }): boolean {
    const h = this.get(id);
    if (!h) return false;
    Object.assign(h, { outcome: v.outcome, verifiedBy: v.user, verifiedAt: v.at, note: v.note });
    this.historyRows.push({ id: this.historyRows.length + 1, hitId: id, detectionId: h.detectionId, entryId: h.entry.id, kind: 'verification', value: v.outcome, note: v.note, recordedBy: v.user, recordedAt: v.at });
    return true;
  }
  readonly historyRows: HitHistoryEntry[] = [];
  annotate(id: number, v: { outcome: HitFollowUp; user: string; note: string | null; at: number }): HitHistoryEntry | 'not_found' | 'not_confirmed' {
    const h = this.get(id);
    if (!h) return 'not_found';
    if (h.outcome !== 'confirmed') return 'not_confirmed';
    const row: HitHistoryEntry = { id: this.historyRows.length + 1, hitId: id, detectionId: h.detectionId, entryId: h.entry.id, kind: 'outcome', value: v.outcome, note: v.note, recordedBy: v.user, recordedAt: v.at };
    this.historyRows.push(row);
    return row;
  }
  history(id: number): HitHistoryEntry[] {
    return this.historyRows.filter((r) => r.hitId === id);
  }
}

/** Enforces the policy rules the hot-list unit enforces, enough to exercise the form's error path. */
export class MemoryHotlist implements HotlistPort {
  readonly entries: HotlistEntryInfo[] = [];
  constructor(private readonly clock: Clock) {}
  addLocalEntry(input: LocalEntryInput, actor: string): LocalEntryResult {
    const errors: { field: string; message: string }[] = [];
    if (!input.caseNumber && !input.subjectXref) errors.push({ field: 'caseNumber', message: 'a case number or subject XREF is required (sacramento-pd E.1)' });
    if (!input.reason) errors.push({ field: 'reason', message: 'is required' });
    if (!input.officerName) errors.push({ field: 'officerName', message: 'is required' });
    if (!input.officerContact) errors.push({ field: 'officerContact', message: 'is required' });
    const max = input.alsoInNcic ? 24 * 3600_000 : 30 * 24 * 3600_000;
    if (input.expiresAt <= this.clock.now()) errors.push({ field: 'expiresAt', message: 'must be in the future' });
    else if (input.expiresAt - this.clock.now() > max) errors.push({ field: 'expiresAt', message: `at most ${input.alsoInNcic ? '24 hours' : '30 days'} (sacramento-da IV.E.a)` });
    if (errors.length) return { ok: false, errors };
    const entry: HotlistEntryInfo = {
      id: `local:${this.entries.length + 1}`,
      plate: input.plate,
      state: input.state ?? null,
      list: input.list,
      priority: input.priority ?? 3,
      reason: input.reason,
      caseNumber: input.caseNumber ?? null,
      informational: input.informational ?? false,
      expiresAt: input.expiresAt,
      enteredBy: actor,
    };
    this.entries.push(entry);
    return { ok: true, entry };
  }
  removeLocalEntry(id: string): boolean {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }
  listLocalEntries(): HotlistEntryInfo[] {
    return [...this.entries];
  }
  /** Exact plates and `*`/`?` patterns only (the real matcher also finds OCR near matches). */
  lookup(text: string): HotlistHit[] {
    const read = text.toUpperCase().replace(/[^A-Z0-9]/g, '');
    const now = this.clock.now();
    return this.entries
      .filter((e) => e.expiresAt == null || e.expiresAt > now)
      .flatMap((entry): HotlistHit[] => {
        const wild = /[*?]/.test(entry.plate);
        const hit = wild ? new RegExp(`^${entry.plate.replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(read) : entry.plate === read;
        return hit ? [{ entry, generation: 'memory', kind: wild ? 'wildcard' : 'exact', readText: read, explanation: wild ? `wildcard ${entry.plate}` : 'exact', retroactive: false }] : [];
      });
  }
  lookupFragment(text: string, limit: number): FragmentAnswer | { refused: string } {
    return fragmentOf(this.entries, text, this.clock.now(), limit);
  }
}

/** The hot list's own fragment search over an index of the double's entries (plates only, as the real one). */
function fragmentOf(entries: readonly HotlistEntryInfo[], text: string, now: number, limit: number): FragmentAnswer | { refused: string } {
  const p = parseFragment(text);
  if (!p.ok) return { refused: p.message };
  const rows = entries
    .filter((e) => !/[*?]/.test(e.plate))
    .map((e) => ({ plate: e.plate, wildcard: false, state: e.state, list: e.list, priority: e.priority, reason: e.reason, caseNumber: e.caseNumber, subjectXref: null, officerName: null, officerContact: null, source: 'local', createdAt: null, expiresAt: e.expiresAt, informational: e.informational, alsoInNcic: false, id: e.id, enteredBy: e.enteredBy ?? null }));
  return searchFragment([new ListIndex(buildFromRows('memory', rows, now, 1000, 1))], p.pattern, now, limit);
}

export class MemorySnapshots implements SnapshotPort {
  readonly frames = new Map<string, Buffer>();
  snapshot(cameraId: string): Promise<Buffer | null> {
    return Promise.resolve(this.frames.get(cameraId) ?? null);
  }
}
