/**
 * The receiving end of images sent in resumable pieces (docs/upload-api.yaml, feature
 * `image_pieces`), shared by the reference receiver and the central one. Pieces of one image
 * are appended to one file in a temporary area, flushed to disk before the answer names the new
 * offset; when the last byte arrives the file is hashed, and only an image whose SHA-256 is the
 * one announced is handed over to be stored (then the file goes).
 *
 * Bounded: a piece is at most `maxPieceBytes` (the route's body limit), an image at most
 * `maxImageBytes` (the only time a whole image is in memory is when it is handed over), and
 * partial files untouched for `staleMs` are removed. The file name is a hash of (device,
 * detection, kind, SHA-256, length), so no device-chosen text reaches the file system.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageKind, WirePieceState } from '../upload/wire.js';

export interface PieceLimits {
  maxPieceBytes: number;
  maxImageBytes: number;
  /** Partial images untouched this long are removed (ms). */
  staleMs: number;
}

export const DEFAULT_PIECE_LIMITS: PieceLimits = { maxPieceBytes: 4 * 1024 * 1024, maxImageBytes: 32 * 1024 * 1024, staleMs: 48 * 3600_000 };

export interface PieceKey {
  device: string;
  detectionId: string;
  kind: ImageKind;
  sha256: string;
  bytes: number;
}

export type PieceAnswer =
  /** Stored up to `state.offset`; `image` when this piece completed it (verified): store it, then `discard`. */
  | { status: 200; state: WirePieceState; image: Buffer | null }
  /** The piece does not start where the held bytes end: the device goes on from `state.offset`. */
  | { status: 409; state: WirePieceState; error: 'offset_mismatch'; message: string }
  | { status: 400 | 413 | 422; error: 'bad_piece' | 'piece_sha256' | 'image_sha256' | 'too_large'; message: string };

const HEX64 = /^[0-9a-f]{64}$/;
const SWEEP_EVERY_MS = 3600_000;

export class ImagePieces {
  private lastSweep = 0;

  constructor(
    private readonly dir: string,
    readonly limits: PieceLimits = DEFAULT_PIECE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A problem with the announced image (answered 400 or 413), or null. */
  keyProblem(k: PieceKey): { status: 400 | 413; message: string } | null {
    if (!HEX64.test(k.sha256)) return { status: 400, message: 'the image SHA-256 must be 64 lower-case hex digits' };
    if (!Number.isSafeInteger(k.bytes) || k.bytes < 1) return { status: 400, message: 'the image length must be a positive integer' };
    if (k.bytes > this.limits.maxImageBytes) return { status: 413, message: `the image is longer than ${this.limits.maxImageBytes} bytes` };
    return null;
  }

  /** How many bytes of the image are held. */
  state(k: PieceKey): WirePieceState {
    return { offset: this.held(this.file(k)), bytes: k.bytes, complete: false };
  }

  /**
   * Appends one piece at `offset` after checking it against its own SHA-256. When it is the
   * last, the whole file is checked against the image's SHA-256: a mismatch discards it (422).
   */
  append(k: PieceKey, offset: number, pieceSha256: string | undefined, piece: Buffer): PieceAnswer {
    this.sweepNow();
    const file = this.file(k);
    const held = this.held(file);
    if (!Number.isSafeInteger(offset) || offset < 0) return { status: 400, error: 'bad_piece', message: 'X-Piece-Offset must be a non-negative integer' };
    if (piece.length === 0) return { status: 400, error: 'bad_piece', message: 'empty piece' };
    if (offset !== held) return { status: 409, state: { offset: held, bytes: k.bytes, complete: false }, error: 'offset_mismatch', message: `the receiver holds ${held} bytes of this image; send from there` };
    if (offset + piece.length > k.bytes) return { status: 400, error: 'bad_piece', message: `the piece ends at ${offset + piece.length}, past the image length ${k.bytes}` };
    if (pieceSha256 === undefined || !HEX64.test(pieceSha256)) return { status: 400, error: 'bad_piece', message: 'X-Content-SHA256 (the piece\'s own SHA-256) is required' };
    if (sha256(piece) !== pieceSha256) return { status: 400, error: 'piece_sha256', message: 'the piece does not match its X-Content-SHA256 (garbled on the way?); send it again' };
    if (offset === 0 && piece.length === k.bytes) {
      // The whole image in one piece: checked and handed over without the temporary file (one
      // fsync less per image; on a loaded disk that was most of a small image's time).
      if (pieceSha256 !== k.sha256) return { status: 422, error: 'image_sha256', message: 'the image does not match its X-Image-SHA256' };
      return { status: 200, state: { offset: k.bytes, bytes: k.bytes, complete: true }, image: piece };
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const fd = openSync(file, 'a', 0o600);
    try {
      writeSync(fd, piece);
      // Flushed before the answer names the new offset: an acknowledged byte survives a crash.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const offsetNow = offset + piece.length;
    if (offsetNow < k.bytes) return { status: 200, state: { offset: offsetNow, bytes: k.bytes, complete: false }, image: null };
    return this.assemble(k);
  }

  /**
   * The held file, once every byte is there, verified against the image's SHA-256. A full file
   * left by a store that failed after the last piece is handed over again here.
   */
  assemble(k: PieceKey): PieceAnswer {
    const file = this.file(k);
    if (this.held(file) !== k.bytes) return { status: 400, error: 'bad_piece', message: 'the image is not complete' };
    const image = readFileSync(file);
    if (sha256(image) !== k.sha256) {
      rmSync(file, { force: true });
      return { status: 422, error: 'image_sha256', message: 'the assembled image does not match its X-Image-SHA256; its pieces were discarded' };
    }
    return { status: 200, state: { offset: k.bytes, bytes: k.bytes, complete: true }, image };
  }

  /** The image is stored: its pieces go. */
  discard(k: PieceKey): void {
    rmSync(this.file(k), { force: true });
  }

  /** Removes partial images untouched for `staleMs` (at most once an hour). Returns how many. */
  sweepNow(force = false): number {
    const now = this.now();
    if (!force && now - this.lastSweep < SWEEP_EVERY_MS) return 0;
    this.lastSweep = now;
    let removed = 0;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0; // no area yet
    }
    for (const name of names) {
      if (!name.endsWith('.part')) continue;
      const f = join(this.dir, name);
      try {
        if (now - statSync(f).mtimeMs > this.limits.staleMs) {
          rmSync(f, { force: true });
          removed++;
        }
      } catch {
        // removed meanwhile by another receiver sharing the area
      }
    }
    return removed;
  }

  private file(k: PieceKey): string {
    const name = createHash('sha256').update(JSON.stringify([k.device, k.detectionId.toLowerCase(), k.kind, k.sha256, k.bytes])).digest('hex');
    return join(this.dir, `${name}.part`);
  }

  private held(file: string): number {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  }
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
