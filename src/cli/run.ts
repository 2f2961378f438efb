import { parseArgs } from 'node:util';
import { buildApp } from '../app.js';
import { ConfigError, loadConfigOrThrow } from '../config/load.js';
import { packageVersion } from '../main.js';
import { systemClock } from '../shared/clock.js';
import { UnitStartError } from '../shared/lifecycle.js';
import { createLogger } from '../shared/logger.js';
import { SdNotify } from '../shared/sd-notify.js';
import type { CliCommand } from './command.js';

/** SIGTERM → exit within this bound, whatever a unit does (systemd's TimeoutStopSec is 15 s). */
const SHUTDOWN_DEADLINE_MS = 10_000;

export const command: CliCommand = {
  name: 'run',
  summary: 'run the daemon',
  usage: 'alpr-edge run [--config FILE]   (no --config and no ALPR_EDGE_CONFIG: the embedded demo)',
  async run(args, io) {
    const { values } = parseArgs({ args, strict: true, options: { config: { type: 'string', short: 'c' } } });
    const file = values.config ?? io.env.ALPR_EDGE_CONFIG;
    let config;
    try {
      config = loadConfigOrThrow(file, io.env);
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const e of err.errors) io.err(e);
        io.err(`${err.source}: configuration refused (${err.errors.length} problem(s))`);
        return 1;
      }
      throw err;
    }
    const logger = createLogger(config.log.level);
    const log = logger.child({ unit: 'main' });
    const sd = new SdNotify(io.env, (err) => log.warn({ err }, 'sd_notify failed'));
    const app = await buildApp(config, { logger, clock: systemClock, env: io.env, version: packageVersion() });

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
          await app.http.close();
          await app.stop();
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
          await app.start();
          const address = await app.http.listen({ host: config.http.host, port: config.http.port });
          log.info({ address, units: app.units.map((u) => u.name) }, 'started');
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
  },
};
