import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/camera/frame.js';
import { cropRect, encodeEvidence, frameToJpeg } from '../../src/recognizer/evidence.js';

function frame(width: number, height: number, format: 'rgb24' | 'gray' = 'rgb24'): Frame {
  const bpp = format === 'rgb24' ? 3 : 1;
  const data = Buffer.alloc(width * height * bpp);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
  return { cameraId: 'front', seq: 1, capturedAt: 0, width, height, format, data };
}

describe('cropRect', () => {
  it('adds margins around the plate and stays inside the frame', () => {
    expect(cropRect({ width: 1280, height: 720 }, { x: 100, y: 100, w: 100, h: 40 }, null)).toEqual({ left: 85, top: 88, width: 130, height: 64 });
    expect(cropRect({ width: 1280, height: 720 }, { x: 0, y: 700, w: 100, h: 20 }, null)).toEqual({ left: 0, top: 694, width: 115, height: 26 });
  });

  it('includes corners that stick out of the box', () => {
    const r = cropRect({ width: 1280, height: 720 }, { x: 100, y: 100, w: 100, h: 40 }, [
      [90, 95],
      [200, 100],
      [200, 140],
      [100, 140],
    ]);
    expect(r.left).toBeLessThan(90);
    expect(r.top).toBeLessThan(95);
  });
});

describe('encodeEvidence', () => {
  it('enlarges a tiny plate crop to at least 64 px high and downsizes the overview to 1280 wide', async () => {
    const f = frame(1920, 1080);
    const ev = await encodeEvidence(f, { x: 800, y: 600, w: 40, h: 12 }, null);
    const plate = await sharp(ev.plateJpeg).metadata();
    const overview = await sharp(ev.overviewJpeg).metadata();
    expect(plate.format).toBe('jpeg');
    expect(plate.height).toBeGreaterThanOrEqual(64);
    expect(overview.width).toBe(1280);
    expect(overview.height).toBe(720);
  });

  it('keeps a large crop at its own size and works on grey frames', async () => {
    const f = frame(640, 360, 'gray');
    const ev = await encodeEvidence(f, { x: 100, y: 60, w: 200, h: 160 }, null);
    const plate = await sharp(ev.plateJpeg).metadata();
    expect(plate.width).toBe(260);
    expect(plate.height).toBe(256);
    expect((await sharp(ev.overviewJpeg).metadata()).width).toBe(640);
  });
});

describe('frameToJpeg', () => {
  it('limits the width for live view snapshots', async () => {
    const jpeg = await frameToJpeg(frame(1280, 720), 320);
    const meta = await sharp(jpeg).metadata();
    expect([meta.width, meta.height]).toEqual([320, 180]);
  });
});
