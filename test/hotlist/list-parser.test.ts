/**
 * Issue 16 item 12: one unclosed quote made CSV parsing quadratic (a 754 KB file took 450 s to
 * refuse, a 225 KB one held start-up for 87 s). The parser is one linear pass with bounds on a
 * record; these files are refused in milliseconds (the old parser needed minutes for them, far
 * past the test timeout).
 */
import { describe, expect, it } from 'vitest';
import { CSV_LIMITS, parseRecords, type ParsedRecord } from '../../src/hotlist/list-parser.js';

const all = (text: string | Buffer): ParsedRecord[] => [...parseRecords(typeof text === 'string' ? Buffer.from(text) : text, 'csv')];
const rows = (n: number, from = 0): string => Array.from({ length: n }, (_, i) => `7ABC${String(i + from).padStart(3, '0')},stolen vehicle,a note\n`).join('');

describe('CSV hot lists', () => {
  it('an unclosed quote early in a 750 KB list is reported at its row without re-reading the rest per line', () => {
    const text = `plate,list,comment\nAB123,stolen,"never closed\n${rows(30_000)}`;
    expect(text.length).toBeGreaterThan(750_000);
    const recs = all(text);
    const problems = recs.filter((r) => 'problem' in r);
    expect(problems[0]).toMatchObject({ line: 2, problem: { field: '(row)' } });
    expect((problems[0] as { problem: { message: string } }).problem.message).toMatch(/never closed|runs past/);
  });

  it('many lines that each open a quote stay linear', () => {
    const text = `plate,list\n${'"x,\n'.repeat(100_000)}`;
    const recs = all(text);
    expect(recs.length).toBeGreaterThan(0);
    expect(recs.every((r) => 'problem' in r)).toBe(true);
  });

  it('a field or record past the bounds is a problem of its row, and the rows after it are read', () => {
    const long = 'x'.repeat(CSV_LIMITS.maxFieldBytes + 1);
    const recs = all(`plate,list,comment\nAB1,l,${long}\nAB2,l,"${long}"\nAB3,l,ok\n`);
    expect(recs.map((r) => ('problem' in r ? `${r.line}:problem` : `${r.line}:${String(r.raw.plate)}`))).toEqual(['2:problem', '3:problem', '4:AB3']);
  });

  it('quoted fields may hold commas, doubled quotes and newlines; line numbers stay right', () => {
    const recs = all('plate,list,comment\r\n"AB1",l,"a ""quoted"", multi\nline note"\r\n# a comment line\n\nAB2,l,x\n');
    expect(recs).toEqual([
      { line: 2, raw: { plate: 'AB1', list: 'l', comment: 'a "quoted", multi\nline note' } },
      { line: 6, raw: { plate: 'AB2', list: 'l', comment: 'x' } },
    ]);
  });

  it('a byte-order mark and a last line without a newline are fine', () => {
    const recs = all(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('plate,list\nÄB1,l')]));
    expect(recs).toEqual([{ line: 2, raw: { plate: 'ÄB1', list: 'l' } }]);
  });
});
