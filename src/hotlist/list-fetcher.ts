/**
 * One conditional download of the signed hot list over HTTPS: If-None-Match with the last ETag,
 * a size limit checked against Content-Length and again while streaming, a whole-request
 * timeout, the body hashed while it is written to disk, then the Ed25519 signature checked.
 * Failures come back as `AlprError`s with stable codes; nothing here retries or schedules.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { fetch, type Dispatcher } from 'undici';
import { AlprError } from '../shared/errors.js';
import { httpAgent, isTimeout, readCapped, requestSignal, withBearer } from '../shared/http-client.js';
import { scrubSecrets } from '../shared/redact.js';
import { HotlistErrors } from './errors.js';
import type { ListFormat } from './list-parser.js';
import { ISSUED_HEADER, SIGNATURE_HEADER, parseIssued, verifySignature } from './signed-list.js';

export interface FetchOptions {
  url: string;
  publicKey: KeyObject;
  token: string | null;
  /** PEM CA bundle for the list server, or null for the system CAs. */
  ca: string | null;
  timeoutMs: number;
  maxBytes: number;
}

export interface FetchedList {
  /** Where the verified body was written. */
  path: string;
  etag: string | null;
  issued: string;
  issuedAt: number;
  signature: string;
  sha256: string;
  bytes: number;
  format: ListFormat | null;
}

export type FetchResult = { kind: 'not-modified' } | ({ kind: 'fetched' } & FetchedList);

export class ListFetcher {
  private dispatcher: Dispatcher | null = null;
  private readonly closing = new AbortController();

  constructor(private readonly opts: FetchOptions) {}

  /** Downloads into `dest` when the server has a list other than `etag`. */
  async fetch(dest: string, etag: string | null): Promise<FetchResult> {
    const url = scrubSecrets(this.opts.url);
    const { signal } = requestSignal(this.opts.timeoutMs, this.closing.signal);
    const headers = withBearer({ accept: 'text/csv, application/x-ndjson;q=0.9, */*;q=0.5', ...(etag ? { 'if-none-match': etag } : {}) }, this.opts.token);
    this.dispatcher ??= httpAgent({ ca: this.opts.ca, timeoutMs: this.opts.timeoutMs });
    try {
      const res = await fetch(this.opts.url, { headers, signal, dispatcher: this.dispatcher, redirect: 'error' });
      if (res.status === 304) {
        await res.body?.cancel();
        return { kind: 'not-modified' };
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new AlprError(HotlistErrors.HOTLIST_SYNC_HTTP, { url, status: res.status });
      }
      const expected = res.headers.get('content-length') === null ? null : Number(res.headers.get('content-length'));
      if (expected !== null && expected > this.opts.maxBytes) {
        await res.body?.cancel();
        throw new AlprError(HotlistErrors.HOTLIST_SYNC_TOO_LARGE, { url, bytes: this.opts.maxBytes });
      }
      const signature = res.headers.get(SIGNATURE_HEADER);
      const issued = res.headers.get(ISSUED_HEADER);
      if (!signature || !issued) {
        await res.body?.cancel();
        throw new AlprError(HotlistErrors.HOTLIST_SIGNATURE_MISSING, { url, header: !signature ? SIGNATURE_HEADER : ISSUED_HEADER });
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const file = await open(dest, 'w', 0o600);
      try {
        if (res.body) {
          const tooLarge = (): AlprError => new AlprError(HotlistErrors.HOTLIST_SYNC_TOO_LARGE, { url, bytes: this.opts.maxBytes });
          await readCapped(res.body as AsyncIterable<Uint8Array>, this.opts.maxBytes, tooLarge, async (chunk, total) => {
            bytes = total;
            hash.update(chunk);
            await file.write(chunk);
          });
        }
        await file.sync();
      } catch (err) {
        await file.close();
        await rm(dest, { force: true });
        throw mapBodyError(err, url, bytes, expected, this.opts.timeoutMs);
      }
      await file.close();
      const fail = async (e: AlprError): Promise<never> => {
        await rm(dest, { force: true });
        throw e;
      };
      if (expected !== null && bytes !== expected) return fail(new AlprError(HotlistErrors.HOTLIST_SYNC_TRUNCATED, { url, got: bytes, expected }));
      const sha256 = hash.digest('hex');
      const issuedAt = parseIssued(issued);
      if (issuedAt === null || !verifySignature(this.opts.publicKey, issued, sha256, signature)) {
        return fail(new AlprError(HotlistErrors.HOTLIST_SIGNATURE_INVALID, { url }));
      }
      return { kind: 'fetched', path: dest, etag: res.headers.get('etag'), issued, issuedAt, signature, sha256, bytes, format: formatOf(res.headers.get('content-type')) };
    } catch (err) {
      if (err instanceof AlprError) throw err;
      throw mapBodyError(err, url, 0, null, this.opts.timeoutMs);
    }
  }

  /** Ends a download in progress (shutdown) and the connection pool. */
  async close(): Promise<void> {
    this.closing.abort();
    const d = this.dispatcher;
    this.dispatcher = null;
    if (d) await d.close();
  }
}

function formatOf(contentType: string | null): ListFormat | null {
  if (!contentType) return null;
  if (/csv/i.test(contentType)) return 'csv';
  if (/ndjson|jsonl|json-seq|json/i.test(contentType)) return 'jsonl';
  return null;
}

function mapBodyError(err: unknown, url: string, got: number, expected: number | null, timeoutMs: number): AlprError {
  if (err instanceof AlprError) return err;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (isTimeout(err)) return new AlprError(HotlistErrors.HOTLIST_SYNC_TIMEOUT, { url, seconds: timeoutMs / 1000 });
  if (e.name === 'AbortError') return new AlprError(HotlistErrors.HOTLIST_SYNC_NETWORK, { url, detail: 'stopped' }, { cause: err });
  if (expected !== null && got < expected) return new AlprError(HotlistErrors.HOTLIST_SYNC_TRUNCATED, { url, got, expected });
  const detail = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  return new AlprError(HotlistErrors.HOTLIST_SYNC_NETWORK, { url, detail: scrubSecrets(detail) }, { cause: err });
}
