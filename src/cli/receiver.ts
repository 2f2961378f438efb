import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ReceiverDb } from '../receiver/receiver-db.js';
import { buildReceiver } from '../receiver/server.js';
import { UsageError, type CliCommand } from './command.js';

export const command: CliCommand = {
  name: 'receiver',
  summary: 'run the reference upload receiver (central-server contract, docs/upload-api.yaml)',
  usage:
    'alpr-edge receiver --port N --db FILE (--device-tokens FILE | --token-env VAR | --insecure-no-auth) [--host 127.0.0.1] [--tls-cert PEM --tls-key PEM [--client-ca PEM]]\n' +
    '  --device-tokens FILE: one "DEVICE_ID TOKEN" per line (tokens of 32 characters or more); each device may only upload and read as itself',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        db: { type: 'string' },
        'token-env': { type: 'string' },
        'device-tokens': { type: 'string' },
        'insecure-no-auth': { type: 'boolean', default: false },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'client-ca': { type: 'string' },
      },
    });
    const port = Number(values.port);
    if (values.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port N (0-65535) is required');
    if (!values.db) throw new UsageError('--db FILE is required');
    // Authentication is on unless explicitly turned off: an open receiver let anyone read
    // detections, overwrite evidence images and forge audit rows (issue 16 item 13). A token is
    // never taken on the command line, where `ps` shows it to every local user.
    let token: string | null = null;
    if (values['token-env']) {
      token = io.env[values['token-env']] ?? null;
      if (!token) throw new UsageError(`environment variable ${values['token-env']} is not set`);
    }
    if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together');
    if (values['client-ca'] && !values['tls-cert']) throw new UsageError('--client-ca needs --tls-cert and --tls-key');
    const deviceTokens = values['device-tokens'] ? readDeviceTokens(values['device-tokens']) : undefined;
    if (!token && !deviceTokens && !values['insecure-no-auth']) {
      throw new UsageError('give --device-tokens FILE or --token-env VAR (or --insecure-no-auth for a loopback test)');
    }
    const tls = values['tls-cert']
      ? {
          cert: readFileSync(values['tls-cert']),
          key: readFileSync(values['tls-key']!),
          ...(values['client-ca'] ? { clientCa: readFileSync(values['client-ca']) } : {}),
        }
      : undefined;
    const db = new ReceiverDb(values.db);
    const app = await buildReceiver({ db, token, ...(deviceTokens ? { deviceTokens } : {}), ...(tls ? { tls } : {}) });
    const address = await app.listen({ host: values.host, port });
    const auth = [
      deviceTokens ? `per-device tokens for ${Object.keys(deviceTokens).length} device(s)` : '',
      token ? 'bearer token required' : '',
      tls?.clientCa ? 'client certificate required' : '',
      values['insecure-no-auth'] && !token && !deviceTokens ? 'NO AUTHENTICATION' : '',
    ]
      .filter(Boolean)
      .join(', ');
    io.out(`receiver listening on ${address} (database ${values.db}${auth ? `, ${auth}` : ''})`);
    return new Promise<number>((resolve) => {
      const stop = (): void => {
        void app.close().then(() => {
          db.close();
          resolve(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};

/** `DEVICE_ID TOKEN` per line; blank lines and `#` comments ignored. */
function readDeviceTokens(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^([A-Za-z0-9._-]{1,64})\s+(\S{32,})$/.exec(t);
    if (!m) throw new UsageError(`${file} line ${i + 1}: expected "DEVICE_ID TOKEN" with a token of 32 characters or more`);
    out[m[1]!] = m[2]!;
  });
  if (Object.keys(out).length === 0) throw new UsageError(`${file}: no device tokens`);
  return out;
}
