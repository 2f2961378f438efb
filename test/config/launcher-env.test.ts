/**
 * `ALPR_EDGE_USE_DIST=1` is the launcher's own switch (bin/alpr-edge runs dist/ instead of the
 * sources); the config loader used to reject it as an unknown key, so the documented way to run
 * the built daemon failed at start (issue 17 item 6).
 */
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('variables of the launcher', () => {
  const dir = tempDir('alpr-env-');

  it('accepts ALPR_EDGE_USE_DIST without taking it for a configuration key', () => {
    const r = loadConfigText('', dir, { ALPR_EDGE_USE_DIST: '1' });
    expect(r.errors).toEqual([]);
  });

  it('still rejects a misspelt neighbour of it', () => {
    const r = loadConfigText('', dir, { ALPR_EDGE_USE_DISTT: '1' });
    expect(r.errors).toContain('ALPR_EDGE_USE_DISTT: no configuration key matches this variable');
  });
});
