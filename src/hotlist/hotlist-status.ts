/**
 * What the hot list reports to the status registry: lists in force with their generations and
 * counts, list age, the last sync result, and the readiness verdict. Red when the list is older
 * than `max_age_h` or missing (the newest list must be on the device before deployment:
 * santa-clara "Training and Responsibilities"), amber while the sync is late (roseville 426.6.4
 * (a): at least twice a day) or a new version was refused while the previous one stays in force.
 *
 * Lists loaded from files age by the same rules (issue 18: a three-week-old CSV stayed green): their
 * age runs from the list's own issue time — a `# issued: <ISO time>` comment line before the CSV
 * header — or else from the file's modification time.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { HotlistConfig } from '../config/sections/hotlist.js';
import type { Clock } from '../shared/clock.js';
import { AlprError } from '../shared/errors.js';
import type { StatusReporter, UnitState } from '../status/registry.js';
import { HotlistErrors } from './errors.js';
import type { SyncState } from './hotlist-sync.js';
import { fileSource, type ImportProblem, type ImportReport } from './list-build.js';
import type { ListIndex } from './index/list-index.js';

export interface ListSummary {
  source: string;
  generation: string;
  entries: number;
  wildcards: number;
  issuedAt: string | null;
  loadedAt: string;
  /** Hours since the list was issued (file lists: header issue time, else file mtime); null when unknown. */
  ageH?: number | null;
}

/** Where a file list's age runs from. */
export interface FileListAge {
  issuedAt: number;
  from: 'header' | 'mtime';
}

/** Bytes read from the start of a list file to find its `# issued:` line (comments precede the header). */
const HEADER_BYTES = 4096;
const ISSUED_LINE = /^#\s*issued\s*[:=]\s*(\S+)\s*$/im;

/** A file list's issue time: its `# issued: <ISO time>` comment line, else the file's modification time; null when unreadable. */
export function fileListAge(path: string): FileListAge | null {
  let fd: number | null = null;
  try {
    const st = statSync(path);
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(Math.min(HEADER_BYTES, st.size));
    const n = readSync(fd, buf, 0, buf.length, 0);
    // Only the comment lines before the first record count: a plate row cannot start with '#'.
    const head = buf.toString('utf8', 0, n).split(/\r?\n/).filter((l) => l.startsWith('#')).join('\n');
    const m = ISSUED_LINE.exec(head);
    const t = m ? Date.parse(m[1]!) : NaN;
    return Number.isFinite(t) ? { issuedAt: t, from: 'header' } : { issuedAt: st.mtimeMs, from: 'mtime' };
  } catch {
    return null; // a list file that vanished after loading: its rejection or absence is reported elsewhere
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export interface HotlistStatus {
  state: UnitState;
  message: string;
  generation: string;
  lists: ListSummary[];
  rejected: { source: string; problemCount: number; problems: ImportProblem[] }[];
  sync: (SyncState & { enabled: true }) | { enabled: false };
  /** Hours since the central server last confirmed the list (null without sync). */
  listAgeH: number | null;
  localEntries: number;
}

const HOUR = 3_600_000;
const RANK: Record<UnitState, number> = { ok: 0, disabled: 0, stopped: 0, starting: 1, degraded: 1, down: 2, failed: 2 };

export class HotlistStatusView {
  private readonly rejections = new Map<string, ImportReport>();
  private last: Pick<HotlistStatus, 'state' | 'message'> = { state: 'starting', message: '' };

  constructor(
    private readonly status: StatusReporter,
    private readonly clock: Clock,
    private readonly config: HotlistConfig,
  ) {}

  rejected(source: string, report: ImportReport): void {
    this.rejections.set(source, report);
  }

  accepted(source: string): void {
    this.rejections.delete(source);
  }

  update(live: readonly ListIndex[], sync: SyncState | null, localEntries: number, syncEnabled: boolean): void {
    const now = this.clock.now();
    let state: UnitState = 'ok';
    const messages: string[] = [];
    const raise = (s: UnitState, message: string): void => {
      if (RANK[s] > RANK[state]) state = s;
      messages.push(message);
    };
    const sources = new Set(live.map((l) => l.source));
    for (const [source, r] of this.rejections) {
      if (sources.has(source)) raise('degraded', `newest ${source} refused (${r.problemCount} problem(s)); the previous version stays in force`);
      else raise('down', `${source} refused (${r.problemCount} problem(s)); no version of it is loaded`);
    }
    const fileAges = this.fileAges(live, now);
    for (const [source, a] of fileAges) {
      const issued = `${a.from === 'header' ? 'issued' : 'file modified'} ${new Date(a.issuedAt).toISOString()}`;
      if (a.ageH > this.config.max_age_h) raise('down', `${source}: ${new AlprError(HotlistErrors.HOTLIST_STALE, { age_h: a.ageH.toFixed(1), max_h: this.config.max_age_h }).message} (${issued})`);
      else if (a.ageH > this.config.sync.interval_h * 1.5) raise('degraded', `${source} is ${a.ageH.toFixed(1)} h old (${issued}); lists must be renewed every ${this.config.sync.interval_h} h`);
    }
    const age = syncEnabled ? this.listAgeH(sync, now) : fileAges.size > 0 ? Math.max(...[...fileAges.values()].map((a) => a.ageH)) : null;
    if (syncEnabled) {
      if (!sources.has('central') || age === null) raise('down', 'no hot list from the central server yet');
      else if (age > this.config.max_age_h) raise('down', new AlprError(HotlistErrors.HOTLIST_STALE, { age_h: age.toFixed(1), max_h: this.config.max_age_h }).message);
      else if (age > this.config.sync.interval_h * 1.5) raise('degraded', `sync late: the list was last confirmed ${age.toFixed(1)} h ago (every ${this.config.sync.interval_h} h expected)`);
    }
    const entries = live.reduce((s, l) => s + l.entryCount, 0);
    if (!syncEnabled && this.config.files.length === 0 && localEntries === 0) raise('degraded', 'no hot list configured (hotlist.files, hotlist.sync)');
    const message = messages.length > 0 ? messages.join('; ') : `${entries} entries in ${live.length} list(s)`;
    this.last = { state, message };
    this.status.set(state, message);
    this.status.gauge('entries', entries);
    this.status.gauge('wildcard_entries', live.reduce((s, l) => s + l.wildcardCount, 0));
    this.status.gauge('local_entries', localEntries);
    this.status.detail('generation', live.map((l) => l.generation).join(' + '));
    this.status.detail('lists', summaries(live, fileAges));
    this.status.detail('list_age_h', age === null ? null : Number(age.toFixed(2)));
    this.status.detail('sync', syncEnabled && sync ? syncDetail(sync) : { enabled: false });
  }

  snapshot(live: readonly ListIndex[], sync: SyncState | null, localEntries: number): HotlistStatus {
    return {
      ...this.last,
      generation: live.map((l) => l.generation).join(' + '),
      lists: summaries(live, this.fileAges(live, this.clock.now())),
      rejected: [...this.rejections.entries()].map(([source, r]) => ({ source, problemCount: r.problemCount, problems: r.problems.slice(0, 20) })),
      sync: sync ? { ...sync, enabled: true } : { enabled: false },
      listAgeH: sync ? this.listAgeH(sync, this.clock.now()) : this.oldestFileAge(live),
      localEntries,
    };
  }

  /** Ages (hours) of the lists in force that were loaded from configured files, by source. */
  private fileAges(live: readonly ListIndex[], now: number): Map<string, FileListAge & { ageH: number }> {
    const out = new Map<string, FileListAge & { ageH: number }>();
    for (const path of this.config.files) {
      const source = fileSource(path);
      if (!live.some((l) => l.source === source)) continue;
      const a = fileListAge(path);
      if (a) out.set(source, { ...a, ageH: Math.max(0, now - a.issuedAt) / HOUR });
    }
    return out;
  }

  private oldestFileAge(live: readonly ListIndex[]): number | null {
    const ages = [...this.fileAges(live, this.clock.now()).values()].map((a) => a.ageH);
    return ages.length > 0 ? Math.max(...ages) : null;
  }

  private listAgeH(sync: SyncState | null, now: number): number | null {
    return sync?.lastSuccessAt == null ? null : (now - sync.lastSuccessAt) / HOUR;
  }
}

function summaries(live: readonly ListIndex[], fileAges: ReadonlyMap<string, FileListAge & { ageH: number }>): ListSummary[] {
  return live.map((l) => ({
    source: l.source,
    generation: l.generation,
    entries: l.entryCount,
    wildcards: l.wildcardCount,
    issuedAt: l.parts.issuedAt === null ? null : new Date(l.parts.issuedAt).toISOString(),
    loadedAt: new Date(l.parts.loadedAt).toISOString(),
    ...(fileAges.has(l.source) ? { ageH: Number(fileAges.get(l.source)!.ageH.toFixed(2)) } : {}),
  }));
}

function syncDetail(s: SyncState): Record<string, unknown> {
  const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
  return {
    enabled: true,
    last_attempt: iso(s.lastAttemptAt),
    last_success: iso(s.lastSuccessAt),
    last_result: s.lastResult,
    last_error: s.lastError,
    failures: s.failures,
    next_at: iso(s.nextAt),
    issued: s.current?.issued ?? null,
    etag: s.current?.etag ?? null,
  };
}
