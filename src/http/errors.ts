/**
 * Error codes of the operator station. The API answers `{ error: CODE, message, fields? }`; the
 * pages show `message` and key on `error`. The accounts' own codes (`USER_*`, `AUDIT_CHAIN_BROKEN`,
 * `STORE_UNAVAILABLE`) are declared in accounts/errors.ts, shared with the command line, and
 * answered here as they are. Every code is documented in docs/operator.md under "Error codes".
 */
// Imported for its codes' registration as well as the type: the routes answer with them.
import '../accounts/errors.js';
import type { AccountErrorCode } from '../accounts/errors.js';
import { AlprError, defineErrors } from '../shared/errors.js';

export const HttpErrors = defineErrors({
  HTTP_UNAUTHENTICATED: 'login required',
  HTTP_FORBIDDEN_ROLE: 'your role ({role}) may not use this',
  HTTP_CSRF_REJECTED: 'missing or wrong CSRF token; reload the page',
  HTTP_LOGIN_FAILED: 'wrong user name or password',
  HTTP_LOGIN_DELAYED: 'too many failed logins for this account: try again in {seconds} s',
  HTTP_LOGIN_BUSY: 'too many logins in progress for this account or address: try again in a moment',
  HTTP_TOO_MANY_SESSIONS: 'the station has as many open sessions as it keeps: log out elsewhere or try later',
  HTTP_ADDRESS_THROTTLED: 'too many failed logins from this address; try again later',
  HTTP_HOST_REFUSED: 'this station is not served under that host name',
  HTTP_INVALID_INPUT: '{detail}',
  HTTP_NOT_FOUND: '{what} not found',
  HTTP_HOTLIST_NOT_YOURS: 'only the officer who entered this hot plate ({enteredBy}) or an administrator may remove it',
  HTTP_AUDIT_UNAVAILABLE: 'the audit log cannot be written, so the data is not shown: {detail}',
  HTTP_PURPOSE_REQUIRED: 'a case number and a purpose are required for every search of stored reads',
  HTTP_LOGIN_UNQUALIFIED: 'login refused: {detail}. Ask your administrator to record current training and certification',
  HTTP_APPROVAL_REQUIRED: 'the purpose "{purpose}" is not on the agency\'s list: ask a supervisor to approve this {use}, then {use} with the approval',
  HTTP_APPROVAL_INVALID: 'approval {id} does not cover this {use}: {reason}',
  HTTP_APPROVAL_CLOSED: 'approval request {id} is {state}: it can no longer be answered',
  HTTP_APPROVAL_SELF: 'a use is approved by a second account with the supervisor right, not by the one who asked',
  HTTP_NOT_SUPERVISOR: 'your account does not have the supervisor right',
  HTTP_RELEASE_REQUIRED: 'a release needs the requesting agency, its kind and state, the requesting person, the purpose and the written request',
  HTTP_RELEASE_REFUSED: 'release refused: {reason} ({policy})',
  HTTP_RELEASE_SELF_APPROVAL: 'a release is approved by a second administrator, not by the one who entered it',
  HTTP_RELEASE_ALREADY_APPROVED: 'release {id} is already approved',
  HTTP_RELEASE_NOT_APPROVED: 'release {id} is not approved yet: a second administrator approves it first',
  HTTP_MISREAD_DECIDED: 'data error report {id} was already {decision} by {user}',
  HTTP_TOO_MANY_ROWS: 'the export would hold {count} detections; the limit is {max}: narrow the search',
  HTTP_HOTLIST_REFUSED: 'hot plate refused: {detail}',
  HTTP_HIT_ALREADY_VERIFIED: 'hit {id} was already verified as {outcome} by {user}',
  HTTP_HIT_NOT_CONFIRMED: 'hit {id} is {outcome}: an outcome (dispatch, stop, recovery, arrest, no action) is recorded only after the hit is confirmed',
  HTTP_TLS_UNREADABLE: 'cannot read the TLS {which} file {file}: {detail}',
  HTTP_ROUTE_WITHOUT_ACCESS: 'route {route} declares no access rule',
});

/** The codes an API answer may carry: the station's and the accounts'. */
export type HttpErrorCode = keyof typeof HttpErrors | AccountErrorCode;

export interface ApiError {
  error: HttpErrorCode;
  message: string;
  fields?: { field: string; message: string }[];
}

/** The JSON body of an API error, with the catalogue's message filled in. */
export function apiError(code: HttpErrorCode, params: Record<string, string | number> = {}, fields?: ApiError['fields']): ApiError {
  const body: ApiError = { error: code, message: new AlprError(code, params).message };
  if (fields) body.fields = fields;
  return body;
}
