/**
 * The local list: hot plates entered on this device by an officer (policy checks and the file
 * format are in local-entries.ts). It keeps the entries in memory, persists every change before
 * it takes effect, and hands the hot-list unit a fresh index of them (`onIndex`) to swap in.
 */
import type { HotlistConfig } from '../config/sections/hotlist.js';
import type { Clock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { StatusReporter } from '../status/registry.js';
import type { EntryRow } from './entry-row.js';
import { HotlistErrors } from './errors.js';
import { ListIndex } from './index/list-index.js';
import { buildFromRows } from './list-build.js';
import { LocalEntryFile, rowToInfo, validateLocalEntry, type LocalEntryInput, type LocalEntryResult, type LocalRules } from './local-entries.js';
import type { HotlistEntryInfo } from './types.js';

/** The source name of the local list's index. */
export const LOCAL = 'local';

export interface LocalListDeps {
  config: HotlistConfig;
  /** The JSON-lines file the entries persist in. */
  path: string;
  logger: Logger;
  status: StatusReporter;
  clock: Clock;
  /** `alerts.alarm_lists`: a local entry of these lists cannot be marked informational. */
  alarmLists?: readonly string[];
  /** A new index of the entries, to swap in; `retroactive`: match recent reads against its new entries. */
  onIndex: (index: ListIndex, retroactive: boolean) => void;
}

export class LocalList {
  private readonly config: HotlistConfig;
  private readonly file: LocalEntryFile;
  private rows: EntryRow[] = [];
  private revision = 0;

  constructor(private readonly deps: LocalListDeps) {
    this.config = deps.config;
    this.file = new LocalEntryFile(deps.path);
  }

  /** Entries held, expired ones not yet purged included (status). */
  get size(): number {
    return this.rows.length;
  }

  /** Reads the file (a bad line is reported and skipped; an unreadable file leaves the list empty) and indexes it. */
  load(): void {
    const now = this.deps.clock.now();
    const rules = { specialLists: new Set(this.config.special_lists), defaultPriority: this.config.default_priority, minWildcardLiterals: this.config.min_wildcard_literals, now };
    let loaded;
    try {
      loaded = this.file.load(rules);
    } catch (err) {
      const e = new AlprError(HotlistErrors.HOTLIST_FILE_UNREADABLE, { file: this.file.path, detail: errorMessage(err) });
      this.deps.logger.error(e.message);
      this.deps.status.error(e);
      return;
    }
    for (const p of loaded.problems) {
      const e = new AlprError(HotlistErrors.HOTLIST_LOCAL_CORRUPT, { file: this.file.path, line: p.line, detail: p.message });
      this.deps.logger.error(e.message);
      this.deps.status.error(e);
    }
    this.rows = loaded.rows;
    this.reindex(false);
  }

  add(input: LocalEntryInput, actor: string): LocalEntryResult {
    const now = this.deps.clock.now();
    const v = validateLocalEntry(input, actor, now, this.rules());
    if ('errors' in v) return { ok: false, errors: v.errors };
    const row = v.row;
    const live = this.liveRows(now);
    const dup = live.find((r) => r.plate === row.plate && r.state === row.state && r.list === row.list);
    if (dup) return { ok: false, errors: [{ field: 'plate', message: `${row.plate} is already on the ${row.list} list (entry ${dup.id ?? ''})` }] };
    if (live.length >= this.config.max_local_entries) return { ok: false, errors: [{ field: 'plate', message: `at most ${this.config.max_local_entries} local hot plates (hotlist.max_local_entries)` }] };
    const saved = this.save([...live, row]);
    if (saved !== null) return { ok: false, errors: [{ field: '(store)', message: saved }] };
    this.deps.logger.info({ id: row.id, list: row.list, actor, expires: new Date(row.expiresAt!).toISOString() }, 'local hot plate entered');
    this.deps.status.count('local_added');
    return { ok: true, entry: rowToInfo(row) };
  }

  remove(id: string, actor: string): boolean {
    const rest = this.rows.filter((r) => r.id !== id);
    if (rest.length === this.rows.length) return false;
    if (this.save(rest) !== null) return false;
    this.deps.logger.info({ id, actor }, 'local hot plate removed');
    this.deps.status.count('local_removed');
    return true;
  }

  /** The entries in force. */
  list(): HotlistEntryInfo[] {
    return this.liveRows(this.deps.clock.now()).map(rowToInfo);
  }

  /** Drops expired entries from memory and from the file. */
  purge(): void {
    const keep = this.liveRows(this.deps.clock.now());
    const dropped = this.rows.length - keep.length;
    if (dropped > 0 && this.save(keep) === null) {
      this.deps.status.count('local_purged', dropped);
      this.deps.logger.info({ purged: dropped }, 'expired local hot plates purged');
    }
  }

  private liveRows(now: number): EntryRow[] {
    return this.rows.filter((r) => r.expiresAt === null || r.expiresAt > now);
  }

  private rules(): LocalRules {
    return {
      maxExpiryMs: this.config.local_max_expiry_h * 3_600_000,
      maxNcicExpiryMs: this.config.local_ncic_max_expiry_h * 3_600_000,
      specialLists: new Set(this.config.special_lists),
      defaultPriority: this.config.default_priority,
      minWildcardLiterals: this.config.min_wildcard_literals,
      alarmLists: new Set(this.deps.alarmLists ?? []),
    };
  }

  /** Persists first, then swaps: an entry the file does not hold is never matched. Returns an error message or null. */
  private save(rows: EntryRow[]): string | null {
    try {
      this.file.save(rows);
    } catch (err) {
      const e = new AlprError(HotlistErrors.HOTLIST_LOCAL_STORE, { file: this.file.path, detail: errorMessage(err) });
      this.deps.logger.error(e.message);
      this.deps.status.error(e);
      return e.message;
    }
    this.rows = rows;
    this.reindex(true);
    return null;
  }

  private reindex(retroactive: boolean): void {
    const parts = buildFromRows(LOCAL, this.rows, this.deps.clock.now(), this.config.max_local_entries, ++this.revision, this.config.confusion_classes, this.config.max_edit_distance);
    this.deps.onIndex(new ListIndex(parts), retroactive);
  }
}
