/**
 * CSV (RFC 4180) for exports. Cells that a spreadsheet would run as a formula (`=`, `+`, `-`,
 * `@`, tab, CR at the start) are prefixed with `'`: plate text and notes come from cameras and
 * people, and an export is opened by someone else.
 */
export type Cell = string | number | boolean | null | undefined;

export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'string' ? v : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly Cell[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export function csvDocument(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  let out = csvRow(header);
  for (const r of rows) out += csvRow(r);
  return out;
}
