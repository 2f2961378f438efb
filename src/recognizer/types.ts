/** What the recognizer reports for one plate in one frame. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Point = [number, number];

export interface Candidate {
  text: string;
  confidence: number;
}

export interface PlateRead {
  /** Best text, upper-case A–Z 0–9. */
  text: string;
  /** 0..1 for the whole plate. */
  confidence: number;
  /** Per-character confidence of `text`. */
  charConfidences: number[];
  /** Best first, including `text`; at most the configured top-N. */
  candidates: Candidate[];
  /** Axis-aligned box in the frame's pixels. */
  box: Box;
  /** TL, TR, BR, BL in the frame's pixels, when the detector regresses corners. */
  corners: [Point, Point, Point, Point] | null;
  /** Detector score 0..1. */
  detectionScore: number;
  /** Layout/region the format scoring settled on (`us`, `eu`, `br`), or null. */
  region: string | null;
  /**
   * Set when the second reader (PP-OCRv4) ran on this plate in this frame: its folded output, which
   * the tracker keeps for the vehicle's track and hands back with later frames (`SecondOpinion`),
   * so the network runs once per vehicle, not once per frame.
   */
  secondOpinion?: SecondReaderFrames;
}

/** The second reader's per-time-step probabilities folded to our charset + blank: [T, C] row-major. */
export interface SecondReaderFrames {
  probs: Float64Array;
  T: number;
  C: number;
}

/**
 * A second opinion a track already holds, handed to the recognizer with a frame of its camera:
 * a plate of that frame overlapping `box` (where the track is expected) is re-scored with
 * `frames` instead of running the network again.
 */
export interface SecondOpinion {
  box: Box;
  frames: SecondReaderFrames;
}

/** Result for one frame. */
export interface FrameReads {
  cameraId: string;
  seq: number;
  capturedAt: number;
  width: number;
  height: number;
  plates: PlateRead[];
  timings: { detect_ms: number; ocr_ms: number; total_ms: number };
}
