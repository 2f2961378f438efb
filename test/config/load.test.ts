import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG, loadConfigFile, loadConfigText } from '../../src/config/load.js';
import { Secret } from '../../src/config/secret.js';
import { exampleSecretsEnv } from '../helpers/secrets.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('alpr-config-');

function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfigText(yaml, dir, env, 'test.yaml');
}

describe('configuration loading', () => {
  it('fills every default from an empty file', () => {
    const r = load('');
    expect(r.errors).toEqual([]);
    expect(r.config?.http.host).toBe('127.0.0.1');
    expect(r.config?.http.port).toBe(8080);
    expect(r.config?.cameras).toEqual([]);
  });

  it('loads the embedded demo and the example configurations', () => {
    for (const file of [DEMO_CONFIG, 'config/patrol-car.yaml', 'config/pole-camera.yaml']) {
      const r = loadConfigFile(file, exampleSecretsEnv(dir));
      expect(r.errors, file).toEqual([]);
    }
  });

  it.each([
    ['unknown top-level key', 'bogus: 1\n', 'bogus: unknown key'],
    ['unknown nested key', 'http:\n  prot: 80\n', 'http.prot: unknown key'],
    ['removed key, with what replaced it', 'version: 2\nrecognizer:\n  queue_size: 4\n', 'recognizer.queue_size: removed: frames wait in one queue per camera, set cameras[].queue_size instead'],
    ['out of bounds', 'http:\n  port: 70000\n', 'http.port: must be <= 65535'],
    ['wrong type', 'http:\n  port: eighty\n', 'http.port: must be integer'],
    ['bad enum', 'device:\n  mode: boat\n', 'device.mode: must be one of patrol, fixed'],
    ['missing required in array item', 'cameras:\n  - kind: rtsp\n', 'cameras[0].id: is required'],
    ['root not a mapping', '- 1\n- 2\n', '(root): must be a mapping'],
    ['yaml syntax', 'http:\n  port: [1,\n', 'line '],
    ['duplicate yaml key', 'http:\n  port: 1\n  port: 2\n', 'line '],
    ['duplicate camera ids', 'cameras:\n  - {id: a, kind: file, url: x.mp4}\n  - {id: a, kind: file, url: y.mp4}\n', 'cameras[1].id: duplicate camera id "a"'],
    ['bad secret form', 'upload:\n  token: {vault: x}\n', 'upload.token: must be a string, {env: VARIABLE} or {file: PATH}'],
  ])('reports %s as path: message', (_name, yaml, expected) => {
    const r = load(yaml);
    expect(r.config).toBeNull();
    expect(r.errors.some((e) => e.startsWith(expected)), r.errors.join('\n')).toBe(true);
  });

  it('reports every problem at once', () => {
    const r = load('http:\n  port: -1\n  host: ""\nbogus: 1\ndevice:\n  mode: boat\n');
    expect(r.errors.length).toBeGreaterThanOrEqual(4);
  });

  it('applies environment overrides by key path, typed by the schema', () => {
    const r = load('http:\n  port: 1000\n', { ALPR_EDGE_HTTP_PORT: '9000', ALPR_EDGE_DEVICE_DATA_DIR: '/srv/x', ALPR_EDGE_CONFIG: 'ignored' });
    expect(r.errors).toEqual([]);
    expect(r.config?.http.port).toBe(9000);
    expect(r.config?.device.data_dir).toBe('/srv/x');
  });

  it('rejects an environment override that names no key or has the wrong type', () => {
    const r = load('', { ALPR_EDGE_HTTP_PROT: '1', ALPR_EDGE_HTTP_PORT: 'abc' });
    expect(r.errors).toContain('ALPR_EDGE_HTTP_PROT: no configuration key matches this variable');
    expect(r.errors).toContain('ALPR_EDGE_HTTP_PORT: "abc" is not a number');
  });

  it('resolves secrets from env and files and never prints them', () => {
    const secretFile = join(dir, 'token');
    writeFileSync(secretFile, 's3cr3t-from-file\n');
    const r = load(`upload:\n  token: {file: ${secretFile}}\ncameras:\n  - {id: a, kind: rtsp, url: "rtsp://cam/x", password: {env: CAM_PW}}\n`, { CAM_PW: 'hunter2' });
    expect(r.errors).toEqual([]);
    const token = r.config!.upload.token;
    expect(token).toBeInstanceOf(Secret);
    expect(token!.reveal()).toBe('s3cr3t-from-file');
    expect(r.config!.cameras[0]!.password!.reveal()).toBe('hunter2');
    const printed = JSON.stringify(r.config) + inspect(r.config, { depth: 10 }) + String(token);
    expect(printed).not.toContain('hunter2');
    expect(printed).not.toContain('s3cr3t');
  });

  it('names a missing secret variable or file', () => {
    const r = load('upload:\n  token: {env: NOPE_TOKEN}\n');
    expect(r.errors).toEqual(['upload.token: environment variable NOPE_TOKEN is not set']);
    const r2 = load('upload:\n  token: {file: /nonexistent/token}\n');
    expect(r2.errors[0]).toMatch(/^upload\.token: cannot read secret file \/nonexistent\/token: ENOENT/);
  });

  it('reports an unreadable file by name', () => {
    const r = loadConfigFile(join(dir, 'missing.yaml'), {});
    expect(r.errors[0]).toContain('missing.yaml: cannot read: ENOENT');
  });
});

describe('environment overrides of union keys', () => {
  it('gives a numeric text to the numeric branch and other text to the string branch', () => {
    const num = loadConfigText('', dir, { ALPR_EDGE_GPS_SERIAL_BAUD: '9600' });
    expect(num.errors).toEqual([]);
    expect(num.config?.gps.serial.baud).toBe(9600);
    const auto = loadConfigText('', dir, { ALPR_EDGE_GPS_SERIAL_BAUD: 'auto' });
    expect(auto.config?.gps.serial.baud).toBe('auto');
  });
});
