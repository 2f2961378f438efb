/**
 * onnxruntime-node sessions for the detector and the OCR network. Only the recognizer worker
 * (and the one-shot `recognize` CLI, which runs the same pipeline in its own process) create
 * these; nothing else in the daemon imports onnxruntime.
 */
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AlprError } from '../shared/errors.js';
import type { DetectorOutput, InferenceBackend, OcrOutput, SecondReaderOutput } from './backend.js';
import type { ModelContract } from './contract.js';
import { RecognizerErrors } from './errors.js';
import { SECOND_READER_HEIGHT, type SecondReaderFiles } from './second-reader.js';

export interface OnnxOptions {
  /** intra-op threads per session. */
  threads: number;
  /** Load the detector too (default). Reading plate crops alone (`--ocr-only`) needs only the OCR network. */
  detector?: boolean;
  /** Load the second reader (PP-OCRv4 recogniser) from these files; absent or null = none. */
  secondReader?: SecondReaderFiles | null;
}

export class OnnxBackend implements InferenceBackend {
  private constructor(
    private readonly contract: ModelContract,
    private readonly detector: ort.InferenceSession | null,
    private readonly reader: ort.InferenceSession,
    private readonly secondSession: ort.InferenceSession | null,
  ) {
    if (secondSession) this.second = (batch, n, width) => this.runSecond(batch, n, width);
  }

  readonly second?: (batch: Float32Array, n: number, width: number) => Promise<SecondReaderOutput>;

  static async create(contract: ModelContract, opts: OnnxOptions): Promise<OnnxBackend> {
    const session: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Two sessions whose thread pools spin starve each other (and sharp): measured half the
      // throughput with spinning on (two sessions side by side on this 2-core machine).
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      logSeverityLevel: 3,
    };
    const load = async (file: string): Promise<ort.InferenceSession> => {
      const path = resolve(contract.dir, file);
      try {
        return await ort.InferenceSession.create(path, session);
      } catch (err) {
        throw new AlprError(RecognizerErrors.RECOGNIZER_MODEL_LOAD_FAILED, { file: path, detail: err instanceof Error ? err.message : String(err) });
      }
    };
    const detector = opts.detector === false ? null : await load(contract.detector.file);
    const reader = await load(contract.ocr.file);
    const second = opts.secondReader ? await load(opts.secondReader.model) : null;
    return new OnnxBackend(contract, detector, reader, second);
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

  private async runSecond(batch: Float32Array, n: number, width: number): Promise<SecondReaderOutput> {
    const s = this.secondSession!;
    const input = s.inputNames[0]!;
    const out = await s.run({ [input]: new ort.Tensor('float32', batch.subarray(0, n * 3 * SECOND_READER_HEIGHT * width), [n, 3, SECOND_READER_HEIGHT, width]) });
    const probs = out[s.outputNames[0]!];
    if (!probs || probs.dims.length !== 3 || Number(probs.dims[0]) !== n) {
      throw new AlprError(RecognizerErrors.RECOGNIZER_MODEL_SHAPE, { model: 'second reader', detail: `output dims ${probs ? probs.dims.join('x') : 'missing'}` });
    }
    return { probs: probs.data as Float32Array, T: Number(probs.dims[1]), C: Number(probs.dims[2]) };
  }

  async release(): Promise<void> {
    await this.detector?.release();
    await this.reader.release();
    await this.secondSession?.release();
  }
}
