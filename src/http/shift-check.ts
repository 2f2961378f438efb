/**
 * The shift-start check: the operator confirms that cameras are mounted and undamaged and that
 * cameras, GPS, hot list and upload are green (roseville 426.6.1 (a)-(c); sacramento-pd D.3.d).
 * The acknowledgement is an audit row (who, when, the verdict seen); a verdict other than green
 * can only be acknowledged with a note saying what was reported.
 */
import type { Clock } from '../shared/clock.js';
import type { Readiness, StatusRegistry } from '../status/registry.js';
import type { AuditTrail } from './audit-trail.js';
import type { AuditPort } from './ports.js';

export const SHIFT_ACTION = 'shift.acknowledge';

export interface ShiftAck {
  user: string;
  at: number;
  verdict: Readiness['verdict'];
  reasons: string[];
  equipmentInspected: boolean;
  note: string | null;
}

export type AckResult = { ok: true; ack: ShiftAck } | { ok: false; field: string; message: string };

export class ShiftCheck {
  private last: ShiftAck | null | undefined;

  constructor(
    private readonly registry: StatusRegistry,
    private readonly audit: AuditTrail,
    private readonly auditLog: AuditPort,
    private readonly clock: Clock,
  ) {}

  acknowledge(user: string, ip: string | null, input: { equipmentInspected: boolean; note: string | null }): AckResult {
    if (!input.equipmentInspected) {
      return { ok: false, field: 'equipmentInspected', message: 'confirm that the cameras are mounted and inspected for damage (roseville 426.6.1 (a))' };
    }
    const readiness = this.registry.readiness();
    const note = input.note?.trim() || null;
    if (readiness.verdict !== 'green' && !note) {
      return { ok: false, field: 'note', message: `readiness is ${readiness.verdict}: say what is wrong and whom you told before acknowledging` };
    }
    const ack: ShiftAck = { user, at: this.clock.now(), verdict: readiness.verdict, reasons: readiness.reasons, equipmentInspected: true, note };
    this.audit.record({ user, action: SHIFT_ACTION, ip, object: readiness.verdict, details: { reasons: ack.reasons, equipmentInspected: true, note } });
    this.last = ack;
    return { ok: true, ack };
  }

  /** The latest acknowledgement in the last day, from memory or (after a restart) the audit log. */
  latest(): ShiftAck | null {
    if (this.last !== undefined) return this.last;
    const since = this.clock.now() - 24 * 3600_000;
    let best: ShiftAck | null = null;
    for (const r of this.auditLog.query({ action: SHIFT_ACTION, from: since, limit: 1000 })) {
      if (best && best.at >= r.at) continue;
      const d = r.details ?? {};
      best = {
        user: r.user ?? '?',
        at: r.at,
        verdict: r.object === 'green' || r.object === 'amber' ? r.object : 'red',
        reasons: Array.isArray(d.reasons) ? d.reasons.map(String) : [],
        equipmentInspected: d.equipmentInspected === true,
        note: typeof d.note === 'string' ? d.note : null,
      };
    }
    this.last = best;
    return best;
  }
}
