/**
 * Error codes of the operator accounts and the audit log, raised alike by the station's pages
 * (http/) and the command-line tools (`alpr-edge user`, `alpr-edge audit`). Every code is
 * documented in docs/operator.md under "Error codes".
 */
import { defineErrors } from '../shared/errors.js';

export const AccountErrors = defineErrors({
  USER_EXISTS: 'user {username} already exists',
  USER_NOT_FOUND: 'no user {username}',
  USER_PASSWORD_WEAK: 'password refused: {detail}',
  AUDIT_CHAIN_BROKEN: 'audit log chain broken at row {id}: {problem}',
  STORE_UNAVAILABLE: 'cannot open the store: {detail}',
});

export type AccountErrorCode = keyof typeof AccountErrors;
