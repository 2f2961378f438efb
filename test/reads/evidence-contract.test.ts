import { describe, expect, it } from 'vitest';
import type { EvidenceEncoder } from '../../src/reads/pass-emitter.js';
import { encodeEvidence } from '../../src/recognizer/evidence.js';
import type { PassSpec } from './synthetic-passes.js';
import { T0, harness } from './tracker-harness.js';

// The recognizer's sharp-based encoder is what the daemon injects; this keeps the two in step.
const encode: EvidenceEncoder = encodeEvidence;

const JPEG_SOI = Buffer.from([0xff, 0xd8, 0xff]);

describe('PlateTracker with the recognizer’s evidence encoder', () => {
  it('emits real JPEGs of the plate crop and the overview', async () => {
    const h = harness({ encode });
    const spec: PassSpec = { text: '7ABC123', frames: 4, box: { x: 120, y: 80, w: 60, h: 20 }, dy: 3, growth: 0.05 };
    h.feed('front', [spec], T0);
    await h.tracker.stop();

    expect(h.detections).toHaveLength(1);
    const d = h.detections[0]!;
    expect(d.plateJpeg.subarray(0, 3)).toEqual(JPEG_SOI);
    expect(d.overviewJpeg.subarray(0, 3)).toEqual(JPEG_SOI);
    expect(h.status().counters.encode_errors).toBeUndefined();
  });
});
