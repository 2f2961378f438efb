/**
 * The stored plate crop is large enough to compare characters on the hit pop-up (issue 15: the
 * demo's crops were 92x64 px; at least 3x that now) and stays a small JPEG.
 */
import { resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/camera/frame.js';
import { cropRect, encodeEvidence } from '../../src/recognizer/evidence.js';

const SCENE = resolve(import.meta.dirname, '../../fixtures/recognizer/scene-two-plates.jpg');
/** The scene scaled so its first plate is as small as the demo clip's (a crop about 64 px high). */
const SCALE = 0.3;

async function smallPlateFrame(): Promise<{ frame: Frame; box: { x: number; y: number; w: number; h: number } }> {
  const { data, info } = await sharp(SCENE).resize({ width: Math.round(1280 * SCALE) }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const frame: Frame = { cameraId: 'front', seq: 1, capturedAt: 0, width: info.width, height: info.height, format: 'rgb24', data };
  // The first plate's corners (fixtures/recognizer/labels.json), scaled.
  const box = { x: Math.round(244 * SCALE), y: Math.round(361 * SCALE), w: Math.round((476 - 244) * SCALE), h: Math.round((478 - 361) * SCALE) };
  return { frame, box };
}

describe('the stored plate crop', () => {
  it('is at least 3x the 64 px it used to be, keeps its aspect and stays under 16 KiB', async () => {
    const { frame, box } = await smallPlateFrame();
    const cut = cropRect(frame, box, null);
    expect(cut.height).toBeLessThan(64); // a small plate, as in the demo clip
    const ev = await encodeEvidence(frame, box, null);
    const meta = await sharp(ev.plateJpeg).metadata();
    expect(meta.height).toBeGreaterThanOrEqual(3 * 64);
    expect(meta.width / meta.height).toBeCloseTo(cut.width / cut.height, 1);
    expect(ev.plateJpeg.length).toBeLessThan(16 * 1024);
  });
});
