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

/** Decodes a body by its Content-Type / Content-Encoding; throws on anything else. */
export function decodeBody(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined): unknown {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  let raw = body;
  if (enc === 'gzip') raw = gunzipSync(body);
  else if (enc !== 'identity' && enc !== '') throw new Error(`unsupported Content-Encoding ${enc}`);
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === CONTENT_TYPES.msgpack || type === 'application/x-msgpack' || type === 'application/vnd.msgpack') return packr.unpack(raw);
  if (type === CONTENT_TYPES.json) return JSON.parse(raw.toString('utf8'));
  throw new Error(`unsupported Content-Type ${type || '(none)'}`);
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
