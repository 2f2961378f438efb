import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ReceiverDb } from '../receiver/receiver-db.js';
import { buildReceiver } from '../receiver/server.js';
import { UsageError, type CliCommand } from './command.js';

export const command: CliCommand = {
  name: 'receiver',
  summary: 'run the reference upload receiver (central-server contract, docs/upload-api.yaml)',
  usage: 'alpr-edge receiver --port N --db FILE [--host 127.0.0.1] [--token T | --token-env VAR] [--tls-cert PEM --tls-key PEM [--client-ca PEM]]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        db: { type: 'string' },
        token: { type: 'string' },
        'token-env': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'client-ca': { type: 'string' },
      },
    });
    const port = Number(values.port);
    if (values.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port N (0-65535) is required');
    if (!values.db) throw new UsageError('--db FILE is required');
    let token: string | null = values.token ?? null;
    if (values['token-env']) {
      token = io.env[values['token-env']] ?? null;
      if (!token) throw new UsageError(`environment variable ${values['token-env']} is not set`);
    }
    if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together');
    if (values['client-ca'] && !values['tls-cert']) throw new UsageError('--client-ca needs --tls-cert and --tls-key');
    const tls = values['tls-cert']
      ? {
          cert: readFileSync(values['tls-cert']),
          key: readFileSync(values['tls-key']!),
          ...(values['client-ca'] ? { clientCa: readFileSync(values['client-ca']) } : {}),
        }
      : undefined;
    const db = new ReceiverDb(values.db);
    const app = await buildReceiver({ db, token, ...(tls ? { tls } : {}) });
    const address = await app.listen({ host: values.host, port });
    const auth = [token ? 'bearer token required' : '', tls?.clientCa ? 'client certificate required' : ''].filter(Boolean).join(', ');
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
