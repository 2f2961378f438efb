/**
 * The process: parse the command line, dispatch to a subcommand, turn its result into the exit
 * code. Unknown commands and flags are errors (exit 2), never ignored. For a long-running
 * command (the daemon) this module also owns the process shell: signals, sd_notify, the
 * shutdown deadline and `listen()`; the command only builds what runs.
 *
 * bin/alpr-edge calls `runProcess()`; tests call `main(argv, io)` in process.
 */
import { packageVersion } from './config/load.js';
import { UsageError, type CliCommand, type CliIo, type Service, type ServiceCommand } from './cli/command.js';
import { COMMANDS } from './cli/commands.js';
import { AlprError } from './shared/errors.js';
import { UnitStartError } from './shared/lifecycle.js';
import { SdNotify } from './shared/sd-notify.js';

/** SIGTERM → exit within this bound, whatever a unit does (systemd's TimeoutStopSec is 15 s). */
const SHUTDOWN_DEADLINE_MS = 10_000;

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
  const cmd: CliCommand | ServiceCommand = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${cmd.usage}\n\n${cmd.summary}`);
    return 0;
  }
  try {
    if (!('serve' in cmd)) return await cmd.run(rest, io);
    const service = await cmd.serve(rest, io);
    return typeof service === 'number' ? service : await serve(service, io);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`alpr-edge ${first}: ${err.message}`);
      io.err(`usage: ${cmd.usage}`);
      return 2;
    }
    // A tool's failure is a message naming what is wrong, not a stack trace (issue 16 item 19).
    if (err instanceof AlprError) {
      io.err(`alpr-edge ${first}: ${err.code}: ${err.message}`);
      return 1;
    }
    const sys = err as NodeJS.ErrnoException;
    if (err instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
      io.err(`alpr-edge ${first}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

/**
 * Runs a service until SIGINT/SIGTERM (exit 0), a fatal error (70) or a failed start (1):
 * start the units, listen, tell systemd READY=1; on the way out STOPPING=1, stop within
 * `SHUTDOWN_DEADLINE_MS` or exit anyway. Resolves with the exit code.
 */
export function serve(service: Service, io: CliIo): Promise<number> {
  const { logger } = service;
  const log = logger.child({ unit: 'main' });
  const sd = new SdNotify(io.env, (err) => log.warn({ err }, 'sd_notify failed'));

  let shuttingDown: Promise<number> | undefined;
  const shutdown = (reason: string, code: number): Promise<number> => {
    shuttingDown ??= (async () => {
      log.info({ reason }, 'shutting down');
      sd.stopping();
      const deadline = setTimeout(() => {
        log.fatal(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
        process.exit(code || 1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      try {
        await service.stop();
      } catch (err) {
        log.error({ err }, 'error during shutdown');
        code ||= 1;
      }
      clearTimeout(deadline);
      sd.close();
      log.info({ code }, 'stopped');
      logger.flush();
      return code;
    })();
    return shuttingDown;
  };

  return new Promise<number>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => void shutdown(sig, 0).then(resolve);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('uncaughtException', (err) => {
      log.fatal({ err }, 'uncaught exception');
      void shutdown('uncaught exception', 70).then(resolve);
    });
    process.on('unhandledRejection', (err) => {
      log.fatal({ err }, 'unhandled promise rejection');
      void shutdown('unhandled rejection', 70).then(resolve);
    });

    void (async () => {
      try {
        await service.start();
        const address = await service.listen();
        log.info({ address, ...service.summary() }, 'started');
        sd.ready();
      } catch (err) {
        if (err instanceof UnitStartError) {
          log.fatal({ failed_unit: err.unit, err: err.cause }, err.message);
          io.err(err.message);
        } else {
          log.fatal({ err }, 'start failed');
          io.err(`start failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        resolve(await shutdown('start failed', 1));
      }
    })();
  });
}

/** The process entry (bin/alpr-edge): the command line in, the exit code out. */
export async function runProcess(argv: string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await main(argv, {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    env: process.env,
  });
}
