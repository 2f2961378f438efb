import { describe, expect, it } from 'vitest';
import { finishAck, messageId, prepareBatch, uuidv7Time } from '../../src/central/items.js';
import { groupMessages } from '../../src/central/jetstream.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { jpegBytes, wireBatch, wireDetection } from './helpers.js';

const DAY = 86_400_000;
const window = () => ({ now: Date.now(), oldestMs: Date.now() - 365 * DAY, newestMs: Date.now() + DAY });

describe('ingest items', () => {
  it('reads the millisecond time of a UUIDv7 and nothing from other UUIDs', () => {
    const at = Date.UTC(2026, 11, 7, 1, 2, 3, 456);
    expect(uuidv7Time(uuidv7(at))).toBe(at);
    expect(uuidv7Time('3b241101-e2bb-4255-8caf-4136c566a962')).toBeNull();
    expect(uuidv7Time('not-a-uuid')).toBeNull();
  });

  it('groups a batch into messages under 768 KiB whose ids are the same on every retry, one per item in item mode', () => {
    const b = wireBatch('car-1', { detections: Array.from({ length: 30 }, (_, i) => wireDetection({ image: jpegBytes(100_000, i) })) });
    const first = groupMessages(prepareBatch(b, window()).items.map((i) => i.item), 'batch');
    const again = groupMessages(prepareBatch(b, window()).items.map((i) => i.item), 'batch');
    expect(first.length).toBeGreaterThan(3);
    expect(first.map((m) => m.id)).toEqual(again.map((m) => m.id));
    expect(new Set(first.map((m) => m.id)).size).toBe(first.length);
    for (const m of first) expect(m.items.reduce((s, i) => s + (i.kind === 'detection' ? i.images.reduce((t, x) => t + x.data.length, 0) : 0), 0)).toBeLessThanOrEqual(768 * 1024);
    expect(first.flatMap((m) => m.indexes)).toEqual([...Array(31).keys()]);
    const perItem = groupMessages(prepareBatch(b, window()).items.map((i) => i.item), 'item');
    expect(perItem).toHaveLength(31);
    expect(perItem[0]!.id).toBe(messageId(perItem[0]!.items[0]!));
  });

  it('keeps device-chosen text out of message ids', () => {
    const b = wireBatch('car\r\nNats-Msg-Id: x', { detections: [wireDetection()] }, 'batch\r\nevil');
    for (const m of groupMessages(prepareBatch(b, window()).items.map((i) => i.item), 'batch')) expect(m.id).toMatch(/^[A-Za-z0-9:_-]+$/);
    for (const m of groupMessages(prepareBatch(b, window()).items.map((i) => i.item), 'item')) expect(m.id).toMatch(/^[A-Za-z0-9:_-]+$/);
  });

  it('acknowledges only durable items, answers 503 when nothing became durable and 422 when everything was refused', () => {
    const p = prepareBatch(wireBatch('car-1', { detections: [wireDetection(), wireDetection(), wireDetection({ confidence: 2 })] }), window());
    const some = finishAck(structuredClone(p), [true, false, true]);
    expect(some.status).toBe(200);
    expect(some.ack.acknowledged.detections).toEqual([p.items[0]!.ack!.id]);
    expect(some.ack.rejected).toHaveLength(1);
    expect(finishAck(structuredClone(p), [false, false, false]).status).toBe(503);
    const bad = prepareBatch(wireBatch('car-1', { detections: [wireDetection({ text: 'a b' })] }), window());
    expect(finishAck(bad, []).status).toBe(422);
  });
});
