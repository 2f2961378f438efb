/**
 * The uploader's requests to the upload server: the daemon's one HTTP client setup
 * (shared/http-client.ts: keep-alive agent with an optional private CA and client certificate,
 * a time limit per request, the bearer token) plus cancellation at shutdown, and answers read
 * within a size cap and decoded.
 */
import { readFileSync } from 'node:fs';
import { request, type Dispatcher } from 'undici';
import type { UploadConfig } from '../config/sections/upload.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import { httpAgent, readCapped, requestSignal, withBearer } from '../shared/http-client.js';
import { decodeBody } from './codec.js';
import { UploadErrors } from './errors.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Decoded JSON/MessagePack body, or null when empty or unreadable. */
  body: unknown;
  /** Why the body could not be read, when it could not. */
  bodyError: string | null;
}

/** Acknowledgements are small (5,000 ids are ~200 KB); anything bigger is not one, read or inflated. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export class UploadClient {
  private readonly agent: Dispatcher;
  private readonly abort = new AbortController();

  constructor(
    private readonly config: UploadConfig,
    private readonly baseUrl: string,
  ) {
    const tls = config.tls;
    const read = (file: string): Buffer | undefined => {
      if (!file) return undefined;
      try {
        return readFileSync(file);
      } catch (err) {
        throw new AlprError(UploadErrors.UPLOAD_TLS_FILE, { file, detail: errorMessage(err) }, { cause: err });
      }
    };
    this.agent = httpAgent({ ca: read(tls.ca_file), cert: read(tls.cert_file), key: read(tls.key_file), timeoutMs: config.timeout_s * 1000 });
  }

  /**
   * Sends one request within `timeoutMs` (connect to last byte; the uploader scales it with the
   * body size); network failures and timeouts throw `UPLOAD_NETWORK`.
   */
  async send(method: 'GET' | 'POST' | 'PUT', path: string, headers: Record<string, string>, body: Buffer | null, timeoutMs = this.config.timeout_s * 1000): Promise<HttpAnswer> {
    const all = withBearer({ ...headers, accept: 'application/json' }, this.config.token?.reveal());
    const { signal } = requestSignal(timeoutMs, this.abort.signal);
    try {
      const res = await request(new URL(path, this.baseUrl), { method, headers: all, body: body ?? undefined, dispatcher: this.agent, signal, headersTimeout: timeoutMs });
      const chunks: Uint8Array[] = [];
      let size = 0;
      let bodyError: string | null = null;
      try {
        size = await readCapped(res.body, MAX_RESPONSE_BYTES, () => new Error('response too large'), (chunk) => void chunks.push(chunk));
      } catch (err) {
        // Too large, or a connection reset or truncated mid-body: the answer is unreadable, not a
        // network failure to log twice.
        bodyError = errorMessage(err);
      }
      let decoded: unknown = null;
      if (bodyError === null && size > 0) {
        try {
          decoded = decodeBody(Buffer.concat(chunks), header(res.headers['content-type']), header(res.headers['content-encoding']), MAX_RESPONSE_BYTES);
        } catch (err) {
          bodyError = errorMessage(err);
        }
      }
      return { status: res.statusCode, headers: res.headers, body: decoded, bodyError };
    } catch (err) {
      throw new AlprError(UploadErrors.UPLOAD_NETWORK, { detail: describe(err) }, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.agent.destroy();
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function describe(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const msg = errorMessage(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}
