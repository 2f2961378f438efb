import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signedMessage } from '../../src/hotlist/signed-list.js';
import { hotlistConfig, makeHotlist, removeDir, type Harness } from './fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

// Removed after the afterAll below (registered later, so run first) has closed the server.
const certDir = tempDir('hotlist-tls-');
let server: Server;
let url = '';
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
const requests: IncomingMessage[] = [];
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1: the device trusts it through hotlist.sync.ca_file.
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
  ], { stdio: 'ignore' });
  server = createServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hotlist`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.hotlist.stop();
    removeDir(h.dataDir);
  }
  requests.length = 0;
});

function signed(body: string, issued: string, key: KeyObject = privateKey): Record<string, string> {
  const digest = createHash('sha256').update(body).digest('hex');
  return { 'x-hotlist-issued': issued, 'x-hotlist-signature': sign(null, signedMessage(issued, digest), key).toString('base64') };
}

function serve(body: string, issued: string, opts: { etag?: string; key?: KeyObject; headers?: Record<string, string> } = {}): void {
  handler = (req, res) => {
    if (opts.etag && req.headers['if-none-match'] === opts.etag) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body), ...(opts.etag ? { etag: opts.etag } : {}), ...signed(body, issued, opts.key), ...opts.headers });
    res.end(body);
  };
}

async function syncing(over: Record<string, unknown> = {}): Promise<Harness> {
  const h = makeHotlist(
    hotlistConfig({
      sync: {
        ...hotlistConfig().sync,
        enabled: true,
        url,
        public_key: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        ca_file: join(certDir, 'cert.pem'),
        timeout_s: 2,
        max_mb: 0.01,
        ...over,
      },
    }),
  );
  open.push(h);
  await h.hotlist.start();
  return h;
}

const LIST1 = 'plate,list\nAAA111,stolen_vehicle\n';
const LIST2 = 'plate,list\nAAA111,stolen_vehicle\nBBB222,warrant\n';
const read = (text: string): { text: string; confidence: number }[] => [{ text, confidence: 0.9 }];
const central = (h: Harness, text: string): string[] => h.hotlist.match(read(text)).filter((x) => x.entry.source === 'central').map((x) => x.generation);

describe('sync from the central server over HTTPS', () => {
  it('downloads, verifies and swaps in a signed list, then asks with the ETag and accepts 304', async () => {
    serve(LIST1, '2026-11-25T06:00:00Z', { etag: '"v1"' });
    const h = await syncing();
    // start() runs the first sync at once; syncNow() joins it.
    expect(await h.hotlist.syncNow()).toBe('updated');
    expect(central(h, 'AAA111')).toHaveLength(1);
    const generation = central(h, 'AAA111')[0]!;
    expect(h.registry.get('hotlist')!.state).toBe('ok');

    const before = requests.length;
    expect(await h.hotlist.syncNow()).toBe('not-modified');
    expect(requests[before]!.headers['if-none-match']).toBe('"v1"');
    expect(central(h, 'AAA111')).toEqual([generation]);
    expect(h.hotlist.status().sync).toMatchObject({ enabled: true, lastResult: 'not-modified', failures: 0 });
  });

  it.each<[string, () => void, string, string]>([
    ['HTTP 500', () => (handler = (_q, r) => r.writeHead(500).end('boom')), 'failed', 'HTTP 500'],
    ['a timeout', () => (handler = () => undefined), 'failed', 'timed out after 2 s'],
    [
      'a truncated body',
      () =>
        (handler = (_q, r) => {
          r.writeHead(200, { 'content-length': '500', ...signed(LIST2, '2026-11-25T12:00:00Z') });
          r.write(LIST2.slice(0, 20));
          setTimeout(() => r.destroy(), 50);
        }),
      'failed',
      'body ended after',
    ],
    ['a list signed by another key', () => serve(LIST2, '2026-11-25T12:00:00Z', { key: other.privateKey }), 'failed', 'signature does not verify'],
    ['a corrupted body', () => serve(LIST2, '2026-11-25T12:00:00Z', { headers: signed(LIST2.replace('BBB', 'CCC'), '2026-11-25T12:00:00Z') }), 'failed', 'signature does not verify'],
    ['no signature', () => (handler = (_q, r) => r.writeHead(200, { 'content-type': 'text/csv' }).end(LIST2)), 'failed', 'no x-hotlist-signature header'],
    ['a body over the size limit', () => serve(`plate,list\n${'ZZZ999,stolen_vehicle\n'.repeat(1000)}`, '2026-11-25T12:00:00Z'), 'failed', 'larger than'],
    [
      'a body over the size limit with no Content-Length (caught while streaming)',
      () =>
        (handler = (_q, r) => {
          const big = `plate,list\n${'ZZZ999,stolen_vehicle\n'.repeat(1000)}`;
          r.writeHead(200, { 'content-type': 'text/csv', ...signed(big, '2026-11-25T12:00:00Z') });
          // Two writes: sent chunked, so the fetcher learns the size only from what arrives.
          r.write(big.slice(0, 100));
          r.end(big.slice(100));
        }),
      'failed',
      'larger than',
    ],
    ['an older list than the one in force', () => serve(LIST2, '2026-11-25T05:00:00Z'), 'rejected', 'is older than the one in force'],
    ['a signed list with a bad row', () => serve('plate,list\nBBB222,\n', '2026-11-25T12:00:00Z'), 'rejected', 'rejected (1 problem(s))'],
  ])('refuses %s and keeps the list in force', async (_name, arrange, result, message) => {
    serve(LIST1, '2026-11-25T06:00:00Z');
    const h = await syncing();
    await h.hotlist.syncNow();
    const generation = central(h, 'AAA111')[0];
    expect(generation).toBeDefined();

    arrange();
    expect(await h.hotlist.syncNow()).toBe(result);
    expect(central(h, 'AAA111')).toEqual([generation]);
    expect(central(h, 'BBB222')).toEqual([]);
    expect(h.hotlist.status().sync).toMatchObject({ lastResult: result, failures: 1 });
    expect((h.hotlist.status().sync as { lastError: string }).lastError).toContain(message);
  });

  it('keeps the verified list on disk and loads it at the next start without network', async () => {
    serve(LIST1, '2026-11-25T06:00:00Z');
    const first = await syncing();
    await first.hotlist.syncNow();
    await first.hotlist.stop();

    handler = (_q, r) => r.writeHead(503).end();
    const again = makeHotlist(
      hotlistConfig({
        sync: { ...hotlistConfig().sync, enabled: true, url, public_key: publicKey.export({ format: 'pem', type: 'spki' }).toString(), ca_file: join(certDir, 'cert.pem'), timeout_s: 2 },
      }),
      { dataDir: first.dataDir, clock: first.clock },
    );
    open.push(again);
    await again.hotlist.start();
    expect(central(again, 'AAA111')).toHaveLength(1);
  });

  it('refuses a cached list that was altered on disk', async () => {
    serve(LIST1, '2026-11-25T06:00:00Z');
    const first = await syncing();
    await first.hotlist.syncNow();
    await first.hotlist.stop();
    writeFileSync(join(first.dataDir, 'hotlist-central.list'), LIST2);

    handler = (_q, r) => r.writeHead(503).end();
    const again = makeHotlist(
      hotlistConfig({
        sync: { ...hotlistConfig().sync, enabled: true, url, public_key: publicKey.export({ format: 'pem', type: 'spki' }).toString(), ca_file: join(certDir, 'cert.pem'), timeout_s: 2 },
      }),
      { dataDir: first.dataDir, clock: first.clock },
    );
    open.push(again);
    await again.hotlist.start();
    expect(central(again, 'AAA111')).toEqual([]);
    expect(again.registry.get('hotlist')!.state).toBe('down');
  });
});

describe('readiness from list age', () => {
  it('is red with no list yet, green when fresh, amber when the sync is late, red past max_age_h', async () => {
    handler = (_q, r) => r.writeHead(503).end();
    const h = await syncing({ interval_h: 6 });
    await h.hotlist.syncNow();
    expect(h.registry.get('hotlist')!.state).toBe('down');

    serve(LIST1, '2026-11-25T06:00:00Z');
    await h.hotlist.syncNow();
    expect(h.registry.get('hotlist')!.state).toBe('ok');

    handler = (_q, r) => r.writeHead(503).end();
    h.clock.advance(10 * 3_600_000);
    await h.hotlist.syncNow();
    expect(h.registry.get('hotlist')!.state).toBe('degraded');
    expect(h.registry.readiness().verdict).toBe('amber');

    h.clock.advance(15 * 3_600_000);
    await h.hotlist.syncNow();
    expect(h.registry.get('hotlist')!.state).toBe('down');
    expect(h.registry.get('hotlist')!.message).toContain('more than the 24 h allowed');
    expect(h.registry.readiness().verdict).toBe('red');
  });
});

describe('schedule', () => {
  it('schedules the retry after a failed sync within the backoff delay, not after interval_h', async () => {
    handler = (_q, r) => r.writeHead(500).end();
    const h = await syncing({ interval_h: 6, retry_initial_s: 60, retry_max_s: 600 });
    await h.hotlist.syncNow();
    await new Promise((r) => setImmediate(r));
    const afterFailure = h.hotlist.syncState!.nextAt! - h.clock.now();
    expect(afterFailure).toBeGreaterThanOrEqual(30_000);
    expect(afterFailure).toBeLessThanOrEqual(60_000);
  });
});

describe('shutdown', () => {
  it('stop() ends a download in progress instead of waiting for its timeout', async () => {
    handler = () => undefined; // the server never answers
    const h = makeHotlist(
      hotlistConfig({
        sync: { ...hotlistConfig().sync, enabled: true, url, public_key: publicKey.export({ format: 'pem', type: 'spki' }).toString(), ca_file: join(certDir, 'cert.pem'), timeout_s: 600 },
      }),
    );
    await h.hotlist.start();
    const pending = h.hotlist.syncNow();
    await h.hotlist.stop();
    expect(await pending).toBe('failed');
    expect(h.hotlist.syncState!.lastError).toContain('stopped');
    removeDir(h.dataDir);
  });
});

