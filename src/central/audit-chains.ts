/**
 * Continuity of the devices' audit chains (issue 19). CentralStore.appendAudit takes a device's
 * rows only in chain order; this module keeps what that leaves open and shows it:
 *
 * - a **break**: a row that contradicts the stored chain (rewritten, or not chained to the row
 *   before it), recorded in `chain_breaks` by appendAudit, permanent;
 * - a **gap**: rows from the verified head + 1 up to the lowest row the device sent above them
 *   are missing, or, with nothing sent above them, up to the head the device reports in its
 *   batches (`audit_head`: rows missing at the very end of the log, which no later row shows).
 *   The device resends every unacknowledged row (src/upload/uploader.ts), so a gap
 *   from a failed or out-of-order batch fills by itself within minutes. A gap is therefore
 *   recorded when first seen (`audit_gaps`), **flagged** once it has been open for
 *   `fleet.audit_gap_flag_after_s`, and **resolved** when the verified head passes its end.
 *
 * "Flagged" is decided when read, from the time the gap was first seen, so a device that went
 * silent after showing a gap is flagged too; appendAudit also stamps `flagged_at` and logs once.
 *
 * A reported head is also a **break** when it goes back (below a row the device sent, or below
 * the head it reported before: rows removed from the end of its log) or when its hash is not the
 * stored row's at that id (the row was rewritten). Reports are ordered by the batch's `sent_at`:
 * a retry of an older batch arriving late (several receivers) is not taken for a log gone back.
 */
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../shared/logger.js';

/** Default of fleet.audit_gap_flag_after_s, in ms. */
export const DEFAULT_GAP_FLAG_AFTER_MS = 3_600_000;

export interface ChainGap {
  fromId: number;
  toId: number;
  /** When a batch first showed the gap (ms). */
  seenAt: number;
  /** Open past the wait: shown as a problem. */
  flagged: boolean;
  /** When the verified head passed toId (ms); null while open. */
  resolvedAt: number | null;
  /** Rows at the end of the log (up to the head the device reports), nothing sent above them. */
  tail: boolean;
}

/** A device's chain as the fleet page, its JSON, the metrics and the CLI show it. */
export interface ChainState {
  /** Rows 1..verifiedTo are stored and chain from the first. */
  verifiedTo: number;
  verifiedAt: number;
  /** Rows refused because they contradict the stored chain (chain_breaks). */
  breaks: number;
  /** Open gaps that are flagged (0 or 1: one head, one open gap). */
  gaps: number;
  /** The open gap, flagged or still awaited; null when none. */
  gap: ChainGap | null;
  /** The newest head the device reported in a batch (row id, when received); null from a device that reports none. */
  reported: { id: number; at: number } | null;
}

/** The audit-chain head a device reported in a batch (`audit_head`), with the batch's `sent_at`. */
export interface ReportedHead {
  id: number;
  hash: string;
  sentAt: number;
}

export interface HeadBreak {
  rowId: number;
  problem: string;
}

/**
 * What a reported head shows (pure; called in appendAudit's transaction after the batch's rows
 * are appended). `prior`: the newest head reported before; `before`/`verified`: the verified head
 * before and after this batch's rows; `storedHash`: the stored hash of a row at or below
 * `verified`. Returns the breaks and the head to keep as the newest report.
 */
export async function checkReportedHead(
  report: ReportedHead,
  prior: ReportedHead | null,
  before: number,
  verified: { id: number; hash: string },
  storedHash: (id: number) => Promise<string | null>,
): Promise<{ keep: ReportedHead; breaks: HeadBreak[] }> {
  const breaks: HeadBreak[] = [];
  const fresh = prior === null || report.sentAt >= prior.sentAt;
  if (fresh) {
    const ceiling = Math.max(prior?.id ?? 0, verified.id);
    if (report.id < ceiling) {
      const what = verified.id >= ceiling ? 'the central holds' : 'the device reported before';
      breaks.push({ rowId: report.id + 1, problem: `the device reports its log ending at row ${report.id}, below row ${ceiling} ${what} (rows removed from the end?)` });
    }
  }
  // Each report is checked against the stored row once that row is verified: on arrival, or when
  // the rows up to it come in a later batch (while it is still the newest report).
  const check = async (h: ReportedHead, word: string): Promise<void> => {
    if (h.id > verified.id) return;
    const stored = h.id === verified.id ? verified.hash : await storedHash(h.id);
    if (stored !== null && stored !== h.hash) breaks.push({ rowId: h.id, problem: `row ${h.id} as the device ${word} it differs from the stored row (rewritten?)` });
  };
  await check(report, 'reports');
  if (prior && prior.id > before && (prior.id !== report.id || prior.hash !== report.hash)) await check(prior, 'reported');
  return { keep: fresh ? report : prior, breaks };
}

export interface ChainBreak {
  deviceId: string;
  rowId: number;
  problem: string;
  foundAt: number;
}

const ms = (col: string): string => `(extract(epoch FROM ${col}) * 1000)::bigint`;

/** The last row known missing above the verified head: below rows sent ahead, or up to the reported head. */
export interface MissingTo {
  toId: number;
  /** Set by the reported head (the end of the log), not by rows sent above it. */
  tail: boolean;
}

/** What the batch shows missing: below the lowest row sent ahead, else up to the reported head. */
export function missingTo(head: number, lowestAhead: number | null, reported: number | null): MissingTo | null {
  if (lowestAhead !== null) return { toId: lowestAhead - 1, tail: false };
  return reported !== null && reported > head ? { toId: reported, tail: true } : null;
}

/**
 * Updates the device's open gap inside appendAudit's transaction (which holds the device's
 * audit_chains row, so calls for one device are serialised). `head` is the verified head after
 * the batch; `missing` what the batch shows missing above it (missingTo), or null.
 */
export async function trackGap(c: PoolClient, device: string, head: number, missing: MissingTo | null, now: number, flagAfterMs: number, logger: Logger): Promise<void> {
  const open = (
    await c.query<{ id: string; from_id: string; to_id: string; seen_ms: string; flagged: boolean }>(
      `SELECT id, from_id, to_id, ${ms('seen_at')} AS seen_ms, flagged_at IS NOT NULL AS flagged FROM audit_gaps WHERE device_id = $1 AND resolved_at IS NULL`,
      [device],
    )
  ).rows[0];
  let gap = open ? { id: open.id, toId: Number(open.to_id), seenAt: Number(open.seen_ms), flagged: open.flagged } : null;
  if (gap && head >= gap.toId) {
    await c.query('UPDATE audit_gaps SET resolved_at = to_timestamp($2::bigint / 1000.0) WHERE id = $1', [gap.id, now]);
    logger.info({ device, from: Number(open!.from_id), to: gap.toId, flagged: gap.flagged }, 'device audit chain gap filled');
    gap = null;
  }
  if (missing !== null && missing.toId > head) {
    if (gap) {
      await c.query('UPDATE audit_gaps SET to_id = LEAST(to_id, $2), last_seen_at = to_timestamp($3::bigint / 1000.0) WHERE id = $1', [gap.id, missing.toId, now]);
      gap.toId = Math.min(gap.toId, missing.toId);
    } else {
      const r = await c.query<{ id: string }>(
        `INSERT INTO audit_gaps (device_id, from_id, to_id, seen_at, last_seen_at, tail) VALUES ($1, $2, $3, to_timestamp($4::bigint / 1000.0), to_timestamp($4::bigint / 1000.0), $5) RETURNING id`,
        [device, head + 1, missing.toId, now, missing.tail],
      );
      gap = { id: r.rows[0]!.id, toId: missing.toId, seenAt: now, flagged: false };
      // Rows at the end of the log are usually just queued behind a batch that was full: quiet.
      const fields = { device, from: head + 1, to: missing.toId };
      if (missing.tail) logger.debug(fields, 'device reports audit rows the central does not hold yet');
      else logger.info(fields, 'device audit chain has a gap; waiting for the device to send the missing rows');
    }
  }
  if (gap && !gap.flagged && now - gap.seenAt >= flagAfterMs) {
    await c.query('UPDATE audit_gaps SET flagged_at = to_timestamp($2::bigint / 1000.0) WHERE id = $1', [gap.id, now]);
    logger.warn({ device, from: head + 1, to: gap.toId, waitedS: Math.round((now - gap.seenAt) / 1000) }, 'device audit chain gap not filled in time: flagged for the administrator');
  }
}

/** Reads the chain state of every device (for the fleet view, metrics and the CLI). */
export class AuditChains {
  constructor(
    private readonly pool: Pool,
    private readonly flagAfterMs: number = DEFAULT_GAP_FLAG_AFTER_MS,
  ) {}

  /** Every device with an audit chain, by device id. */
  async states(now: number): Promise<Map<string, ChainState>> {
    const r = await this.pool.query<{
      device_id: string;
      head_id: string;
      verified_ms: string;
      breaks: string;
      from_id: string | null;
      to_id: string | null;
      seen_ms: string | null;
      tail: boolean | null;
      reported_id: string | null;
      reported_ms: string | null;
    }>(
      `SELECT c.device_id, c.head_id, ${ms('c.verified_at')} AS verified_ms,
              (SELECT count(*) FROM chain_breaks b WHERE b.device_id = c.device_id) AS breaks,
              g.from_id, g.to_id, ${ms('g.seen_at')} AS seen_ms, g.tail, c.reported_id, ${ms('c.reported_at')} AS reported_ms
       FROM audit_chains c LEFT JOIN audit_gaps g ON g.device_id = c.device_id AND g.resolved_at IS NULL
       ORDER BY c.device_id`,
    );
    const out = new Map<string, ChainState>();
    for (const x of r.rows) {
      const gap: ChainGap | null =
        // Rows the head has passed since are no longer missing: the gap narrows as it fills.
        x.from_id === null
          ? null
          : { fromId: Math.max(Number(x.from_id), Number(x.head_id) + 1), toId: Number(x.to_id), seenAt: Number(x.seen_ms), flagged: now - Number(x.seen_ms) >= this.flagAfterMs, resolvedAt: null, tail: x.tail === true };
      const reported = x.reported_id === null ? null : { id: Number(x.reported_id), at: Number(x.reported_ms) };
      out.set(x.device_id, { verifiedTo: Number(x.head_id), verifiedAt: Number(x.verified_ms), breaks: Number(x.breaks), gaps: gap?.flagged ? 1 : 0, gap, reported });
    }
    return out;
  }

  /** Every break, oldest first. */
  async breaks(): Promise<ChainBreak[]> {
    const r = await this.pool.query<{ device_id: string; row_id: string; problem: string; found_ms: string }>(
      `SELECT device_id, row_id, problem, ${ms('found_at')} AS found_ms FROM chain_breaks ORDER BY found_at, id`,
    );
    return r.rows.map((x) => ({ deviceId: x.device_id, rowId: Number(x.row_id), problem: x.problem, foundAt: Number(x.found_ms) }));
  }

  /** Every gap ever recorded (open and resolved), oldest first. */
  async gaps(now: number): Promise<(ChainGap & { deviceId: string })[]> {
    const r = await this.pool.query<{ device_id: string; from_id: string; to_id: string; seen_ms: string; resolved_ms: string | null; flagged: boolean; tail: boolean }>(
      `SELECT device_id, from_id, to_id, ${ms('seen_at')} AS seen_ms, ${ms('resolved_at')} AS resolved_ms, flagged_at IS NOT NULL AS flagged, tail FROM audit_gaps ORDER BY seen_at, id`,
    );
    return r.rows.map((x) => {
      const seenAt = Number(x.seen_ms);
      const resolvedAt = x.resolved_ms === null ? null : Number(x.resolved_ms);
      // A resolved gap counts as flagged when it was: stamped by a batch, or open past the wait.
      const flagged = resolvedAt === null ? now - seenAt >= this.flagAfterMs : x.flagged || resolvedAt - seenAt >= this.flagAfterMs;
      return { deviceId: x.device_id, fromId: Number(x.from_id), toId: Number(x.to_id), seenAt, flagged, resolvedAt, tail: x.tail };
    });
  }
}
