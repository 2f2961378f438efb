/**
 * Messages between `RecognizerPool` (main thread) and a recognizer worker. Frame pixels travel
 * as a transferred ArrayBuffer both ways, so a 1080p frame is never copied between threads.
 */
import type { PixelFormat } from '../camera/frame.js';
import type { ReaderOptions } from './plate-reader.js';
import type { FrameReads, SecondOpinion } from './types.js';

export interface WorkerInit {
  modelsDir: string;
  threads: number;
  reader: ReaderOptions;
}

export interface TaskFrame {
  cameraId: string;
  seq: number;
  capturedAt: number;
  width: number;
  height: number;
  format: PixelFormat;
  /** Exactly the frame's pixels (byteOffset 0). */
  pixels: ArrayBuffer;
}

/**
 * `task`: read one frame; `opinions` (with `second_reader.once_per_track`, empty or not): the second
 * opinions its camera's open tracks already hold (plates matching one are not given to the second
 * reader's network again); absent: the frame is read as a still.
 * `close`: finish the frame in hand, release the ONNX sessions, then exit (see pool stop).
 */
export type ToWorker = { type: 'task'; id: number; frame: TaskFrame; opinions?: SecondOpinion[] } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; warmup_ms: number }
  | { type: 'init-failed'; message: string }
  | { type: 'result'; id: number; reads: FrameReads; pixels: ArrayBuffer }
  | { type: 'task-failed'; id: number; message: string; pixels: ArrayBuffer };
