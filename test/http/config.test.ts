import { describe, expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { isLoopbackHost } from '../../src/config/sections/http.js';

const load = (http: Record<string, unknown>) => loadConfigObject({ http }, '/etc/alpr-edge');

describe('http configuration', () => {
  test('defaults listen on loopback without TLS', () => {
    const r = load({});
    expect(r.errors).toEqual([]);
    expect(r.config?.http).toMatchObject({ host: '127.0.0.1', port: 8080, tls_cert_file: '', session_max_h: 12, login_max_failures: 5 });
  });

  test.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.20', false],
    ['127.0.0.1.example.com', false],
  ])('%s is loopback: %s', (host, loopback) => expect(isLoopbackHost(host)).toBe(loopback));

  test('binding beyond loopback without TLS is refused', () => {
    expect(load({ host: '0.0.0.0' }).errors).toEqual(['http.host: "0.0.0.0" is not a loopback address; set http.tls_cert_file and http.tls_key_file to serve HTTPS there']);
  });

  test('binding beyond loopback with certificate and key is accepted, paths resolved against the config folder', () => {
    const r = load({ host: '0.0.0.0', tls_cert_file: 'tls/cert.pem', tls_key_file: '/secure/key.pem' });
    expect(r.errors).toEqual([]);
    expect(r.config?.http.tls_cert_file).toBe('/etc/alpr-edge/tls/cert.pem');
  });

  test('one TLS file without the other is refused', () => {
    expect(load({ tls_cert_file: 'c.pem' }).errors).toEqual(['http.tls_key_file: is required when the other TLS file is set']);
  });

  test('the monitoring token is a secret: it never prints', () => {
    const r = load({ monitor_token: { env: 'TOKEN' } });
    expect(r.errors).toEqual(['http.monitor_token: environment variable TOKEN is not set']);
    const token = 'abc123-0f9e8d7c6b5a4938271605aabbccdd';
    const ok = loadConfigObject({ http: { monitor_token: { env: 'TOKEN' } } }, '/', { TOKEN: token });
    expect(JSON.stringify(ok.config?.http)).not.toContain('abc123');
    expect(ok.config?.http.monitor_token?.reveal()).toBe(token);
  });

  test.each([['x'], ['demo-monitor-token'], ['a'.repeat(40)]])('a monitoring token that is short or not random (%s) is refused (issue 16 item 20)', (token) => {
    expect(load({ monitor_token: token }).errors).toEqual(['http.monitor_token: must be at least 32 random characters (alpr-edge token makes one)']);
  });
});
