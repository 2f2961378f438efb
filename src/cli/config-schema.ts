import { parseArgs } from 'node:util';
import { ConfigSchema } from '../config/schema.js';
import type { CliCommand } from './command.js';

export const command: CliCommand = {
  name: 'config-schema',
  summary: 'print the configuration JSON Schema',
  usage: 'alpr-edge config-schema',
  run(args, io) {
    parseArgs({ args, strict: true, options: {} });
    io.out(JSON.stringify(ConfigSchema, null, 2));
    return Promise.resolve(0);
  },
};
