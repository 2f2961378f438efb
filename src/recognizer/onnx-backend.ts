/**
 * onnxruntime-node sessions for the detector and the OCR network. Only the recognizer worker
 * (and the one-shot `recognize` CLI, which runs the same pipeline in its own process) create
 * these; nothing else in the daemon imports onnxruntime.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AlprError } from '../shared/errors.js';
import type { DetectorOutput, InferenceBackend, OcrOutput } from './backend.js';
import type { ModelContract } from './contract.js';
import { RecognizerErrors } from './errors.js';

export interface OnnxOptions {
  /** intra-op threads per session. */
  threads: number;
  /** Load the detector too (default). Reading plate crops alone (`--ocr-only`) needs only the OCR network. */
  detector?: boolean;
}

export class OnnxBackend implements InferenceBackend {
  private constructor(
    private readonly contract: ModelContract,
    private readonly detector: ort.InferenceSession | null,
    private readonly reader: ort.InferenceSession,
  ) {}

  static async create(contract: ModelContract, opts: OnnxOptions): Promise<OnnxBackend> {
    const session: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Two sessions whose thread pools spin starve each other (and sharp): measured half the
      // throughput with spinning on (shared/notes/toolchain.md).
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      logSeverityLevel: 3,
    };
    const load = async (file: string): Promise<ort.InferenceSession> => {
      const path = join(contract.dir, file);
      try {
        return await ort.InferenceSession.create(path, session);
      } catch (err) {
        throw new AlprError(RecognizerErrors.RECOGNIZER_MODEL_LOAD_FAILED, { file: path, detail: err instanceof Error ? err.message : String(err) });
      }
    };
    const detector = opts.detector === false ? null : await load(contract.detector.file);
    const reader = await load(contract.ocr.file);
    return new OnnxBackend(contract, detector, reader);
  }

  async detect(tensor: Float32Array, width: number, height: number): Promise<DetectorOutput> {
    const c = this.contract.detector;
    if (!this.detector) throw new Error('the detector was not loaded (OCR-only backend)');
    const out = await this.detector.run({ [c.input]: new ort.Tensor('float32', tensor, [1, 1, height, width]) });
    const heat = out[c.heatmapOutput];
    const corners = out[c.cornersOutput];
    if (!heat || !corners || heat.dims.length !== 4 || corners.dims.length !== 4 || corners.dims[1] !== 8) {
      throw new AlprError(RecognizerErrors.RECOGNIZER_MODEL_SHAPE, { model: 'detector', detail: `outputs ${Object.keys(out).join(', ')}` });
    }
    return {
      heatmap: heat.data as Float32Array,
      corners: corners.data as Float32Array,
      gridHeight: Number(heat.dims[2]),
      gridWidth: Number(heat.dims[3]),
    };
  }

  async ocr(batch: Float32Array, n: number): Promise<OcrOutput> {
    const c = this.contract.ocr;
    const out = await this.reader.run({ [c.input]: new ort.Tensor('float32', batch.subarray(0, n * c.inputHeight * c.inputWidth), [n, 1, c.inputHeight, c.inputWidth]) });
    const logits = out[c.output];
    if (!logits || logits.dims.length !== 3 || Number(logits.dims[0]) !== n || Number(logits.dims[2]) !== c.charset.length + 1) {
      throw new AlprError(RecognizerErrors.RECOGNIZER_MODEL_SHAPE, { model: 'ocr', detail: `logits dims ${logits ? logits.dims.join('x') : 'missing'}` });
    }
    return { logits: logits.data as Float32Array, T: Number(logits.dims[1]), C: Number(logits.dims[2]) };
  }

  async release(): Promise<void> {
    await this.detector?.release();
    await this.reader.release();
  }
}
