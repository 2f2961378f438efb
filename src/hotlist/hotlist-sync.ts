/**
 * Scheduled sync of the central hot list: every `interval_h` (at most 12 h: roseville 426.6.4 (a)
 * requires a download at least twice a day), with backoff after failures. A verified list is
 * handed to `apply` (which builds it off the main thread and swaps it in); only once applied is it
 * kept as the device's cached copy, so a list that verifies but fails to import never replaces
 * the last good one, on disk or in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { Backoff } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { scrubSecrets } from '../shared/redact.js';
import { HotlistErrors } from './errors.js';
import { ListFetcher, type FetchedList } from './list-fetcher.js';
import { verifySignature } from './signed-list.js';

export interface SyncSettings {
  url: string;
  publicKey: KeyObject;
  token: string | null;
  ca: string | null;
  intervalMs: number;
  timeoutMs: number;
  maxBytes: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Path without extension: `.list` and `.meta.json` are added. */
  cacheBase: string;
}

/** The verified list on disk and what the server said about it. */
export interface CachedList extends FetchedList {
  /** Last time the server confirmed this is its newest list (200 or 304). */
  confirmedAt: number;
}

export type SyncResult = 'updated' | 'not-modified' | 'failed' | 'rejected';

export interface SyncState {
  lastAttemptAt: number | null;
  /** Last time the newest list was confirmed (downloaded, or 304 Not Modified). */
  lastSuccessAt: number | null;
  lastResult: SyncResult | null;
  lastError: string | null;
  failures: number;
  nextAt: number | null;
  current: { etag: string | null; issued: string; issuedAt: number; sha256: string } | null;
}

export type ApplyList = (list: CachedList) => Promise<{ ok: true } | { ok: false; detail: string }>;

export class HotlistSync {
  private readonly fetcher: ListFetcher;
  private readonly backoff: Backoff;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SyncResult> | null = null;
  private stopped = true;
  readonly state: SyncState = { lastAttemptAt: null, lastSuccessAt: null, lastResult: null, lastError: null, failures: 0, nextAt: null, current: null };

  constructor(
    private readonly s: SyncSettings,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly apply: ApplyList,
    private readonly onChange: () => void,
  ) {
    this.fetcher = new ListFetcher({ url: s.url, publicKey: s.publicKey, token: s.token, ca: s.ca, timeoutMs: s.timeoutMs, maxBytes: s.maxBytes });
    this.backoff = new Backoff({ initial_ms: s.retryInitialMs, max_ms: s.retryMaxMs });
  }

  get listPath(): string {
    return `${this.s.cacheBase}.list`;
  }

  /**
   * The list kept from the last sync, re-verified (file hash and signature), or null when there is
   * none or it does not verify (then it is ignored and the next sync replaces it).
   */
  async loadCache(): Promise<CachedList | null> {
    let meta: CachedList;
    try {
      meta = JSON.parse(await readFile(`${this.s.cacheBase}.meta.json`, 'utf8')) as CachedList;
    } catch {
      return null; // no cached list yet (first start) or an unreadable one: the sync fetches anew
    }
    const sha256 = await hashFile(this.listPath).catch(() => null);
    if (sha256 !== meta.sha256 || !verifySignature(this.s.publicKey, meta.issued, sha256, meta.signature)) {
      this.log.warn({ file: this.listPath }, 'cached hot list does not verify; ignoring it until the next sync');
      return null;
    }
    const cached = { ...meta, path: this.listPath };
    this.state.current = { etag: meta.etag, issued: meta.issued, issuedAt: meta.issuedAt, sha256 };
    this.state.lastSuccessAt = meta.confirmedAt;
    return cached;
  }

  /** Syncs at once (a device just switched on wants the newest list), then on the schedule. */
  start(): void {
    this.stopped = false;
    this.runAndReschedule();
  }

  /** Ends a download in progress rather than waiting for it (a list may take minutes). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.state.nextAt = null;
    await this.fetcher.close();
  }

  /** One sync now (single flight: a second call joins the running one). */
  syncNow(): Promise<SyncResult> {
    this.running ??= this.runOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private runAndReschedule(): void {
    void this.syncNow().then((result) => {
      const failed = result === 'failed' || result === 'rejected';
      this.schedule(failed ? Math.min(this.backoff.next(), this.s.intervalMs) : this.s.intervalMs);
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.state.nextAt = this.clock.now() + delayMs;
    this.timer = setTimeout(() => this.runAndReschedule(), delayMs);
  }

  private async runOnce(): Promise<SyncResult> {
    const st = this.state;
    st.lastAttemptAt = this.clock.now();
    const incoming = `${this.s.cacheBase}.incoming`;
    try {
      const r = await this.fetcher.fetch(incoming, st.current?.etag ?? null);
      if (r.kind === 'not-modified') return this.succeeded('not-modified');
      if (st.current && r.sha256 === st.current.sha256) {
        await rm(incoming, { force: true });
        st.current.etag = r.etag;
        return this.succeeded('not-modified');
      }
      if (st.current && r.issuedAt < st.current.issuedAt) {
        await rm(incoming, { force: true });
        throw new AlprError(HotlistErrors.HOTLIST_SYNC_ROLLBACK, { url: scrubSecrets(this.s.url), issued: r.issued, current: st.current.issued });
      }
      const list: CachedList = { ...r, confirmedAt: this.clock.now() };
      const applied = await this.apply(list);
      if (!applied.ok) {
        await rm(incoming, { force: true });
        return this.failed('rejected', applied.detail);
      }
      await rename(incoming, this.listPath);
      const { path: _path, ...meta } = { ...list, path: this.listPath };
      await writeFileAtomic(`${this.s.cacheBase}.meta.json`, JSON.stringify(meta));
      st.current = { etag: r.etag, issued: r.issued, issuedAt: r.issuedAt, sha256: r.sha256 };
      return this.succeeded('updated');
    } catch (err) {
      return this.failed(err instanceof AlprError && err.code === HotlistErrors.HOTLIST_SYNC_ROLLBACK ? 'rejected' : 'failed', errorMessage(err));
    }
  }

  private succeeded(result: SyncResult): SyncResult {
    const st = this.state;
    st.lastSuccessAt = this.clock.now();
    st.lastResult = result;
    st.lastError = null;
    st.failures = 0;
    this.backoff.reset();
    if (result === 'not-modified' && st.current) void this.touchConfirmed();
    this.log.info({ result }, result === 'updated' ? 'hot list updated from the central server' : 'hot list is current');
    this.onChange();
    return result;
  }

  private failed(result: SyncResult, detail: string): SyncResult {
    const st = this.state;
    st.lastResult = result;
    st.lastError = detail;
    st.failures++;
    // The first failure is logged loudly, repeats quietly (one line per attempt at debug).
    if (st.failures === 1) this.log.error({ result }, detail);
    else this.log.debug({ result, failures: st.failures }, detail);
    this.onChange();
    return result;
  }

  /** Records in the cache's metadata that the server confirmed the list again (list age after a restart). */
  private async touchConfirmed(): Promise<void> {
    const file = `${this.s.cacheBase}.meta.json`;
    try {
      const meta = JSON.parse(await readFile(file, 'utf8')) as CachedList;
      meta.confirmedAt = this.state.lastSuccessAt ?? meta.confirmedAt;
      if (this.state.current) meta.etag = this.state.current.etag;
      await writeFileAtomic(file, JSON.stringify(meta));
    } catch (err) {
      this.log.warn({ err }, 'cannot update the cached hot list metadata');
    }
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o600, flush: true });
  await rename(tmp, path);
}
