/**
 * Where a camera's picture-health memory lives: `<data_dir>/cameras/<id>/` holds `health.json`
 * (reference view edges, learned baselines) and `reference.jpg` (the reference view as a small
 * picture for the Live page and the shift-start check). Written atomically, 0600 in a 0700 folder:
 * the reference picture shows the scene, and may show a plate.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesPerPixel, type JpegEncoder, type PixelFormat, type RawPicture } from './frame.js';
import type { HealthMemory } from './picture-health.js';

/** Width of the stored reference picture (pixels). */
export const REFERENCE_WIDTH = 320;

export class HealthStore {
  readonly dir: string;

  /** `jpeg` encodes the reference picture (app.ts passes recognizer/evidence.ts `frameToJpeg`). */
  constructor(
    dataDir: string,
    cameraId: string,
    private readonly jpeg: JpegEncoder,
  ) {
    this.dir = join(dataDir, 'cameras', cameraId);
  }

  /** The stored memory, or null when there is none or it cannot be read (then it is learned anew). */
  load(): HealthMemory | null {
    try {
      const m = JSON.parse(readFileSync(join(this.dir, 'health.json'), 'utf8')) as HealthMemory;
      return m && m.version === 1 && Array.isArray(m.baselines) ? m : null;
    } catch {
      return null; // first start, or a damaged file: the camera learns again, which is safe
    }
  }

  save(memory: HealthMemory): void {
    this.write('health.json', JSON.stringify(memory));
  }

  referenceImage(): Buffer | null {
    try {
      return readFileSync(join(this.dir, 'reference.jpg'));
    } catch {
      return null; // no reference taken yet
    }
  }

  /** Stores a `thumbnail()` as the reference picture, a JPEG. */
  async saveReferencePicture(picture: RawPicture): Promise<void> {
    this.write('reference.jpg', await this.jpeg(picture, REFERENCE_WIDTH));
  }

  private write(name: string, data: string | Buffer): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, name);
    writeFileSync(`${file}.tmp`, data, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
}

/** A small copy of a frame (nearest neighbour, REFERENCE_WIDTH wide), cheap enough to take on the frame path. */
export function thumbnail(data: Buffer, w: number, h: number, format: PixelFormat): RawPicture {
  const ch = bytesPerPixel(format);
  const tw = Math.min(REFERENCE_WIDTH, w);
  const th = Math.max(1, Math.round((tw * h) / w));
  const out = Buffer.allocUnsafe(tw * th * ch);
  let o = 0;
  for (let y = 0; y < th; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / th));
    for (let x = 0; x < tw; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / tw));
      const i = (sy * w + sx) * ch;
      for (let c = 0; c < ch; c++) out[o++] = data[i + c]!;
    }
  }
  return { data: out, width: tw, height: th, format };
}
