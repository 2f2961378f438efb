/**
 * JetStream message bodies: a list of items as MessagePack (images as binary, no base64). A
 * message holds one item (`nats.message: item`) or a whole batch, or a chunk of a batch with
 * images (`nats.message: batch`).
 */
import { Packr } from 'msgpackr';
import type { IngestItem } from './items.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

export function encodeItems(items: readonly IngestItem[]): Uint8Array {
  return packr.pack(items);
}

const KINDS = new Set(['detection', 'hit', 'image', 'contact', 'correction']);

/** Decodes a message body; throws on anything that is not a list of items this program wrote. */
export function decodeItems(data: Uint8Array): IngestItem[] {
  const list = packr.unpack(data) as IngestItem[] | null;
  if (!Array.isArray(list)) throw new Error('message is not a list of ingest items');
  const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  for (const v of list) {
    if (!v || typeof v !== 'object' || !KINDS.has(v.kind) || typeof v.device !== 'string') throw new Error('message is not a list of ingest items');
    if (v.kind === 'image') v.data = asBuffer(v.data);
    if (v.kind === 'detection') for (const i of v.images) i.data = asBuffer(i.data);
  }
  return list;
}
