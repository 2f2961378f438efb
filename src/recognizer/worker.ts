/**
 * Recognizer worker thread: owns one detector and one OCR onnxruntime session, warms them up,
 * then reads one frame at a time for the pool. Started by `RecognizerPool` through
 * shared/worker.ts: the built `.js` directly, or from `.ts` sources bundled once into plain
 * JavaScript with esbuild (no TypeScript loader in the worker).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadModelContract } from './contract.js';
import { OnnxBackend } from './onnx-backend.js';
import { PlateReader } from './plate-reader.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('recognizer worker must run in a worker thread');
const init = workerData as WorkerInit;
const post = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

try {
  const contract = loadModelContract(init.modelsDir);
  const backend = await OnnxBackend.create(contract, { threads: init.threads, secondReader: init.reader.secondReader?.files });
  const reader = new PlateReader(backend, contract, init.reader);
  const t0 = performance.now();
  // Warm-up: the first run of a session allocates its arenas and picks kernels (tens of ms);
  // pay that now rather than on the first camera frame.
  const { inputWidth: w, inputHeight: h } = init.reader;
  await reader.read({ width: w, height: h, format: 'gray', data: new Uint8Array(w * h).fill(128) });
  await reader.readCrop({ width: 128, height: 32, format: 'gray', data: new Uint8Array(128 * 32).fill(200) });
  await reader.warmUpSecondReader();
  post({ type: 'ready', warmup_ms: performance.now() - t0 });

  let inFlight: Promise<unknown> = Promise.resolve();
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      // Terminating a thread while onnxruntime still runs (or holds) a session aborts the whole
      // process ("terminate called after throwing Napi::Error"): finish, release, then leave.
      void inFlight
        .then(() => backend.release())
        .finally(() => {
          port.close();
          process.exit(0);
        });
      return;
    }
    const f = msg.frame;
    const data = new Uint8Array(f.pixels);
    inFlight = reader.read({ width: f.width, height: f.height, format: f.format, data }, {}, msg.opinions).then(
      (r) => {
        post(
          {
            type: 'result',
            id: msg.id,
            pixels: f.pixels,
            reads: {
              cameraId: f.cameraId,
              seq: f.seq,
              capturedAt: f.capturedAt,
              width: f.width,
              height: f.height,
              plates: r.plates,
              timings: { detect_ms: r.timings.preprocess_ms + r.timings.detect_ms, ocr_ms: r.timings.warp_ms + r.timings.ocr_ms, total_ms: r.timings.total_ms },
            },
          },
          [f.pixels],
        );
      },
      (err: unknown) => post({ type: 'task-failed', id: msg.id, message: err instanceof Error ? err.message : String(err), pixels: f.pixels }, [f.pixels]),
    );
  });
} catch (err) {
  post({ type: 'init-failed', message: err instanceof Error ? err.message : String(err) });
}
