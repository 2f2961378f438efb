import { describe, expect, it } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';

function load(gps: Record<string, unknown>, device: Record<string, unknown> = {}): { errors: string[]; gps: unknown } {
  const r = loadConfigObject({ device, gps }, '/etc/alpr-edge');
  return { errors: r.errors, gps: r.config?.gps };
}

describe('gps configuration section', () => {
  it('defaults to no source, auto baud, and the trust limits documented in docs/gps.md', () => {
    const { errors, gps } = load({});
    expect(errors).toEqual([]);
    expect(gps).toMatchObject({
      source: 'none',
      serial: { path: '/dev/ttyUSB0', baud: 'auto' },
      gpsd: { host: '127.0.0.1', port: 2947 },
      max_fix_age_s: 3,
      max_hdop: 5,
      clock_skew_limit_s: 2,
      reconnect: { initial_s: 1, max_s: 30 },
    });
  });

  it.each([
    [{ source: 'serial', serial: { baud: 38400 } }, {}],
    [{ source: 'serial', serial: { baud: 'auto', path: '/dev/serial/by-id/usb-u-blox_GNSS-if00' } }, {}],
    [{ source: 'gpsd', gpsd: { host: 'localhost', port: 2948 } }, {}],
    [{ source: 'fixed', fixed: { lat: 38.58, lon: -121.49, heading_deg: 270 } }, { mode: 'fixed' }],
    [{ source: 'serial' }, { mode: 'fixed' }],
    [{ source: 'replay', replay: { file: 'drive.nmea', speed: 10 } }, {}],
  ])('accepts %j (device %j)', (gps, device) => {
    expect(load(gps, device).errors).toEqual([]);
  });

  it('resolves the replay file against the config folder', () => {
    expect(load({ source: 'replay', replay: { file: 'logs/drive.nmea' } }).gps).toMatchObject({ replay: { file: '/etc/alpr-edge/logs/drive.nmea' } });
  });

  it.each([
    [{ source: 'fixed' }, { mode: 'fixed' }, ['gps.fixed.lat: is required when gps.source is fixed', 'gps.fixed.lon: is required when gps.source is fixed']],
    [{ source: 'fixed', fixed: { lat: 38, lon: -121 } }, { mode: 'patrol' }, ['gps.source: fixed is for fixed installations; device.mode is patrol (use serial, gpsd or replay)']],
    [{ source: 'replay' }, {}, ['gps.replay.file: is required when gps.source is replay']],
    [{ serial: { baud: 9601 } }, {}, ['gps.serial.baud: does not match any allowed form']],
    [{ fixed: { lat: 91 } }, {}, ['gps.fixed.lat: must be <= 90']],
    [{ reconnect: { initial_s: 60, max_s: 10 } }, {}, ['gps.reconnect.initial_s: must not exceed gps.reconnect.max_s']],
    [{ max_fix_age_s: 200, history_s: 60 }, {}, ['gps.history_s: must be at least gps.max_fix_age_s']],
    [{ source: 'glonass' }, {}, ['gps.source: must be one of serial, gpsd, fixed, replay, none']],
    [{ serial: { speed: 9600 } }, {}, ['gps.serial.speed: unknown key']],
  ])('refuses %j (device %j)', (gps, device, want) => {
    expect(load(gps, device).errors).toEqual(want);
  });
});
