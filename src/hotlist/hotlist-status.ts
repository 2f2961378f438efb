/**
 * What the hot list reports to the status registry: lists in force with their generations and
 * counts, list age, the last sync result, and the readiness verdict. Red when the list is older
 * than `max_age_h` or missing (the newest list must be on the device before deployment:
 * santa-clara "Training and Responsibilities"), amber while the sync is late (roseville 426.6.4
 * (a): at least twice a day) or a new version was refused while the previous one stays in force.
 */
import type { HotlistConfig } from '../config/sections/hotlist.js';
import type { Clock } from '../shared/clock.js';
import { AlprError } from '../shared/errors.js';
import type { StatusReporter, UnitState } from '../status/registry.js';
import { HotlistErrors } from './errors.js';
import type { SyncState } from './hotlist-sync.js';
import type { ImportProblem, ImportReport } from './list-build.js';
import type { ListIndex } from './list-index.js';

export interface ListSummary {
  source: string;
  generation: string;
  entries: number;
  wildcards: number;
  issuedAt: string | null;
  loadedAt: string;
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
    private readonly cfg: HotlistConfig,
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
    const age = this.listAgeH(sync, now);
    if (syncEnabled) {
      if (!sources.has('central') || age === null) raise('down', 'no hot list from the central server yet');
      else if (age > this.cfg.max_age_h) raise('down', new AlprError(HotlistErrors.HOTLIST_STALE, { age_h: age.toFixed(1), max_h: this.cfg.max_age_h }).message);
      else if (age > this.cfg.sync.interval_h * 1.5) raise('degraded', `sync late: the list was last confirmed ${age.toFixed(1)} h ago (every ${this.cfg.sync.interval_h} h expected)`);
    }
    const entries = live.reduce((s, l) => s + l.entryCount, 0);
    if (!syncEnabled && this.cfg.files.length === 0 && localEntries === 0) raise('degraded', 'no hot list configured (hotlist.files, hotlist.sync)');
    const message = messages.length > 0 ? messages.join('; ') : `${entries} entries in ${live.length} list(s)`;
    this.last = { state, message };
    this.status.set(state, message);
    this.status.gauge('entries', entries);
    this.status.gauge('wildcard_entries', live.reduce((s, l) => s + l.wildcardCount, 0));
    this.status.gauge('local_entries', localEntries);
    this.status.detail('generation', live.map((l) => l.generation).join(' + '));
    this.status.detail('lists', summaries(live));
    this.status.detail('list_age_h', age === null ? null : Number(age.toFixed(2)));
    this.status.detail('sync', syncEnabled && sync ? syncDetail(sync) : { enabled: false });
  }

  snapshot(live: readonly ListIndex[], sync: SyncState | null, localEntries: number): HotlistStatus {
    return {
      ...this.last,
      generation: live.map((l) => l.generation).join(' + '),
      lists: summaries(live),
      rejected: [...this.rejections.entries()].map(([source, r]) => ({ source, problemCount: r.problemCount, problems: r.problems.slice(0, 20) })),
      sync: sync ? { ...sync, enabled: true } : { enabled: false },
      listAgeH: this.listAgeH(sync, this.clock.now()),
      localEntries,
    };
  }

  private listAgeH(sync: SyncState | null, now: number): number | null {
    return sync?.lastSuccessAt == null ? null : (now - sync.lastSuccessAt) / HOUR;
  }
}

function summaries(live: readonly ListIndex[]): ListSummary[] {
  return live.map((l) => ({
    source: l.source,
    generation: l.generation,
    entries: l.entryCount,
    wildcards: l.wildcardCount,
    issuedAt: l.parts.issuedAt === null ? null : new Date(l.parts.issuedAt).toISOString(),
    loadedAt: new Date(l.parts.loadedAt).toISOString(),
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
