/**
 * Child process for the power-cut test: stores detections as fast as it can while uploading
 * them, and prints `stored <id> <plate sha256> <overview sha256>` for each one only after the
 * store reported it durable. The parent SIGKILLs it at random moments.
 */
import { createHash } from 'node:crypto';
import { systemClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { StatusRegistry } from '../../../src/status/registry.js';
import { Store } from '../../../src/store/store.js';
import { Uploader } from '../../../src/upload/uploader.js';
import { uploadConfig } from '../../upload/helpers/config.js';
import { detection, hit, jpeg, storeConfig } from './fixtures.js';

const dataDir = process.env.CHILD_DATA_DIR!;
const endpoint = process.env.CHILD_ENDPOINT!;
const registry = new StatusRegistry(systemClock);
const store = new Store({
  config: storeConfig({ synchronous: 'full', group_commit_ms: 2 }),
  dataDir,
  deviceId: 'unit-7',
  logger: silentLogger(),
  status: registry.reporter('store', 'store'),
  clock: systemClock,
});
const uploader = new Uploader({
  config: uploadConfig({ endpoint, batch_size: 25, batch_interval_s: 0.02 }),
  deviceId: 'unit-7',
  store,
  logger: silentLogger(),
  status: registry.reporter('upload', 'upload'),
  clock: systemClock,
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

await store.start();
await uploader.start();
process.stdout.write('ready\n');
let i = 0;
for (;;) {
  // A few detections in flight at once, so group commits and single commits both happen.
  const batch = Array.from({ length: 1 + (i % 4) }, () => {
    i++;
    return detection({ text: `PC${i}`, plateJpeg: jpeg(800 + (i % 50)), overviewJpeg: jpeg(9000 + (i % 300)) });
  });
  const results = await Promise.all(batch.map((d, k) => store.ingest(d, null, k === 0 && i % 7 === 0 ? [hit({ readText: d.text })] : [])));
  for (const [k, r] of results.entries()) {
    const d = batch[k]!;
    process.stdout.write(`stored ${r.id} ${sha(d.plateJpeg)} ${sha(d.overviewJpeg)}\n`);
  }
  if (i % 25 === 0) store.audit.append({ user: 'ofc.lee', action: 'view', object: `detection:${batch[0]!.id}`, purpose: 'patrol', caseNumber: null, details: null, ip: null });
}
