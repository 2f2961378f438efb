/**
 * `alpr-edge token`: prints a new random token (256 bits, base64url: 43 characters) for
 * `http.monitor_token` or a receiver's device token. Put it in a credential file only the service
 * reads (`{file: $CREDENTIALS_DIRECTORY/monitor-token}`); never on a command line.
 */
import { randomBytes } from 'node:crypto';
import { UsageError, type CliCommand } from './command.js';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export const command: CliCommand = {
  name: 'token',
  summary: 'print a new random token for http.monitor_token or a receiver device token',
  usage: 'alpr-edge token',
  run(args, io) {
    if (args.length > 0) return Promise.reject(new UsageError('alpr-edge token takes no arguments'));
    io.out(newToken());
    return Promise.resolve(0);
  },
};
