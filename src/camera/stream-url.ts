/**
 * Camera URLs with and without credentials. The password goes into the URL only for the argv
 * handed to ffmpeg; everything that can reach a log or the status page uses `displayUrl`.
 */
import { scrubSecrets } from '../shared/redact.js';

/** `rtsp://host/path` + user + password → `rtsp://user:password@host/path` (percent-encoded). */
export function withCredentials(url: string, username: string, password: string | undefined): string {
  if (!username && !password) return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  // WHATWG URL percent-encodes reserved characters (@ : / #) in userinfo, which RTSP servers decode.
  u.username = username;
  u.password = password ?? '';
  return u.toString();
}

/** The URL as it may be shown: user and password replaced by `***`. */
export function displayUrl(url: string): string {
  return scrubSecrets(url);
}

/**
 * Replaces every occurrence of the given secrets (raw and percent-encoded) in a line, after the
 * generic URL scrubbing: ffmpeg sometimes echoes a password outside a URL (e.g. in a
 * `Authorization` debug line or a malformed-URL message).
 */
export function scrubLine(line: string, secrets: readonly string[]): string {
  let out = scrubSecrets(line);
  for (const s of secrets) {
    if (s.length < 3) continue; // too short to replace without mangling ordinary text
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***');
  }
  return out;
}
