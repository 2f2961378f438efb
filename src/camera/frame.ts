/** A decoded frame as it leaves a camera source. */
export type PixelFormat = 'rgb24' | 'gray';

export interface Frame {
  cameraId: string;
  /** Per-camera sequence number, from 0 at each (re)connect. */
  seq: number;
  /** Wall-clock capture time, ms since epoch (when the frame left the decoder). */
  capturedAt: number;
  width: number;
  height: number;
  format: PixelFormat;
  /** Raw pixels, row-major, no padding: width*height*(3 for rgb24, 1 for gray) bytes. */
  data: Buffer;
  /**
   * Detection zone of this camera as a polygon in this frame's pixels ([x, y] points), when one
   * is configured: plates whose centre lies outside it are not of interest. Absent = whole frame.
   */
  zone?: ReadonlyArray<readonly [number, number]>;
}

/** The pixels of a picture and their shape: all an encoder needs of a frame. */
export type RawPicture = Pick<Frame, 'width' | 'height' | 'format' | 'data'>;

/**
 * Encodes a picture as a JPEG at most `maxWidth` wide. A port: sharp's one owner is recognizer/
 * (`frameToJpeg` in recognizer/evidence.ts), which camera/ may not import, so app.ts passes it in.
 */
export type JpegEncoder = (picture: RawPicture, maxWidth: number) => Promise<Buffer>;

/** Bytes per pixel of a raw format. */
export function bytesPerPixel(format: PixelFormat): number {
  return format === 'rgb24' ? 3 : 1;
}
