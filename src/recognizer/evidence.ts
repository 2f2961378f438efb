/**
 * Evidence images for a detection: the plate crop the officer compares character by character
 * before acting on a hit (sacramento-da III.D; santa-clara "ALPR Operation"), and a downscaled
 * overview of the whole frame. The tracker calls this once per vehicle pass, not per frame.
 */
import sharp from 'sharp';
import type { Frame, RawPicture } from '../camera/frame.js';
import type { Box, Point } from './types.js';

export interface Evidence {
  plateJpeg: Buffer;
  overviewJpeg: Buffer;
}

/** Crop margin around the plate, as a fraction of its size: keeps the plate's frame and edges in view. */
const MARGIN_X = 0.15;
const MARGIN_Y = 0.3;
/**
 * Small plates are enlarged to at least this height so the characters can be checked by eye on
 * the hit pop-up (issue 15: 3x the 64 px it was). Quality 80 instead of 90 keeps the JPEG small:
 * 60 real val crops averaged 3.9 KiB at 64 px / q90 and 8.1 KiB at 192 px / q80, beside a
 * 75 KiB overview (docs/recognizer.md "Evidence images").
 */
const MIN_CROP_HEIGHT = 192;
const CROP_QUALITY = 80;
const OVERVIEW_MAX_WIDTH = 1280;

export async function encodeEvidence(frame: Frame, box: Box, corners: readonly Point[] | null = null): Promise<Evidence> {
  const [plateJpeg, overviewJpeg] = await Promise.all([plateCrop(frame, box, corners), frameToJpeg(frame, OVERVIEW_MAX_WIDTH, 80)]);
  return { plateJpeg, overviewJpeg };
}

/** The whole frame as a JPEG, at most `maxWidth` wide (live view, overview, a camera's reference view). */
export async function frameToJpeg(frame: RawPicture, maxWidth: number, quality = 80): Promise<Buffer> {
  const channels = frame.format === 'rgb24' ? 3 : 1;
  let img = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels } });
  if (frame.width > maxWidth) img = img.resize({ width: Math.max(1, Math.round(maxWidth)) });
  return img.jpeg({ quality, mozjpeg: false }).toBuffer();
}

/** Crop rectangle (integer, inside the frame) around the plate box and its corners, with margins. */
export function cropRect(frame: Pick<Frame, 'width' | 'height'>, box: Box, corners: readonly Point[] | null): { left: number; top: number; width: number; height: number } {
  let x0 = box.x;
  let y0 = box.y;
  let x1 = box.x + box.w;
  let y1 = box.y + box.h;
  for (const [x, y] of corners ?? []) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const mx = (x1 - x0) * MARGIN_X;
  const my = (y1 - y0) * MARGIN_Y;
  const left = clamp(Math.floor(x0 - mx), 0, frame.width - 1);
  const top = clamp(Math.floor(y0 - my), 0, frame.height - 1);
  const right = clamp(Math.ceil(x1 + mx), left + 1, frame.width);
  const bottom = clamp(Math.ceil(y1 + my), top + 1, frame.height);
  return { left, top, width: right - left, height: bottom - top };
}

async function plateCrop(frame: Frame, box: Box, corners: readonly Point[] | null): Promise<Buffer> {
  const r = cropRect(frame, box, corners);
  const channels = frame.format === 'rgb24' ? 3 : 1;
  // Cut the rows in JS: a sharp pipeline over the full raw frame costs ~2 ms per call.
  const crop = Buffer.allocUnsafe(r.width * r.height * channels);
  const rowBytes = r.width * channels;
  for (let y = 0; y < r.height; y++) {
    const src = ((r.top + y) * frame.width + r.left) * channels;
    frame.data.copy(crop, y * rowBytes, src, src + rowBytes);
  }
  let img = sharp(crop, { raw: { width: r.width, height: r.height, channels } });
  if (r.height < MIN_CROP_HEIGHT) img = img.resize({ height: MIN_CROP_HEIGHT, kernel: 'lanczos3' });
  return img.jpeg({ quality: CROP_QUALITY }).toBuffer();
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
