/**
 * Bounds on password guessing that hold under concurrency and never lock the right password
 * holder out for long:
 *
 * - An attempt is counted before its password is hashed: the count (and the delay it implies)
 *   is written synchronously, so a burst of simultaneous guesses sees each other's reservation
 *   instead of all reading the same count before the ~1 s hash and writing it after.
 * - At most `hashesPerAccount` hashes run at once for one user name and `hashesPerAddress` for
 *   one client address; further attempts are refused unhashed.
 * - After `freeFailures` failures in a row, each further attempt waits a delay that doubles from
 *   `baseDelayMs` up to `maxDelayMs`. An attack that stops is forgotten within `maxDelayMs`, so
 *   nobody can lock an account (the administrator's included) for a long time; attempts that
 *   come too early are refused without being evaluated.
 * - User names that do not exist get the same counts and delays (kept in memory, bounded), so
 *   the answers do not reveal which names exist.
 *
 * All loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x) count as one address: they are one
 * machine, and the MDC on it is where the officers log in.
 */

export interface LoginPolicy {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  hashesPerAccount: number;
  hashesPerAddress: number;
}

export const DEFAULT_POLICY: Omit<LoginPolicy, 'freeFailures' | 'maxDelayMs'> = { baseDelayMs: 1000, hashesPerAccount: 2, hashesPerAddress: 4 };

const MAX_UNKNOWN = 4096;

/** The wait before the next attempt after `failures` failures in a row. */
export function delayAfter(failures: number, p: Pick<LoginPolicy, 'freeFailures' | 'baseDelayMs' | 'maxDelayMs'>): number {
  if (failures < p.freeFailures) return 0;
  const steps = Math.min(failures - p.freeFailures, 30);
  return Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** steps);
}

export function isLoopback(ip: string): boolean {
  const a = ip.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** One key per client machine: every loopback address is the same machine. */
export function addressKey(ip: string | null): string {
  if (ip === null || ip === '') return 'unknown';
  return isLoopback(ip) ? 'loopback' : ip.toLowerCase().replace(/^::ffff:/, '');
}

export interface AccountState {
  failures: number;
  notBefore: number | null;
}

/** In-flight hash counts, and the failure state of user names that do not exist. */
export class LoginGuard {
  private readonly accounts = new Map<string, number>();
  private readonly addresses = new Map<string, number>();
  private readonly unknown = new Map<string, AccountState>();

  constructor(readonly policy: LoginPolicy) {}

  /** Takes a hash slot for this name and address, or returns false when either is full. */
  acquire(username: string, address: string): boolean {
    if ((this.accounts.get(username) ?? 0) >= this.policy.hashesPerAccount) return false;
    if ((this.addresses.get(address) ?? 0) >= this.policy.hashesPerAddress) return false;
    this.accounts.set(username, (this.accounts.get(username) ?? 0) + 1);
    this.addresses.set(address, (this.addresses.get(address) ?? 0) + 1);
    return true;
  }

  release(username: string, address: string): void {
    dec(this.accounts, username);
    dec(this.addresses, address);
  }

  inFlight(username: string): number {
    return this.accounts.get(username) ?? 0;
  }

  unknownState(username: string): AccountState {
    return this.unknown.get(username) ?? { failures: 0, notBefore: null };
  }

  setUnknownState(username: string, s: AccountState): void {
    this.unknown.delete(username);
    this.unknown.set(username, s);
    if (this.unknown.size > MAX_UNKNOWN) {
      const oldest = this.unknown.keys().next().value;
      if (oldest !== undefined) this.unknown.delete(oldest);
    }
  }

  /** The state after one more failure at `now`: the count and when the next attempt may come. */
  next(s: AccountState, now: number): AccountState {
    const failures = s.failures + 1;
    const wait = delayAfter(failures, this.policy);
    return { failures, notBefore: wait > 0 ? now + wait : null };
  }
}

function dec(m: Map<string, number>, k: string): void {
  const n = (m.get(k) ?? 0) - 1;
  if (n <= 0) m.delete(k);
  else m.set(k, n);
}
