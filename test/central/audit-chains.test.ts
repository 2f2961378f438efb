/**
 * Continuity of the devices' audit chains at the central (issue 19), on a real PostgreSQL: a
 * missing stretch is recorded when a batch shows rows above it, flagged once it has been open for
 * fleet.audit_gap_flag_after_s (time driven by the store's and the routes' injected clocks, no
 * sleeping), resolved when the device sends the rows; a rewritten row is a break. Both show in
 * `alpr-edge central chains` (exit 1), `devices`, the fleet page and its JSON, and /metrics.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centralServices } from '../../src/central/central-services.js';
import { CentralStore } from '../../src/central/central-store.js';
import type { DeviceHealth } from '../../src/central/fleet-health.js';
import { buildCentralReceiver } from '../../src/central/receiver.js';
import { staffRoutes } from '../../src/central/staff-routes.js';
import { StaffTokens } from '../../src/central/staff.js';
import { command } from '../../src/cli/central.js';
import { silentLogger } from '../../src/shared/logger.js';
import { auditHash } from '../../src/store/audit-repo.js';
import type { WireAck, WireAudit, WireAuditHead } from '../../src/upload/wire.js';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { auditChain, centralConfig, freshDatabase, wireBatch } from './helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const pg = new PostgresPeer({ fsync: false });
const WAIT_S = 600;
const START = Date.now() - 3 * 3_600_000;
/** The store's and the routes' clock: a gap is first seen three hours before the real now, and the test moves it on. */
let clock = START;
let store: CentralStore;
let app: FastifyInstance;
let admin: string;
const dir = tempDir('alpr-chains-');
let config: string;

beforeAll(async () => {
  await pg.start();
  const url = await freshDatabase(pg);
  const cfg = centralConfig({ postgres: { url }, fleet: { audit_gap_flag_after_s: WAIT_S } });
  store = new CentralStore({ url, poolMax: 4 }, silentLogger(), { now: () => clock, gapFlagAfterMs: WAIT_S * 1000 });
  await store.migrate();
  app = buildCentralReceiver({
    sink: { deliver: async (items) => (await store.write(items), items.map(() => true)) },
    store,
    tokens: null,
    logger: silentLogger(),
    bodyLimit: 1 << 20,
    retentionDays: 365,
    futureDays: 2,
    now: () => clock,
  });
  await app.register(staffRoutes, { services: centralServices(cfg, store.pool, false, () => clock) });
  await app.ready();
  admin = await new StaffTokens(store.pool, 0).issue('adm.ruiz', 'admin');
  config = join(dir, 'central.yaml');
  writeFileSync(config, `postgres:\n  url: ${url}\nlog_level: silent\nfleet:\n  audit_gap_flag_after_s: ${WAIT_S}\n`);
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  await pg.cleanup();
});

/** Posts the device's audit rows as the uploader does; returns the rows acknowledged. */
async function send(device: string, rows: WireAudit[]): Promise<number[]> {
  const res = await app.inject({ method: 'POST', url: '/v1/batches', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(wireBatch(device, { audit: rows })) });
  // 422 when every row of the batch was refused (a rewritten row).
  expect([200, 422]).toContain(res.statusCode);
  return res.json<WireAck>().acknowledged.audit;
}

async function fleet(): Promise<Map<string, DeviceHealth>> {
  const res = await app.inject({ method: 'GET', url: '/api/central/fleet', headers: { authorization: `Bearer ${admin}` } });
  expect(res.statusCode).toBe(200);
  return new Map(res.json<{ devices: DeviceHealth[] }>().devices.map((d) => [d.deviceId, d]));
}

async function metrics(): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${admin}` } });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** The fleet page's row of a device: its class (the worst cell's; no heartbeat makes it at least "warn") and its audit-log cell as [class, text]. */
async function pageRow(device: string): Promise<{ level: string; chain: [string, string] }> {
  const res = await app.inject({ method: 'GET', url: '/admin/fleet', headers: { authorization: `Bearer ${admin}` } });
  expect(res.statusCode).toBe(200);
  expect(res.body).toContain('<th>Audit log</th>');
  const row = new RegExp(`<tr class="(\\w+)"><td class="dev" title="${device}">.*</tr>`).exec(res.body);
  expect(row, `a row for ${device}`).not.toBeNull();
  const cells = [...row![0].matchAll(/<td class="(\w+)">([^<]*)<\/td>/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c)))] as [string, string]);
  return { level: row![1]!, chain: cells[cells.length - 1]! };
}

async function cli(...args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await command.run([...args, '--config', config], { out: (l) => out.push(l), err: (l) => out.push(l), env: {} });
  return { code, out };
}

describe('audit chain continuity', () => {
  const chain = auditChain(12);

  it('records a missing stretch when rows above it arrive, and leaves it unflagged while the wait runs', async () => {
    expect(await send('car-gap', chain.slice(0, 3))).toEqual([1, 2, 3]);
    // Rows 4 and 5 went missing (a batch lost, or the device's log cut); 6 and 7 come ahead of them.
    expect(await send('car-gap', chain.slice(5, 7))).toEqual([]);
    clock = START + (WAIT_S - 1) * 1000;
    expect(await send('car-gap', chain.slice(5, 7))).toEqual([]);
    const d = (await fleet()).get('car-gap')!;
    expect(d.chain).toMatchObject({ verifiedTo: 3, breaks: 0, gaps: 0, gap: { fromId: 4, toId: 5, seenAt: START, flagged: false } });
    expect(await metrics()).toContain('alpr_central_audit_chain_gaps{device="car-gap"} 0');
    expect(await metrics()).toContain('alpr_central_audit_chain_missing_rows{device="car-gap"} 2');
    expect((await pageRow('car-gap')).chain).toEqual(['ok', 'Verified to row 3; rows 4–5 awaited']);
    const rows = await store.pool.query<{ flagged_at: Date | null }>("SELECT flagged_at FROM audit_gaps WHERE device_id = 'car-gap'");
    expect(rows.rows).toEqual([{ flagged_at: null }]);
  });

  it('flags the gap once it has been open for audit_gap_flag_after_s: fleet JSON, page, metrics and the CLI', async () => {
    clock = START + WAIT_S * 1000;
    const d = (await fleet()).get('car-gap')!;
    expect(d.chain).toMatchObject({ verifiedTo: 3, breaks: 0, gaps: 1, gap: { fromId: 4, toId: 5, flagged: true } });
    const text = await metrics();
    expect(text).toContain('alpr_central_audit_chain_gaps{device="car-gap"} 1');
    expect(text).toContain('alpr_central_audit_chain_breaks{device="car-gap"} 0');
    expect(text).toContain('alpr_central_audit_chain_verified_row{device="car-gap"} 3');
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^alpr_central_[a-z_]+(\{[^}]*\})? \d+$/);
    expect(await pageRow('car-gap')).toEqual({ level: 'bad', chain: ['bad', 'Rows 4–5 missing for 10 min; verified to row 3'] });

    // The next batch stamps the flag (and logs it) once; the flag itself does not need a batch.
    clock = START + (WAIT_S + 60) * 1000;
    expect(await send('car-gap', chain.slice(5, 8))).toEqual([]);
    const stamped = await store.pool.query<{ flagged_ms: string; to_id: string }>("SELECT (extract(epoch FROM flagged_at) * 1000)::bigint AS flagged_ms, to_id FROM audit_gaps WHERE device_id = 'car-gap'");
    expect(stamped.rows).toEqual([{ flagged_ms: String(clock), to_id: '5' }]);

    // The CLI runs on the real clock: three hours after the gap was seen.
    const chains = await cli('chains');
    expect(chains.code).toBe(1);
    expect(chains.out).toContainEqual(expect.stringMatching(/^car-gap: verified to row 3, rows 4\.\.5 missing since \S+ \(\d+ s\); 0 break\(s\), 1 gap\(s\)$/));
    expect(chains.out).toContainEqual(expect.stringMatching(/^GAP car-gap rows 4\.\.5: missing since .*, not sent within 600 s though rows after them were$/));
    const devices = await cli('devices');
    expect(devices.out).toContainEqual(expect.stringMatching(/^car-gap\t.*\taudit verified to 3, 0 break\(s\), 1 gap\(s\)$/));
  });

  it('narrows the gap as rows arrive and resolves it when the device sends the rest', async () => {
    clock = START + (WAIT_S + 120) * 1000;
    expect(await send('car-gap', chain.slice(3, 4))).toEqual([4]);
    expect((await fleet()).get('car-gap')!.chain).toMatchObject({ verifiedTo: 4, gaps: 1, gap: { fromId: 5, toId: 5, flagged: true } });
    expect(await pageRow('car-gap')).toEqual({ level: 'bad', chain: ['bad', 'Row 5 missing for 12 min; verified to row 4'] });
    expect(await metrics()).toContain('alpr_central_audit_chain_missing_rows{device="car-gap"} 1');

    clock = START + (WAIT_S + 180) * 1000;
    expect(await send('car-gap', chain.slice(4, 8))).toEqual([5, 6, 7, 8]);
    expect((await fleet()).get('car-gap')!.chain).toMatchObject({ verifiedTo: 8, breaks: 0, gaps: 0, gap: null });
    const text = await metrics();
    expect(text).toContain('alpr_central_audit_chain_gaps{device="car-gap"} 0');
    expect(text).toContain('alpr_central_audit_chain_missing_rows{device="car-gap"} 0');
    expect((await pageRow('car-gap')).chain).toEqual(['ok', 'Verified to row 8']);
    const chains = await cli('chains');
    expect(chains).toMatchObject({ code: 0 });
    expect(chains.out).toContain('car-gap: verified to row 8; 0 break(s), 0 gap(s)');
    expect(chains.out).toContainEqual(expect.stringMatching(/^filled car-gap rows 4\.\.5: missing from \S+ to \S+ \(was flagged\)$/));
  });

  it('a gap that fills within the wait is never flagged, and a later gap is a new record', async () => {
    clock = START + 2 * WAIT_S * 1000;
    expect(await send('car-gap', chain.slice(9, 10))).toEqual([]);
    clock += 30_000;
    expect(await send('car-gap', chain.slice(8, 10))).toEqual([9, 10]);
    const gaps = await store.pool.query<{ from_id: string; to_id: string; flagged: boolean; open: boolean }>(
      "SELECT from_id, to_id, flagged_at IS NOT NULL AS flagged, resolved_at IS NULL AS open FROM audit_gaps WHERE device_id = 'car-gap' ORDER BY id",
    );
    expect(gaps.rows).toEqual([
      { from_id: '4', to_id: '5', flagged: true, open: false },
      { from_id: '9', to_id: '9', flagged: false, open: false },
    ]);
    expect((await cli('chains')).out).toContainEqual(expect.stringMatching(/^filled car-gap rows 9\.\.9: missing from \S+ to \S+$/));
  });

  it('still flags a rewritten row as a break, everywhere', async () => {
    const rw = auditChain(3);
    expect(await send('car-rw', rw)).toEqual([1, 2, 3]);
    // Row 2 as the device's log now has it: other content, chained to the same row 1, hashing right.
    const base = { id: 2, at: rw[1]!.at, user: 'ofc.lee', action: 'login', object: null, purpose: 'patrol', caseNumber: '26-1', details: { n: 1 }, ip: null };
    const rewritten: WireAudit = { ...rw[1]!, action: 'login', hash: auditHash(rw[0]!.hash, base) };
    expect(await send('car-rw', [rewritten])).toEqual([]);
    const d = (await fleet()).get('car-rw')!;
    expect(d.chain).toMatchObject({ verifiedTo: 3, breaks: 1, gaps: 0, gap: null });
    expect(await metrics()).toContain('alpr_central_audit_chain_breaks{device="car-rw"} 1');
    expect(await pageRow('car-rw')).toEqual({ level: 'bad', chain: ['bad', '1 rewritten row; verified to row 3'] });
    const chains = await cli('chains');
    expect(chains.code).toBe(1);
    expect(chains.out).toContainEqual(expect.stringMatching(/^BREAK car-rw row 2: row 2 contradicts the stored row/));
    expect(chains.out).toContain('car-rw: verified to row 3; 1 break(s), 0 gap(s)');
    expect((await cli('devices')).out).toContainEqual(expect.stringMatching(/^car-rw\t.*\taudit verified to 3, 1 break\(s\), 0 gap\(s\)$/));
  });
});

/** Posts a batch with the device's reported head (audit_head) as the uploader builds it; returns the answer. */
async function post(device: string, rows: WireAudit[], head: WireAuditHead | undefined, sentAt = clock): Promise<{ status: number; acked: number[] }> {
  const res = await app.inject({ method: 'POST', url: '/v1/batches', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(wireBatch(device, { audit: rows, audit_head: head, sent_at: sentAt })) });
  return { status: res.statusCode, acked: res.statusCode === 400 ? [] : res.json<WireAck>().acknowledged.audit };
}

describe('the audit-chain head the device reports in each batch (audit_head)', () => {
  const c = auditChain(6);
  const head = (n: number): WireAuditHead => ({ id: n, hash: c[n - 1]!.hash });
  const T = START + 3 * WAIT_S * 1000;

  it('rows missing at the end of the log, nothing sent above them, are a gap, flagged after the wait like any other', async () => {
    clock = T;
    expect(await post('car-tail', c.slice(0, 3), head(5))).toEqual({ status: 200, acked: [1, 2, 3] });
    let d = (await fleet()).get('car-tail')!;
    expect(d.chain).toMatchObject({ verifiedTo: 3, breaks: 0, gaps: 0, gap: { fromId: 4, toId: 5, seenAt: T, flagged: false, tail: true }, reported: { id: 5, at: T } });
    let text = await metrics();
    expect(text).toContain('alpr_central_audit_chain_missing_rows{device="car-tail"} 2');
    expect(text).toContain('alpr_central_audit_chain_reported_row{device="car-tail"} 5');
    expect(text).toContain('alpr_central_audit_chain_gaps{device="car-tail"} 0');
    expect((await pageRow('car-tail')).chain).toEqual(['ok', 'Verified to row 3; rows 4–5 awaited']);

    clock = T + WAIT_S * 1000;
    d = (await fleet()).get('car-tail')!;
    expect(d.chain).toMatchObject({ verifiedTo: 3, gaps: 1, gap: { fromId: 4, toId: 5, flagged: true, tail: true } });
    text = await metrics();
    expect(text).toContain('alpr_central_audit_chain_gaps{device="car-tail"} 1');
    expect(await pageRow('car-tail')).toEqual({ level: 'bad', chain: ['bad', 'Rows 4–5 missing for 10 min; verified to row 3'] });
    // A batch without audit rows (detections only) still carries the head and stamps the flag.
    expect(await post('car-tail', [], head(5))).toMatchObject({ status: 200 });
    const stamped = await store.pool.query<{ flagged: boolean; tail: boolean }>("SELECT flagged_at IS NOT NULL AS flagged, tail FROM audit_gaps WHERE device_id = 'car-tail'");
    expect(stamped.rows).toEqual([{ flagged: true, tail: true }]);
    const chains = await cli('chains');
    expect(chains.code).toBe(1);
    expect(chains.out).toContainEqual(expect.stringMatching(/^car-tail: verified to row 3 \(device reports row 5\), rows 4\.\.5 missing since \S+ \(\d+ s\); 0 break\(s\), 1 gap\(s\)$/));
    expect(chains.out).toContainEqual(expect.stringMatching(/^GAP car-tail rows 4\.\.5: missing since .*, not sent within 600 s though the device reports its log reaches row 5$/));

    // The rows come after all: resolved, and the chain is whole up to the head.
    clock += 60_000;
    expect(await post('car-tail', c.slice(3, 5), head(5))).toEqual({ status: 200, acked: [4, 5] });
    expect((await fleet()).get('car-tail')!.chain).toMatchObject({ verifiedTo: 5, breaks: 0, gaps: 0, gap: null, reported: { id: 5 } });
    expect((await cli('chains')).out).toContainEqual(expect.stringMatching(/^filled car-tail rows 4\.\.5: missing from \S+ to \S+ \(was flagged\)$/));
  });

  it('a head that runs ahead of a full batch is filled by the next batch and never flagged', async () => {
    clock = T;
    expect(await post('car-busy', c.slice(0, 2), head(4))).toEqual({ status: 200, acked: [1, 2] });
    clock += 5_000;
    expect(await post('car-busy', c.slice(2, 4), head(4))).toEqual({ status: 200, acked: [3, 4] });
    clock = T + 2 * WAIT_S * 1000;
    expect((await fleet()).get('car-busy')!.chain).toMatchObject({ verifiedTo: 4, breaks: 0, gaps: 0, gap: null });
    const gaps = await store.pool.query<{ flagged: boolean; open: boolean }>("SELECT flagged_at IS NOT NULL AS flagged, resolved_at IS NULL AS open FROM audit_gaps WHERE device_id = 'car-busy'");
    expect(gaps.rows).toEqual([{ flagged: false, open: false }]);
  });

  it('a head that goes back below rows the central holds is a break', async () => {
    clock = T;
    expect(await post('car-back', c.slice(0, 3), head(3))).toEqual({ status: 200, acked: [1, 2, 3] });
    clock += 1000;
    // The device's log now ends at row 2: row 3 was removed (or the database was replaced).
    expect(await post('car-back', [], head(2))).toMatchObject({ status: 200 });
    expect((await fleet()).get('car-back')!.chain).toMatchObject({ verifiedTo: 3, breaks: 1, gap: null, reported: { id: 2 } });
    expect(await metrics()).toContain('alpr_central_audit_chain_breaks{device="car-back"} 1');
    expect((await pageRow('car-back')).level).toBe('bad');
    const chains = await cli('chains');
    expect(chains.code).toBe(1);
    expect(chains.out).toContain('BREAK car-back row 3: the device reports its log ending at row 2, below row 3 the central holds (rows removed from the end?)');
  });

  it('a head below the one reported before is a break, even before those rows arrived', async () => {
    clock = T;
    expect(await post('car-cut', c.slice(0, 2), head(5))).toEqual({ status: 200, acked: [1, 2] });
    clock += 1000;
    expect(await post('car-cut', [], head(3))).toMatchObject({ status: 200 });
    expect((await chainBreaks('car-cut'))).toEqual(['row 4: the device reports its log ending at row 3, below row 5 the device reported before (rows removed from the end?)']);
  });

  it('a late retry of a batch built before the newest report is not taken for a log gone back', async () => {
    clock = T;
    expect(await post('car-late', c.slice(0, 4), head(4), T)).toEqual({ status: 200, acked: [1, 2, 3, 4] });
    // Built a second earlier, answered late by another receiver: same rows, an older head.
    expect(await post('car-late', c.slice(0, 2), head(2), T - 1000)).toEqual({ status: 200, acked: [1, 2] });
    expect(await chainBreaks('car-late')).toEqual([]);
    expect((await fleet()).get('car-late')!.chain).toMatchObject({ verifiedTo: 4, breaks: 0, reported: { id: 4 } });
  });

  it('a head whose hash is not the stored row is a break, on arrival or when the rows come later', async () => {
    clock = T;
    expect(await post('car-hash', c.slice(0, 3), { id: 3, hash: c[1]!.hash })).toEqual({ status: 200, acked: [1, 2, 3] });
    expect(await chainBreaks('car-hash')).toEqual(['row 3: row 3 as the device reports it differs from the stored row (rewritten?)']);
    // Reported ahead of its rows with one hash; the rows then come with another.
    expect(await post('car-hash2', c.slice(0, 2), { id: 4, hash: c[0]!.hash })).toEqual({ status: 200, acked: [1, 2] });
    expect(await post('car-hash2', c.slice(2, 4), head(4), T + 1000)).toEqual({ status: 200, acked: [3, 4] });
    expect(await chainBreaks('car-hash2')).toEqual(['row 4: row 4 as the device reported it differs from the stored row (rewritten?)']);
  });

  it('refuses a batch whose audit_head is not a row id and a chain hash (no text can ride in it)', async () => {
    for (const bad of [{ id: 3, hash: 'ABC123' }, { id: -1, hash: c[0]!.hash }, { id: 1, hash: c[0]!.hash, plate: 'ABC123' }, { id: 1.5, hash: c[0]!.hash }]) {
      expect(await post('car-bad', c.slice(0, 1), bad as WireAuditHead)).toEqual({ status: 400, acked: [] });
    }
    expect((await fleet()).get('car-bad')).toBeUndefined();
  });
});

async function chainBreaks(device: string): Promise<string[]> {
  const r = await store.pool.query<{ row_id: string; problem: string }>('SELECT row_id, problem FROM chain_breaks WHERE device_id = $1 ORDER BY id', [device]);
  return r.rows.map((x) => `row ${x.row_id}: ${x.problem}`);
}
