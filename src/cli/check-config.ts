import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile, loadConfigText } from '../config/load.js';
import { CONFIG_VERSION, migrateConfigText } from '../config/migrations.js';
import { UsageError, type CliCommand, type CliIo } from './command.js';

export const command: CliCommand = {
  name: 'check-config',
  summary: 'validate a configuration file, or print it migrated to the current version',
  usage: `alpr-edge check-config FILE
       alpr-edge check-config --migrate FILE   (print FILE at configuration version ${CONFIG_VERSION}, comments kept; its changes on standard error)`,
  run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { migrate: { type: 'boolean', default: false } } });
    if (positionals.length !== 1) throw new UsageError('check-config takes exactly one FILE');
    const file = positionals[0]!;
    return Promise.resolve(values.migrate ? migrate(file, io) : check(file, io));
  },
};

function check(file: string, io: CliIo): number {
  const r = loadConfigFile(file, io.env);
  if (!r.config) return refuse(r.source, r.errors, io);
  for (const note of r.notes ?? []) io.out(`${r.source}: note: ${note}`);
  io.out(`${r.source}: OK (${r.config.cameras.length} camera(s), gps ${r.config.gps.source}, mode ${r.config.device.mode})`);
  return 0;
}

/** Prints the migrated file only when it then validates: an operator may write it over the old one. */
function migrate(file: string, io: CliIo): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return refuse(file, [`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`], io);
  }
  const m = migrateConfigText(text);
  if (!m.ok) return refuse(file, m.errors, io);
  const r = loadConfigText(m.text, dirname(resolve(file)), io.env, file);
  if (!r.config) return refuse(file, r.errors, io);
  for (const note of m.notes) io.err(`${file}: ${note}`);
  io.err(`${file}: version ${m.from} → ${CONFIG_VERSION}${m.from === CONFIG_VERSION ? ' (already current)' : ''}`);
  io.out(m.text.trimEnd());
  return 0;
}

function refuse(source: string, errors: readonly string[], io: CliIo): number {
  for (const e of errors) io.err(e);
  io.err(`${source}: ${errors.length} problem${errors.length === 1 ? '' : 's'}`);
  return 1;
}
