import { describe, expect, it } from 'vitest';
import { command } from '../../src/cli/receiver.js';
import { UsageError } from '../../src/cli/command.js';

const io = { out: () => undefined, err: () => undefined, env: {} };

describe('alpr-edge receiver', () => {
  it.each([
    [[], /--port/],
    [['--port', 'x', '--db', 'f'], /--port/],
    [['--port', '70000', '--db', 'f'], /--port/],
    [['--port', '0'], /--db/],
    [['--port', '0', '--db', 'f', '--tls-cert', 'c.pem'], /go together/],
    [['--port', '0', '--db', 'f', '--client-ca', 'ca.pem'], /needs --tls-cert/],
    [['--port', '0', '--db', 'f', '--token-env', 'NO_SUCH_VARIABLE'], /not set/],
  ])('refuses %j', async (args, message) => {
    await expect(command.run(args, io)).rejects.toThrow(UsageError);
    await expect(command.run(args, io)).rejects.toThrow(message);
  });
});
