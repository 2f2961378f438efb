/**
 * The HTTP client setup of the daemon's outgoing requests (undici), in one place: an agent with
 * the agency's private CA (and client certificate) when configured, connect/headers/body time
 * limits and keep-alive; one whole-request signal (time limit plus shutdown); the bearer token.
 * The uploader (upload/http-client.ts), the hot-list fetcher and `alpr-edge doctor` use it.
 */
import { Agent, type Dispatcher } from 'undici';

export interface AgentOptions {
  /** PEM CA bundle to trust instead of the system CAs; null/undefined: the system CAs. */
  ca?: string | Buffer | null;
  /** Client certificate and key (PEM), for servers that require one. */
  cert?: string | Buffer | null;
  key?: string | Buffer | null;
  /** Limit on connecting, on waiting for the headers and between body chunks. */
  timeoutMs: number;
}

export function httpAgent(opts: AgentOptions): Dispatcher {
  return new Agent({
    connect: { timeout: opts.timeoutMs, ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.cert ? { cert: opts.cert } : {}), ...(opts.key ? { key: opts.key } : {}) },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 30_000,
  });
}

/** A signal that ends a whole request (connect to last byte) after `timeoutMs`, or with `stop`. */
export function requestSignal(timeoutMs: number, stop?: AbortSignal): { signal: AbortSignal; timedOut: () => boolean } {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: stop ? AbortSignal.any([timeout, stop]) : timeout, timedOut: () => timeout.aborted };
}

const AGENT_TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * True for a request that ran out of time: the whole-request signal (`TimeoutError`) or one of the
 * agent's own limits. Both run at the same limit, so which one fires first depends on the machine's load.
 */
export function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string; cause?: { code?: string } } | null | undefined;
  return e?.name === 'TimeoutError' || AGENT_TIMEOUT_CODES.has(e?.code ?? '') || AGENT_TIMEOUT_CODES.has(e?.cause?.code ?? '');
}

/** Request headers with `Authorization: Bearer` when there is a token. */
export function withBearer(headers: Record<string, string>, token: string | null | undefined): Record<string, string> {
  return token ? { ...headers, authorization: `Bearer ${token}` } : headers;
}

/**
 * Reads a response body chunk by chunk within `maxBytes` (the uploader's answers, the hot-list
 * download): the chunk that would pass the cap throws `tooLarge()`, which ends the body, so
 * nothing past the cap is ever held. Returns the bytes read.
 */
export async function readCapped(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  tooLarge: () => Error,
  onChunk: (chunk: Uint8Array, total: number) => void | Promise<void>,
): Promise<number> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge();
    await onChunk(chunk, total);
  }
  return total;
}
