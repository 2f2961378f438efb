import type { Box, Candidate } from '../recognizer/types.js';

export type Direction = 'approaching' | 'receding' | 'unknown';

/** One vehicle pass, as emitted by the tracker: the unit of storage, matching and upload. */
export interface Detection {
  /** UUIDv7. */
  id: string;
  cameraId: string;
  text: string;
  confidence: number;
  /** Best first, at most the configured top-N. */
  candidates: Candidate[];
  region: string | null;
  firstSeen: number;
  lastSeen: number;
  /** Capture time of the frame the best crop came from (ms since epoch). */
  bestAt: number;
  frameCount: number;
  direction: Direction;
  /** Plate box in the overview frame. */
  box: Box;
  /** JPEG of the plate crop and of the whole frame it came from. */
  plateJpeg: Buffer;
  overviewJpeg: Buffer;
  /**
   * 0 (or absent) for the first emission of a pass. The same plate re-appearing on the same
   * camera within `tracker.dedupe_window_s` is emitted again with the same `id` and the next
   * revision; the later one replaces the earlier (more frames, maybe better evidence).
   */
  revision?: number;
  /**
   * True for the emission made on the pass's first confident read, while the vehicle is still in
   * view (so that a hit alerts at once); the pass's end emits it again as a later revision.
   */
  provisional?: boolean;
}
