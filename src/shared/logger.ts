import { pino, type Logger, type DestinationStream } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { LOG_REDACT_PATHS } from './redact.js';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** `auto`: human-readable lines on a terminal, JSON lines otherwise (journald, pipes, files). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Root logger: JSON lines on stdout (journald stores them), or one readable line per record when
 * a person watches a terminal (`npm start`). Every unit gets its own child with `{unit}` (and
 * `{camera}` where relevant); credentials are redacted by path. Plate text is never logged at
 * info level (shasta 467.6 (a)): plates go to the audited store, not to the journal.
 */
export function createLogger(level: LogLevel = 'info', destination?: DestinationStream, format: LogFormat = 'auto'): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const pretty = format === 'pretty' || (format === 'auto' && destination === undefined && process.stdout.isTTY === true);
  if (pretty) return pino(options, prettyDestination(destination));
  return pino(options, destination ?? pino.destination({ fd: 1, sync: false }));
}

/** One line per record: `12:04:31 INFO  [pipeline] HIT: alarm alert  hit=12 list=stolen_vehicle ...`. */
export function prettyDestination(destination?: DestinationStream): DestinationStream {
  return prettyStream({
    colorize: destination === undefined && process.stdout.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,unit',
    messageFormat: '{if unit}[{unit}] {end}{msg}',
    sync: true,
    ...(destination ? { destination } : {}),
  });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
