/** A subcommand of `alpr-edge`. Each lives in its own module under src/cli/. */
import { AlprError, CoreErrors } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * A command that runs until it is signalled (the daemon). It only builds what it runs; main.ts
 * owns the process around it: signals, sd_notify, the shutdown deadline, `listen()`, exit code.
 */
export interface ServiceCommand {
  name: string;
  summary: string;
  usage: string;
  /** The service to run, or the exit code when it refuses to start (a bad configuration). */
  serve(args: string[], io: CliIo): Promise<Service | number>;
}

export interface Service {
  /** The root logger: main.ts logs the process's life through a child of it and flushes it last. */
  logger: Logger;
  /** Starts the units in order; a unit that fails throws `UnitStartError` naming it. */
  start(): Promise<void>;
  /** Starts listening; resolves with the address. */
  listen(): Promise<string>;
  /** Closes the listener, then stops the units in reverse. */
  stop(): Promise<void>;
  /** Fields of the "started" log line. */
  summary(): Record<string, unknown>;
}

/** Thrown for wrong arguments: main prints the message and the command's usage, exit 2. */
export class UsageError extends AlprError {
  constructor(message: string) {
    super(CoreErrors.CLI_USAGE, { detail: message });
    this.name = 'UsageError';
  }
}
