/**
 * Choosing an ONVIF media profile: the one configured (token or name), or else the highest
 * resolution within the configured limits. A plate needs pixels, but a 4K main stream costs 4×
 * the decode of 1080p for no better read at patrol distances; the limit bounds that. Pure.
 */
export interface MediaProfile {
  token: string;
  name: string;
  width: number | null;
  height: number | null;
  encoding: string | null;
}

/** Reads one profile as the `onvif` client returns it (namespace-stripped, numbers parsed). */
export function profileFromOnvif(raw: unknown): MediaProfile | null {
  if (raw === null || typeof raw !== 'object') return null;
  const p = raw as { $?: { token?: unknown }; name?: unknown; videoEncoderConfiguration?: { encoding?: unknown; resolution?: { width?: unknown; height?: unknown } } };
  const token = p.$?.token;
  if (typeof token !== 'string' && typeof token !== 'number') return null;
  const res = p.videoEncoderConfiguration?.resolution;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
  const enc = p.videoEncoderConfiguration?.encoding;
  return {
    token: String(token),
    name: typeof p.name === 'string' || typeof p.name === 'number' ? String(p.name) : '',
    width: num(res?.width),
    height: num(res?.height),
    encoding: typeof enc === 'string' ? enc : null,
  };
}

export type ProfileChoice = { profile: MediaProfile; reason: string } | { error: string };

export function chooseProfile(profiles: readonly MediaProfile[], wanted: string, maxWidth: number, maxHeight: number): ProfileChoice {
  if (profiles.length === 0) return { error: 'the device lists no media profiles' };
  const list = profiles.map(describe).join(', ');
  if (wanted) {
    const byToken = profiles.find((p) => p.token === wanted);
    if (byToken) return { profile: byToken, reason: `configured token ${wanted}` };
    const byName = profiles.find((p) => p.name.toLowerCase() === wanted.toLowerCase());
    if (byName) return { profile: byName, reason: `configured name ${wanted}` };
    return { error: `no profile with token or name "${wanted}" (has ${list})` };
  }
  const video = profiles.filter((p) => p.width !== null && p.height !== null);
  if (video.length === 0) return { error: `no profile has a video encoder (has ${list})` };
  const area = (p: MediaProfile): number => p.width! * p.height!;
  const fitting = video.filter((p) => p.width! <= maxWidth && p.height! <= maxHeight);
  if (fitting.length > 0) {
    // Stable: among equal areas the device's first profile wins (usually its main stream).
    const best = fitting.reduce((a, b) => (area(b) > area(a) ? b : a));
    return { profile: best, reason: `highest resolution within ${maxWidth}x${maxHeight}` };
  }
  const smallest = video.reduce((a, b) => (area(b) < area(a) ? b : a));
  return { profile: smallest, reason: `no profile within ${maxWidth}x${maxHeight}; smallest taken` };
}

function describe(p: MediaProfile): string {
  return `${p.token}${p.name ? ` "${p.name}"` : ''}${p.width !== null ? ` ${p.width}x${p.height}` : ''}`;
}
