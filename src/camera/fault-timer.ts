/**
 * A condition that must last before it is raised, with hysteresis: the count towards raising and
 * a raised fault both survive gaps shorter than `clearMs` (a passing car hides glare for a second),
 * and the since-time is when the condition began, not when it was raised. Pure.
 */
export type TimerChange = 'raised' | 'cleared' | null;

export class FaultTimer {
  /** When the current run of the condition began (null = not seen). */
  start: number | null = null;
  private lastTrue: number | null = null;
  raised = false;

  update(condition: boolean, now: number, afterMs: number, clearMs: number): TimerChange {
    if (condition) {
      this.lastTrue = now;
      this.start ??= now;
      if (!this.raised && now - this.start >= afterMs) {
        this.raised = true;
        return 'raised';
      }
      return null;
    }
    if (this.start !== null && (this.lastTrue === null || now - this.lastTrue >= clearMs)) return this.reset();
    return null;
  }

  /** Forgets the condition (e.g. its reference changed); reports a clear if it was raised. */
  reset(): TimerChange {
    const was = this.raised;
    this.start = null;
    this.lastTrue = null;
    this.raised = false;
    return was ? 'cleared' : null;
  }

  get pending(): boolean {
    return this.start !== null && !this.raised;
  }
}
