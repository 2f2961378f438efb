/**
 * The operator station's ports over the store (http/ports.ts), for the composition root. The
 * store opens its database in start(), after the server is built, so each adapter looks its
 * repository up per call (a repository getter throws STORE_NOT_STARTED before then); the
 * station never holds a repository, nor the store itself.
 */
import { lazyRecords } from './accounts/account-policy.js';
import type { Config } from './config/schema.js';
import type { HttpDeps } from './http/context.js';
import type { Store } from './store/store.js';

/** The station's dependencies that the store answers (the accounts and records ports with their settings). */
export type StorePorts = Required<Pick<HttpDeps, 'users' | 'audit' | 'detections' | 'hits' | 'accounts' | 'records' | 'damageReports'>>;

export function storePorts(store: Store, config: Pick<Config, 'store' | 'accounts'>): StorePorts {
  return {
    users: {
      create: (u) => store.users.create(u),
      get: (name) => store.users.get(name),
      list: () => store.users.list(),
      update: (name, patch) => store.users.update(name, patch),
      count: () => store.users.count(),
    },
    audit: {
      append: (e) => store.audit.append(e),
      get: (id) => store.audit.get(id),
      query: (f) => store.audit.query(f),
      verify: () => store.audit.verify(),
    },
    detections: {
      search: (q) => store.detections.search(q),
      get: (id) => store.detections.get(id),
      recent: (n) => store.detections.recent(n),
      image: (id, kind) => store.detections.image(id, kind),
      setEvidenceHold: (id, hold, user, reason) => store.detections.setEvidenceHold(id, hold, user, reason),
    },
    hits: {
      list: (q) => store.hits.list(q),
      get: (id) => store.hits.get(id),
      verify: (id, v) => store.hits.verify(id, v),
      annotate: (id, v) => store.hits.annotate(id, v),
      history: (id) => store.hits.history(id),
    },
    // A correction goes through the store itself, which wakes the uploader for it.
    accounts: { records: { ...lazyRecords(() => store.users.records), addCorrection: (c) => store.addCorrection(c) }, config: config.accounts },
    records: {
      settings: { retention: config.store.retention, quota: config.store.quota },
      held: (limit) => store.detections.held(limit),
    },
    damageReports: {
      add: (r) => store.damageReports.add(r),
      get: (id) => store.damageReports.get(id),
      list: (limit, offset) => store.damageReports.list(limit, offset),
      snapshot: (id) => store.damageReports.snapshot(id),
    },
  };
}
