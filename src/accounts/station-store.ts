/**
 * The accounts and the audit log of a station, opened straight from its database for the
 * command-line tools (`alpr-edge user`, `alpr-edge audit`). SQLite in WAL lets this run beside a
 * running daemon, which holds the same tables through its `Store`.
 */
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { systemClock } from '../shared/clock.js';
import { AlprError, errorMessage } from '../shared/errors.js';
import { AuditRepo } from '../store/audit-repo.js';
import { openDatabase } from '../store/database.js';
import { OutboxRepo } from '../store/outbox-repo.js';
import { UsersRepo } from '../store/users-repo.js';
import type { AccountRecordsPort } from './account-policy.js';
import { AccountErrors } from './errors.js';
import type { AuditPort, UsersPort } from './ports.js';

export interface StationStore {
  /** The database file, absolute. */
  file: string;
  users: UsersPort;
  /** Training, certification, access review and supervisor right of the accounts. */
  records: AccountRecordsPort;
  audit: AuditPort;
  close(): void;
}

/** Where the database is: `device.data_dir` (made absolute by the loader) and `store.database`. */
export interface StationLocation {
  device: Pick<Config['device'], 'data_dir'>;
  store: Pick<Config['store'], 'database' | 'audit_key'>;
}

/** Opens the database the daemon uses; throws `STORE_UNAVAILABLE` when it cannot. */
export function openStationStore(location: StationLocation): StationStore {
  const file = join(location.device.data_dir, location.store.database);
  try {
    const { db } = openDatabase(file, { synchronous: 'full' });
    // The audit repository appends its rows to the outbox (they are uploaded like detections).
    const outbox = new OutboxRepo(db, systemClock);
    const key = location.store.audit_key ? Buffer.from(location.store.audit_key.reveal()) : null;
    const users = new UsersRepo(db, systemClock);
    return { file, users, records: users.records, audit: new AuditRepo(db, systemClock, outbox, key), close: () => db.close() };
  } catch (err) {
    throw new AlprError(AccountErrors.STORE_UNAVAILABLE, { detail: errorMessage(err) }, { cause: err });
  }
}
