/**
 * `alpr-edge central`: the agency side (docs/central.md). Without a subcommand it runs the roles
 * the configuration and --role name; the subcommands administer the store.
 */
import { parseArgs } from 'node:util';
import { CentralApp, type CentralRole } from '../central/central-app.js';
import { CentralStore } from '../central/central-store.js';
import { CentralConfigError, loadCentralConfig, type CentralConfig } from '../central/config.js';
import { AuditChains } from '../central/audit-chains.js';
import { CentralAudit } from '../central/central-audit.js';
import { DeviceTokens } from '../central/device-tokens.js';
import { FleetHealth } from '../central/fleet-health.js';
import { STAFF_ROLES, StaffTokens, type StaffRole } from '../central/staff.js';
import { purgeExpired } from '../central/retention.js';
import { createLogger } from '../shared/logger.js';
import { UsageError, type CliCommand, type CliIo } from './command.js';

const USAGE = `alpr-edge central [run] --config FILE [--role all|receiver|worker]
       alpr-edge central migrate --config FILE
       alpr-edge central token issue|revoke DEVICE --config FILE
       alpr-edge central token list --config FILE
       alpr-edge central hold DEVICE DETECTION_ID --case N --by NAME --config FILE
       alpr-edge central purge --config FILE
       alpr-edge central chains --config FILE
       alpr-edge central devices --config FILE
       alpr-edge central staff issue NAME --role admin|officer|metrics --config FILE
       alpr-edge central staff revoke NAME --config FILE
       alpr-edge central staff list --config FILE
       alpr-edge central audit verify --config FILE`;

const ROLES = new Set<CentralRole>(['all', 'receiver', 'worker']);

export const command: CliCommand = {
  name: 'central',
  summary: 'run or administer the central (agency) side: PostgreSQL store, JetStream ingest, device tokens',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        role: { type: 'string' },
        case: { type: 'string' },
        by: { type: 'string' },
      },
    });
    if (!values.config) throw new UsageError('--config FILE is required');
    const [sub = 'run', ...rest] = positionals;
    // --role names the process role to run, or the staff role of `staff issue`.
    const role = (values.role ?? 'all') as CentralRole;
    if (sub === 'run' && !ROLES.has(role)) throw new UsageError('--role must be all, receiver or worker');
    let cfg: CentralConfig;
    try {
      cfg = loadCentralConfig(values.config, io.env);
    } catch (err) {
      if (err instanceof CentralConfigError) {
        io.err(err.message);
        return 1;
      }
      throw err;
    }
    if (sub === 'run') return serve(cfg, role, io);
    return withStore(cfg, async (store) => {
      switch (sub) {
        case 'migrate': {
          const applied = await store.migrate();
          io.out(applied.length ? `applied migrations ${applied.join(', ')}` : 'schema is up to date');
          return 0;
        }
        case 'token':
          return token(store, cfg, rest, io);
        case 'staff':
          return staff(store, rest, values.role, io);
        case 'audit': {
          if (rest[0] !== 'verify') throw new UsageError('audit verify');
          await store.migrate();
          const bad = await new CentralAudit(store.pool).verify();
          io.out(bad === null ? 'central audit log verifies from its first row' : `central audit log BROKEN at row ${bad}`);
          return bad === null ? 0 : 1;
        }
        case 'hold': {
          const [device, detection] = rest;
          if (!device || !detection || !values.case || !values.by) throw new UsageError('hold needs DEVICE DETECTION_ID --case N --by NAME');
          await store.migrate();
          await store.pool.query('INSERT INTO holds (device_id, detection_id, case_number, placed_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
            device,
            detection,
            values.case,
            values.by,
          ]);
          io.out(`hold placed on ${device}/${detection} (case ${values.case})`);
          return 0;
        }
        case 'purge': {
          await store.migrate();
          const done = await purgeExpired(store, cfg.retention.days, Date.now(), createLogger(cfg.log_level).child({ unit: 'retention' }));
          for (const p of done) io.out(`purged ${p.month}: ${p.detections} detections, ${p.images} images, ${p.hits} hits; ${p.held} held`);
          if (done.length === 0) io.out(`nothing older than ${cfg.retention.days} days to purge`);
          return 0;
        }
        case 'chains': {
          // Breaks (rewritten rows) and missing stretches past fleet.audit_gap_flag_after_s exit 1 (docs/central.md).
          await store.migrate();
          const now = Date.now();
          const waitS = cfg.fleet.audit_gap_flag_after_s;
          const chains = new AuditChains(store.pool, waitS * 1000);
          const states = await chains.states(now);
          const rows = (from: number, to: number): string => `rows ${from}..${to}`;
          const since = (t: number): string => `${new Date(t).toISOString()} (${Math.round((now - t) / 1000)} s)`;
          let flagged = 0;
          for (const [device, c] of states) {
            const gap = c.gap ? `, ${rows(c.gap.fromId, c.gap.toId)} missing since ${since(c.gap.seenAt)}${c.gap.flagged ? '' : `, flagged after ${waitS} s`}` : '';
            const reported = c.reported && c.reported.id !== c.verifiedTo ? ` (device reports row ${c.reported.id})` : '';
            io.out(`${device}: verified to row ${c.verifiedTo}${reported}${gap}; ${c.breaks} break(s), ${c.gaps} gap(s)`);
          }
          const breaks = await chains.breaks();
          for (const b of breaks) io.out(`BREAK ${b.deviceId} row ${b.rowId}: ${b.problem}`);
          for (const [device, c] of states) {
            if (!c.gap?.flagged) continue;
            flagged++;
            const why = c.gap.tail ? `the device reports its log reaches row ${c.reported?.id ?? c.gap.toId}` : 'rows after them were';
            io.out(`GAP ${device} ${rows(c.gap.fromId, c.gap.toId)}: missing since ${since(c.gap.seenAt)}, not sent within ${waitS} s though ${why}`);
          }
          for (const g of await chains.gaps(now)) {
            if (g.resolvedAt !== null) io.out(`filled ${g.deviceId} ${rows(g.fromId, g.toId)}: missing from ${new Date(g.seenAt).toISOString()} to ${new Date(g.resolvedAt).toISOString()}${g.flagged ? ' (was flagged)' : ''}`);
          }
          return breaks.length > 0 || flagged > 0 ? 1 : 0;
        }
        case 'devices': {
          // One line per device known by a token or a contact: last contact, counts, token and audit-chain state.
          await store.migrate();
          const r = await store.pool.query<{ device_id: string; last_contact_at: Date | null; batches: string | null; detections: string | null; live_tokens: string }>(
            `WITH ids AS (SELECT device_id FROM heartbeats UNION SELECT device_id FROM device_tokens)
             SELECT ids.device_id, h.last_contact_at, h.batches, h.detections,
                    (SELECT count(*) FROM device_tokens t WHERE t.device_id = ids.device_id AND t.revoked_at IS NULL) AS live_tokens
             FROM ids LEFT JOIN heartbeats h ON h.device_id = ids.device_id ORDER BY ids.device_id`,
          );
          const now = Date.now();
          const status = new Map((await new FleetHealth(store.pool, { gapFlagAfterMs: cfg.fleet.audit_gap_flag_after_s * 1000, now: () => now }).view()).map((h) => [h.deviceId, h]));
          for (const d of r.rows) {
            const seen = d.last_contact_at ? `last contact ${Math.round((now - d.last_contact_at.getTime()) / 1000)} s ago` : 'never seen';
            // The status heartbeat, when the device sends one (docs/central.md, Fleet health).
            const h = status.get(d.device_id);
            const beat = h?.heartbeatAt ? `\t${h.readiness ?? 'unknown'} ${Math.round((now - h.heartbeatAt) / 1000)} s ago, backlog ${h.backlogItems ?? 0}` : '';
            const chain = h?.chain;
            io.out(`${d.device_id}\t${seen}\t${d.batches ?? 0} batches\t${d.detections ?? 0} detections\t${d.live_tokens} live token(s)\taudit verified to ${chain?.verifiedTo ?? 0}, ${chain?.breaks ?? 0} break(s), ${chain?.gaps ?? 0} gap(s)${beat}`);
          }
          return 0;
        }
        default:
          throw new UsageError(`unknown subcommand ${sub}`);
      }
    });
  },
};

async function token(store: CentralStore, cfg: CentralConfig, rest: string[], io: CliIo): Promise<number> {
  const [action, device] = rest;
  await store.migrate();
  const tokens = new DeviceTokens(store.pool, 0);
  if (action === 'list') {
    for (const t of await tokens.list()) io.out(`${t.deviceId}\t${t.fingerprint}\tissued ${t.issuedAt.toISOString()}\t${t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'live'}`);
    return 0;
  }
  if (!device || (action !== 'issue' && action !== 'revoke')) throw new UsageError('token issue|revoke DEVICE, or token list');
  if (action === 'issue') {
    // The token itself goes to stdout alone, so it can be piped into the device's credentials file.
    io.out(await tokens.issue(device));
    io.err(`token issued for ${device}; it is not shown again (set it as the device's upload.token)`);
    return 0;
  }
  const n = await tokens.revoke(device);
  io.out(`revoked ${n} token(s) of ${device}; receivers refuse it within ${cfg.auth.cache_s} s`);
  return n > 0 ? 0 : 1;
}

async function staff(store: CentralStore, rest: string[], role: string | undefined, io: CliIo): Promise<number> {
  const [action, name] = rest;
  await store.migrate();
  const tokens = new StaffTokens(store.pool, 0);
  if (action === 'list') {
    for (const t of await tokens.list()) io.out(`${t.name}\t${t.role}\t${t.fingerprint}\tissued ${t.issuedAt.toISOString()}\t${t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'live'}`);
    return 0;
  }
  if (!name || (action !== 'issue' && action !== 'revoke')) throw new UsageError('staff issue NAME --role admin|officer|metrics, staff revoke NAME, or staff list');
  if (action === 'issue') {
    if (!role || !STAFF_ROLES.includes(role as StaffRole)) throw new UsageError(`staff issue needs --role ${STAFF_ROLES.join('|')}`);
    io.out(await tokens.issue(name, role as StaffRole));
    io.err(`staff token issued for ${name} (${role}); it is not shown again`);
    return 0;
  }
  const n = await tokens.revoke(name);
  io.out(`revoked ${n} staff token(s) of ${name}`);
  return n > 0 ? 0 : 1;
}

async function withStore(cfg: CentralConfig, fn: (s: CentralStore) => Promise<number>): Promise<number> {
  const store = new CentralStore({ url: cfg.postgres.url, password: cfg.postgres.password?.reveal(), poolMax: 2, applicationName: 'alpr-central-cli' }, createLogger('warn'));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function serve(cfg: CentralConfig, role: CentralRole, io: CliIo): Promise<number> {
  const logger = createLogger(cfg.log_level).child({ unit: 'central', role });
  const app = new CentralApp(cfg, role, logger);
  try {
    await app.start();
  } catch (err) {
    await app.stop().catch(() => undefined);
    throw err;
  }
  io.out(`central ${role} running (mode ${cfg.mode}${app.address ? `, receiver on ${app.address}` : ''})`);
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      void app.stop().then(
        () => {
          resolve(0);
          // A client still reconnecting to an unreachable NATS keeps timers alive; stopped is stopped.
          setTimeout(() => process.exit(0), 1000).unref();
        },
        () => resolve(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
