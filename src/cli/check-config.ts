import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { UsageError, type CliCommand } from './command.js';

export const command: CliCommand = {
  name: 'check-config',
  summary: 'validate a configuration file',
  usage: 'alpr-edge check-config FILE',
  run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
    if (positionals.length !== 1) throw new UsageError('check-config takes exactly one FILE');
    const r = loadConfigFile(positionals[0], io.env);
    if (!r.config) {
      for (const e of r.errors) io.err(e);
      io.err(`${r.source}: ${r.errors.length} problem${r.errors.length === 1 ? '' : 's'}`);
      return Promise.resolve(1);
    }
    io.out(`${r.source}: OK (${r.config.cameras.length} camera(s), gps ${r.config.gps.source}, mode ${r.config.device.mode})`);
    return Promise.resolve(0);
  },
};
