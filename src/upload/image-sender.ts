/**
 * Images after their records (`upload.images: deferred`, issue 17): one detection's images at a
 * time, each either in resumable pieces (a receiver announcing `image_pieces`) or as one PUT
 * (any receiver of version 1).
 *
 *   GET  v1/images/{id}/{kind}/upload?sha256&bytes ──▶ {offset}   where the receiver stands
 *        (asked only for an image bigger than one piece whose offset is not remembered)
 *   PUT  v1/images/{id}/{kind}/upload  piece [offset, offset+n) ──▶ {offset, complete}
 *        409 {offset}: the receiver holds another length (an answer was lost): go on from there
 *
 * A cut mid-image costs at most the piece in flight: the next try starts at the receiver's
 * offset. Pieces are sized like batches, from the measured rate (about `batch_target_s` of
 * sending), so a hit waits at most one piece; between pieces a waiting hit takes the link and the
 * image resumes after it. Only the piece travels through memory (SQLite substr on the BLOB).
 */
import { createHash } from 'node:crypto';
import { AlprError, errorMessage } from '../shared/errors.js';
import type { ImageKind, ImageWork, OutboxRepo } from '../store/outbox-repo.js';
import { UploadErrors } from './errors.js';
import type { HttpAnswer } from './http-client.js';
import type { LinkEstimator } from './link-estimator.js';
import { parseRetryAfter } from './response.js';
import type { WirePieceState } from './wire.js';

/** The smallest piece: below this a request measures round trips rather than the link. */
export const MIN_PIECE_BYTES = 16 * 1024;
/** The largest piece when the receiver does not say (its body limit may be lower than a batch's). */
export const DEFAULT_MAX_PIECE_BYTES = 1024 * 1024;
/** Resume offsets remembered between tries (the receiver is asked after a restart or beyond this). */
const OFFSETS_KEPT = 256;

export type ImageResult =
  | { kind: 'stored'; bytesSent: number }
  /** Image gone from the device (purged meanwhile): nothing more to send. */
  | { kind: 'gone' }
  /** Stopping, or a hit took the link: the row goes back to pending and resumes later. */
  | { kind: 'paused' }
  /** The receiver will never take it: quarantine the row with this reason. */
  | { kind: 'rejected'; reason: string }
  /** Transient: try again after backoff, or after the receiver's Retry-After. */
  | { kind: 'retry'; reason: string; refused: boolean; retryAfterMs: number | null }
  /** The receiver no longer has the piece routes: ask for its capabilities again. */
  | { kind: 'no-pieces' };

export interface ImageSenderDeps {
  /** The store's outbox (a getter: the store opens after the uploader is built). */
  outbox(): OutboxRepo;
  link: LinkEstimator;
  deviceId: string;
  send(method: 'GET' | 'PUT', path: string, headers: Record<string, string>, body: Buffer | null, timeoutMs: number): Promise<HttpAnswer>;
  stopped(): boolean;
  /** A hit's record or image waits: a lower-priority image yields between pieces. */
  hitWaiting(): boolean;
  /** A request went through (for the status: link up, bytes sent). */
  progressed(bytes: number): void;
}

export class ImageSender {
  private readonly offsets = new Map<string, number>();
  /** Largest piece the receiver takes; halves on 413. */
  maxPieceBytes = DEFAULT_MAX_PIECE_BYTES;
  /** Pieces sent, and images whose upload resumed at an offset above 0 (for the status). */
  pieces = 0;
  resumed = 0;

  constructor(private readonly deps: ImageSenderDeps) {}

  async send(work: ImageWork, img: ImageWork['images'][number], pieces: boolean): Promise<ImageResult> {
    return pieces ? this.sendPieces(work, img) : this.sendWhole(work, img);
  }

  /** Version 1: the whole image in one idempotent PUT. */
  private async sendWhole(work: ImageWork, img: ImageWork['images'][number]): Promise<ImageResult> {
    const data = this.deps.outbox().imagePiece(work.entry.ref, img.kind, 0, img.bytes);
    if (!data) return { kind: 'gone' };
    const path = `v1/images/${encodeURIComponent(work.detectionId)}/${img.kind}`;
    const headers = { 'content-type': 'image/jpeg', 'x-content-sha256': img.sha256, 'x-device-id': this.deps.deviceId };
    const sent = await this.request('PUT', path, headers, data);
    if ('error' in sent) return sent.error;
    const { answer, elapsedMs } = sent;
    if (answer.status >= 200 && answer.status < 300) {
      this.deps.link.sent(data.length, elapsedMs);
      this.deps.progressed(data.length);
      return { kind: 'stored', bytesSent: data.length };
    }
    return this.failure(answer, img.kind, false);
  }

  private async sendPieces(work: ImageWork, img: ImageWork['images'][number]): Promise<ImageResult> {
    const key = `${work.detectionId}/${img.kind}/${img.sha256}`;
    const base = `v1/images/${encodeURIComponent(work.detectionId)}/${img.kind}/upload`;
    let offset = this.offsets.get(key);
    let bytesSent = 0;
    // An image that fits one piece goes at once from 0: if the receiver holds some of it (a try
    // cut before a restart) it answers 409 with its offset, which costs less than asking first
    // (one round trip per image: at 80 ms it halved the image rate at 1 Mbit/s).
    if (offset === undefined && img.bytes <= this.pieceBytes()) offset = 0;
    if (offset === undefined) {
      const asked = await this.request('GET', `${base}?sha256=${img.sha256}&bytes=${img.bytes}`, { 'x-device-id': this.deps.deviceId }, null);
      if ('error' in asked) return asked.error;
      const state = pieceState(asked.answer.body);
      if (asked.answer.status !== 200 || !state) return this.failure(asked.answer, img.kind, true);
      if (state.complete) return { kind: 'stored', bytesSent: 0 };
      offset = state.offset;
      if (offset > 0) this.resumed++;
    }
    while (offset < img.bytes) {
      if (this.deps.stopped() || (work.entry.priority === 0 && this.deps.hitWaiting())) {
        this.remember(key, offset);
        return { kind: 'paused' };
      }
      const want = this.pieceBytes();
      const piece = this.deps.outbox().imagePiece(work.entry.ref, img.kind, offset, want);
      if (!piece) return { kind: 'gone' };
      const headers = {
        'content-type': 'application/octet-stream',
        'x-device-id': this.deps.deviceId,
        'x-image-sha256': img.sha256,
        'x-image-bytes': String(img.bytes),
        'x-piece-offset': String(offset),
        'x-content-sha256': sha256Hex(piece),
      };
      const sent = await this.request('PUT', base, headers, piece);
      if ('error' in sent) {
        this.remember(key, offset);
        return sent.error;
      }
      const { answer, elapsedMs } = sent;
      const state = pieceState(answer.body);
      if (answer.status === 200 && state) {
        this.pieces++;
        this.deps.link.sent(piece.length, elapsedMs);
        this.deps.progressed(piece.length);
        bytesSent += piece.length;
        if (state.complete) {
          this.offsets.delete(key);
          return { kind: 'stored', bytesSent };
        }
        offset = state.offset;
        continue;
      }
      const held = answer.status === 409 ? pieceState((answer.body as { state?: unknown } | null)?.state) : null;
      if (held) {
        // The receiver holds another length (the answer to a piece it stored was lost): go on from its offset.
        offset = held.offset;
        continue;
      }
      if (answer.status === 413 && this.maxPieceBytes > MIN_PIECE_BYTES) {
        this.maxPieceBytes = Math.max(MIN_PIECE_BYTES, Math.floor(Math.min(this.maxPieceBytes, piece.length) / 2));
        continue;
      }
      this.remember(key, offset);
      return this.failure(answer, img.kind, true);
    }
    // Every byte acknowledged yet no `complete`: ask where the receiver stands next time.
    this.offsets.delete(key);
    return { kind: 'retry', reason: `${img.kind} image: the receiver holds every byte but has not stored the image`, refused: false, retryAfterMs: null };
  }

  /** Bytes of the next piece: about `batch_target_s` at the measured rate, within the bounds. */
  pieceBytes(): number {
    return Math.max(MIN_PIECE_BYTES, Math.min(this.deps.link.batchBytes(), this.maxPieceBytes));
  }

  private remember(key: string, offset: number): void {
    if (this.offsets.size >= OFFSETS_KEPT) this.offsets.clear();
    this.offsets.set(key, offset);
  }

  private async request(
    method: 'GET' | 'PUT',
    path: string,
    headers: Record<string, string>,
    body: Buffer | null,
  ): Promise<{ answer: HttpAnswer; elapsedMs: number } | { error: ImageResult }> {
    const bytes = body?.length ?? 0;
    const timeoutMs = this.deps.link.timeoutMs(bytes);
    const t0 = performance.now();
    try {
      const answer = await this.deps.send(method, path, headers, body, timeoutMs);
      return { answer, elapsedMs: performance.now() - t0 };
    } catch (err) {
      const elapsedMs = performance.now() - t0;
      // Ran into its time limit: the link carried at most this much in that time.
      if (elapsedMs >= timeoutMs * 0.9) this.deps.link.stalled(bytes, elapsedMs);
      return { error: { kind: 'retry', reason: errorMessage(err), refused: false, retryAfterMs: null } };
    }
  }

  private failure(answer: HttpAnswer, kind: ImageKind, pieces: boolean): ImageResult {
    const status = answer.status;
    const message = typeof (answer.body as { message?: unknown } | null)?.message === 'string' ? `: ${(answer.body as { message: string }).message}` : '';
    const reason = `${kind} image: ${new AlprError(UploadErrors.UPLOAD_HTTP_STATUS, { status, detail: message.slice(2) || 'no message' }).message}`;
    const header = answer.headers['retry-after'];
    if (status === 429 || status === 408 || status >= 500) {
      return { kind: 'retry', reason, refused: false, retryAfterMs: parseRetryAfter(Array.isArray(header) ? header[0] : header, Date.now()) };
    }
    if (status === 401 || status === 403) return { kind: 'retry', reason, refused: true, retryAfterMs: null };
    if (pieces && (status === 404 || status === 405 || status === 501)) return { kind: 'no-pieces' };
    // A piece garbled on the way (its own SHA-256 differs): send it again.
    if (status === 400 && (answer.body as { error?: unknown } | null)?.error === 'piece_sha256') return { kind: 'retry', reason, refused: false, retryAfterMs: null };
    if (status >= 200 && status < 300) return { kind: 'retry', reason: `${kind} image: HTTP ${status} without a readable piece state`, refused: false, retryAfterMs: null };
    // 400 (bad image, wrong SHA-256 of the whole), 409 write-once, 413 at the smallest piece, 422.
    return { kind: 'rejected', reason };
  }
}

function pieceState(body: unknown): WirePieceState | null {
  const b = body as Partial<WirePieceState> | null;
  if (!b || typeof b !== 'object' || !Number.isSafeInteger(b.offset) || b.offset! < 0) return null;
  return { offset: b.offset!, bytes: Number(b.bytes) || 0, complete: b.complete === true };
}

function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
