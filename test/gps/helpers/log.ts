import { pino, type Logger } from 'pino';

export interface LogLine {
  level: number;
  msg: string;
  code?: string;
  [k: string]: unknown;
}

/** A real pino logger whose JSON lines land in an array. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}
