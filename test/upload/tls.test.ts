/**
 * HTTPS with a private CA and a device client certificate (mutual TLS), against the reference
 * receiver. Certificates are made with openssl for the test.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiverDb } from '../../src/receiver/receiver-db.js';
import { buildReceiver } from '../../src/receiver/server.js';
import { systemClock } from '../../src/shared/clock.js';
import { detection, openTestStore, type TestStore } from '../store/helpers/fixtures.js';
import { makeUploader, uploadConfig } from './helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';
import { tempDir } from '../helpers/temp-dir.js';

// Removed after the afterAll below (registered later, so run first) has closed the receiver and its database.
const dir = tempDir('alpr-tls-');
let db: ReceiverDb;
let app: FastifyInstance;
let url: string;
const pem = (name: string): string => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
}

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test agency CA');
  writeFileSync(pem('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'device.key', '-out', 'device.csr', '-subj', '/CN=unit-7');
  openssl('x509', '-req', '-in', 'device.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'device.pem', '-days', '2');
  db = new ReceiverDb(join(dir, 'rx.db'));
  app = await buildReceiver({
    db,
    token: null,
    tls: { key: readFileSync(pem('server.key')), cert: readFileSync(pem('server.pem')), clientCa: readFileSync(pem('ca.pem')) },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  db.close();
});

async function withStore(fn: (t: TestStore) => Promise<void>): Promise<void> {
  const t = await openTestStore({ clock: systemClock, config: { synchronous: 'normal' } });
  try {
    await fn(t);
  } finally {
    await t.cleanup();
  }
}

describe('upload over HTTPS with a client certificate', () => {
  it('uploads when the device presents its certificate and trusts the agency CA', async () => {
    await withStore(async (t) => {
      const d = detection();
      t.store.insertDetection(d, null, []);
      const { uploader } = makeUploader(t.store, uploadConfig({ endpoint: url, tls: { ca_file: pem('ca.pem'), cert_file: pem('device.pem'), key_file: pem('device.key') } }));
      await uploader.start();
      try {
        await waitFor(() => t.store.detections.get(d.id)!.uploaded, 'the upload over mutual TLS');
      } finally {
        await uploader.stop();
      }
      expect(db.detectionIds('unit-7')).toContain(d.id);
    });
  });

  it('uploads nothing without a client certificate, and says why', async () => {
    await withStore(async (t) => {
      const d = detection();
      t.store.insertDetection(d, null, []);
      const { uploader, registry } = makeUploader(t.store, uploadConfig({ endpoint: url, tls: { ca_file: pem('ca.pem'), cert_file: '', key_file: '' } }));
      await uploader.start();
      try {
        await waitFor(() => (registry.get('upload')!.counters.failures ?? 0) >= 2, 'failed attempts');
      } finally {
        await uploader.stop();
      }
      expect(t.store.detections.get(d.id)!.uploaded).toBe(false);
      expect(registry.get('upload')!.lastError!.message).toMatch(/cannot reach the upload server/);
      expect(db.detectionIds('unit-7')).not.toContain(d.id);
    });
  });

  it('refuses a server whose certificate is not signed by the configured CA', async () => {
    await withStore(async (t) => {
      t.store.insertDetection(detection(), null, []);
      const { uploader, registry } = makeUploader(t.store, uploadConfig({ endpoint: url, tls: { ca_file: pem('device.pem'), cert_file: pem('device.pem'), key_file: pem('device.key') } }));
      await uploader.start();
      try {
        await waitFor(() => (registry.get('upload')!.counters.failures ?? 0) >= 1, 'a failed attempt');
      } finally {
        await uploader.stop();
      }
      expect(registry.get('upload')!.lastError!.message).toMatch(/certificate|self.signed|verify/i);
    });
  });
});
