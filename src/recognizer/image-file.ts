/**
 * Image files (JPEG, PNG, WebP ...) to raw pixels with sharp, for `recognize` and the
 * evaluation. Colour images stay RGB: the grey conversion happens inside the letterbox and the
 * warp, where it costs nothing extra (sharp's own greyscale pass costs ~20 ms on a 720p frame).
 *
 * EXIF orientation is applied, so width, height and boxes refer to the image as a viewer shows
 * it (the same as OpenCV's imread, which the training data went through).
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { AlprError } from '../shared/errors.js';
import { RecognizerErrors } from './errors.js';
import type { RawImage } from './letterbox.js';

export interface DecodedImage extends RawImage {
  /** File read + decode, ms. */
  decode_ms: number;
}

export async function decodeImageFile(file: string): Promise<DecodedImage> {
  const t0 = performance.now();
  let input: Buffer;
  try {
    input = await readFile(file);
  } catch (err) {
    throw new AlprError(RecognizerErrors.RECOGNIZER_IMAGE_UNREADABLE, { file, detail: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
  if (input.length === 0) throw new AlprError(RecognizerErrors.RECOGNIZER_IMAGE_UNREADABLE, { file, detail: 'empty file' });
  try {
    const { data, info } = await sharp(input, { failOn: 'error' }).rotate().removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 && info.channels !== 3) throw new Error(`unsupported channel count ${info.channels}`);
    return {
      width: info.width,
      height: info.height,
      format: info.channels === 1 ? 'gray' : 'rgb24',
      data,
      decode_ms: performance.now() - t0,
    };
  } catch (err) {
    throw new AlprError(RecognizerErrors.RECOGNIZER_IMAGE_UNREADABLE, { file, detail: err instanceof Error ? err.message : String(err) });
  }
}
