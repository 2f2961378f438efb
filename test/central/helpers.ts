/** Shared set-up of the central tests: a PostgreSQL database per test file, configs, wire builders. */
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { centralConfigFromObject, type CentralConfig } from '../../src/central/config.js';
import { uuidv7 } from '../../src/shared/uuid.js';
import { auditHash } from '../../src/store/audit-repo.js';
import type { WireAudit, WireBatch, WireDetection, WireHit } from '../../src/upload/wire.js';
import type { PostgresPeer } from '../peers/postgres-peer.js';

let dbCounter = 0;

/** A fresh database on the peer; returns its URL. */
export async function freshDatabase(pg: PostgresPeer): Promise<string> {
  const name = `t${process.pid}_${++dbCounter}`;
  const c = new Client({ connectionString: pg.url });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return `postgres://postgres@127.0.0.1:${pg.port}/${name}`;
}

export function centralConfig(over: Record<string, unknown> & { postgres: { url: string } }): CentralConfig {
  return centralConfigFromObject({ auth: { mode: 'none' }, http: { port: 0 }, log_level: 'silent', ...over }, process.cwd());
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export function jpegBytes(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size, seed & 0xff);
  b[0] = 0xff;
  b[1] = 0xd8;
  b[size - 2] = 0xff;
  b[size - 1] = 0xd9;
  b.writeUInt32BE(seed >>> 0, 2);
  return b;
}

export function wireDetection(over: Partial<WireDetection> & { at?: number; image?: Buffer | null } = {}): WireDetection {
  const { at = Date.now() - 60_000, image = null, ...rest } = over;
  const id = rest.id ?? uuidv7(at);
  return {
    id,
    revision: 0,
    camera_id: 'front',
    text: 'ABC123',
    confidence: 0.9,
    candidates: [{ text: 'ABC123', confidence: 0.9 }],
    region: 'us',
    first_seen: at - 1000,
    last_seen: at,
    best_at: at - 500,
    frame_count: 4,
    direction: 'approaching',
    box: { x: 1, y: 2, w: 3, h: 4 },
    position: null,
    stored_at: at,
    evidence_hold: false,
    images: { plate: image ? { sha256: sha(image), bytes: image.length, content_type: 'image/jpeg', data: image } : null, overview: null },
    hits: [],
    ...rest,
  };
}

export function wireHit(detectionId: string, id: number, over: Partial<WireHit> = {}): WireHit {
  return {
    id,
    detection_id: detectionId,
    entry: { plate: 'ABC123', list: 'stolen', reason: 'stolen vehicle', caseNumber: '26-1' } as unknown as WireHit['entry'],
    generation: 'g1',
    kind: 'exact',
    read_text: 'ABC123',
    explanation: 'exact match',
    informational: false,
    retroactive: false,
    created_at: Date.now(),
    outcome: null,
    verified_by: null,
    verified_at: null,
    note: null,
    ...over,
  };
}

/** A valid audit chain of `n` rows starting after `prev` (ids from `firstId`). */
export function auditChain(n: number, firstId = 1, prev = '0'.repeat(64)): WireAudit[] {
  const rows: WireAudit[] = [];
  for (let i = 0; i < n; i++) {
    const base = { id: firstId + i, at: 1_767_000_000_000 + i, user: 'ofc.lee', action: 'search', object: null, purpose: 'patrol', caseNumber: '26-1', details: { n: i }, ip: null };
    const hash = auditHash(prev, base);
    rows.push({ id: base.id, at: base.at, user: base.user, action: base.action, object: null, purpose: base.purpose, case_number: base.caseNumber, details: base.details, ip: null, prev_hash: prev, hash });
    prev = hash;
  }
  return rows;
}

export function wireBatch(device: string, parts: Partial<Pick<WireBatch, 'detections' | 'hits' | 'audit' | 'audit_head' | 'sent_at'>>, batchId = uuidv7()): WireBatch {
  return { api: 1, device_id: device, batch_id: batchId, sent_at: Date.now(), detections: [], hits: [], audit: [], ...parts };
}
