/**
 * Failed logins per client address in a sliding window. Account lockout alone lets an attacker
 * try one password against many user names; this bounds that too. In memory and bounded.
 */
import type { Clock } from '../../shared/clock.js';

const MAX_ADDRESSES = 4096;

export class AddressThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  blocked(address: string): boolean {
    return this.recent(address).length >= this.maxFailures;
  }

  fail(address: string): void {
    const list = this.recent(address);
    list.push(this.clock.now());
    this.failures.delete(address);
    this.failures.set(address, list.slice(-this.maxFailures));
    if (this.failures.size > MAX_ADDRESSES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const since = this.clock.now() - this.windowMs;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }
}
