/**
 * `alpr-edge audit verify|export`: checks the hash chain of the audit log (any edited or deleted
 * row breaks it) and exports rows as CSV for an auditor working off the device. Both open the
 * daemon's database directly, so they work whether or not the daemon runs.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AUDIT_CSV_HEADER, auditCsvCells } from '../accounts/audit-csv.js';
import { AccountErrors } from '../accounts/errors.js';
import type { AuditQuery, AuditRecord } from '../accounts/ports.js';
import { csvDocument } from '../shared/csv.js';
import { AlprError } from '../shared/errors.js';
import { UsageError, type CliCommand, type CliIo } from './command.js';
import { cliActor, openCliStationStore } from './station.js';

const PAGE = 1000;

function parseTime(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`${flag}: not a date/time (use ISO 8601, e.g. 2026-06-01T08:00:00Z)`);
  return t;
}

export const command: CliCommand = {
  name: 'audit',
  summary: 'verify or export the audit log',
  usage: `alpr-edge audit verify [--config FILE] [--json]
       alpr-edge audit export [--config FILE] [--from ISO] [--to ISO] [--user U] [--action A] [--out FILE]`,
  run(args, io) {
    return Promise.resolve(runAudit(args, io));
  },
};

function runAudit(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean', default: false },
      from: { type: 'string' },
      to: { type: 'string' },
      user: { type: 'string' },
      action: { type: 'string' },
      out: { type: 'string', short: 'o' },
    },
  });
  const [action] = positionals;
  if (action !== 'verify' && action !== 'export') throw new UsageError('give an action: verify or export');
  const q: AuditQuery = {};
  const from = parseTime(values.from, '--from');
  const to = parseTime(values.to, '--to');
  if (from !== undefined) q.from = from;
  if (to !== undefined) q.to = to;
  if (values.user) q.user = values.user;
  if (values.action) q.action = values.action;

  const store = openCliStationStore(values.config, io);
  try {
    if (action === 'verify') {
      const r = store.audit.verify();
      if (values.json) io.out(JSON.stringify(r));
      if (!r.ok) {
        if (!values.json) {
          // Every broken link, so an edit or deletion after the first break is not hidden by it.
          for (const b of r.breaks) {
            const err = new AlprError(AccountErrors.AUDIT_CHAIN_BROKEN, { id: b.id, problem: b.problem });
            io.err(`${err.code}: ${err.message}`);
          }
          const more = r.breakCount - r.breaks.length;
          io.err(`${r.breakCount} broken link${r.breakCount === 1 ? '' : 's'} in ${r.checked} rows${more > 0 ? ` (${more} not listed)` : ''}`);
        }
        return 1;
      }
      // Recorded after the check, so this row is covered by the next verification.
      store.audit.append({ user: cliActor(), action: 'audit.verify', object: null, purpose: null, caseNumber: null, details: { ok: true, checked: r.checked }, ip: null });
      if (!values.json) io.out(`audit log intact: ${r.checked} rows checked in ${store.file}`);
      return 0;
    }
    store.audit.append({ user: cliActor(), action: 'audit.export', object: values.out ?? 'stdout', purpose: null, caseNumber: null, details: { filter: q }, ip: null });
    const rows: AuditRecord[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = store.audit.query({ ...q, limit: PAGE, offset });
      rows.push(...page);
      if (page.length < PAGE) break;
    }
    const csv = csvDocument(AUDIT_CSV_HEADER, rows.map(auditCsvCells));
    if (values.out) {
      writeFileSync(values.out, csv, { mode: 0o600 });
      io.out(`${rows.length} audit rows written to ${values.out}`);
    } else io.out(csv.trimEnd());
    return 0;
  } finally {
    store.close();
  }
}
