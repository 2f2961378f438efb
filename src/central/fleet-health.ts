/**
 * Fleet health: each device's newest status heartbeat (src/upload/heartbeat.ts) beside its last
 * upload contact (heartbeats table), as one view for the administrator's page and as Prometheus
 * metrics. Labels are device and camera ids only: never a plate, a position or a free-text
 * message (issue 16 item 9 on the device's own metrics).
 */
import type { Pool } from 'pg';
import { escapeLabel } from '../http/metrics.js';
import type { UnitState, Verdict } from '../status/registry.js';
import type { WireHeartbeat } from '../upload/heartbeat.js';
import { AuditChains, DEFAULT_GAP_FLAG_AFTER_MS, type ChainState } from './audit-chains.js';

const VERDICTS: readonly Verdict[] = ['green', 'amber', 'red'];
const UNIT_STATES: readonly UnitState[] = ['starting', 'ok', 'degraded', 'down', 'failed', 'stopped', 'disabled'];
const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const REASON = /^[A-Za-z0-9._:-]{1,64} [a-z]{2,10}$/;

/** A heartbeat body checked field by field; every problem named. Bounded: 64 cameras, 32 reasons. */
export function parseHeartbeat(body: unknown): { hb: WireHeartbeat } | { errors: string[] } {
  const errors: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { errors: ['body: expected a JSON object'] };
  const b = body as Record<string, unknown>;
  const int = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) errors.push(`${field}: expected a whole number ≥ 0`);
    return typeof v === 'number' ? v : 0;
  };
  const timeOrNull = (v: unknown, field: string): number | null => (v === null ? null : int(v, field));
  if (b.api !== 1) errors.push('api: expected 1');
  if (typeof b.device_id !== 'string' || !ID.test(b.device_id)) errors.push('device_id: expected 1-64 characters A-Z a-z 0-9 . _ : -');
  int(b.sent_at, 'sent_at');
  if (b.version !== null && (typeof b.version !== 'string' || b.version.length > 40)) errors.push('version: expected text of at most 40 characters, or null');
  if (!VERDICTS.includes(b.readiness as Verdict)) errors.push(`readiness: expected ${VERDICTS.join(', ')}`);
  if (!Array.isArray(b.reasons) || b.reasons.length > 32 || !b.reasons.every((r) => typeof r === 'string' && REASON.test(r))) errors.push('reasons: expected at most 32 entries "unit state"');
  if (!Array.isArray(b.cameras) || b.cameras.length > 64) errors.push('cameras: expected a list of at most 64');
  else {
    b.cameras.forEach((c: unknown, i) => {
      const cam = c as { id?: unknown; state?: unknown } | null;
      if (typeof cam?.id !== 'string' || !ID.test(cam.id)) errors.push(`cameras.${i}.id: expected 1-64 characters A-Z a-z 0-9 . _ : -`);
      if (!UNIT_STATES.includes(cam?.state as UnitState)) errors.push(`cameras.${i}.state: expected ${UNIT_STATES.join(', ')}`);
    });
  }
  const backlog = b.backlog as Record<string, unknown> | null | undefined;
  if (typeof backlog !== 'object' || backlog === null) errors.push('backlog: expected an object');
  else {
    int(backlog.items, 'backlog.items');
    int(backlog.detections, 'backlog.detections');
    int(backlog.oldest_s, 'backlog.oldest_s');
  }
  const hotlist = b.hotlist as Record<string, unknown> | null | undefined;
  if (typeof hotlist !== 'object' || hotlist === null) errors.push('hotlist: expected an object');
  else {
    timeOrNull(hotlist.issued_at, 'hotlist.issued_at');
    timeOrNull(hotlist.confirmed_at, 'hotlist.confirmed_at');
  }
  return errors.length > 0 ? { errors } : { hb: b as unknown as WireHeartbeat };
}

export interface DeviceHealth {
  deviceId: string;
  /** Newest status heartbeat received (ms), null when the device never sent one. */
  heartbeatAt: number | null;
  /** Last accepted upload batch (ms). */
  lastContactAt: number | null;
  readiness: Verdict | null;
  reasons: string[];
  cameras: { id: string; state: UnitState }[];
  backlogItems: number | null;
  backlogDetections: number | null;
  oldestBacklogS: number | null;
  hotlistIssuedAt: number | null;
  hotlistConfirmedAt: number | null;
  version: string | null;
  liveTokens: number;
  /** Continuity of the device's audit chain (src/central/audit-chains.ts); null before its first audit row or reported head. */
  chain: ChainState | null;
}

export interface FleetHealthOptions {
  /** fleet.audit_gap_flag_after_s in ms. */
  gapFlagAfterMs?: number;
  now?: () => number;
}

export class FleetHealth {
  private readonly chains: AuditChains;
  private readonly now: () => number;

  constructor(
    private readonly pool: Pool,
    opts: FleetHealthOptions = {},
  ) {
    this.chains = new AuditChains(pool, opts.gapFlagAfterMs ?? DEFAULT_GAP_FLAG_AFTER_MS);
    this.now = opts.now ?? Date.now;
  }

  /** Keeps the newest heartbeat of the device (a late, older one does not replace it). */
  async record(hb: WireHeartbeat, receivedAt: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO device_status (device_id, received_at, sent_at, readiness, reasons, cameras, backlog_items, backlog_detections, oldest_backlog_s,
                                  hotlist_issued_at, hotlist_confirmed_at, version)
       VALUES ($1, to_timestamp($2::bigint / 1000.0), to_timestamp($3::bigint / 1000.0), $4, $5, $6, $7, $8, $9,
               to_timestamp($10::bigint / 1000.0), to_timestamp($11::bigint / 1000.0), $12)
       ON CONFLICT (device_id) DO UPDATE SET received_at = excluded.received_at, sent_at = excluded.sent_at, readiness = excluded.readiness,
         reasons = excluded.reasons, cameras = excluded.cameras, backlog_items = excluded.backlog_items, backlog_detections = excluded.backlog_detections,
         oldest_backlog_s = excluded.oldest_backlog_s, hotlist_issued_at = excluded.hotlist_issued_at, hotlist_confirmed_at = excluded.hotlist_confirmed_at,
         version = excluded.version
       WHERE device_status.sent_at <= excluded.sent_at`,
      [
        hb.device_id,
        receivedAt,
        hb.sent_at,
        hb.readiness,
        JSON.stringify(hb.reasons),
        JSON.stringify(hb.cameras),
        hb.backlog.items,
        hb.backlog.detections,
        hb.backlog.oldest_s,
        hb.hotlist.issued_at,
        hb.hotlist.confirmed_at,
        hb.version,
      ],
    );
  }

  /** Every device known by a token, an upload, a heartbeat or an audit row. */
  async view(): Promise<DeviceHealth[]> {
    const ms = (col: string): string => `(extract(epoch FROM ${col}) * 1000)::bigint`;
    const r = await this.pool.query<{
      device_id: string;
      heartbeat_ms: string | null;
      contact_ms: string | null;
      readiness: Verdict | null;
      reasons: string[] | null;
      cameras: { id: string; state: UnitState }[] | null;
      backlog_items: string | null;
      backlog_detections: string | null;
      oldest_backlog_s: string | null;
      issued_ms: string | null;
      confirmed_ms: string | null;
      version: string | null;
      live_tokens: string;
    }>(
      `WITH ids AS (SELECT device_id FROM heartbeats UNION SELECT device_id FROM device_tokens UNION SELECT device_id FROM device_status
                   UNION SELECT device_id FROM audit_chains)
       SELECT ids.device_id, ${ms('s.received_at')} AS heartbeat_ms, ${ms('h.last_contact_at')} AS contact_ms, s.readiness, s.reasons, s.cameras,
              s.backlog_items, s.backlog_detections, s.oldest_backlog_s, ${ms('s.hotlist_issued_at')} AS issued_ms,
              ${ms('s.hotlist_confirmed_at')} AS confirmed_ms, s.version,
              (SELECT count(*) FROM device_tokens t WHERE t.device_id = ids.device_id AND t.revoked_at IS NULL) AS live_tokens
       FROM ids LEFT JOIN heartbeats h ON h.device_id = ids.device_id LEFT JOIN device_status s ON s.device_id = ids.device_id
       ORDER BY ids.device_id`,
    );
    const num = (v: string | null): number | null => (v === null ? null : Number(v));
    const chains = await this.chains.states(this.now());
    return r.rows.map((x) => ({
      deviceId: x.device_id,
      heartbeatAt: num(x.heartbeat_ms),
      lastContactAt: num(x.contact_ms),
      readiness: x.readiness,
      reasons: x.reasons ?? [],
      cameras: x.cameras ?? [],
      backlogItems: num(x.backlog_items),
      backlogDetections: num(x.backlog_detections),
      oldestBacklogS: num(x.oldest_backlog_s),
      hotlistIssuedAt: num(x.issued_ms),
      hotlistConfirmedAt: num(x.confirmed_ms),
      version: x.version,
      liveTokens: Number(x.live_tokens),
      chain: chains.get(x.device_id) ?? null,
    }));
  }
}

/** Prometheus text (format 0.0.4) of the fleet: one series per device (and camera), ids only. */
export function fleetMetrics(devices: readonly DeviceHealth[], now: number): string {
  const out: string[] = [];
  const family = (name: string, help: string, type: 'gauge', samples: string[]): void => {
    if (samples.length === 0) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  const l = (labels: Record<string, string>): string => `{${Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
  const age = (t: number | null): number | null => (t === null ? null : Math.max(0, Math.round((now - t) / 1000)));
  const series = (pick: (d: DeviceHealth) => number | null): string[] =>
    devices.flatMap((d) => {
      const v = pick(d);
      return v === null ? [] : [`${l({ device: d.deviceId })} ${v}`];
    });
  const named = (name: string, s: string[]): string[] => s.map((x) => `${name}${x}`);
  family('alpr_central_devices', 'Devices known to the central (by token, upload or heartbeat).', 'gauge', [`alpr_central_devices ${devices.length}`]);
  family('alpr_central_device_heartbeat_age_seconds', 'Seconds since the device\'s last status heartbeat.', 'gauge', named('alpr_central_device_heartbeat_age_seconds', series((d) => age(d.heartbeatAt))));
  family('alpr_central_device_contact_age_seconds', 'Seconds since the device\'s last accepted upload batch.', 'gauge', named('alpr_central_device_contact_age_seconds', series((d) => age(d.lastContactAt))));
  family(
    'alpr_central_device_readiness',
    'The device\'s readiness verdict in its last heartbeat: 1 for the current one.',
    'gauge',
    devices.flatMap((d) => (d.readiness === null ? [] : VERDICTS.map((v) => `alpr_central_device_readiness${l({ device: d.deviceId, verdict: v })} ${d.readiness === v ? 1 : 0}`))),
  );
  family(
    'alpr_central_device_camera_up',
    'Camera state in the device\'s last heartbeat: 1 when ok, 0 otherwise (disabled cameras left out).',
    'gauge',
    devices.flatMap((d) => d.cameras.filter((c) => c.state !== 'disabled').map((c) => `alpr_central_device_camera_up${l({ device: d.deviceId, camera: c.id })} ${c.state === 'ok' ? 1 : 0}`)),
  );
  family('alpr_central_device_upload_backlog_items', 'Items waiting in the device\'s upload outbox.', 'gauge', named('alpr_central_device_upload_backlog_items', series((d) => d.backlogItems)));
  family('alpr_central_device_upload_backlog_oldest_seconds', 'Age of the oldest item waiting in the device\'s outbox.', 'gauge', named('alpr_central_device_upload_backlog_oldest_seconds', series((d) => d.oldestBacklogS)));
  const chained = devices.filter((d) => d.chain !== null);
  const chainSeries = (name: string, pick: (c: ChainState) => number): string[] => chained.map((d) => `${name}${l({ device: d.deviceId })} ${pick(d.chain!)}`);
  family('alpr_central_audit_chain_verified_row', 'Last row of the device\'s audit log verified contiguously from its first.', 'gauge', chainSeries('alpr_central_audit_chain_verified_row', (c) => c.verifiedTo));
  family('alpr_central_audit_chain_breaks', 'Rows of the device\'s audit log refused for contradicting the stored chain (rewritten); never resets.', 'gauge', chainSeries('alpr_central_audit_chain_breaks', (c) => c.breaks));
  family('alpr_central_audit_chain_gaps', 'Missing stretches of the device\'s audit log open past fleet.audit_gap_flag_after_s (0 or 1).', 'gauge', chainSeries('alpr_central_audit_chain_gaps', (c) => c.gaps));
  family('alpr_central_audit_chain_missing_rows', 'Rows missing above the verified head, below rows the device sent or up to the head it reports (flagged or still awaited).', 'gauge', chainSeries('alpr_central_audit_chain_missing_rows', (c) => (c.gap ? c.gap.toId - c.gap.fromId + 1 : 0)));
  const reporting = chained.filter((d) => d.chain!.reported !== null);
  family('alpr_central_audit_chain_reported_row', 'Newest row of its audit log the device reported in a batch (audit_head); absent for devices that report none.', 'gauge', reporting.map((d) => `alpr_central_audit_chain_reported_row${l({ device: d.deviceId })} ${d.chain!.reported!.id}`));
  family('alpr_central_device_hotlist_age_seconds', 'Seconds since the device\'s hot list was last confirmed by the central.', 'gauge', named('alpr_central_device_hotlist_age_seconds', series((d) => age(d.hotlistConfirmedAt))));
  return `${out.join('\n')}\n`;
}
