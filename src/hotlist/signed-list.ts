/**
 * The signed-list format of the central server (documented in docs/hotlist.md):
 *
 *   body                     the list itself, CSV or JSON lines, unchanged
 *   X-Hotlist-Issued         when the server cut this list, ISO 8601 UTC
 *   X-Hotlist-Signature      base64 Ed25519 signature of
 *                            "alpr-edge-hotlist-v1\n" + issued + "\n" + sha256(body) in hex + "\n"
 *
 * Signing the digest rather than the body lets the device hash the body while it streams to disk;
 * signing the issue time with it stops an old, validly signed list from being replayed.
 */
import { verify, type KeyObject } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-hotlist-signature';
export const ISSUED_HEADER = 'x-hotlist-issued';
const PREFIX = 'alpr-edge-hotlist-v1';

export function signedMessage(issued: string, sha256Hex: string): Buffer {
  return Buffer.from(`${PREFIX}\n${issued}\n${sha256Hex}\n`, 'utf8');
}

export function verifySignature(publicKey: KeyObject, issued: string, sha256Hex: string, signatureB64: string): boolean {
  const sig = Buffer.from(signatureB64.trim(), 'base64');
  if (sig.length !== 64) return false;
  try {
    return verify(null, signedMessage(issued, sha256Hex), publicKey, sig);
  } catch {
    return false; // a malformed signature is simply not a valid one
  }
}

/** Parses the issue time; null when it is not an ISO 8601 time. */
export function parseIssued(issued: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(issued)) return null;
  const t = Date.parse(issued);
  return Number.isNaN(t) ? null : t;
}
