import { describe, expect, it } from 'vitest';
import { chooseProfile, profileFromOnvif, type MediaProfile } from '../../src/camera/profile-choice.js';

const p = (token: string, name: string, width: number | null, height: number | null): MediaProfile => ({ token, name, width, height, encoding: width === null ? null : 'H264' });
const profiles = [p('main', 'MainStream', 2560, 1440), p('sub', 'SubStream', 1280, 720), p('third', 'Mobile', 640, 360), p('audio', 'AudioOnly', null, null)];

describe('chooseProfile', () => {
  const table: [string, string, number, number, string | null, RegExp][] = [
    ['highest within 1920x1080', '', 1920, 1080, 'sub', /highest resolution/],
    ['highest within 4K', '', 3840, 2160, 'main', /highest resolution/],
    ['limit is inclusive', '', 1280, 720, 'sub', /highest/],
    ['nothing fits: the smallest', '', 320, 240, 'third', /smallest taken/],
    ['configured token', 'third', 1920, 1080, 'third', /token third/],
    ['configured name, any case', 'mainstream', 1920, 1080, 'main', /name mainstream/],
    ['unknown name lists what exists', 'Night', 1920, 1080, null, /no profile with token or name "Night" \(has main "MainStream" 2560x1440, sub/],
  ];
  for (const [name, wanted, w, h, token, reason] of table) {
    it(name, () => {
      const r = chooseProfile(profiles, wanted, w, h);
      if (token === null) {
        expect('error' in r && r.error).toMatch(reason);
      } else {
        expect('profile' in r && r.profile.token).toBe(token);
        expect('reason' in r && r.reason).toMatch(reason);
      }
    });
  }

  it('reports a device without profiles or without video', () => {
    expect(chooseProfile([], '', 1920, 1080)).toEqual({ error: 'the device lists no media profiles' });
    expect(chooseProfile([p('a', 'A', null, null)], '', 1920, 1080)).toEqual({ error: 'no profile has a video encoder (has a "A")' });
  });

  it('prefers the first of equal-size profiles', () => {
    const r = chooseProfile([p('x', 'X', 1280, 720), p('y', 'Y', 1280, 720)], '', 1920, 1080);
    expect('profile' in r && r.profile.token).toBe('x');
  });
});

describe('profileFromOnvif', () => {
  it('reads the shape the onvif client produces', () => {
    const raw = { $: { token: 'Profile_1', fixed: true }, name: 'mainStream', videoEncoderConfiguration: { encoding: 'H264', resolution: { width: 1920, height: 1080 } } };
    expect(profileFromOnvif(raw)).toEqual({ token: 'Profile_1', name: 'mainStream', width: 1920, height: 1080, encoding: 'H264' });
  });
  it('accepts numeric tokens and names and a missing encoder', () => {
    expect(profileFromOnvif({ $: { token: 1 }, name: 2 })).toEqual({ token: '1', name: '2', width: null, height: null, encoding: null });
  });
  it('rejects entries without a token', () => {
    expect(profileFromOnvif({ name: 'x' })).toBeNull();
    expect(profileFromOnvif(null)).toBeNull();
  });
});
