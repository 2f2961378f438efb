/** Columns of an audit-log export (web page and `alpr-edge audit export` alike). */
import type { Cell } from '../shared/csv.js';
import type { AuditRecord } from '../store/audit-repo.js';

export const AUDIT_CSV_HEADER = ['id', 'at', 'user', 'action', 'object', 'case_number', 'purpose', 'ip', 'details', 'prev_hash', 'hash'];

export function auditCsvCells(r: AuditRecord): Cell[] {
  return [r.id, new Date(r.at).toISOString(), r.user, r.action, r.object, r.caseNumber, r.purpose, r.ip, r.details ? JSON.stringify(r.details) : null, r.prevHash, r.hash];
}
