/**
 * The batch built from claimed outbox entries: each record present goes into the wire batch,
 * keyed for settlement; an entry whose record is gone (purged since it was queued) leaves the
 * outbox and is not sent.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import type { AuditRecord } from '../../src/store/audit-repo.js';
import type { OutboxEntry, OutboxRepo } from '../../src/store/outbox-repo.js';
import { BatchBuilder } from '../../src/upload/batch-builder.js';
import type { UploadRecords } from '../../src/upload/ports.js';
import { ReceiverFeatures } from '../../src/upload/receiver-features.js';
import { itemKey } from '../../src/upload/settlement.js';

const clock = { now: () => 1_700_000_000_000 };
const audit7: AuditRecord = { id: 7, at: 1, user: 'olive', action: 'login', object: null, purpose: null, caseNumber: null, details: null, ip: null, prevHash: '0'.repeat(64), hash: 'a'.repeat(64) };

function entry(outboxId: number, stream: OutboxEntry['stream'], ref: number): OutboxEntry {
  return { outboxId, stream, ref, gen: 0, priority: 0, enqueuedAt: 0, attempts: 0 };
}

describe('BatchBuilder', () => {
  it('sends the records that exist and removes from the outbox the entries whose record is gone', () => {
    const removed: number[] = [];
    const records: UploadRecords = {
      outbox: { remove: (id: number) => void removed.push(id) } as unknown as OutboxRepo,
      detections: { loadManyForUpload: () => new Map() },
      hits: { get: () => null },
      audit: { get: (id) => (id === 7 ? audit7 : null), query: () => [audit7] },
    };
    const status = new StatusRegistry().reporter('uploader', 'upload');
    const features = new ReceiverFeatures({ deviceId: 'unit-1', clock, status, logger: silentLogger(), timeoutMs: () => 1000 });
    const builder = new BatchBuilder({ images: 'deferred', deviceId: 'unit-1', store: records, clock, status, features });
    const present = entry(4, 'audit', 7);
    const batch = builder.build([entry(1, 'detection', 11), entry(2, 'hit', 12), entry(3, 'audit', 13), present], 100, false);

    expect(removed).toEqual([1, 2, 3]);
    expect(batch.wire.detections).toEqual([]);
    expect(batch.wire.hits).toEqual([]);
    expect(batch.wire.audit.map((a) => a.id)).toEqual([7]);
    expect([...batch.byKey.entries()]).toEqual([[itemKey('audit', 7), present]]);
    expect(batch.wire.audit_head).toEqual({ id: 7, hash: 'a'.repeat(64) });
  });
});
