/** What every route plugin of the operator station receives. */
import type { StatusReporter } from '../status/registry.js';
import type { AuditTrail } from './audit-trail.js';
import type { AccountWatch } from './auth/account-watch.js';
import type { Authenticator } from './auth/authenticator.js';
import type { SessionStore } from './auth/session-store.js';
import type { HttpDeps } from './server.js';
import type { ShiftCheck } from './shift-check.js';

export interface HttpContext {
  deps: HttpDeps;
  sessions: SessionStore;
  auth: Authenticator;
  audit: AuditTrail;
  /** The `http` unit on the status registry (logins, failures, audit rows, SSE clients). */
  reporter: StatusReporter;
  shift: ShiftCheck;
  /** The periodic account-policy check (access review, unusual use); null without `deps.accounts`. */
  watch: AccountWatch | null;
  /** Set the `Secure` attribute on the session cookie (served over HTTPS). */
  secureCookies: boolean;
}
