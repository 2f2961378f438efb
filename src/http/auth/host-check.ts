/**
 * The `Host` header check against DNS rebinding: only the names the station is configured to be
 * reached by are answered (`http.allowed_hosts`, plus the loopback names and `http.host`).
 */
import type { HttpConfig } from '../../config/sections/http.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export function allowedHosts(config: Pick<HttpConfig, 'host' | 'allowed_hosts'>): Set<string> {
  const names = [...LOOPBACK_NAMES, config.host, ...config.allowed_hosts].map(bare).filter((h) => h !== '' && h !== '0.0.0.0' && h !== '::');
  return new Set(names);
}

/** The host part of a Host header value, lower-case, without port or IPv6 brackets. */
export function bare(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : h;
  }
  const colons = h.split(':').length - 1;
  // One colon: name:port. Several: an IPv6 literal without brackets (a config value, not a header).
  return colons === 1 ? h.slice(0, h.indexOf(':')) : h.replace(/\.$/, '');
}

export function hostAllowed(header: string | undefined, allowed: Set<string>): boolean {
  if (header === undefined || header === '') return false;
  return allowed.has(bare(header).replace(/\.$/, ''));
}
