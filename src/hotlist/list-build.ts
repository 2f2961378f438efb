/**
 * The list build: one list file into the parts of a `ListIndex` (parse, validate every row, build
 * the index with `ListIndexBuilder`). A file with any fatal problem (unreadable row, bad field,
 * too many wildcards) is rejected whole, and the caller keeps the previous list in force. Pure apart from reading the file, so it runs the
 * same in a worker thread (production, benchmark) and inline (tests of small lists).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { AlprError } from '../shared/errors.js';
import { HotlistErrors } from './errors.js';
import { parseRow, type EntryRow, type RowRules } from './entry-row.js';
import { ListIndexBuilder, type ListIndexParts } from './index/list-index-builder.js';
import { detectFormat, parseRecords, type ListFormat } from './list-parser.js';

export interface BuildTask {
  /** Name of the list this file provides (`file:demo-hotlist.csv`, `central`). */
  source: string;
  path: string;
  format?: ListFormat;
  issuedAt: number | null;
  loadedAt: number;
  rules: Omit<RowRules, 'specialLists' | 'source'> & { specialLists: string[] };
  wildcardCap: number;
  /** Confusion classes the list's plates are sorted by (`hotlist.confusion_classes`); the defaults when absent. */
  confusionClasses?: string[];
  /** Edit tolerance matching will use (`hotlist.max_edit_distance`); lookup orders only others need are left out. */
  maxEdits?: number;
}

export interface ImportProblem {
  /** Line number in the file (1 = first line; 0 = the file as a whole). */
  row: number;
  field: string;
  message: string;
}

export interface ImportReport {
  source: string;
  format: ListFormat | null;
  rows: number;
  accepted: number;
  wildcards: number;
  /** Rows whose expiry had already passed: dropped, not fatal. */
  expired: number;
  /** Rows repeating a plate, state and list already loaded: the first one wins. */
  duplicates: number;
  /** The first problems (at most `MAX_REPORTED`); `problemCount` has them all. */
  problems: ImportProblem[];
  problemCount: number;
  fatal: boolean;
}

export type BuildResult = { ok: true; parts: ListIndexParts; report: ImportReport } | { ok: false; report: ImportReport };

export const MAX_REPORTED = 100;

export function buildList(task: BuildTask): BuildResult {
  const report: ImportReport = { source: task.source, format: null, rows: 0, accepted: 0, wildcards: 0, expired: 0, duplicates: 0, problems: [], problemCount: 0, fatal: false };
  const problem = (row: number, field: string, message: string): void => {
    report.fatal = true;
    report.problemCount++;
    if (report.problems.length < MAX_REPORTED) report.problems.push({ row, field, message });
  };
  let bytes: Buffer;
  try {
    bytes = readFileSync(task.path);
  } catch (err) {
    problem(0, '(file)', `cannot read ${task.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return { ok: false, report };
  }
  const format = task.format ?? detectFormat(task.path, bytes);
  report.format = format;
  const rules: RowRules = { ...task.rules, specialLists: new Set(task.rules.specialLists), source: task.source };
  // ~70 bytes a row in typical lists; sizing up front avoids regrowing 5 M-entry arrays.
  const builder = new ListIndexBuilder(task.wildcardCap, Math.ceil(bytes.length / 60), task.confusionClasses, task.maxEdits);
  let wildcardOverflow = 0;
  for (const rec of parseRecords(bytes, format)) {
    if ('problem' in rec) {
      problem(rec.line, rec.problem.field, rec.problem.message);
      continue;
    }
    report.rows++;
    const r = parseRow(rec.raw, rules);
    if ('problems' in r) {
      for (const p of r.problems) problem(rec.line, p.field, p.message);
      continue;
    }
    if ('expired' in r) {
      report.expired++;
      continue;
    }
    if (report.fatal) continue; // the file is refused anyway: keep checking rows, build nothing more
    const outcome = builder.add(r.row);
    if (outcome === 'duplicate') report.duplicates++;
    else if (outcome === 'wildcard-cap') wildcardOverflow++;
  }
  if (wildcardOverflow > 0) {
    const count = builder.wildcardEntries + wildcardOverflow;
    problem(0, 'plate', `${new AlprError(HotlistErrors.HOTLIST_WILDCARD_CAP, { source: task.source, count, cap: task.wildcardCap }).message} (hotlist.max_wildcard_entries)`);
  }
  if (report.fatal) return { ok: false, report };
  const generation = generationId(task.source, task.loadedAt, createHash('sha256').update(bytes).digest('hex'));
  const parts = builder.build({ source: task.source, generation, issuedAt: task.issuedAt, loadedAt: task.loadedAt });
  report.accepted = parts.entryCount;
  report.wildcards = parts.wildcardCount;
  report.duplicates += parts.duplicates;
  return { ok: true, parts, report };
}

/** Builds an index from rows already validated (the local hot plates). */
export function buildFromRows(source: string, rows: readonly EntryRow[], loadedAt: number, wildcardCap: number, revision: number, confusionClasses?: readonly string[], maxEdits?: number): ListIndexParts {
  const builder = new ListIndexBuilder(wildcardCap, rows.length, confusionClasses, maxEdits);
  for (const row of rows) builder.add(row);
  const digest = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  return builder.build({ source, generation: generationId(source, loadedAt, digest, revision), issuedAt: loadedAt, loadedAt });
}

/** `central@20261125T003000Z#3fa2b1c94e`: which list, when it was loaded, and what it held. */
export function generationId(source: string, loadedAt: number, sha256Hex: string, revision?: number): string {
  const t = new Date(loadedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${source}@${t}${revision === undefined ? '' : `.${revision}`}#${sha256Hex.slice(0, 10)}`;
}

export function fileSource(path: string): string {
  return `file:${basename(path)}`;
}
