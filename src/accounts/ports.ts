/**
 * What the account tools and the operator station need of the store's users and audit log, as
 * narrow interfaces. `store/users-repo.ts` and `store/audit-repo.ts` satisfy them structurally;
 * the station (http/) and the command line (cli/) both take them, so neither imports the other.
 */
import type { AuditInput, AuditRecord, AuditVerdict } from '../store/audit-repo.js';
import type { Role, UserPatch, UserRecord } from '../store/users-repo.js';

export type { AuditInput, AuditRecord, Role, UserPatch, UserRecord };
/** The chain check's verdict, as the audit repository gives it. */
export type AuditVerifyResult = AuditVerdict;

export const ROLES: readonly Role[] = ['operator', 'administrator', 'auditor'];

export interface UsersPort {
  create(u: { username: string; role: Role; passwordHash: string; fullName: string; contact: string }): UserRecord;
  get(username: string): UserRecord | null;
  list(): UserRecord[];
  update(username: string, patch: UserPatch): void;
  count(): number;
}

export interface AuditQuery {
  from?: number;
  to?: number;
  user?: string;
  /** Rows of any of these logins. */
  users?: readonly string[];
  action?: string;
  /** Rows older than this id only: pages through a long span without an offset. */
  beforeId?: number;
  limit?: number;
  offset?: number;
}

export interface AuditPort {
  append(e: AuditInput): AuditRecord;
  /** One row by id (a release request is read back from its audit row). */
  get(id: number): AuditRecord | null;
  query(f: AuditQuery): AuditRecord[];
  verify(): AuditVerifyResult;
}
