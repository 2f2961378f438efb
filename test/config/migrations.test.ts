import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { CONFIG_VERSION, MIGRATIONS, migrateConfigText } from '../../src/config/migrations.js';
import { main } from '../../src/main.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('alpr-config-version-');

function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfigText(yaml, dir, env, 'test.yaml');
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const OLD = `# the patrol car's file from before versions
recognizer:
  workers: 1
  queue_size: 6   # one queue for all cameras
cameras:
  - {id: front, kind: file, url: front.mp4}
  - {id: rear, kind: file, url: rear.mp4, queue_size: 3}
`;

describe('configuration version', () => {
  it('has one step from every version before the current one', () => {
    expect(MIGRATIONS.map((m) => m.from)).toEqual(Array.from({ length: CONFIG_VERSION - 1 }, (_, i) => i + 1));
  });

  it('reads a file without version as version 1, with a note', () => {
    const r = load('http:\n  port: 1000\n');
    expect(r.errors).toEqual([]);
    expect(r.config?.version).toBe(CONFIG_VERSION);
    expect(r.notes).toEqual([expect.stringMatching(/^version: not set, read as version 1/)]);
  });

  it('reads a current file without notes', () => {
    const r = load(`version: ${CONFIG_VERSION}\n`);
    expect(r.errors).toEqual([]);
    expect(r.notes).toEqual([]);
  });

  it.each([
    ['a newer version, naming the key and the versions it reads', `version: ${CONFIG_VERSION + 1}\nbrand_new_section: {}\n`, `version: ${CONFIG_VERSION + 1} is newer than this alpr-edge reads (versions 1 to ${CONFIG_VERSION})`],
    ['a version that is not a whole number', 'version: "2"\n', 'version: must be a whole number ≥ 1'],
    ['version 0', 'version: 0\n', 'version: must be a whole number ≥ 1'],
  ])('refuses %s', (_name, yaml, expected) => {
    const r = load(yaml);
    expect(r.config).toBeNull();
    expect(r.errors).toEqual([expect.stringContaining(expected)]);
  });

  it('does not take the version from the environment', () => {
    const r = load('', { ALPR_EDGE_VERSION: '1' });
    expect(r.errors).toEqual([expect.stringMatching(/^ALPR_EDGE_VERSION: the format version belongs to the file/)]);
  });

  it('migrates version 1 in memory: recognizer.queue_size becomes the queue of each camera that had none', () => {
    const r = load(OLD);
    expect(r.errors).toEqual([]);
    expect(r.config?.cameras.map((c) => [c.id, c.queue_size])).toEqual([['front', 6], ['rear', 3]]);
    expect(r.notes).toContain('version 1 → 2: recognizer.queue_size (6) removed; set as queue_size of 1 camera(s) that had none');
  });

  it('keeps the removed-key message for a version-2 file that still sets recognizer.queue_size', () => {
    const r = load('version: 2\nrecognizer:\n  queue_size: 4\n');
    expect(r.errors).toContain('recognizer.queue_size: removed: frames wait in one queue per camera, set cameras[].queue_size instead');
  });

  it('migrates the text with its comments and puts version first', () => {
    const m = migrateConfigText(OLD);
    if (!m.ok) throw new Error(m.errors.join('; '));
    expect(m.from).toBe(1);
    expect(m.text.split('\n').find((l) => !l.startsWith('#'))).toBe(`version: ${CONFIG_VERSION}`);
    expect(m.text).toContain("# the patrol car's file from before versions");
    expect(m.text).not.toContain('queue_size: 6   # one queue');
    expect(load(m.text).notes).toEqual([]);
  });
});

describe('check-config and the version', () => {
  it('notes a file without version and accepts it', async () => {
    const file = join(dir, 'unversioned.yaml');
    writeFileSync(file, 'http:\n  port: 1000\n');
    const r = await cli(['check-config', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${file}: note: version: not set, read as version 1`);
    expect(r.stdout).toContain(`${file}: OK`);
  });

  it('refuses a newer version with the error on version and exit 1', async () => {
    const file = join(dir, 'future.yaml');
    writeFileSync(file, `version: ${CONFIG_VERSION + 1}\n`);
    const r = await cli(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`version: ${CONFIG_VERSION + 1} is newer than this alpr-edge reads`);
  });

  it('--migrate prints the file at the current version and its changes on standard error', async () => {
    const file = join(dir, 'old.yaml');
    writeFileSync(file, OLD);
    const r = await cli(['check-config', '--migrate', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('version 1 → 2: recognizer.queue_size (6) removed');
    expect(r.stderr).toContain(`${file}: version 1 → ${CONFIG_VERSION}`);
    const migrated = join(dir, 'migrated.yaml');
    writeFileSync(migrated, `${r.stdout}\n`);
    const again = await cli(['check-config', migrated]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('note:');
  });

  it('--migrate refuses a newer version and prints nothing on standard output', async () => {
    const file = join(dir, 'future-migrate.yaml');
    writeFileSync(file, `version: ${CONFIG_VERSION + 1}\n`);
    const r = await cli(['check-config', '--migrate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('version: 3 is newer');
  });
});
