import { parseArgs } from 'node:util';
import { discoverOnvif } from '../camera/discovery.js';
import { UsageError, type CliCommand } from './command.js';

/** `alpr-edge discover`: lists ONVIF cameras that answer a WS-Discovery probe. */
export const command: CliCommand = {
  name: 'discover',
  summary: 'list ONVIF cameras on the local network (WS-Discovery)',
  usage: 'alpr-edge discover [--timeout-ms 3000] [--json]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: { 'timeout-ms': { type: 'string', default: '3000' }, json: { type: 'boolean', default: false } },
    });
    const timeoutMs = Number(values['timeout-ms']);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60_000) throw new UsageError('--timeout-ms must be an integer from 100 to 60000');
    const { devices, errors, failed } = await discoverOnvif(timeoutMs);
    if (values.json) {
      io.out(JSON.stringify({ devices, errors }));
      return failed ? 1 : 0;
    }
    if (devices.length === 0) io.out(`no ONVIF device answered within ${timeoutMs} ms`);
    for (const d of devices) {
      io.out(`${d.name ?? '(no name)'}  hardware ${d.hardware ?? '?'}  from ${d.from}`);
      for (const x of d.xaddrs) io.out(`  ${x}`);
      io.out(`  ${d.urn}`);
    }
    if (devices.length > 0) io.out(`${devices.length} device(s); configure one with kind: onvif and url: host[:port] of its address above`);
    for (const e of errors) io.err(`discover: ${e}`);
    return failed ? 1 : 0;
  },
};
