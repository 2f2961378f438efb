import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseProbeMatch } from '../../src/camera/discovery.js';
import { skipWithout } from '../helpers/peer.js';

const RUNNER = fileURLToPath(new URL('../peers/discovery-run.ts', import.meta.url));

// WS-Discovery multicasts to 239.255.255.250:3702; a private network namespace with only
// loopback keeps the probe off any real network (needs root or user namespaces).
const unshare = spawnSync('unshare', ['-n', 'true'], { encoding: 'utf8' });
const skipDiscovery = skipWithout('a private network namespace (unshare -n)', unshare.status === 0, unshare.error?.message ?? String(unshare.stderr ?? '').trim());

describe('alpr-edge discover', () => {
  it.skipIf(skipDiscovery)('finds the simulated camera by WS-Discovery inside a private network namespace', () => {
    const script = `ip link set lo up && ip route add 239.0.0.0/8 dev lo && exec "${process.execPath}" --import tsx "${RUNNER}"`;
    const r = spawnSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const { json, text, urn, xaddr } = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(json.code).toBe(0);
    const found = JSON.parse(json.out[0]);
    expect(found.devices).toEqual([
      {
        urn,
        xaddrs: [xaddr],
        name: 'Gate North',
        hardware: 'SIM-4K',
        location: null,
        scopes: expect.arrayContaining(['onvif://www.onvif.org/name/Gate%20North']),
        from: '127.0.0.1',
      },
    ]);
    expect(text.out).toEqual([`Gate North  hardware SIM-4K  from 127.0.0.1`, `  ${xaddr}`, `  ${urn}`, '1 device(s); configure one with kind: onvif and url: host[:port] of its address above']);
  });
});

describe('parseProbeMatch', () => {
  it('reads address, service URLs and scopes from a ProbeMatch as the client parses it', () => {
    const data = {
      probeMatches: {
        probeMatch: {
          endpointReference: { address: 'urn:uuid:1' },
          XAddrs: 'http://10.0.0.9/onvif/device_service http://[fe80::1]/onvif/device_service',
          scopes: 'onvif://www.onvif.org/name/Lane%202 onvif://www.onvif.org/hardware/DS-2CD onvif://www.onvif.org/location/city/Roseville',
        },
      },
    };
    expect(parseProbeMatch(data, '10.0.0.9')).toEqual({
      urn: 'urn:uuid:1',
      xaddrs: ['http://10.0.0.9/onvif/device_service', 'http://[fe80::1]/onvif/device_service'],
      name: 'Lane 2',
      hardware: 'DS-2CD',
      location: 'city/Roseville',
      scopes: ['onvif://www.onvif.org/name/Lane%202', 'onvif://www.onvif.org/hardware/DS-2CD', 'onvif://www.onvif.org/location/city/Roseville'],
      from: '10.0.0.9',
    });
  });

  it('ignores answers that are not probe matches', () => {
    expect(parseProbeMatch({ hello: {} }, '1.2.3.4')).toBeNull();
    expect(parseProbeMatch(null, '1.2.3.4')).toBeNull();
  });
});
