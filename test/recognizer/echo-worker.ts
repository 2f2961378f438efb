/**
 * A worker that speaks the recognizer protocol without models, for testing the pool's
 * mechanics (queueing, transfer, watchdog, restarts). It reads no plates: it returns the frame
 * with an empty result, or misbehaves on purpose depending on the frame's camera id:
 * `hang` never answers, `crash` exits the thread, `fail` reports a task failure, `slow…` answers
 * after 100 ms, `opinions` answers one empty plate at each second opinion's box sent with the frame.
 */
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from '../../src/recognizer/worker-protocol.js';

const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

{
  post({ type: 'ready', warmup_ms: 1 });
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      port.close();
      process.exit(0);
      return;
    }
    const f = msg.frame;
    switch (f.cameraId) {
      case 'hang':
        return;
      case 'crash':
        process.exit(3);
        return;
      case 'opinions': {
        // One empty plate at each second opinion's box the pool sent with the frame.
        const plates = (msg.opinions ?? []).map((o) => ({ text: '', confidence: 0, charConfidences: [], candidates: [], box: o.box, corners: null, detectionScore: 0, region: null }));
        post({ type: 'result', id: msg.id, pixels: f.pixels, reads: { cameraId: f.cameraId, seq: f.seq, capturedAt: f.capturedAt, width: f.width, height: f.height, plates, timings: { detect_ms: 0, ocr_ms: 0, total_ms: 1 } } }, [f.pixels]);
        return;
      }
      case 'fail':
        post({ type: 'task-failed', id: msg.id, message: 'bad frame', pixels: f.pixels }, [f.pixels]);
        return;
      default: {
        const delay = f.cameraId.startsWith('slow') ? 100 : 0;
        setTimeout(() => {
          post(
            {
              type: 'result',
              id: msg.id,
              pixels: f.pixels,
              reads: { cameraId: f.cameraId, seq: f.seq, capturedAt: f.capturedAt, width: f.width, height: f.height, plates: [], timings: { detect_ms: 0, ocr_ms: 0, total_ms: 1 } },
            },
            [f.pixels],
          );
        }, delay);
      }
    }
  });
}
