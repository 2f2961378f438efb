import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../helpers/temp-dir.js';

const root = resolve(import.meta.dirname, '..', '..');
const unitText = readFileSync(join(root, 'systemd', 'alpr-edge.service'), 'utf8');

function directives(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

describe('systemd unit', () => {
  it('passes systemd-analyze verify', () => {
    const dir = testTempDir('alpr-unit-');
    const file = join(dir, 'alpr-edge.service');
    // verify checks that ExecStart's binary exists and is executable: point it at this checkout.
    writeFileSync(file, unitText.replaceAll('/opt/alpr-edge/bin/alpr-edge', join(root, 'bin', 'alpr-edge')));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => l.includes('alpr-edge.service'))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('is Type=notify with a watchdog, restarts on failure and is hardened', () => {
    const d = directives(unitText);
    expect(d.get('Type')).toEqual(['notify']);
    expect(Number(d.get('WatchdogSec')?.[0])).toBeGreaterThan(0);
    expect(d.get('Restart')).toEqual(['on-failure']);
    expect(d.get('SupplementaryGroups')?.[0]).toContain('dialout');
    expect(d.get('User')).toEqual(['alpr-edge']);
    for (const [k, v] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['PrivateTmp', 'yes'],
      ['ProtectHome', 'yes'],
      ['ReadWritePaths', '/var/lib/alpr-edge'],
    ]) {
      expect(d.get(k!), k).toEqual([v]);
    }
  });

  it('scores as well hardened in systemd-analyze security', () => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=true', join(root, 'systemd', 'alpr-edge.service')], { encoding: 'utf8' });
    const m = /Overall exposure level for .*: ([\d.]+)/.exec(out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(3);
  });

  it('install.sh lays out /opt, /etc and /var/lib under DESTDIR', () => {
    // The layout, not the compiler: install.sh runs from a staging copy of the source with the
    // compiled entry point stood in (compiling the whole tree took over two minutes on a loaded
    // 2-core machine, and wrote dist/ into the checkout; `npm run typecheck` checks the code).
    const src = testTempDir('alpr-install-src-');
    for (const item of ['scripts', 'bin', 'config', 'systemd', 'models', 'README.md', 'LICENSE', 'package.json', 'package-lock.json']) {
      cpSync(join(root, item), join(src, item), { recursive: true, filter: (f) => !f.startsWith(join(root, 'models', 'training')) });
    }
    mkdirSync(join(src, 'dist'));
    writeFileSync(join(src, 'dist', 'main.js'), '// stands in for the compiled daemon\n');
    const dest = testTempDir('alpr-install-');
    execFileSync(join(src, 'scripts', 'install.sh'), ['--profile', 'pole-camera'], { env: { ...process.env, DESTDIR: dest, INSTALL_SKIP_BUILD: '1' }, stdio: 'pipe' });
    for (const p of ['opt/alpr-edge/bin/alpr-edge', 'opt/alpr-edge/dist/main.js', 'opt/alpr-edge/models/ocr.onnx', 'opt/alpr-edge/models/detector.onnx', 'etc/alpr-edge/config.yaml', 'etc/systemd/system/alpr-edge.service', 'var/lib/alpr-edge']) {
      expect(existsSync(join(dest, p)), p).toBe(true);
    }
    expect(existsSync(join(dest, 'opt/alpr-edge/models/training'))).toBe(false);
    expect(statSync(join(dest, 'etc/alpr-edge/credentials')).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(dest, 'etc/alpr-edge/config.yaml'), 'utf8')).toContain('data_dir: /var/lib/alpr-edge');
  });
});
