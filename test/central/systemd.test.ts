import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../helpers/temp-dir.js';

const root = resolve(import.meta.dirname, '..', '..');
const UNITS = [
  ['alpr-central-receiver.service', 'receiver'],
  ['alpr-central-worker@.service', 'worker'],
] as const;

describe('central systemd units', () => {
  it.each(UNITS)('%s passes systemd-analyze verify and runs its role', (name, role) => {
    const text = readFileSync(join(root, 'systemd', name), 'utf8');
    expect(text).toContain(`--role ${role}`);
    const dir = testTempDir('alpr-central-unit-');
    // verify checks that ExecStart's binary exists and is executable: point it at this checkout.
    const file = join(dir, name.replace('@', '@1'));
    writeFileSync(file, text.replaceAll('/opt/alpr-edge/bin/alpr-edge', join(root, 'bin', 'alpr-edge')));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => l.includes('alpr-central'))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it.each(UNITS)('%s scores as well hardened in systemd-analyze security', (name) => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=true', join(root, 'systemd', name)], { encoding: 'utf8' });
    const m = /Overall exposure level for .*: ([\d.]+)/.exec(out);
    expect(Number(m?.[1])).toBeLessThan(3);
  });
});
