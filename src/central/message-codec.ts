/**
 * Items as JetStream message bodies: MessagePack (images as binary, no base64), one item per
 * message so that the message id can be the item's own id (JetStream's de-duplication).
 */
import { Packr } from 'msgpackr';
import type { IngestItem } from './items.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

export function encodeItem(item: IngestItem): Uint8Array {
  return packr.pack(item);
}

const KINDS = new Set(['detection', 'hit', 'audit', 'image', 'contact']);

/** Decodes a message body; throws on anything that is not an item this program wrote. */
export function decodeItem(data: Uint8Array): IngestItem {
  const v = packr.unpack(data) as IngestItem | null;
  if (!v || typeof v !== 'object' || !KINDS.has(v.kind) || typeof v.device !== 'string') throw new Error('message is not an ingest item');
  const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  if (v.kind === 'image') v.data = asBuffer(v.data);
  if (v.kind === 'detection') for (const i of v.images) i.data = asBuffer(i.data);
  return v;
}
