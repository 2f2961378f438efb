/**
 * What an HTTP answer to a batch means for its items. Pure: the tests feed it status codes,
 * headers and bodies as a table.
 *
 * Only a 2xx whose body acknowledges an item by id settles that item (alprd deleted queued reads
 * on any answer, errors included, and lost them). Everything not acknowledged is sent again.
 */
import type { WireAck, WireRejection, WireStream } from './wire.js';

export type Outcome =
  /** 2xx with a readable acknowledgement. Items in neither list are sent again. */
  | { kind: 'ack'; ack: WireAck }
  /** 4xx naming bad items: quarantine those, send the rest again at once. */
  | { kind: 'reject-items'; rejected: WireRejection[]; status: number }
  /** Batch too large for the server: send fewer items. */
  | { kind: 'too-large'; status: number }
  /** Transient (5xx, 408, 429, unreadable 2xx): same batch again after a delay. */
  | { kind: 'retry'; status: number; reason: string; retryAfterMs: number | null }
  /** A 4xx about the request as a whole (auth, wrong URL): same batch again, but the link is red. */
  | { kind: 'refused'; status: number; reason: string };

const STREAMS = new Set<WireStream>(['detection', 'hit', 'audit', 'correction']);

export function classifyResponse(status: number, headers: Record<string, string | string[] | undefined>, body: unknown, now: number): Outcome {
  if (status >= 200 && status < 300) {
    const ack = parseAck(body);
    return ack
      ? { kind: 'ack', ack }
      : { kind: 'retry', status, reason: `HTTP ${status} without a readable acknowledgement`, retryAfterMs: null };
  }
  if (status === 429 || status === 503 || status === 408) {
    return { kind: 'retry', status, reason: `HTTP ${status}`, retryAfterMs: parseRetryAfter(header(headers, 'retry-after'), now) };
  }
  if (status >= 500) return { kind: 'retry', status, reason: `HTTP ${status}`, retryAfterMs: parseRetryAfter(header(headers, 'retry-after'), now) };
  if (status === 413) return { kind: 'too-large', status };
  const rejected = parseRejections((body as { rejected?: unknown } | null)?.rejected);
  if (rejected && rejected.length > 0) return { kind: 'reject-items', rejected, status };
  const message = typeof (body as { message?: unknown } | null)?.message === 'string' ? `: ${(body as { message: string }).message}` : '';
  return { kind: 'refused', status, reason: `HTTP ${status}${message}` };
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

export function parseAck(body: unknown): WireAck | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const a = b.acknowledged as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') return null;
  const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : v === undefined ? [] : null);
  const numbers = (v: unknown): number[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? v : v === undefined ? [] : null);
  const detections = strings(a.detections);
  const hits = numbers(a.hits);
  const audit = numbers(a.audit);
  // Absent from a receiver of version 1 (it keeps no corrections): none acknowledged.
  const corrections = numbers(a.corrections);
  const rejected = b.rejected === undefined ? [] : parseRejections(b.rejected);
  if (!detections || !hits || !audit || !corrections || !rejected) return null;
  return { batch_id: typeof b.batch_id === 'string' ? b.batch_id : '', acknowledged: { detections, hits, audit, corrections }, rejected };
}

function parseRejections(v: unknown): WireRejection[] | null {
  if (!Array.isArray(v)) return null;
  const out: WireRejection[] = [];
  for (const r of v as unknown[]) {
    const x = r as Partial<WireRejection> | null;
    if (!x || !STREAMS.has(x.stream as WireStream) || (typeof x.id !== 'string' && typeof x.id !== 'number')) return null;
    out.push({ stream: x.stream!, id: x.id, reason: typeof x.reason === 'string' ? x.reason : 'rejected' });
  }
  return out;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
