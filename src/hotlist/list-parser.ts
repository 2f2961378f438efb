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

/**
 * Bounds of one CSV record: a hot-list row is a few hundred bytes, so anything near these is a
 * broken file (an unclosed quote swallowing the rest), reported at the row where it starts.
 */
export const CSV_LIMITS = { maxFieldBytes: 4096, maxRecordBytes: 16_384, maxFields: 64 } as const;

type CsvRecord = { line: number; fields: string[] } | { line: number; problem: RowProblem };

const rowProblem = (line: number, message: string): CsvRecord => ({ line, problem: { field: '(row)', message } });

/** Problems of a record's size, or null. */
function sizeProblem(fields: string[]): string | null {
  if (fields.length > CSV_LIMITS.maxFields) return `has more than ${CSV_LIMITS.maxFields} fields`;
  for (const f of fields) if (f.length > CSV_LIMITS.maxFieldBytes) return `a field is longer than ${CSV_LIMITS.maxFieldBytes} characters`;
  return null;
}

/**
 * Records of a CSV file, each line decoded once and each character looked at once: linear in
 * the file (issue 16 item 12: re-splitting a growing record after every line made one unclosed
 * quote quadratic — 450 s for a 754 KB file). RFC 4180: a field that starts with `"` is quoted
 * and may hold commas, newlines and `""`; elsewhere a quote is an ordinary character. A quoted
 * field takes further lines only up to `maxRecordBytes`; past that (a quote never closed) the
 * row is a problem and reading goes on after the lines it took. Lines without a quote — nearly
 * all of a real list — are split directly. Blank lines and `#` lines between records are skipped.
 */
function* csvRecords(bytes: Uint8Array): Generator<CsvRecord> {
  const next = lines(bytes);
  for (let r = next.next(); !r.done; r = next.next()) {
    const { line, text } = r.value;
    if (!text.includes('"')) {
      if (text.trim() === '' || text.startsWith('#')) continue;
      const fields = text.split(',');
      const problem = text.length > CSV_LIMITS.maxFieldBytes || fields.length > CSV_LIMITS.maxFields ? sizeProblem(fields) : null;
      yield problem ? rowProblem(line, problem) : { line, fields };
      continue;
    }
    if (text.startsWith('#')) continue;
    const fields: string[] = [];
    let problem: string | null = null;
    let rec = text;
    let size = text.length;
    let field = '';
    let quoted = false;
    let closedQuote = false;
    let i = 0;
    for (;;) {
      if (i >= rec.length) {
        if (!quoted) break;
        const more = next.next();
        if (more.done) {
          problem = 'a quoted field is never closed';
          break;
        }
        size += more.value.text.length + 1;
        if (size > CSV_LIMITS.maxRecordBytes) {
          problem = `a quoted field runs past ${CSV_LIMITS.maxRecordBytes} characters (a quote never closed?)`;
          break;
        }
        field += '\n';
        rec = more.value.text;
        i = 0;
        continue;
      }
      if (quoted) {
        // Copy the run up to the next quote in one slice.
        const q = rec.indexOf('"', i);
        if (q < 0) {
          field += rec.slice(i);
          i = rec.length;
        } else if (rec[q + 1] === '"') {
          field += rec.slice(i, q + 1);
          i = q + 2;
        } else {
          field += rec.slice(i, q);
          quoted = false;
          closedQuote = true;
          i = q + 1;
        }
        continue;
      }
      const ch = rec[i]!;
      if (ch === ',') {
        fields.push(field);
        field = '';
        closedQuote = false;
      } else if (closedQuote) {
        problem ??= 'characters after a closing quote (write "" for a quote inside a quoted field)';
      } else if (ch === '"' && field === '' && (i === 0 || rec[i - 1] === ',')) {
        quoted = true;
      } else {
        field += ch;
      }
      i++;
    }
    if (problem === null) {
      fields.push(field);
      problem = sizeProblem(fields);
    }
    yield problem ? rowProblem(line, problem) : { line, fields };
  }
}

function* parseCsv(bytes: Uint8Array): Generator<ParsedRecord> {
  let header: string[] | null = null;
  for (const rec of csvRecords(bytes)) {
    if ('problem' in rec) {
      yield rec;
      continue;
    }
    const { line: at, fields } = rec;
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

/** Splits one CSV record (the same rules as the file parser); null when a quoted field is still open. */
export function splitCsv(text: string): string[] | null {
  for (const rec of csvRecords(Buffer.from(text))) {
    if ('problem' in rec) return rec.problem.message.includes('never closed') ? null : [text];
    return rec.fields;
  }
  return [''];
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
