/**
 * What the recognition pipeline needs from the networks. The onnxruntime implementation is
 * `OnnxBackend`; the pipeline itself is pure and takes any backend.
 */
export interface DetectorOutput {
  heatmap: Float32Array;
  corners: Float32Array;
  /** Grid size: input size / stride. */
  gridWidth: number;
  gridHeight: number;
}

export interface OcrOutput {
  /** [N, T, C] log-softmax. */
  logits: Float32Array;
  T: number;
  C: number;
}

/** The second reader's raw output: [N, T, C] softmax over its own dictionary. */
export interface SecondReaderOutput {
  probs: Float32Array;
  T: number;
  C: number;
}

export interface InferenceBackend {
  /** `tensor` is [1,1,height,width]. */
  detect(tensor: Float32Array, width: number, height: number): Promise<DetectorOutput>;
  /** `batch` is [n,1,Hocr,Wocr]. */
  ocr(batch: Float32Array, n: number): Promise<OcrOutput>;
  /** The second reader (PP-OCRv4), when loaded: `batch` is [n,3,48,width]. */
  second?(batch: Float32Array, n: number, width: number): Promise<SecondReaderOutput>;
  release(): Promise<void>;
}
