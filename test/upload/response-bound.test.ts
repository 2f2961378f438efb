/**
 * A hostile or broken server's answer cannot blow the daemon's memory up (issue 16 item 10: a
 * ~1 MB gzip answer took it from 0.39 to 2.39 GB and blocked it for seconds per retry). The
 * answer is read up to 4 MiB and inflated up to 4 MiB; past that it is an unreadable answer
 * (the batch is sent again later), not an allocation.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { UploadSection, type UploadConfig } from '../../src/config/sections/upload.js';
import { systemClock } from '../../src/shared/clock.js';
import { decodeBody } from '../../src/upload/codec.js';
import { MAX_RESPONSE_BYTES, UploadClient } from '../../src/upload/http-client.js';
import type { Uploader } from '../../src/upload/uploader.js';
import { detection, openTestStore, type TestStore } from '../store/helpers/fixtures.js';
import { makeUploader, uploadConfig } from './helpers/peers.js';
import { waitFor } from '../helpers/wait-for.js';

/** 64 MiB of a JSON acknowledgement's worth of spaces, gzipped to ~64 KB. */
const BOMB = gzipSync(Buffer.concat([Buffer.from('{"batch_id":"x","acknowledged":{"detections":[], "pad":"'), Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from('"}}')]), { level: 9 });

let server: Server | undefined;
let t: TestStore | undefined;
let up: Uploader | undefined;
afterEach(async () => {
  await up?.stop();
  await t?.cleanup();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = t = up = undefined;
});

async function bombServer(): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': BOMB.length });
      res.end(BOMB);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n };
}

describe('bounded upload answers', () => {
  it('refuses to inflate a gzip body past the bound instead of allocating it', () => {
    expect(BOMB.length).toBeLessThan(MAX_RESPONSE_BYTES);
    expect(() => decodeBody(BOMB, 'application/json', 'gzip', MAX_RESPONSE_BYTES)).toThrow(/inflates past 4194304 bytes/);
    // Within the bound the same path decodes normally.
    const small = gzipSync(Buffer.from('{"acknowledged":{"detections":["a"]}}'));
    expect(decodeBody(small, 'application/json', 'gzip', MAX_RESPONSE_BYTES)).toEqual({ acknowledged: { detections: ['a'] } });
  });

  it('turns a gzip bomb from the server into an unreadable answer, with memory bounded', async () => {
    const { url } = await bombServer();
    const config = { ...(Value.Default(UploadSection, {}) as UploadConfig), enabled: true, endpoint: url };
    const client = new UploadClient(config, `${url}/`);
    try {
      const before = process.memoryUsage().arrayBuffers;
      const ans = await client.send('POST', 'v1/batches', { 'content-type': 'application/json' }, Buffer.from('{}'));
      expect(ans.status).toBe(200);
      expect(ans.body).toBeNull();
      expect(ans.bodyError).toMatch(/inflates past/);
      // Nowhere near the 64 MiB the body inflates to.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    } finally {
      await client.close();
    }
  });

  it('keeps the batch and retries it later when every answer is a bomb', async () => {
    const { url, requests } = await bombServer();
    t = await openTestStore({ clock: systemClock, config: { synchronous: 'normal' } });
    t.store.insertDetection(detection({ text: 'GZ1' }), null, []);
    const made = makeUploader(t.store, uploadConfig({ endpoint: url }));
    up = made.uploader;
    await up.start();
    await waitFor(() => requests() >= 2, 'a second attempt');
    expect(made.registry.get('upload')!.lastError!.message).toMatch(/unreadable: gzip body inflates past/);
    await up.stop();
    expect(t.store.outbox.backlog()).toMatchObject({ pending: 1, claimed: 0 });
  });
});
