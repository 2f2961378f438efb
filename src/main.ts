/**
 * Entry point: parse the command line, dispatch to a subcommand, turn its result into the
 * process exit code. Unknown commands and flags are errors (exit 2), never ignored.
 */
import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from './config/load.js';
import { UsageError, type CliIo } from './cli/command.js';
import { COMMANDS } from './cli/commands.js';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

function help(): string {
  const lines = [
    'alpr-edge: edge licence-plate recognition daemon',
    '',
    'usage: alpr-edge <command> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`),
    '',
    'global options:',
    '  --help, -h     show this help (or `alpr-edge <command> --help`)',
    '  --version, -v  print the version',
    '',
    'Every configuration key can be overridden by an environment variable named after its path,',
    'e.g. ALPR_EDGE_HTTP_PORT=9000 for http.port; ALPR_EDGE_CONFIG names the configuration file.',
  ];
  return lines.join('\n');
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(help());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.out(packageVersion());
    return 0;
  }
  const entry = COMMANDS[first];
  if (!entry) {
    io.err(`alpr-edge: unknown ${first.startsWith('-') ? 'option' : 'command'} "${first}" (see alpr-edge --help)`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${cmd.usage}\n\n${cmd.summary}`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`alpr-edge ${first}: ${err.message}`);
      io.err(`usage: ${cmd.usage}`);
      return 2;
    }
    throw err;
  }
}
