import { describe, expect, it } from 'vitest';
import { displayUrl, scrubLine, withCredentials } from '../../src/camera/stream-url.js';
import { insidePolygon, zoneToPixels } from '../../src/camera/zone.js';

describe('withCredentials / displayUrl', () => {
  const table: [string, string, string | undefined, string][] = [
    ['rtsp://10.0.0.5:554/Streaming/101', 'admin', 'secret', 'rtsp://admin:secret@10.0.0.5:554/Streaming/101'],
    ['rtsp://cam/live', 'op', 'p@ss:w/rd#1', 'rtsp://op:p%40ss%3Aw%2Frd%231@cam/live'],
    ['rtsp://cam/live', '', undefined, 'rtsp://cam/live'],
    ['http://cam/video.mjpg', 'viewer', '', 'http://viewer@cam/video.mjpg'],
    ['not a url', 'a', 'b', 'not a url'],
  ];
  for (const [url, user, pass, want] of table) {
    it(`${url} + ${user || '-'} → ${want}`, () => {
      expect(withCredentials(url, user, pass)).toBe(want);
    });
  }

  it('shows URLs without user or password', () => {
    expect(displayUrl('rtsp://op:p%40ss%3Aw%2Frd%231@cam/live')).toBe('rtsp://***:***@cam/live');
  });
});

describe('scrubLine', () => {
  it('removes the password inside and outside URLs, raw and percent-encoded', () => {
    const line = "rtsp://op:p%40ss@cam:554/live: 401 Unauthorized; password p@ss rejected";
    expect(scrubLine(line, ['p@ss'])).toBe('rtsp://***:***@cam:554/live: 401 Unauthorized; password *** rejected');
  });
  it('leaves short secrets to the URL scrubber rather than mangling text', () => {
    expect(scrubLine('frame=10 fps=5', ['5'])).toBe('frame=10 fps=5');
  });
});

describe('zone', () => {
  const square: [number, number][] = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]];
  it('tells inside from outside', () => {
    expect([insidePolygon(0.5, 0.5, square), insidePolygon(0.1, 0.5, square), insidePolygon(0.5, 0.9, square)]).toEqual([true, false, false]);
  });
  it('handles a concave polygon', () => {
    const l: [number, number][] = [[0, 0], [0.5, 0], [0.5, 0.5], [1, 0.5], [1, 1], [0, 1]];
    expect([insidePolygon(0.75, 0.25, l), insidePolygon(0.75, 0.75, l), insidePolygon(0.25, 0.25, l)]).toEqual([false, true, true]);
  });
  it('scales to frame pixels', () => {
    expect(zoneToPixels(square, 1280, 720)).toEqual([[320, 180], [960, 180], [960, 540], [320, 540]]);
  });
});
