import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody, imageBytes } from '../../src/upload/codec.js';
import { classifyResponse, parseRetryAfter } from '../../src/upload/response.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const ACK = { batch_id: 'b', acknowledged: { detections: ['a'], hits: [1], audit: [] }, rejected: [] };

describe('classifyResponse', () => {
  it.each([
    ['200 with an acknowledgement', 200, {}, ACK, { kind: 'ack' }],
    ['201 with an acknowledgement and rejects', 201, {}, { ...ACK, rejected: [{ stream: 'detection', id: 'x', reason: 'bad' }] }, { kind: 'ack' }],
    ['200 without a body', 200, {}, null, { kind: 'retry', retryAfterMs: null }],
    ['200 with a body that is not an acknowledgement', 200, {}, { ok: true }, { kind: 'retry' }],
    ['200 with acknowledged ids of the wrong type', 200, {}, { acknowledged: { detections: [1] } }, { kind: 'retry' }],
    ['500', 500, {}, null, { kind: 'retry', status: 500, retryAfterMs: null }],
    ['502', 502, {}, null, { kind: 'retry', status: 502 }],
    ['503 with Retry-After', 503, { 'retry-after': '7' }, null, { kind: 'retry', retryAfterMs: 7000 }],
    ['429 with Retry-After seconds', 429, { 'retry-after': '30' }, null, { kind: 'retry', retryAfterMs: 30_000 }],
    ['429 with an HTTP-date', 429, { 'retry-after': new Date(NOW + 90_000).toUTCString() }, null, { kind: 'retry', retryAfterMs: 90_000 }],
    ['408', 408, {}, null, { kind: 'retry' }],
    ['413', 413, {}, null, { kind: 'too-large' }],
    ['422 naming items', 422, {}, { rejected: [{ stream: 'hit', id: 4, reason: 'no entry' }] }, { kind: 'reject-items', rejected: [{ stream: 'hit', id: 4, reason: 'no entry' }] }],
    ['400 naming no items', 400, {}, { message: 'bad batch' }, { kind: 'refused', reason: 'HTTP 400: bad batch' }],
    ['401', 401, {}, { message: 'missing or wrong bearer token' }, { kind: 'refused', status: 401 }],
    ['404', 404, {}, null, { kind: 'refused', status: 404 }],
  ])('%s', (_name, status, headers, body, expected) => {
    expect(classifyResponse(status, headers, body, NOW)).toMatchObject(expected);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    [undefined, null],
    ['0', 0],
    [' 120 ', 120_000],
    [new Date(NOW - 5000).toUTCString(), 0],
    ['soon', null],
  ])('%s → %s', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});

describe('codec', () => {
  const batch = {
    api: 1,
    device_id: 'u',
    batch_id: 'b',
    sent_at: NOW,
    detections: [{ id: 'd', images: { plate: { sha256: 's', bytes: 3, content_type: 'image/jpeg', data: Buffer.from([1, 2, 3]) }, overview: null } }],
    hits: [],
    audit: [],
  };
  it.each([
    ['msgpack', false],
    ['msgpack', true],
    ['json', false],
    ['json', true],
  ] as const)('round-trips a batch as %s (gzip %s) with its image bytes', (format, gzip) => {
    const e = encodeBody(batch, format, gzip);
    const d = decodeBody(e.body, e.contentType, e.contentEncoding ?? undefined) as typeof batch;
    expect(d.sent_at).toBe(NOW);
    expect(imageBytes(d.detections[0]!.images.plate as never)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('writes plain MessagePack maps (no msgpackr records) so any decoder reads it', () => {
    const e = encodeBody({ a: 1 }, 'msgpack', false);
    expect([...e.body]).toEqual([0x81, 0xa1, 0x61, 0x01]);
  });

  it('refuses unknown encodings', () => {
    expect(() => decodeBody(Buffer.from('x'), 'application/json', 'br')).toThrow(/Content-Encoding/);
    expect(() => decodeBody(Buffer.from('x'), 'text/csv', undefined)).toThrow(/Content-Type/);
  });
});
