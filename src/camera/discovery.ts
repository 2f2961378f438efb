/**
 * WS-Discovery of ONVIF cameras on the local network, with the `onvif` client's probe (UDP
 * multicast to 239.255.255.250:3702, ProbeMatches collected until the timeout). The answers are
 * parsed here into plain records: address, name and hardware from the ONVIF scopes.
 */
import type { RemoteInfo } from 'node:dgram';
import onvif from 'onvif';
import { AlprError } from '../shared/errors.js';
import { CameraErrors } from './errors.js';

export interface DiscoveredDevice {
  /** Endpoint reference (urn:uuid:…), stable per device. */
  urn: string;
  /** Device service URLs the camera advertises. */
  xaddrs: string[];
  /** `onvif://www.onvif.org/name/…` scope, decoded. */
  name: string | null;
  /** `onvif://www.onvif.org/hardware/…` scope, decoded. */
  hardware: string | null;
  /** `onvif://www.onvif.org/location/…` scope, decoded. */
  location: string | null;
  scopes: string[];
  /** Address the answer came from. */
  from: string;
}

export interface DiscoveryResult {
  devices: DiscoveredDevice[];
  /** Answers that were not ProbeMatches, and socket errors: reported, never fatal. */
  errors: string[];
  /** The probe itself could not be sent (no network, socket error). */
  failed: boolean;
}

interface ProbeMatch {
  probeMatches?: { probeMatch?: { endpointReference?: { address?: unknown }; XAddrs?: unknown; scopes?: unknown } };
}

export function parseProbeMatch(data: unknown, from: string): DiscoveredDevice | null {
  const m = (data as ProbeMatch | null)?.probeMatches?.probeMatch;
  if (!m) return null;
  const urn = typeof m.endpointReference?.address === 'string' ? m.endpointReference.address : '';
  const xaddrs = typeof m.XAddrs === 'string' ? m.XAddrs.split(/\s+/).filter(Boolean) : [];
  const scopes = typeof m.scopes === 'string' ? m.scopes.split(/\s+/).filter(Boolean) : [];
  const scope = (kind: string): string | null => {
    const prefix = `onvif://www.onvif.org/${kind}/`;
    const hit = scopes.find((s) => s.toLowerCase().startsWith(prefix));
    if (!hit) return null;
    try {
      return decodeURIComponent(hit.slice(prefix.length));
    } catch {
      return hit.slice(prefix.length);
    }
  };
  if (!urn && xaddrs.length === 0) return null;
  return { urn, xaddrs, name: scope('name'), hardware: scope('hardware'), location: scope('location'), scopes, from };
}

export function discoverOnvif(timeoutMs: number): Promise<DiscoveryResult> {
  const discovery = onvif.Discovery;
  const devices = new Map<string, DiscoveredDevice>();
  const errors: string[] = [];
  // The client emits 'error' for every foreign UDP answer; an EventEmitter without an 'error'
  // listener would throw that out of a timer callback and take the process down.
  const onError = (err: Error | string): void => void errors.push(err instanceof Error ? err.message : String(err));
  const onDevice = (data: unknown, rinfo: RemoteInfo): void => {
    const d = parseProbeMatch(data, rinfo.address);
    if (d) devices.set(d.urn || d.xaddrs.join(' '), d);
  };
  discovery.on('error', onError);
  discovery.on('device', onDevice);
  let failed = false;
  return new Promise<DiscoveryResult>((resolve) => {
    // The client calls back twice after a socket error (at once and at the timeout): settle once.
    let settled = false;
    discovery.probe({ timeout: timeoutMs, resolve: false }, (err) => {
      if (err instanceof Error) {
        failed = true;
        errors.push(new AlprError(CameraErrors.CAMERA_DISCOVERY_FAILED, { detail: err.message }).message);
      }
      if (settled) return;
      settled = true;
      discovery.removeListener('error', onError);
      discovery.removeListener('device', onDevice);
      resolve({ devices: [...devices.values()], errors: [...new Set(errors)], failed });
    });
  });
}
