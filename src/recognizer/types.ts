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
