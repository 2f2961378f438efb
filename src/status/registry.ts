/**
 * One registry of unit states and counters. Every unit reports here through its own
 * `StatusReporter`; the HTTP API, `doctor`, metrics and the readiness verdict read from here.
 */
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';

/** ok = working as configured; degraded = working with a problem (amber); down = not working (red);
 *  failed = gave up (red, needs a restart); disabled = not configured (does not count). */
export type UnitState = 'starting' | 'ok' | 'degraded' | 'down' | 'failed' | 'stopped' | 'disabled';

export type Verdict = 'green' | 'amber' | 'red';

export interface UnitStatus {
  name: string;
  /** What kind of unit: camera, gps, hotlist, upload, recognizer, store, tracker, http ... */
  kind: string;
  state: UnitState;
  message: string;
  /** ISO time the state last changed. */
  since: string;
  lastError: { message: string; at: string } | null;
  counters: Record<string, number>;
  /** Unit-specific facts for the status page (fps, satellites, generation ...). JSON-safe. */
  details: Record<string, unknown>;
  /** Whether this unit's state takes part in the readiness verdict. */
  readiness: boolean;
}

export interface Readiness {
  verdict: Verdict;
  /** One line for every unit that is not green, e.g. `camera:front: down: no frame for 12 s`. */
  reasons: string[];
}

export interface StatusSnapshot {
  time: string;
  uptime_s: number;
  readiness: Readiness;
  units: UnitStatus[];
}

export interface StatusReporter {
  readonly name: string;
  /**
   * `since` (ms since epoch) dates a state change to when its cause began (an outage start kept
   * across retries) instead of now; ignored when the state does not change.
   */
  set(state: UnitState, message?: string, since?: number): void;
  /** Records the last error (and its time) without changing the state. */
  error(err: unknown): void;
  count(counter: string, by?: number): void;
  gauge(counter: string, value: number): void;
  detail(key: string, value: unknown): void;
  get(): UnitStatus;
}

export function verdictOf(state: UnitState): Verdict {
  switch (state) {
    case 'ok':
    case 'disabled':
    case 'stopped':
      return 'green';
    case 'starting':
    case 'degraded':
      return 'amber';
    case 'down':
    case 'failed':
      return 'red';
  }
}

const RANK: Record<Verdict, number> = { green: 0, amber: 1, red: 2 };

type Listener = (status: UnitStatus) => void;

export class StatusRegistry {
  private readonly units = new Map<string, UnitStatus>();
  private readonly listeners = new Set<Listener>();
  private readonly startedAt: number;

  constructor(private readonly clock: Clock = systemClock) {
    this.startedAt = clock.now();
  }

  /** Registers a unit (idempotent per name) and returns its reporter. */
  reporter(name: string, kind: string, opts: { readiness?: boolean } = {}): StatusReporter {
    let s = this.units.get(name);
    if (!s) {
      s = {
        name,
        kind,
        state: 'starting',
        message: '',
        since: new Date(this.clock.now()).toISOString(),
        lastError: null,
        counters: {},
        details: {},
        readiness: opts.readiness ?? true,
      };
      this.units.set(name, s);
    }
    const status = s;
    const emit = (): void => this.emit(status);
    const clock = this.clock;
    return {
      name,
      set(state, message = '', since) {
        if (status.state !== state) status.since = new Date(since ?? clock.now()).toISOString();
        const changed = status.state !== state || status.message !== message;
        status.state = state;
        status.message = message;
        if (changed) emit();
      },
      error(err) {
        status.lastError = {
          message: err instanceof Error ? err.message : String(err),
          at: new Date(clock.now()).toISOString(),
        };
        emit();
      },
      count(counter, by = 1) {
        status.counters[counter] = (status.counters[counter] ?? 0) + by;
      },
      gauge(counter, value) {
        status.counters[counter] = value;
      },
      detail(key, value) {
        status.details[key] = value;
      },
      get: () => status,
    };
  }

  get(name: string): UnitStatus | undefined {
    return this.units.get(name);
  }

  list(): UnitStatus[] {
    return [...this.units.values()];
  }

  readiness(): Readiness {
    let verdict: Verdict = 'green';
    const reasons: string[] = [];
    for (const u of this.units.values()) {
      if (!u.readiness) continue;
      const v = verdictOf(u.state);
      if (v === 'green') continue;
      if (RANK[v] > RANK[verdict]) verdict = v;
      reasons.push(`${u.name}: ${u.state}${u.message ? `: ${u.message}` : ''}`);
    }
    return { verdict, reasons };
  }

  snapshot(): StatusSnapshot {
    return {
      time: new Date(this.clock.now()).toISOString(),
      uptime_s: Math.round((this.clock.now() - this.startedAt) / 1000),
      readiness: this.readiness(),
      units: this.list().map((u) => structuredClone(u)),
    };
  }

  /** Called on every state/message/error change. A listener that throws never breaks a reporter. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(status: UnitStatus): void {
    for (const l of this.listeners) {
      try {
        l(status);
      } catch {
        // A listener's failure is its own problem; the unit reporting must not fail with it.
        continue;
      }
    }
  }
}
