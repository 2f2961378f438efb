/**
 * Misread corrections through the central tier's pure path: validated and acknowledged like the
 * reference receiver, and carried through JetStream messages (codec, message id) unchanged.
 */
import { describe, expect, it } from 'vitest';
import { finishAck, messageId, prepareBatch } from '../../src/central/items.js';
import { decodeItems, encodeItems } from '../../src/central/message-codec.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import type { WireCorrection } from '../../src/upload/wire.js';
import { wireBatch } from './helpers.js';

const now = Date.now();
const window = { now, oldestMs: now - 86_400_000, newestMs: now + 86_400_000 };

function correction(over: Partial<WireCorrection> = {}): WireCorrection {
  return { id: 1, detection_id: uuidv7(now - 60_000), hit_id: null, original_text: '8FJK392', corrected_text: '8FJK393', note: 'last digit', reported_by: 'ofc.lee', reported_at: now, ...over };
}

describe('corrections in the central ingest path', () => {
  it('acknowledges good corrections and names the bad ones with a reason', () => {
    const batch = { ...wireBatch('unit-c', {}), corrections: [correction(), correction({ id: 2, corrected_text: 'not a plate' }), correction({ id: 3, detection_id: 'x' })] };
    const p = prepareBatch(batch, window);
    expect(p.items.filter((i) => i.item.kind === 'correction')).toHaveLength(1);
    const { status, ack } = finishAck(p, p.items.map(() => true));
    expect(status).toBe(200);
    expect(ack.acknowledged.corrections).toEqual([1]);
    expect(ack.rejected).toEqual([
      { stream: 'correction', id: 2, reason: 'corrected_text must be 1-16 characters A-Z 0-9' },
      { stream: 'correction', id: 3, reason: 'detection_id must be a UUID' },
    ]);
  });

  it('a batch without corrections (a device of version 1) acknowledges none', () => {
    const { ack } = finishAck(prepareBatch(wireBatch('unit-c', {}), window), []);
    expect(ack.acknowledged.corrections).toEqual([]);
  });

  it('travels through a JetStream message unchanged, with one message id per device and correction', () => {
    const p = prepareBatch({ ...wireBatch('unit-c', {}), corrections: [correction({ id: 7 })] }, window);
    const item = p.items.find((i) => i.item.kind === 'correction')!.item;
    expect(decodeItems(encodeItems([item]))).toEqual([item]);
    expect(messageId(item)).toMatch(/^m:[A-Za-z0-9_-]{22}:7$/);
  });
});
