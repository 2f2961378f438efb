/**
 * What every route plugin of the operator station receives: the station's dependencies (`HttpDeps`,
 * built by app.ts) and the per-server pieces `buildServer` makes. Imports only ports and types
 * below the routes, so routes, server and context form no cycle.
 */
import type { HttpConfig } from '../config/sections/http.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { StatusRegistry, StatusReporter } from '../status/registry.js';
import type { AuditTrail } from './audit-trail.js';
import type { AccountsDeps } from '../accounts/account-policy.js';
import type { AccountWatch } from './auth/account-watch.js';
import type { Authenticator } from './auth/authenticator.js';
import type { SessionStore } from './auth/session-store.js';
import type { DeviceInfo } from './pages/layout.js';
import type { AuditPort, CameraReferencePort, DamageReportsPort, DetectionsPort, EventsPort, HitsPort, HotlistPort, RecordsPort, SnapshotPort, UsersPort } from './ports.js';
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

export interface HttpDeps {
  config: HttpConfig;
  registry: StatusRegistry;
  logger: Logger;
  clock: Clock;
  version: string;
  device: DeviceInfo;
  users: UsersPort;
  audit: AuditPort;
  detections: DetectionsPort;
  hits: HitsPort;
  hotlist: HotlistPort;
  events: EventsPort;
  snapshots: SnapshotPort;
  /** Cameras' reference views (picture health); absent = those routes are not served. */
  cameraReference?: CameraReferencePort;
  /** Damage and malfunction reports (issue 18); absent = the report screen is not served. */
  damageReports?: DamageReportsPort;
  /**
   * Account policies (training, access review, supervisor-approved uses, data errors, unusual
   * use): their records and `accounts` configuration. Absent = none of them is enforced or served.
   */
  accounts?: AccountsDeps;
  /** Retention settings and evidence holds for the administrator's records view; absent = not served. */
  records?: RecordsPort;
}
