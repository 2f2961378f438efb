/**
 * The one way a test waits: on a condition, never on time. A test that sleeps a fixed time and
 * then asserts passes on a quiet laptop and fails on a CI machine with a load average of 20.
 *
 * Immune to `vi.useFakeTimers()`: the poll uses `node:timers/promises` and the deadline
 * `process.hrtime`, neither of which the fake clock replaces.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Longest wait unless a call says otherwise; inside vitest's 30 s test timeout, so the
 *  failure names what was awaited instead of "test timed out". */
export const WAIT_TIMEOUT_MS = 25_000;

export interface WaitOptions {
  /** Give up after this long. A value below the default is raised to it: a deadline tight
   *  enough to fail under load is a timing assertion, and those belong in benchmarks. */
  timeoutMs?: number;
  /** Poll period. */
  intervalMs?: number;
}

/**
 * Resolves once `cond` returns true (or a promise of true); a `cond` that throws counts as not
 * yet, and its last error is part of the timeout message.
 */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = Math.max(options.timeoutMs ?? WAIT_TIMEOUT_MS, WAIT_TIMEOUT_MS);
  const intervalMs = options.intervalMs ?? 20;
  const start = process.hrtime.bigint();
  let lastError: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (err) {
      lastError = err;
    }
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (elapsedMs > timeoutMs) {
      const why = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`;
      throw new Error(`timed out after ${(elapsedMs / 1000).toFixed(1)} s waiting for ${what}${why}`);
    }
    await delay(intervalMs);
  }
}
