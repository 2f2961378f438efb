/**
 * What the central's own routes (hot list, heartbeats, fleet page, hot plates, search,
 * releases) work with, built once per receiver from the configuration and its pool.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';
import type { LocalRules } from '../hotlist/local-entries.js';
import { CentralApprovals } from './central-approvals.js';
import { CentralAudit } from './central-audit.js';
import { CentralDetections } from './central-search.js';
import type { CentralConfig } from './config.js';
import { FleetHealth } from './fleet-health.js';
import { HotlistPublisher } from './hotlist-publisher.js';
import { StaffTokens } from './staff.js';

export interface CentralServices {
  config: CentralConfig;
  staff: StaffTokens;
  audit: CentralAudit;
  approvals: CentralApprovals;
  publisher: HotlistPublisher;
  fleet: FleetHealth;
  detections: CentralDetections;
  now: () => number;
  /** Set the sign-in cookie Secure (served over TLS). */
  secureCookie: boolean;
}

/** The device's policy rules for hot plates, from the central's hotlist section. */
export function hotplateRules(h: CentralConfig['hotlist']): LocalRules {
  return {
    maxExpiryMs: h.max_expiry_h * 3_600_000,
    maxNcicExpiryMs: h.ncic_max_expiry_h * 3_600_000,
    specialLists: new Set(h.special_lists),
    defaultPriority: h.default_priority,
    minWildcardLiterals: h.min_wildcard_literals,
  };
}

/** Reads the Ed25519 signing key; throws at start with the file named when it is not one. */
export function loadSigningKey(file: string): KeyObject | null {
  if (!file) return null;
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (err) {
    throw new Error(`hotlist.signing_key_file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`hotlist.signing_key_file ${file}: an Ed25519 private key is required, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

export function centralServices(config: CentralConfig, pool: Pool, secureCookie: boolean, now: () => number = Date.now): CentralServices {
  const audit = new CentralAudit(pool, now);
  return {
    config,
    staff: new StaffTokens(pool, config.auth.cache_s * 1000, now),
    audit,
    approvals: new CentralApprovals(audit, config.search.approval_valid_h * 3_600_000, now),
    publisher: new HotlistPublisher(pool, loadSigningKey(config.hotlist.signing_key_file), hotplateRules(config.hotlist), now),
    fleet: new FleetHealth(pool, { gapFlagAfterMs: config.fleet.audit_gap_flag_after_s * 1000, now }),
    detections: new CentralDetections(pool),
    now,
    secureCookie,
  };
}
