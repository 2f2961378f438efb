import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCi, skipWithout } from './peer.js';

describe('skipWithout (tests that need a peer this machine may lack)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('runs the tests when the peer is there', () => {
    expect(skipWithout('a tmpfs mount', true, '', { CI: 'true' })).toBe(false);
  });

  it('skips with a warning on a developer machine', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(skipWithout('a tmpfs mount', false, 'mount: permission denied', {})).toBe(true);
    expect(warn).toHaveBeenCalledWith('skipped: a tmpfs mount is not available here (mount: permission denied)');
  });

  it('fails under CI instead of skipping silently', () => {
    expect(() => skipWithout('a private network namespace', false, 'unshare: EPERM', { CI: 'true' })).toThrow(
      'a private network namespace is not available here (unshare: EPERM); under CI=true the tests that need it fail instead of skipping',
    );
  });

  it('reads CI the way CI services set it', () => {
    expect([isCi({ CI: 'true' }), isCi({ CI: '1' }), isCi({ CI: 'false' }), isCi({ CI: '0' }), isCi({ CI: '' }), isCi({})]).toEqual([true, true, false, false, false, false]);
  });
});
