/**
 * The hot-list unit: loads the configured list files, the central list kept from the last sync
 * and the local hot plates at start, keeps them current (sync, purge, imports) and matches reads.
 *
 *   files ──┐                      worker thread                 main thread
 *   sync ───┼─▶ verify ─▶ parse + validate + build index ─▶ one reference swapped ─▶ match()
 *   local ──┘                                                        │
 *                                            new entries ─▶ retroactive matching of recent reads
 *
 * Every list is its own index with its own generation id; replacing one never disturbs the
 * others, and a list that fails to load or verify leaves the previous version in force.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { HotlistConfig } from '../config/sections/hotlist.js';
import { parseEd25519PublicKey } from '../config/sections/hotlist.js';
import type { Clock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Unit } from '../shared/lifecycle.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import { runBuild } from './list-build-runner.js';
import { ConfusionTable } from '../plate/confusion-table.js';
import { HotlistErrors } from './errors.js';
import { HotlistSync, type CachedList, type SyncState } from './hotlist-sync.js';
import { fileSource, type BuildTask, type ImportReport } from './list-build.js';
import { ListIndex, type MatchSettings } from './index/list-index.js';
import type { ListFormat } from './list-parser.js';
import type { LocalEntryInput, LocalEntryResult } from './local-entries.js';
import { LOCAL, LocalList } from './local-list.js';
import { matchCandidates, type MatchLimits, type ReadCandidate } from './matcher.js';
import { parseFragment, searchFragment, type FragmentAnswer } from './fragment-search.js';
import { matchRetroactively, type RecentReads, type RetroactiveHitSink } from './retroactive.js';
import type { HotlistEntryInfo, HotlistHit } from './types.js';
import { HotlistStatusView, type HotlistStatus } from './hotlist-status.js';

export const CENTRAL = 'central';

export interface HotlistDeps {
  config: HotlistConfig;
  /** device.data_dir: local entries and the synced list's cache live here. */
  dataDir: string;
  logger: Logger;
  status: StatusReporter;
  clock: Clock;
  /** Reads stored since a time, for retroactive matching (the detection store provides it). */
  recentReads?: RecentReads;
  onRetroactiveHit?: RetroactiveHitSink;
  /** `alerts.alarm_lists`: a local entry of these lists cannot be marked informational. */
  alarmLists?: readonly string[];
  /**
   * Load the configured list files and the cached central list after `start()` returns (the
   * daemon: a list that loads slowly or not at all never delays start; issue 16 item 12). The
   * status says which lists are still loading, and reads stored meanwhile are matched
   * retroactively against each list as it arrives. Off: `start()` returns with the lists in force.
   */
  background?: boolean;
}

export class Hotlist implements Unit {
  readonly name = 'hotlist';
  private readonly config: HotlistConfig;
  private readonly settings: MatchSettings;
  private readonly limits: MatchLimits;
  private readonly local: LocalList;
  private readonly view: HotlistStatusView;
  /** The lists in force, swapped as a whole: a lookup sees one consistent set. */
  private live: readonly ListIndex[] = [];
  private readonly slots = new Map<string, ListIndex>();
  private sync: HotlistSync | null = null;
  private purgeTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  /** Retroactive matching runs one list at a time: each new version's run chains onto this. */
  private retroactiveChain: Promise<unknown> = Promise.resolve();
  /** Sources of the start-up load not yet settled (shown on the status). */
  private readonly loading = new Set<string>();
  private initial: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Aborted by stop(): ends running list builds and downloads. */
  private readonly stopping = new AbortController();

  constructor(private readonly deps: HotlistDeps) {
    this.config = deps.config;
    this.settings = {
      table: ConfusionTable.of(deps.config.confusion_classes),
      maxEdits: deps.config.max_edit_distance,
      confusionCost: Math.round(deps.config.confusion_cost * 2),
      minEditLength: deps.config.min_edit_length,
    };
    this.limits = { maxCandidates: deps.config.max_candidates, maxHits: deps.config.max_hits };
    this.local = new LocalList({
      config: deps.config,
      path: resolve(deps.dataDir, deps.config.local_file),
      logger: deps.logger,
      status: deps.status,
      clock: deps.clock,
      alarmLists: deps.alarmLists,
      onIndex: (index, retroactive) => this.swap(index, retroactive),
    });
    this.view = new HotlistStatusView(deps.status, deps.clock, deps.config);
  }

  async start(): Promise<void> {
    const log = this.deps.logger;
    this.deps.status.set('starting', 'loading hot lists');
    mkdirSync(this.deps.dataDir, { recursive: true, mode: 0o750 });
    this.local.load();
    if (this.config.sync.enabled) {
      const s = this.config.sync;
      this.sync = new HotlistSync(
        {
          url: s.url,
          publicKey: parseEd25519PublicKey(s.public_key),
          token: s.token?.reveal() ?? null,
          ca: s.ca_file ? readFileSync(s.ca_file, 'utf8') : null,
          intervalMs: s.interval_h * 3_600_000,
          timeoutMs: s.timeout_s * 1000,
          maxBytes: Math.floor(s.max_mb * 1024 * 1024),
          retryInitialMs: s.retry_initial_s * 1000,
          retryMaxMs: s.retry_max_s * 1000,
          cacheBase: resolve(this.deps.dataDir, s.cache_file),
        },
        // The sync's lines concern the central list: keyed by `source` as the unit's other list lines are.
        log.child({ source: CENTRAL }),
        this.deps.clock,
        (list) => this.applySynced(list, true),
        () => this.refreshStatus(),
      );
    }
    for (const file of this.config.files) this.loading.add(fileSource(file));
    if (this.sync) this.loading.add(CENTRAL);
    this.purgeTimer = setInterval(() => this.purge(), this.config.purge_interval_s * 1000);
    this.statusTimer = setInterval(() => this.refreshStatus(), 60_000);
    this.refreshStatus();
    if (!this.deps.background) return this.loadInitial(null);
    log.info({ loading: [...this.loading] }, 'hot lists loading in the background');
    this.initial = this.loadInitial(this.deps.clock.now()).catch((err: unknown) => {
      log.error({ err }, 'hot-list start-up load failed');
      this.deps.status.error(err);
    });
  }

  /**
   * The configured files, then the cached central list, then the sync schedule. `since`: in the
   * background, the time start began; reads stored from then on are matched against each list.
   */
  private async loadInitial(since: number | null): Promise<void> {
    // Background: yield first, so that even an inline build never runs inside start().
    if (since !== null) await new Promise<void>((r) => setImmediate(r));
    const retro = since === null ? { retroactive: false } : { retroactive: true, retroactiveSince: since };
    for (const file of this.config.files) {
      if (this.stopped) return;
      const fmt = this.config.files_format === 'auto' ? undefined : this.config.files_format;
      try {
        const report = await this.importFile(file, { format: fmt, ...retro });
        if (report.fatal) this.view.rejected(fileSource(file), report);
      } finally {
        this.loading.delete(fileSource(file));
        this.refreshStatus();
      }
    }
    if (this.sync && !this.stopped) {
      try {
        const cached = await this.sync.loadCache();
        if (cached && !this.stopped) {
          const applied = await this.applySynced(cached, since !== null, since ?? undefined);
          if (!applied.ok) this.deps.logger.warn(`cached central list not loaded: ${applied.detail}`);
        }
      } finally {
        this.loading.delete(CENTRAL);
      }
      if (!this.stopped) this.sync.start();
    }
    if (this.stopped) return;
    this.refreshStatus();
    this.deps.logger.info({ lists: this.live.map((l) => ({ source: l.source, entries: l.entryCount, generation: l.generation })) }, 'hot lists loaded');
  }

  /** Settles the start-up load (tests; `background` mode returns from start() before it). */
  async loaded(): Promise<void> {
    await this.initial;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    clearInterval(this.purgeTimer);
    clearInterval(this.statusTimer);
    this.purgeTimer = this.statusTimer = undefined;
    await this.initial;
    await this.sync?.stop();
    await this.retroactiveChain.catch(() => undefined);
    if (this.deps.status.get().state !== 'stopped') this.deps.status.set('stopped');
  }

  /** Hits for a read's candidates (best first, top-N checked), ranked; the hot path. */
  match(candidates: readonly ReadCandidate[], opts: { state?: string | null } = {}): HotlistHit[] {
    const hits = matchCandidates(this.live, candidates, opts.state ?? null, this.deps.clock.now(), this.settings, this.limits);
    this.deps.status.count('lookups');
    if (hits.length > 0) this.deps.status.count('hits');
    return hits;
  }

  /**
   * The operator's quick look-up of a typed plate: the entries in force it matches, through the same
   * matcher as a read (exact, wildcard entries, then OCR-tolerant near matches), any state. Not
   * counted as a read's lookup.
   */
  lookup(text: string): HotlistHit[] {
    return matchCandidates(this.live, [{ text, confidence: 1 }], null, this.deps.clock.now(), this.settings, this.limits);
  }

  /**
   * The operator's look-up by fragment: live entries whose plate contains the typed piece (`?` one
   * character, `*` any run), at most `limit`, from one pass over the plate table
   * (`fragment-search.ts`). A refusal says what is wrong with the text, without repeating it.
   */
  lookupFragment(text: string, limit: number): FragmentAnswer | { refused: string } {
    const p = parseFragment(text);
    if (!p.ok) return { refused: p.message };
    return searchFragment(this.live, p.pattern, this.deps.clock.now(), limit);
  }

  /** Generation ids of the lists in force, in load order. */
  get generation(): string {
    return this.live.map((l) => l.generation).join(' + ');
  }

  /** Sync with the central server now, outside the schedule (operator's "update now"). */
  syncNow(): Promise<SyncState['lastResult']> {
    return this.sync ? this.sync.syncNow() : Promise.resolve(null);
  }

  get syncState(): SyncState | null {
    return this.sync?.state ?? null;
  }

  status(): HotlistStatus & { loading: string[] } {
    return { ...this.view.snapshot(this.live, this.sync?.state ?? null, this.local.size), loading: [...this.loading] };
  }

  /**
   * Loads a list file as a new version of its list (`file:<name>` unless `source` is given). A file
   * with any fatal problem is rejected whole and the version in force stays; the report says why.
   */
  async importFile(path: string, opts: { source?: string; format?: ListFormat; retroactive?: boolean; retroactiveSince?: number; issuedAt?: number | null } = {}): Promise<ImportReport> {
    const source = opts.source ?? fileSource(path);
    const now = this.deps.clock.now();
    const task: BuildTask = {
      source,
      path,
      format: opts.format,
      issuedAt: opts.issuedAt ?? null,
      loadedAt: now,
      rules: { specialLists: this.config.special_lists, defaultPriority: this.config.default_priority, minWildcardLiterals: this.config.min_wildcard_literals, now },
      wildcardCap: this.config.max_wildcard_entries,
      confusionClasses: [...this.config.confusion_classes],
      maxEdits: this.config.max_edit_distance,
    };
    let result;
    try {
      result = await runBuild(task, this.config.build, this.stopping.signal);
    } catch (err) {
      const detail = new AlprError(HotlistErrors.HOTLIST_BUILD_FAILED, { source, detail: errorMessage(err) }).message;
      if (!this.stopped) {
        this.deps.logger.error({ source }, detail);
        this.deps.status.error(detail);
      }
      return { source, format: null, rows: 0, accepted: 0, wildcards: 0, expired: 0, duplicates: 0, problems: [{ row: 0, field: '(file)', message: detail }], problemCount: 1, fatal: true };
    }
    if (!result.ok) {
      const r = result.report;
      const first = r.problems.slice(0, 3).map((p) => `line ${p.row} ${p.field}: ${p.message}`).join('; ');
      const err = new AlprError(HotlistErrors.HOTLIST_IMPORT_REJECTED, { source, count: r.problemCount, detail: first });
      this.deps.logger.error({ source, problems: r.problems.slice(0, 20) }, err.message);
      this.deps.status.error(err);
      this.deps.status.count('imports_rejected');
      this.view.rejected(source, r);
      this.refreshStatus();
      return r;
    }
    if (this.stopped) return result.report; // a build that finished after stop() changes nothing
    this.swap(new ListIndex(result.parts), opts.retroactive ?? true, opts.retroactiveSince);
    this.view.accepted(source);
    this.refreshStatus();
    return result.report;
  }

  /** Enters a local hot plate (policy checks in local-entries.ts); persisted before it matches. */
  addLocalEntry(input: LocalEntryInput, actor: string): LocalEntryResult {
    return this.local.add(input, actor);
  }

  removeLocalEntry(id: string, actor: string): boolean {
    return this.local.remove(id, actor);
  }

  listLocalEntries(): HotlistEntryInfo[] {
    return this.local.list();
  }

  /** Drops expired local hot plates from memory and from the file. */
  purge(): void {
    this.local.purge();
    this.refreshStatus();
  }

  private async applySynced(list: CachedList, retroactive: boolean, retroactiveSince?: number): Promise<{ ok: true } | { ok: false; detail: string }> {
    const fmt = list.format ?? (this.config.sync.format === 'auto' ? undefined : this.config.sync.format);
    const report = await this.importFile(list.path, { source: CENTRAL, format: fmt, retroactive, retroactiveSince, issuedAt: list.issuedAt });
    if (!report.fatal) return { ok: true };
    const first = report.problems.slice(0, 3).map((p) => `line ${p.row} ${p.field}: ${p.message}`).join('; ');
    return { ok: false, detail: new AlprError(HotlistErrors.HOTLIST_IMPORT_REJECTED, { source: CENTRAL, count: report.problemCount, detail: first }).message };
  }

  /** The swap: one new array reference; lookups in progress finish on the old one. */
  private swap(next: ListIndex, retroactive: boolean, retroactiveSince?: number): void {
    const previous = this.slots.get(next.source) ?? null;
    this.slots.set(next.source, next);
    // One order whatever loads first: configured files, local plates, central, then imports.
    this.live = [...this.slots.values()].sort((a, b) => this.rank(a.source) - this.rank(b.source));
    this.deps.logger.debug({ source: next.source, generation: next.generation, entries: next.entryCount }, 'hot list swapped in');
    if (retroactive) this.startRetroactive(next, previous, retroactiveSince);
  }

  private rank(source: string): number {
    const file = this.config.files.findIndex((f) => fileSource(f) === source);
    if (file >= 0) return file;
    const n = this.config.files.length;
    return source === LOCAL ? n : source === CENTRAL ? n + 1 : n + 2;
  }

  /** `since`: match only reads stored from then on (a start-up load: not the reads of before the restart). */
  private startRetroactive(next: ListIndex, previous: ListIndex | null, since = -Infinity): void {
    const { recentReads, onRetroactiveHit } = this.deps;
    const windowMs = this.config.retroactive_window_h * 3_600_000;
    if (!recentReads || !onRetroactiveHit || windowMs <= 0) return;
    const log = this.deps.logger;
    this.retroactiveChain = this.retroactiveChain
      .then(async () => {
        const reads = recentReads(Math.max(since, this.deps.clock.now() - windowMs));
        const r = await matchRetroactively(next, previous, reads, () => this.deps.clock.now(), this.settings, this.limits, onRetroactiveHit);
        for (const err of r.errors) log.error({ err }, 'retroactive hit sink failed');
        this.deps.status.count('retroactive_hits', r.hits);
        if (r.hits > 0) log.info({ source: next.source, generation: next.generation, reads: r.reads, hits: r.hits }, 'retroactive hits from the new list');
      })
      .catch((err: unknown) => {
        log.error({ err }, 'retroactive matching failed');
        this.deps.status.error(err);
      });
  }

  /** Settles retroactive matching started so far (tests, shutdown). */
  async idle(): Promise<void> {
    await this.retroactiveChain;
  }

  private refreshStatus(): void {
    if (this.stopped) return;
    this.view.update(this.live, this.sync?.state ?? null, this.local.size, this.config.sync.enabled);
    this.deps.status.detail('loading', [...this.loading]);
    if (this.loading.size === 0) return;
    // Still loading: "starting" unless something worse is already known, and say which lists.
    const now = this.deps.status.get();
    const state = now.state === 'down' || now.state === 'failed' ? now.state : 'starting';
    this.deps.status.set(state, `loading ${[...this.loading].join(', ')}; ${now.message}`);
  }
}
