/**
 * An interruptible wait, for loops that pace their retries but must end at once on stop (a
 * camera's reconnect backoff): `sleep(ms)` resolves after `ms`, or as soon as `wake()` is called.
 */
export class Sleeper {
  private waking: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.waking === done) this.waking = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waking = done;
    });
  }

  /** Ends the current sleep now; does nothing when none runs. */
  wake(): void {
    this.waking?.();
  }
}
