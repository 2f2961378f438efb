/**
 * Reads hot-list files: CSV with a header row, or JSON lines (one object per line), with the
 * column names documented in docs/hotlist.md. Yields one raw record per row with its line
 * number, or a problem for a row that cannot even be split into fields. Works on the file's
 * bytes line by line so a 5 M-row list never becomes one giant string.
 */
import type { RawRow, RawValue, RowProblem } from './entry-row.js';

export type ListFormat = 'csv' | 'jsonl';

/** Columns a list may carry (CSV header names; JSON lines keys, which also accept the camelCase forms). */
export const LIST_COLUMNS = [
  'plate',
  'state',
  'list',
  'priority',
  'reason',
  'case_number',
  'subject_xref',
  'officer_name',
  'officer_contact',
  'source',
  'created',
  'expires',
  'informational',
  'also_in_ncic',
  'id',
  'entered_by',
] as const;
/** Free-text columns kept in the file for people and ignored by the loader. */
const IGNORED = new Set(['comment', 'notes']);
const KNOWN = new Set<string>(LIST_COLUMNS);
const ALIASES: Record<string, string> = {
  caseNumber: 'case_number',
  subjectXref: 'subject_xref',
  officerName: 'officer_name',
  officerContact: 'officer_contact',
  alsoInNcic: 'also_in_ncic',
  enteredBy: 'entered_by',
  expiresAt: 'expires',
  createdAt: 'created',
};

export type ParsedRecord = { line: number; raw: RawRow } | { line: number; problem: RowProblem };

export function detectFormat(name: string, bytes: Uint8Array): ListFormat {
  if (/\.(jsonl|ndjson|json)$/i.test(name)) return 'jsonl';
  if (/\.csv$/i.test(name)) return 'csv';
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x7b) return 'jsonl';
    if (b > 0x20 && b !== 0xef && b !== 0xbb && b !== 0xbf) return 'csv';
  }
  return 'csv';
}

function* lines(bytes: Uint8Array): Generator<{ line: number; text: string }> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 0;
  while (pos < buf.length) {
    let end = buf.indexOf(10, pos);
    if (end < 0) end = buf.length;
    line++;
    let stop = end;
    if (stop > pos && buf[stop - 1] === 13) stop--;
    yield { line, text: buf.toString('utf8', pos, stop) };
    pos = end + 1;
  }
}

export function* parseRecords(bytes: Uint8Array, format: ListFormat): Generator<ParsedRecord> {
  yield* format === 'csv' ? parseCsv(bytes) : parseJsonLines(bytes);
}

function* parseCsv(bytes: Uint8Array): Generator<ParsedRecord> {
  let header: string[] | null = null;
  let pending = '';
  let pendingLine = 0;
  for (const { line, text } of lines(bytes)) {
    let record = text;
    let at = line;
    if (pending !== '') {
      record = `${pending}\n${text}`;
      at = pendingLine;
    } else if (text.trim() === '' || text.startsWith('#')) {
      continue;
    }
    const fields = splitCsv(record);
    if (fields === null) {
      // An open quote: the field goes on over the next line (RFC 4180 allows newlines in quotes).
      pending = record;
      pendingLine = at;
      continue;
    }
    pending = '';
    if (header === null) {
      header = fields.map((f) => f.trim().toLowerCase());
      const problems = headerProblems(header);
      for (const problem of problems) yield { line: at, problem };
      if (problems.length > 0) return;
      continue;
    }
    if (fields.length !== header.length) {
      yield { line: at, problem: { field: '(row)', message: `has ${fields.length} fields, the header has ${header.length}` } };
      continue;
    }
    const raw: RawRow = {};
    for (let i = 0; i < header.length; i++) raw[header[i]!] = fields[i];
    yield { line: at, raw };
  }
  if (pending !== '') yield { line: pendingLine, problem: { field: '(row)', message: 'a quoted field is never closed' } };
  if (header === null) yield { line: 0, problem: { field: '(header)', message: 'the file has no header row (plate,list,...)' } };
}

function headerProblems(header: string[]): RowProblem[] {
  const problems: RowProblem[] = [];
  for (const h of header) {
    if (!KNOWN.has(h) && !IGNORED.has(h)) problems.push({ field: '(header)', message: `unknown column "${h}"; known: ${LIST_COLUMNS.join(', ')}` });
  }
  for (const required of ['plate', 'list']) {
    if (!header.includes(required)) problems.push({ field: '(header)', message: `the required column "${required}" is missing` });
  }
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) problems.push({ field: '(header)', message: `column "${dup}" appears twice` });
  return problems;
}

/** Splits one CSV record; null when a quoted field is still open at the end of the text. */
export function splitCsv(text: string): string[] | null {
  if (!text.includes('"')) return text.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      out.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  if (quoted) return null;
  out.push(field);
  return out;
}

function* parseJsonLines(bytes: Uint8Array): Generator<ParsedRecord> {
  for (const { line, text } of lines(bytes)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { line, problem: { field: '(row)', message: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` } };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, problem: { field: '(row)', message: 'must be a JSON object' } };
      continue;
    }
    const raw: RawRow = {};
    let bad = false;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const key = ALIASES[k] ?? k;
      if (IGNORED.has(key)) continue;
      if (!KNOWN.has(key)) {
        yield { line, problem: { field: k, message: `unknown field; known: ${LIST_COLUMNS.join(', ')}` } };
        bad = true;
        continue;
      }
      if (v !== null && typeof v === 'object') {
        yield { line, problem: { field: k, message: 'must be a string, number or boolean' } };
        bad = true;
        continue;
      }
      raw[key] = v as RawValue;
    }
    if (!bad) yield { line, raw };
  }
}
