/**
 * The quarterly audit of user queries (roseville 426.4.1 (c): "conduct quarterly audits of user
 * queries"; sacramento-pd D.2.b(2), out-of-compliance queries go to the employee's division
 * commander; sacramento-da IV.B.a.ii, periodic audits of user queries), built from the audit log
 * of one period: per account the searches, views, exports and look-ups; the searches whose
 * justification is thin (a short or vague purpose, a purpose off the agency's list, no result);
 * the criteria searched most; releases and supervisor approvals.
 *
 * No plate text: the report is printed and passed on. Plates in search criteria are shown as a
 * reference (`plate ref 3fa2c1`, a hash keyed per report) so that the same plate searched again
 * and again stands out, and plate-like words in a purpose are blanked; the plate itself is in the
 * audit record, which the reviewer opens from the report (and that opening is audited too).
 *
 * Rows are taken one at a time (`add`), so memory holds the tallies and capped lists, never the
 * period's rows.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { AuditRecord } from '../store/audit-repo.js';

/** Views of stored data or of live pictures and reads (not the event stream each page opens). */
const VIEWS = new Set(['detection.view', 'image.view', 'hit.view', 'hits.list', 'hit.history', 'reads.live', 'live.view', 'damage.snapshot.view', 'corrections.view', 'records.view']);
const EXPORTS = new Set(['release.exported', 'audit.export', 'audit.review.export']);
const RELEASES = new Set(['release.requested', 'release.approved', 'release.exported', 'release.refused', 'release.approval.refused', 'release.export.refused']);
const APPROVALS = new Set(['use.approval.requested', 'use.approval.granted', 'use.approval.declined', 'use.approval.refused']);

/** Free text with fewer letters and digits, or fewer words, is "short". */
export const SHORT_PURPOSE_CHARS = 15;
export const SHORT_PURPOSE_WORDS = 3;
/** A purpose made only of these words (and little words) says nothing about the case. */
const VAGUE_WORDS = new Set(
  'investigation investigations investigate investigating inv check checking checked test testing tests info information misc other na none n follow up followup routine case cases search searching lookup look plate plates vehicle vehicles car suspect ongoing inquiry query general research work related per request requested officer needed see above pending patrol data review'.split(' '),
);
const LITTLE_WORDS = new Set('a an the of for to in on at by and or with re my our this that is'.split(' '));

/** Longest lists kept (the counts are always whole). */
export const MAX_FLAGGED = 500;
export const MAX_LISTED = 500;
const MAX_CRITERIA_KEYS = 20_000;
const TOP_CRITERIA = 5;

export type Flag = 'short purpose' | 'vague purpose' | 'purpose not on the list' | 'no results';

export interface AccountTally {
  account: string;
  fullName: string;
  role: string;
  searches: number;
  refused: number;
  views: number;
  exports: number;
  lookups: number;
  thin: number;
  noResults: number;
  releases: number;
  approvalsAsked: number;
  approvalsGiven: number;
  unusual: number;
  cases: number;
}

export interface FlaggedSearch {
  id: number;
  at: number;
  account: string;
  caseNumber: string;
  category: string;
  /** The purpose's free text with plate-like words blanked. */
  purpose: string;
  flags: Flag[];
  criteria: string;
  /** Detections returned (null for rows written before the count was recorded). */
  returned: number | null;
  approvedBy: string | null;
}

export interface CriteriaCount {
  account: string;
  criteria: string;
  count: number;
  /** Newest audit row with these criteria (the link into the log). */
  lastId: number;
  lastAt: number;
}

export interface ListedRow {
  id: number;
  at: number;
  account: string;
  action: string;
  object: string;
  caseNumber: string;
  purpose: string;
  detail: string;
}

export interface AuditReviewReport {
  rows: number;
  accounts: AccountTally[];
  flagged: FlaggedSearch[];
  flaggedTotal: number;
  topCriteria: CriteriaCount[];
  releases: ListedRow[];
  releasesTotal: number;
  approvals: ListedRow[];
  approvalsTotal: number;
}

/** Plate-like words (letters and digits mixed, 4–8 long) blanked: a purpose may quote the plate. */
export function blankPlates(text: string): string {
  return text.replace(/\b(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{4,8}\b/g, (w) => '•'.repeat(w.length));
}

/** The purpose's free text: the audit row holds `category: text`. */
function freeText(purpose: string, category: string): string {
  return category && purpose.startsWith(`${category}: `) ? purpose.slice(category.length + 2) : purpose;
}

export function purposeFlags(text: string): Flag[] {
  const flags: Flag[] = [];
  const chars = (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
  if (chars < SHORT_PURPOSE_CHARS || words.length < SHORT_PURPOSE_WORDS) flags.push('short purpose');
  const meaningful = words.filter((w) => !LITTLE_WORDS.has(w) && !/^\d+$/.test(w));
  if (meaningful.every((w) => VAGUE_WORDS.has(w))) flags.push('vague purpose');
  return flags;
}

interface Query {
  plate?: string;
  cameraId?: string;
  bbox?: unknown;
  from?: number;
  to?: number;
}

export class AuditReviewBuilder {
  private readonly tallies = new Map<string, AccountTally>();
  private readonly caseSets = new Map<string, Set<string>>();
  private readonly criteria = new Map<string, CriteriaCount>();
  private readonly flagged: FlaggedSearch[] = [];
  private readonly releases: ListedRow[] = [];
  private readonly approvals: ListedRow[] = [];
  private flaggedTotal = 0;
  private releasesTotal = 0;
  private approvalsTotal = 0;
  private rows = 0;
  private readonly key: Buffer;

  constructor(
    private readonly purposes: readonly string[],
    accounts: readonly { username: string; fullName: string; role: string }[],
    key: Buffer = randomBytes(16),
  ) {
    this.key = key;
    // Every account with access is in the report, also one that did nothing in the period.
    for (const a of accounts) this.tally(a.username, a.fullName, a.role);
  }

  /** One audit row of the period (any order). */
  add(r: AuditRecord): void {
    this.rows++;
    const who = r.user;
    if (who === null || who === 'system') {
      if (r.action === 'alert.unusual_use' && r.object) this.tally(r.object).unusual++;
      return;
    }
    const t = this.tally(who);
    const a = r.action;
    if (a === 'search') this.search(r, t);
    else if (a === 'search.refused') t.refused++;
    else if (a === 'hotlist.lookup') t.lookups++;
    else if (VIEWS.has(a)) t.views++;
    if (EXPORTS.has(a)) t.exports++;
    if (RELEASES.has(a)) {
      t.releases++;
      this.releasesTotal++;
      if (this.releases.length < MAX_LISTED) this.releases.push(this.listed(r, releaseDetail(r)));
    }
    if (APPROVALS.has(a)) {
      if (a === 'use.approval.requested') t.approvalsAsked++;
      else t.approvalsGiven++;
      this.approvalsTotal++;
      if (this.approvals.length < MAX_LISTED) this.approvals.push(this.listed(r, approvalDetail(r)));
    }
  }

  result(): AuditReviewReport {
    const accounts = [...this.tallies.values()];
    for (const t of accounts) t.cases = this.caseSets.get(t.account)?.size ?? 0;
    accounts.sort((x, y) => y.searches - x.searches || y.thin - x.thin || x.account.localeCompare(y.account));
    const byAccount = new Map<string, CriteriaCount[]>();
    for (const c of this.criteria.values()) {
      if (c.count < 2) continue;
      const list = byAccount.get(c.account) ?? [];
      list.push(c);
      byAccount.set(c.account, list);
    }
    const topCriteria = [...byAccount.values()].flatMap((l) => l.sort((x, y) => y.count - x.count || y.lastId - x.lastId).slice(0, TOP_CRITERIA));
    topCriteria.sort((x, y) => y.count - x.count || x.account.localeCompare(y.account));
    const byTime = (x: { id: number }, y: { id: number }): number => x.id - y.id;
    return {
      rows: this.rows,
      accounts,
      flagged: this.flagged.sort(byTime),
      flaggedTotal: this.flaggedTotal,
      topCriteria,
      releases: this.releases.sort(byTime),
      releasesTotal: this.releasesTotal,
      approvals: this.approvals.sort(byTime),
      approvalsTotal: this.approvalsTotal,
    };
  }

  private tally(account: string, fullName = '', role = ''): AccountTally {
    let t = this.tallies.get(account);
    if (!t) {
      t = { account, fullName, role, searches: 0, refused: 0, views: 0, exports: 0, lookups: 0, thin: 0, noResults: 0, releases: 0, approvalsAsked: 0, approvalsGiven: 0, unusual: 0, cases: 0 };
      this.tallies.set(account, t);
    }
    return t;
  }

  private search(r: AuditRecord, t: AccountTally): void {
    t.searches++;
    const d = (r.details ?? {}) as { query?: Query; purposeCategory?: string; approvalId?: number; approvedBy?: string; returned?: number };
    const category = typeof d.purposeCategory === 'string' ? d.purposeCategory : '';
    const text = freeText(r.purpose ?? '', category);
    const flags = purposeFlags(text);
    if (typeof d.approvalId === 'number' || (category !== '' && !this.purposes.includes(category))) flags.push('purpose not on the list');
    const returned = typeof d.returned === 'number' ? d.returned : null;
    if (returned === 0) {
      flags.push('no results');
      t.noResults++;
    }
    if (r.caseNumber) {
      const set = this.caseSets.get(t.account) ?? new Set<string>();
      set.add(r.caseNumber);
      this.caseSets.set(t.account, set);
    }
    const criteria = this.describe(d.query ?? {});
    const key = `${t.account}\u0000${criteria}`;
    const c = this.criteria.get(key);
    if (c) {
      c.count++;
      if (r.id > c.lastId) {
        c.lastId = r.id;
        c.lastAt = r.at;
      }
    } else if (this.criteria.size < MAX_CRITERIA_KEYS) {
      this.criteria.set(key, { account: t.account, criteria, count: 1, lastId: r.id, lastAt: r.at });
    }
    if (flags.length === 0) return;
    t.thin++;
    this.flaggedTotal++;
    if (this.flagged.length >= MAX_FLAGGED) return;
    this.flagged.push({ id: r.id, at: r.at, account: t.account, caseNumber: r.caseNumber ?? '', category, purpose: blankPlates(text), flags, criteria, returned, approvedBy: typeof d.approvedBy === 'string' ? d.approvedBy : null });
  }

  /** The criteria in words, the plate as a keyed reference: `full plate ref 3fa2c1 · camera rear · 6 h window`. */
  describe(q: Query): string {
    const parts: string[] = [];
    if (typeof q.plate === 'string' && q.plate !== '') {
      const ref = createHmac('sha256', this.key).update(q.plate).digest('hex').slice(0, 6);
      const known = q.plate.replace(/[*?]/g, '').length;
      parts.push(/[*?]/.test(q.plate) ? `partial plate (${known} known) ref ${ref}` : `full plate ref ${ref}`);
    }
    if (typeof q.cameraId === 'string') parts.push(`camera ${q.cameraId}`);
    if (q.bbox) parts.push('area');
    if (typeof q.from === 'number' && typeof q.to === 'number') parts.push(`${Math.max(1, Math.round((q.to - q.from) / 3600_000))} h window`);
    else if (typeof q.from === 'number' || typeof q.to === 'number') parts.push('open time window');
    return parts.length ? parts.join(' · ') : 'no criteria recorded';
  }

  private listed(r: AuditRecord, detail: string): ListedRow {
    return { id: r.id, at: r.at, account: r.user ?? '', action: r.action, object: r.object ?? '', caseNumber: r.caseNumber ?? '', purpose: blankPlates(r.purpose ?? ''), detail };
  }
}

function field(r: AuditRecord, key: string): unknown {
  return r.details?.[key];
}

function releaseDetail(r: AuditRecord): string {
  const parts: string[] = [];
  const ids = field(r, 'detectionIds');
  if (Array.isArray(ids)) parts.push(`${ids.length} detections`);
  for (const [k, label] of [['requestingPerson', 'for'], ['agencyKind', 'kind'], ['format', 'format'], ['count', 'detections'], ['requestedBy', 'requested by'], ['reason', 'reason'], ['policy', 'policy']] as const) {
    const v = field(r, k);
    if (typeof v === 'string' || typeof v === 'number') parts.push(`${label} ${v}`);
  }
  return parts.join(' · ');
}

function approvalDetail(r: AuditRecord): string {
  const parts: string[] = [];
  for (const [k, label] of [['use', 'use'], ['purposeCategory', 'purpose'], ['requester', 'requested by'], ['reason', 'reason']] as const) {
    const v = field(r, k);
    if (typeof v === 'string') parts.push(`${label} ${blankPlates(v)}`);
  }
  if (r.action !== 'use.approval.requested' && r.object) parts.push(`request #${r.object}`);
  return parts.join(' · ');
}
