/**
 * Lifecycle of long-lived units. Constructors only store dependencies; `start()` does the I/O;
 * `stop()` is idempotent and releases timers, listeners and child processes.
 */
import { AlprError, CoreErrors, errorMessage } from './errors.js';

export interface Unit {
  /** Stable name used in logs, status and error messages (e.g. `camera:front`). */
  readonly name: string;
  start(): Promise<void>;
  /** Must be safe to call more than once, and before or after a failed `start()`. */
  stop(): Promise<void>;
}

export class UnitStartError extends AlprError {
  constructor(
    readonly unit: string,
    cause: unknown,
  ) {
    super(CoreErrors.UNIT_START_FAILED, { unit, detail: errorMessage(cause) }, { cause });
    this.name = 'UnitStartError';
  }
}

export interface StopReport {
  unit: string;
  ms: number;
  error?: string;
}

/**
 * Starts units in the order given (data-flow order: sinks before sources is the caller's choice)
 * and stops them in reverse. A unit that fails to start stops the ones already started.
 */
export class Lifecycle {
  private readonly started: Unit[] = [];
  private stopping: Promise<StopReport[]> | undefined;

  constructor(
    private readonly units: readonly Unit[],
    private readonly stopTimeoutMs = 5_000,
  ) {}

  async start(): Promise<void> {
    for (const unit of this.units) {
      try {
        await unit.start();
      } catch (err) {
        this.started.push(unit); // a half-started unit must still be stopped
        await this.stop();
        throw new UnitStartError(unit.name, err);
      }
      this.started.push(unit);
    }
  }

  /** Idempotent: concurrent and repeated calls share one shutdown. */
  stop(): Promise<StopReport[]> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<StopReport[]> {
    const reports: StopReport[] = [];
    for (const unit of [...this.started].reverse()) {
      const t0 = Date.now();
      try {
        await withTimeout(unit.stop(), this.stopTimeoutMs, `stop of ${unit.name}`);
        reports.push({ unit: unit.name, ms: Date.now() - t0 });
      } catch (err) {
        reports.push({ unit: unit.name, ms: Date.now() - t0, error: err instanceof Error ? err.message : String(err) });
      }
    }
    this.started.length = 0;
    return reports;
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
