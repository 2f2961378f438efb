/**
 * Hot-list publishing from the central: hot plates entered by staff under the device's policy
 * rules, cut into a signed list kept in PostgreSQL, fetched by the device's own ListFetcher
 * (ETag / If-None-Match → 304), every entry and refusal audited.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CentralApp } from '../../src/central/central-app.js';
import { CentralAudit } from '../../src/central/central-audit.js';
import { DeviceTokens } from '../../src/central/device-tokens.js';
import { StaffTokens } from '../../src/central/staff.js';
import { parseRow } from '../../src/hotlist/entry-row.js';
import { HotlistSync } from '../../src/hotlist/hotlist-sync.js';
import { ListFetcher } from '../../src/hotlist/list-fetcher.js';
import { parseRecords } from '../../src/hotlist/list-parser.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { centralConfig, freshDatabase } from './helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const pg = new PostgresPeer({ fsync: false });
const keys = generateKeyPairSync('ed25519');
const dir = tempDir('alpr-central-hotlist-');
let app: CentralApp;
let deviceToken: string;
let officer: string;
let pool: import('pg').Pool;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  const keyFile = join(dir, 'hotlist-signing.pem');
  writeFileSync(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await pg.start();
  app = new CentralApp(
    centralConfig({ postgres: { url: await freshDatabase(pg) }, auth: { mode: 'tokens', cache_s: 0 }, hotlist: { signing_key_file: keyFile, special_lists: ['info_only'] } }),
    'all',
    silentLogger(),
  );
  await app.start();
  pool = (app as unknown as { store: { pool: import('pg').Pool } }).store.pool;
  deviceToken = await new DeviceTokens(pool, 0).issue('car-12');
  officer = await new StaffTokens(pool, 0).issue('ofc.lee', 'officer');
});
afterAll(async () => {
  await app?.stop();
  await pg.cleanup();
});

const fetcher = (publicKey = keys.publicKey, token: string | null = deviceToken): ListFetcher =>
  new ListFetcher({ url: `${app.address}/v1/hotlist`, publicKey, token, ca: null, timeoutMs: 10_000, maxBytes: 1 << 20 });

function post(path: string, body: unknown, token = officer): Promise<Response> {
  return fetch(`${app.address}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const entry = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  plate: '7ABC123',
  state: 'CA',
  list: 'stolen',
  reason: 'stolen vehicle, taken from driveway',
  caseNumber: '26-004512',
  officerName: 'Officer Lee',
  officerContact: '916-555-0100',
  expiresAt: Date.now() + 7 * DAY,
  alsoInNcic: false,
  ...over,
});

/** The plates a device reads from a fetched list file, through its own parser and row rules. */
function devicePlates(path: string): string[] {
  const plates: string[] = [];
  for (const rec of parseRecords(readFileSync(path), 'jsonl')) {
    if (!('raw' in rec)) throw new Error(`line ${rec.line}: ${rec.problem.message}`);
    const r = parseRow(rec.raw, { specialLists: new Set(), defaultPriority: 5, minWildcardLiterals: 3, source: 'central', now: Date.now() });
    if (!('row' in r)) throw new Error(`line ${rec.line} not a live row`);
    plates.push(r.row.plate);
  }
  return plates;
}

describe('central hot-list publishing', () => {
  it('publishes an entered hot plate to a device that fetches the signed list, then answers 304 to the same ETag', async () => {
    const res = await post('/api/central/hotplates', entry());
    expect(res.status).toBe(201);
    const created = (await res.json()) as { entry: { id: string; plate: string }; listVersion: number };
    expect(created.entry.plate).toBe('7ABC123');

    const f = fetcher();
    try {
      const first = await f.fetch(join(dir, 'list-1'), null);
      expect(first.kind).toBe('fetched');
      if (first.kind !== 'fetched') return;
      expect(first.format).toBe('jsonl');
      expect(first.etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(devicePlates(first.path)).toEqual(['7ABC123']);
      const line = JSON.parse(readFileSync(first.path, 'utf8').trim()) as Record<string, unknown>;
      expect(line).toMatchObject({ case_number: '26-004512', officer_name: 'Officer Lee', source: 'central', entered_by: 'ofc.lee' });

      const second = await f.fetch(join(dir, 'list-2'), first.etag);
      expect(second.kind).toBe('not-modified');
    } finally {
      await f.close();
    }
    const rows = await new CentralAudit(pool).byAction('hotplate.entered', 10);
    expect(rows[0]).toMatchObject({ staff: 'ofc.lee', object: created.entry.id, caseNumber: '26-004512' });
  });

  it('refuses an entry the device would refuse: no case number or XREF, no reason, no officer, expiry past 30 days or past 24 h when also in NCIC', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ caseNumber: '', subjectXref: '' }, 'caseNumber'],
      [{ reason: ' ' }, 'reason'],
      [{ officerName: '' }, 'officerName'],
      [{ officerContact: '' }, 'officerContact'],
      [{ expiresAt: Date.now() + 31 * DAY }, 'expiresAt'],
      [{ expiresAt: Date.now() - 1000 }, 'expiresAt'],
      [{ alsoInNcic: true, expiresAt: Date.now() + 25 * HOUR }, 'expiresAt'],
      [{ plate: 'A*' }, 'plate'],
    ];
    for (const [over, field] of cases) {
      const res = await post('/api/central/hotplates', entry({ plate: 'REFUSE1', ...over }));
      expect(res.status, JSON.stringify(over)).toBe(400);
      const body = (await res.json()) as { fields: { field: string; message: string }[] };
      expect(body.fields.map((e) => e.field)).toContain(field);
    }
    // 24 h with NCIC and an XREF instead of a case number are within the rules.
    expect((await post('/api/central/hotplates', entry({ plate: 'NCIC24', alsoInNcic: true, expiresAt: Date.now() + 23 * HOUR }))).status).toBe(201);
    expect((await post('/api/central/hotplates', entry({ plate: 'XREF01', caseNumber: null, subjectXref: 'X-99812' }))).status).toBe(201);
    const refused = await new CentralAudit(pool).byAction('hotplate.refused', 100);
    expect(refused.length).toBe(cases.length);
    // The refusal is on record without the plate typed.
    expect(JSON.stringify(refused)).not.toContain('REFUSE1');
  });

  it('a removed entry leaves the next list, under a new ETag', async () => {
    const res = await post('/api/central/hotplates', entry({ plate: 'GONE42' }));
    const { entry: e } = (await res.json()) as { entry: { id: string } };
    const f = fetcher();
    try {
      const before = await f.fetch(join(dir, 'list-3'), null);
      if (before.kind !== 'fetched') throw new Error('expected a list');
      expect(devicePlates(before.path)).toContain('GONE42');
      const del = await fetch(`${app.address}/api/central/hotplates/${e.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${officer}` } });
      expect(del.status).toBe(200);
      const after = await f.fetch(join(dir, 'list-4'), before.etag);
      if (after.kind !== 'fetched') throw new Error('expected a new list after the removal');
      expect(after.etag).not.toBe(before.etag);
      expect(after.issuedAt).toBeGreaterThanOrEqual(before.issuedAt);
      expect(devicePlates(after.path)).not.toContain('GONE42');
    } finally {
      await f.close();
    }
  });

  it('a device with another key refuses the list; a list is for device tokens, entry for staff tokens', async () => {
    const other = generateKeyPairSync('ed25519').publicKey;
    const f = fetcher(other);
    await expect(f.fetch(join(dir, 'list-5'), null)).rejects.toMatchObject({ code: 'HOTLIST_SIGNATURE_INVALID' });
    await f.close();
    const anonymous = fetcher(keys.publicKey, null);
    await expect(anonymous.fetch(join(dir, 'list-6'), null)).rejects.toMatchObject({ code: 'HOTLIST_SYNC_HTTP' });
    await anonymous.close();
    expect((await fetch(`${app.address}/v1/hotlist`, { headers: { authorization: `Bearer ${officer}` } })).status).toBe(401);
    expect((await post('/api/central/hotplates', entry(), deviceToken)).status).toBe(401);
    expect((await post('/api/central/hotplates', { plate: 'X' }, 'alprs_wrong')).status).toBe(401);
  });

  it("the device's scheduled sync takes the central list, keeps it as its cached copy, then confirms it by 304", async () => {
    await post('/api/central/hotplates', entry({ plate: 'SYNC77' }));
    const applied: string[][] = [];
    const sync = new HotlistSync(
      {
        url: `${app.address}/v1/hotlist`,
        publicKey: keys.publicKey,
        token: deviceToken,
        ca: null,
        intervalMs: 6 * HOUR,
        timeoutMs: 10_000,
        maxBytes: 1 << 20,
        retryInitialMs: 1000,
        retryMaxMs: 60_000,
        cacheBase: join(dir, 'hotlist-central'),
      },
      silentLogger(),
      systemClock,
      (list) => {
        applied.push(devicePlates(list.path));
        return Promise.resolve({ ok: true });
      },
      () => undefined,
    );
    try {
      expect(await sync.syncNow()).toBe('updated');
      expect(applied).toHaveLength(1);
      expect(applied[0]).toContain('SYNC77');
      expect(await sync.syncNow()).toBe('not-modified');
      expect(applied).toHaveLength(1);
      // The cached copy re-verifies after a restart (signature and digest as served).
      expect(await sync.loadCache()).not.toBeNull();
    } finally {
      await sync.stop();
    }
  });

  it('the central audit log verifies from its first row', async () => {
    expect(await new CentralAudit(pool).verify()).toBeNull();
  });
});
