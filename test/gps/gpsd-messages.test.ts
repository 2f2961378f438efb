import { describe, expect, it } from 'vitest';
import { GpsdMessages } from '../../src/gps/gpsd-messages.js';

// Reports as gpsd 3.22 writes them (captured from gpsfake playing fixtures/gps/drive.nmea).
const TPV_DGPS =
  '{"class":"TPV","device":"/dev/pts/1","status":2,"mode":3,"time":"2026-03-14T17:05:25.000Z","ept":0.005,"lat":38.576195167,"lon":-121.493412833,"altHAE":-18.9000,"altMSL":9.5000,"alt":9.5000,"epx":2.169,"epy":3.494,"epv":5.290,"track":90.0500,"magtrack":103.3386,"magvar":13.3,"speed":13.351,"climb":0.000,"geoidSep":-28.400,"eph":3.372,"sep":5.415}';
const SKY =
  '{"class":"SKY","device":"/dev/pts/1","xdop":0.50,"ydop":0.78,"vdop":1.40,"tdop":0.69,"hdop":1.08,"gdop":1.49,"pdop":1.73,"nSat":18,"uSat":14,"satellites":[{"PRN":2,"el":16.0,"az":310.0,"ss":46.0,"used":true,"gnssid":0,"svid":2}]}';
const TPV_3D =
  '{"class":"TPV","device":"/dev/pts/1","mode":3,"time":"2026-03-14T17:05:11.000Z","ept":0.005,"lat":38.576208000,"lon":-121.494764000,"altHAE":-19.2000,"altMSL":9.2000,"alt":9.2000,"track":90.0300,"speed":1.794}';
const TPV_NOFIX = '{"class":"TPV","device":"/dev/pts/1","mode":1,"time":"2026-03-14T17:10:01.000Z","ept":0.005}';

describe('GpsdMessages', () => {
  it('turns a TPV into a fix and merges the latest SKY (HDOP, satellites used and in view)', () => {
    const m = new GpsdMessages();
    expect(m.handleLine(SKY, 1).kind).toBe('other');
    const ev = m.handleLine(TPV_DGPS, 1_000);
    expect(ev).toEqual({
      kind: 'fix',
      fix: {
        lat: 38.576195167,
        lon: -121.493412833,
        altitude_m: 9.5,
        speed_mps: 13.351,
        heading_deg: 90.05,
        mode: 'dgps',
        satellites: 14,
        hdop: 1.08,
        satellitesInView: 18,
        gpsTime: Date.parse('2026-03-14T17:05:25.000Z'),
        receivedAt: 1_000,
      },
    });
  });

  it('reports a TPV without a fix at the last known position, with mode none', () => {
    const m = new GpsdMessages();
    m.handleLine(TPV_3D, 0);
    const ev = m.handleLine(TPV_NOFIX, 1);
    if (ev.kind !== 'fix') throw new Error(ev.kind);
    expect([ev.fix.mode, ev.fix.lat, ev.fix.lon, ev.fix.speed_mps]).toEqual(['none', 38.576208, -121.494764, null]);
  });

  it.each([
    [{ mode: 2 }, '2d'],
    [{ mode: 3 }, '3d'],
    [{ mode: 3, status: 3 }, 'rtk'],
    [{ mode: 3, status: 4 }, 'rtk'],
    [{ mode: 3, status: 5 }, 'none'],
    [{ mode: 3, status: 8 }, 'none'],
    [{ mode: 0 }, 'none'],
  ])('maps TPV %j to mode %s', (over, mode) => {
    const m = new GpsdMessages();
    const ev = m.handle({ class: 'TPV', lat: 1, lon: 2, ...over }, 0);
    expect(ev.kind === 'fix' && ev.fix.mode).toBe(mode);
  });

  it('reports the receiver path from DEVICES, and a deactivated DEVICE', () => {
    const m = new GpsdMessages();
    expect(m.handleLine('{"class":"DEVICES","devices":[{"class":"DEVICE","path":"/dev/ttyACM0","activated":"2026-03-14T17:05:00.000Z"}]}', 0)).toEqual({ kind: 'device', path: '/dev/ttyACM0', activated: true });
    expect(m.handleLine('{"class":"DEVICE","path":"/dev/ttyACM0","activated":0}', 0)).toEqual({ kind: 'device', path: '/dev/ttyACM0', activated: false });
  });

  it.each([
    ['{"class":"TPV"', 'malformed'],
    ['[1,2]', 'malformed'],
    ['{"mode":3}', 'malformed'],
    ['{"class":"ERROR","message":"Unrecognized request \'?FOO\'"}', 'error'],
    ['{"class":"VERSION","release":"3.22"}', 'other'],
    ['{"class":"PPS","device":"/dev/pps0"}', 'other'],
  ])('classifies %s as %s', (line, kind) => {
    expect(new GpsdMessages().handleLine(line, 0).kind).toBe(kind);
  });
});
