/** A reference receiver on a loopback port, an uploader wired to a store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { UploadConfig } from '../../../src/config/sections/upload.js';
import { ReceiverDb } from '../../../src/receiver/receiver-db.js';
import { buildReceiver } from '../../../src/receiver/server.js';
import { systemClock, type Clock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { StatusRegistry } from '../../../src/status/registry.js';
import type { Store } from '../../../src/store/store.js';
import { Uploader } from '../../../src/upload/uploader.js';

export { uploadConfig } from './config.js';

export interface TestReceiver {
  url: string;
  port: number;
  db: ReceiverDb;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startReceiver(opts: { token?: string | null; port?: number; dir?: string; setup?: (app: FastifyInstance) => void } = {}): Promise<TestReceiver> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'alpr-receiver-'));
  const db = new ReceiverDb(join(dir, 'receiver.db'));
  const app = await buildReceiver({ db, token: opts.token ?? null });
  opts.setup?.(app);
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    db,
    app,
    async close() {
      await app.close();
      db.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function makeUploader(store: Store, config: UploadConfig, opts: { registry?: StatusRegistry; clock?: Clock; deviceId?: string } = {}): { uploader: Uploader; registry: StatusRegistry } {
  const registry = opts.registry ?? new StatusRegistry(opts.clock ?? systemClock);
  const uploader = new Uploader({
    config,
    deviceId: opts.deviceId ?? 'unit-7',
    store,
    logger: silentLogger(),
    status: registry.reporter('upload', 'upload'),
    clock: opts.clock ?? systemClock,
  });
  return { uploader, registry };
}
