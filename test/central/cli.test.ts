import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command } from '../../src/cli/central.js';
import { UsageError } from '../../src/cli/command.js';
import { centralConfigFromObject, CentralConfigError } from '../../src/central/config.js';
import { MIGRATIONS } from '../../src/central/migrations.js';
import { loadSigningKey } from '../../src/central/central-services.js';
import { FleetHealth } from '../../src/central/fleet-health.js';
import { Pool } from 'pg';
import { PostgresPeer } from '../peers/postgres-peer.js';
import { freshDatabase } from './helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const pg = new PostgresPeer({ fsync: false });
const dir = tempDir('alpr-central-cli-');
let config: string;
let pgPool: Pool | undefined;

beforeAll(async () => {
  await pg.start();
  config = join(dir, 'central.yaml');
  const url = await freshDatabase(pg);
  writeFileSync(config, `postgres:\n  url: ${url}\nlog_level: silent\n`);
  pgPool = new Pool({ connectionString: url, max: 1 });
  // pool.end() resolves before the server has answered every Terminate; when the peer then shuts
  // down, a closing connection can still receive "terminating connection" (57P01). Anything else is real.
  pgPool.on('error', (err: Error & { code?: string }) => {
    if (err.code !== '57P01') throw err;
  });
});
afterAll(async () => {
  await pgPool?.end();
  await pg.cleanup();
});

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command.run(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out, err };
}

describe('alpr-edge central', () => {
  it('migrates once, then reports the schema up to date', async () => {
    expect((await cli('migrate', '--config', config)).out).toEqual([`applied migrations ${MIGRATIONS.map((m) => m.version).sort((a, b) => a - b).join(', ')}`]);
    expect((await cli('migrate', '--config', config)).out).toEqual(['schema is up to date']);
  });

  it('issues a token (printed alone), lists it by fingerprint only, and revokes it', async () => {
    const issued = await cli('token', 'issue', 'car-12', '--config', config);
    expect(issued.code).toBe(0);
    expect(issued.out).toHaveLength(1);
    const token = issued.out[0]!;
    expect(token).toMatch(/^alpr_[A-Za-z0-9_-]{43}$/);
    const listed = await cli('token', 'list', '--config', config);
    expect(listed.out.join('\n')).toMatch(/^car-12\t[0-9a-f]{8}\tissued .*\tlive$/m);
    expect(listed.out.join('\n')).not.toContain(token);
    const revoked = await cli('token', 'revoke', 'car-12', '--config', config);
    expect(revoked).toMatchObject({ code: 0, out: [expect.stringMatching(/revoked 1 token\(s\) of car-12/)] });
    expect((await cli('token', 'list', '--config', config)).out.join('\n')).toMatch(/car-12\t.*\trevoked /);
    expect((await cli('token', 'revoke', 'car-12', '--config', config)).code).toBe(1);
  });

  it('lists the fleet: each device with its last contact, counts, tokens and audit-chain state', async () => {
    await cli('token', 'issue', 'pole-3', '--config', config);
    const { code, out } = await cli('devices', '--config', config);
    expect(code).toBe(0);
    expect(out).toEqual(expect.arrayContaining([expect.stringMatching(/^pole-3\tnever seen\t0 batches\t0 detections\t1 live token\(s\)\taudit verified to 0, 0 break\(s\), 0 gap\(s\)$/)]));
    // With a status heartbeat, its readiness, age and backlog follow.
    await new FleetHealth(pgPool!).record({ api: 1, device_id: 'pole-3', sent_at: Date.now(), version: null, readiness: 'amber', reasons: ['camera:north degraded'], cameras: [], backlog: { items: 7, detections: 7, oldest_s: 3 }, hotlist: { issued_at: null, confirmed_at: null } }, Date.now());
    expect((await cli('devices', '--config', config)).out).toEqual(expect.arrayContaining([expect.stringMatching(/^pole-3\tnever seen\t.*\tamber \d+ s ago, backlog 7$/)]));
  });

  it('issues staff tokens by role (printed alone, apart from device tokens), lists and revokes them, and verifies the central audit log', async () => {
    const issued = await cli('staff', 'issue', 'adm.ruiz', '--role', 'admin', '--config', config);
    expect(issued.code).toBe(0);
    expect(issued.out).toEqual([expect.stringMatching(/^alprs_[A-Za-z0-9_-]{43}$/)]);
    await expect(cli('staff', 'issue', 'ofc.lee', '--config', config)).rejects.toThrow(/--role admin\|officer\|metrics/);
    await expect(cli('staff', 'issue', 'ofc.lee', '--role', 'worker', '--config', config)).rejects.toThrow(/--role admin\|officer\|metrics/);
    const listed = (await cli('staff', 'list', '--config', config)).out.join('\n');
    expect(listed).toMatch(/^adm\.ruiz\tadmin\t[0-9a-f]{8}\tissued .*\tlive$/m);
    expect(listed).not.toContain(issued.out[0]);
    expect((await cli('staff', 'revoke', 'adm.ruiz', '--config', config)).out).toEqual(['revoked 1 staff token(s) of adm.ruiz']);
    expect(await cli('audit', 'verify', '--config', config)).toMatchObject({ code: 0, out: ['central audit log verifies from its first row'] });
  });

  it('reports a clean audit-chain state as exit 0', async () => {
    expect((await cli('chains', '--config', config)).code).toBe(0);
  });

  it.each([
    [[], /--config/],
    [['--config', 'x.yaml', '--role', 'boss'], /--role/],
    [['frobnicate'], /--config/],
  ])('refuses %j', async (args, message) => {
    await expect(cli(...args)).rejects.toThrow(UsageError);
    await expect(cli(...args)).rejects.toThrow(message);
  });

  it('refuses an unknown subcommand and a token command without a device', async () => {
    await expect(cli('frobnicate', '--config', config)).rejects.toThrow(/unknown subcommand/);
    await expect(cli('token', 'issue', '--config', config)).rejects.toThrow(/token issue/);
  });
});

describe('central configuration', () => {
  it('lists every problem at once as path: message', () => {
    let err: unknown;
    try {
      centralConfigFromObject({ mode: 'cloud', postgres: { url: 'postgres://u:pw@h/db' }, retention: { days: 30 }, surprise: 1 }, dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CentralConfigError);
    const errors = (err as CentralConfigError).errors;
    expect(errors).toEqual(expect.arrayContaining(['surprise: unknown key', 'retention.days: must be >= 90', expect.stringMatching(/^mode: /)]));
  });

  it('refuses a signing key that is not Ed25519 when the central starts, naming the file', () => {
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadSigningKey(rsa)).toThrow(`hotlist.signing_key_file ${rsa}: an Ed25519 private key is required, not rsa`);
    expect(() => loadSigningKey(join(dir, 'missing.pem'))).toThrow(/missing\.pem: .*ENOENT/);
    expect(() => centralConfigFromObject({ postgres: { url: 'postgres://u@h/db' }, hotlist: { ncic_max_expiry_h: 30 } }, dir)).toThrow(/ncic_max_expiry_h/);
    const fromCredentials = { postgres: { url: 'postgres://u@h/db' }, hotlist: { signing_key_file: '$CREDENTIALS_DIRECTORY/hotlist-signing.pem' } };
    expect(centralConfigFromObject(fromCredentials, dir, { CREDENTIALS_DIRECTORY: '/run/credentials/alpr' }).hotlist.signing_key_file).toBe('/run/credentials/alpr/hotlist-signing.pem');
    expect(() => centralConfigFromObject(fromCredentials, dir, {})).toThrow(/CREDENTIALS_DIRECTORY is not set/);
    expect(() => centralConfigFromObject({ postgres: { url: 'postgres://u@h/db' }, search: { case_number_pattern: '([' } }, dir)).toThrow(/search\.case_number_pattern: not a regular expression/);
  });

  it('refuses a password inside the URL and reads it from the environment instead', () => {
    expect(() => centralConfigFromObject({ postgres: { url: 'postgres://u:pw@h/db' } }, dir)).toThrow(/must not hold the password/);
    const c = centralConfigFromObject({ postgres: { url: 'postgres://u@h/db', password: { env: 'PGPW' } } }, dir, { PGPW: 's3cret' });
    expect(c.postgres.password?.reveal()).toBe('s3cret');
    expect(JSON.stringify(c)).not.toContain('s3cret');
    expect(() => centralConfigFromObject({ postgres: { url: 'postgres://u@h/db', password: { env: 'NOPE' } } }, dir, {})).toThrow(/NOPE is not set/);
  });
});
