/**
 * The agency's account policies, as rules over an account's records (pure):
 *
 *  - training and certification (shasta 467.4 (d), sacramento-da IV.C.a, sacramento-pd A.3): which
 *    items a role needs is `accounts.required_items`; a missing or expired item refuses the login;
 *  - access review (roseville 426.4.1, sacramento-pd D.2.c): an account not re-confirmed within
 *    `accounts.review_interval_days` is disabled on the day it falls due.
 *
 * The records live in the store (`AccountRecordsRepo`, migration 5); the periodic check that
 * applies the review and the unusual-use rules is `account-watch.ts`.
 */
import type { AccountsConfig } from '../config/sections/accounts.js';
import type { AccountStanding, Correction, Qualification, QualificationInput, Role } from '../store/users-repo.js';

export type { AccountStanding, Correction, Qualification, QualificationInput };

/** What the station needs of the account-policy records (the store's `AccountRecordsRepo`). */
export interface AccountRecordsPort {
  standing(username: string): AccountStanding | null;
  setQualification(username: string, q: QualificationInput): void;
  removeQualification(username: string, item: string): boolean;
  expiring(until: number): (Qualification & { username: string })[];
  markReviewed(username: string, by: string): void;
  setSupervisor(username: string, supervisor: boolean): void;
  addCorrection(c: Omit<Correction, 'id' | 'reportedAt'>): Correction;
  corrections(q: { detectionId?: string; text?: string; limit?: number }): Correction[];
}

/** The policies' records and configuration, as the composition root hands them to the station. */
export interface AccountsDeps {
  records: AccountRecordsPort;
  config: AccountsConfig;
}

export const DAY_MS = 86_400_000;

/** Item names as people read them; an agency's own items show as written. */
const ITEM_LABELS: Record<string, string> = {
  alpr_training: 'ALPR training',
  cjis_security: 'CJIS security training',
  clets: 'CLETS certification',
};

export function itemLabel(item: string): string {
  return ITEM_LABELS[item] ?? item.replace(/_/g, ' ');
}

export interface UnmetItem {
  item: string;
  problem: 'missing' | 'expired';
  /** When it expired (`expired` only). */
  expiredAt: number | null;
}

/** The items an account of this role needs and does not hold (or holds expired) at `now`. */
export function unmetItems(role: Role, standing: Pick<AccountStanding, 'qualifications'> | null, required: AccountsConfig['required_items'], now: number): UnmetItem[] {
  const unmet: UnmetItem[] = [];
  for (const [item, roles] of Object.entries(required)) {
    if (!roles.includes(role)) continue;
    const q = standing?.qualifications.find((x) => x.item === item);
    if (!q) unmet.push({ item, problem: 'missing', expiredAt: null });
    else if (q.expiresAt !== null && q.expiresAt <= now) unmet.push({ item, problem: 'expired', expiredAt: q.expiresAt });
  }
  return unmet;
}

/** "ALPR training missing; CLETS certification expired 2026-05-01": no personal data. */
export function describeUnmet(unmet: readonly UnmetItem[]): string {
  return unmet.map((u) => (u.problem === 'missing' ? `${itemLabel(u.item)} not recorded` : `${itemLabel(u.item)} expired ${new Date(u.expiredAt!).toISOString().slice(0, 10)}`)).join('; ');
}

/** When the account must have been re-confirmed by; null when the review is off. */
export function reviewDueAt(standing: Pick<AccountStanding, 'reviewedAt'>, config: Pick<AccountsConfig, 'review_interval_days'>): number | null {
  return config.review_interval_days === 0 ? null : standing.reviewedAt + config.review_interval_days * DAY_MS;
}

/**
 * Records resolved at each call: the store opens its database in `start()`, after the station is
 * built, so the composition root passes `lazyRecords(() => store.users.records)`.
 */
export function lazyRecords(get: () => AccountRecordsPort): AccountRecordsPort {
  return {
    standing: (u) => get().standing(u),
    setQualification: (u, q) => get().setQualification(u, q),
    removeQualification: (u, i) => get().removeQualification(u, i),
    expiring: (t) => get().expiring(t),
    markReviewed: (u, by) => get().markReviewed(u, by),
    setSupervisor: (u, s) => get().setSupervisor(u, s),
    addCorrection: (c) => get().addCorrection(c),
    corrections: (q) => get().corrections(q),
  };
}
