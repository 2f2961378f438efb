/**
 * The periodic check of the account policies (every `accounts.check_interval_s`, and once at
 * start):
 *
 *  - access review: an enabled account whose review is due is disabled, its sessions and event
 *    streams end (`SessionStore.endSessionsOf`), and both are audited. The last enabled
 *    administrator is not disabled (nobody could re-confirm anyone): an alert says so instead;
 *  - an account whose required training or certification expired while logged in is logged out;
 *  - unusual use (sacramento-pd D.2.b(2), santa-clara "Accountability and Safeguards"): an
 *    account's searches, views or exports today above `unusual_multiple` × its usual daily count
 *    or above `daily_limit`; searches at hours the account has never searched at; a broken audit
 *    chain (walked every `chain_check_interval_h`: the walk is synchronous, ~15 ms per 1,000 rows). Each alert is an audit row (`alert.unusual_use`, the ids of the rows behind it), a
 *    warning in the log (account and kind, never a plate) and a count on the status registry.
 *
 * Days are the station's local days. Each alert is raised once per account, kind and day (the
 * day's alert rows are read back, so a restart does not raise it again).
 */
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { StatusReporter } from '../../status/registry.js';
import type { AuditTrail } from '../audit-trail.js';
import type { AuditPort, AuditRecord, UsersPort } from '../ports.js';
import { DAY_MS, reviewDueAt, unmetItems, type AccountsDeps } from '../../accounts/account-policy.js';
import type { SessionStore } from './session-store.js';

/** What counts as a use of each kind. */
export const USE_ACTIONS = {
  searches: ['search'],
  views: ['detection.view', 'image.view', 'hit.view'],
  exports: ['release.exported', 'audit.export', 'misreads.released'],
} as const;
export type UseKind = keyof typeof USE_ACTIONS;

export type AlertKind = `${UseKind}_over_usual` | `${UseKind}_over_limit` | 'search_outside_hours' | 'audit_chain_broken' | 'review_overdue_last_admin';

export interface UnusualUseAlert {
  kind: AlertKind;
  /** The account concerned; null for the audit chain. */
  account: string | null;
  /** What the day's count was, and what it was measured against. */
  count: number | null;
  threshold: number | null;
  /** Audit rows behind the alert (at most 50). */
  auditIds: number[];
  /** The audit log query that shows them. */
  link: string;
  /** The alert's own audit row. */
  alertId?: number;
  at?: number;
}

export const ALERT_ACTION = 'alert.unusual_use';
const HISTORY_DAYS = 28;
const MAX_ROWS = 10_000;
const MAX_IDS = 50;

export interface AccountWatchDeps {
  accounts: AccountsDeps;
  users: UsersPort;
  audit: AuditTrail;
  auditLog: AuditPort;
  sessions: SessionStore;
  clock: Clock;
  logger: Logger;
  reporter: StatusReporter;
}

export interface CheckResult {
  disabled: string[];
  loggedOut: string[];
  alerts: UnusualUseAlert[];
}

/** Midnight (local) of the day holding `t`. */
export function dayStart(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export class AccountWatch {
  private timer: NodeJS.Timeout | undefined;
  private lastChainCheck: number | null = null;

  constructor(private readonly d: AccountWatchDeps) {}

  start(): void {
    if (this.timer) return;
    this.safeCheck();
    this.timer = setInterval(() => this.safeCheck(), this.d.accounts.config.check_interval_s * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A failing check (store closed, audit refused) is a status change and a log line; the next one runs. */
  private safeCheck(): void {
    try {
      this.check();
    } catch (err) {
      this.d.reporter.error(err);
      this.d.logger.warn({ err }, 'account policy check failed');
    }
  }

  check(): CheckResult {
    const result: CheckResult = { disabled: [], loggedOut: [], alerts: [] };
    const now = this.d.clock.now();
    const today = dayStart(now);
    const raised = new Set(
      this.d.auditLog
        .query({ action: ALERT_ACTION, from: today, limit: MAX_ROWS })
        .map((r) => alertKey(r.details as Partial<UnusualUseAlert> | null)),
    );
    const raise = (a: UnusualUseAlert): void => {
      const key = alertKey(a);
      if (raised.has(key)) return;
      raised.add(key);
      const rec = this.d.audit.record({ user: 'system', action: ALERT_ACTION, object: a.account, details: { ...a } });
      result.alerts.push({ ...a, alertId: rec.id, at: rec.at });
      this.d.reporter.count('unusual_use_alerts');
      this.d.logger.warn({ alert: a.kind, account: a.account, count: a.count, threshold: a.threshold, auditRows: a.auditIds.length, alertId: rec.id }, 'unusual use of the station: see the Oversight page');
    };

    this.reviews(now, result, raise);
    for (const u of this.d.users.list()) if (!u.disabled) this.usage(u.username, now, today, raise);
    const chainEveryMs = this.d.accounts.config.chain_check_interval_h * 3600_000;
    if (this.lastChainCheck === null || now - this.lastChainCheck >= chainEveryMs || now < this.lastChainCheck) this.checkChain(now, raise);
    return result;
  }

  private checkChain(now: number, raise: (a: UnusualUseAlert) => void): void {
    this.lastChainCheck = now;
    const chain = this.d.auditLog.verify();
    if (!chain.ok) {
      raise({ kind: 'audit_chain_broken', account: null, count: chain.breakCount, threshold: null, auditIds: chain.breaks.slice(0, MAX_IDS).map((b) => b.id), link: '/audit' });
    }
  }

  private reviews(now: number, result: CheckResult, raise: (a: UnusualUseAlert) => void): void {
    const { records, config } = this.d.accounts;
    const users = this.d.users.list();
    let admins = users.filter((u) => u.role === 'administrator' && !u.disabled).length;
    for (const u of users) {
      if (u.disabled) continue;
      const standing = records.standing(u.username);
      if (!standing) continue;
      const due = reviewDueAt(standing, config);
      if (due !== null && due <= now) {
        if (u.role === 'administrator' && admins <= 1) {
          raise({ kind: 'review_overdue_last_admin', account: u.username, count: null, threshold: null, auditIds: [], link: `/api/audit?user=${encodeURIComponent(u.username)}&action=user.review.confirmed` });
          continue;
        }
        this.d.audit.record({ user: 'system', action: 'user.review.expired', object: u.username, details: { reviewedAt: new Date(standing.reviewedAt).toISOString(), dueAt: new Date(due).toISOString(), intervalDays: config.review_interval_days } });
        this.d.users.update(u.username, { disabled: true });
        const ended = this.d.sessions.endSessionsOf(u.username);
        if (ended) this.d.audit.record({ user: u.username, action: 'session.ended', details: { reason: 'account disabled: access review overdue', sessions: ended } });
        if (u.role === 'administrator') admins--;
        result.disabled.push(u.username);
        continue;
      }
      // Training that expired during a session ends the session; the next login is refused.
      if (unmetItems(u.role, standing, config.required_items, now).length > 0) {
        const ended = this.d.sessions.endSessionsOf(u.username);
        if (ended) {
          this.d.audit.record({ user: u.username, action: 'session.ended', details: { reason: 'required training or certification expired', sessions: ended } });
          result.loggedOut.push(u.username);
        }
      }
    }
  }

  private usage(username: string, now: number, today: number, raise: (a: UnusualUseAlert) => void): void {
    const c = this.d.accounts.config;
    const since = today - HISTORY_DAYS * DAY_MS;
    const link = `/api/audit?user=${encodeURIComponent(username)}&from=${today}&to=${now}&limit=500`;
    for (const kind of Object.keys(USE_ACTIONS) as UseKind[]) {
      const rows: AuditRecord[] = [];
      for (const action of USE_ACTIONS[kind]) rows.push(...this.d.auditLog.query({ user: username, action, from: since, to: now, limit: MAX_ROWS }));
      const todays = rows.filter((r) => r.at >= today);
      if (todays.length === 0) continue;
      const ids = todays.map((r) => r.id).sort((a, b) => b - a).slice(0, MAX_IDS);
      if (todays.length > c.daily_limit) {
        raise({ kind: `${kind}_over_limit`, account: username, count: todays.length, threshold: c.daily_limit, auditIds: ids, link });
      }
      const perDay = new Map<number, number>();
      for (const r of rows) if (r.at < today) perDay.set(dayStart(r.at), (perDay.get(dayStart(r.at)) ?? 0) + 1);
      const usual = perDay.size ? [...perDay.values()].reduce((a, b) => a + b, 0) / perDay.size : 0;
      const threshold = Math.max(c.unusual_min_count, Math.ceil(usual * c.unusual_multiple));
      if (todays.length > threshold && todays.length <= c.daily_limit) {
        raise({ kind: `${kind}_over_usual`, account: username, count: todays.length, threshold, auditIds: ids, link });
      }
      if (kind === 'searches' && perDay.size >= c.usual_hours_min_days) {
        const hours = new Set(rows.filter((r) => r.at < today).map((r) => new Date(r.at).getHours()));
        const odd = todays.filter((r) => !hours.has(new Date(r.at).getHours()));
        if (odd.length) raise({ kind: 'search_outside_hours', account: username, count: odd.length, threshold: hours.size, auditIds: odd.map((r) => r.id).slice(0, MAX_IDS), link });
      }
    }
  }
}

function alertKey(a: Partial<UnusualUseAlert> | null): string {
  return `${a?.kind ?? ''}|${a?.account ?? ''}`;
}
