/**
 * Body encoding of the upload API: MessagePack (plain, no msgpackr record extension, so any
 * MessagePack library reads it) or JSON with images as base64; optionally gzip.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { WireBatch, WireDetection, WireImage } from './wire.js';

export type BodyFormat = 'msgpack' | 'json';

export const CONTENT_TYPES: Record<BodyFormat, string> = {
  msgpack: 'application/msgpack',
  json: 'application/json',
};

/** Without a caller's bound: larger than any batch the receiver accepts, far below a bomb's reach. */
export const DEFAULT_MAX_DECODED_BYTES = 256 * 1024 * 1024;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

export interface EncodedBody {
  body: Buffer;
  contentType: string;
  contentEncoding: 'gzip' | null;
}

export function encodeBody(value: unknown, format: BodyFormat, gzip: boolean): EncodedBody {
  const raw = format === 'msgpack' ? packr.pack(value) : Buffer.from(JSON.stringify(jsonSafe(value)));
  return { body: gzip ? gzipSync(raw, { level: 1 }) : raw, contentType: CONTENT_TYPES[format], contentEncoding: gzip ? 'gzip' : null };
}

export function encodeBatch(batch: WireBatch, format: BodyFormat, gzip: boolean): EncodedBody {
  return encodeBody(batch, format, gzip);
}

/**
 * Decodes a body by its Content-Type / Content-Encoding; throws on anything else. `maxBytes`
 * bounds the decompressed size: gunzip stops there instead of inflating a small bomb into
 * gigabytes (a 1 MB gzip answer once took the daemon from 0.4 to 2.4 GB, issue 16 item 10).
 */
export function decodeBody(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxBytes = DEFAULT_MAX_DECODED_BYTES): unknown {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  let raw = body;
  if (enc === 'gzip') raw = gunzipBounded(body, maxBytes);
  else if (enc !== 'identity' && enc !== '') throw new Error(`unsupported Content-Encoding ${enc}`);
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === CONTENT_TYPES.msgpack || type === 'application/x-msgpack' || type === 'application/vnd.msgpack') return packr.unpack(raw);
  if (type === CONTENT_TYPES.json) return JSON.parse(raw.toString('utf8'));
  throw new Error(`unsupported Content-Type ${type || '(none)'}`);
}

/** Gunzip that refuses output past `maxBytes` (zlib stops inflating there; nothing bigger is allocated). */
export function gunzipBounded(body: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`gzip body inflates past ${maxBytes} bytes`, { cause: err });
    throw err;
  }
}

/** Image bytes as a Buffer whichever encoding carried them (bin or base64). */
export function imageBytes(img: WireImage | null | undefined): Buffer | null {
  if (!img || img.data === undefined) return null;
  return typeof img.data === 'string' ? Buffer.from(img.data, 'base64') : Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
}

function jsonSafe(value: unknown): unknown {
  const batch = value as Partial<WireBatch>;
  if (!Array.isArray(batch.detections)) return value;
  return { ...batch, detections: batch.detections.map(base64Images) };
}

function base64Images(d: WireDetection): WireDetection {
  const conv = (i: WireImage | null): WireImage | null =>
    i && i.data !== undefined && typeof i.data !== 'string' ? { ...i, data: Buffer.from(i.data).toString('base64') } : i;
  return { ...d, images: { plate: conv(d.images.plate), overview: conv(d.images.overview) } };
}
