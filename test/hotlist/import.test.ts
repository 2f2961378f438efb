import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildList, type BuildTask } from '../../src/hotlist/list-build.js';
import { splitCsv } from '../../src/hotlist/list-parser.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('hotlist-import-');
const NOW = Date.UTC(2026, 10, 25);

let n = 0;
function build(text: string, ext = 'csv', over: Partial<BuildTask> = {}): ReturnType<typeof buildList> {
  const path = join(dir, `list-${++n}.${ext}`);
  writeFileSync(path, text);
  return buildList({
    source: 'file:test',
    path,
    issuedAt: null,
    loadedAt: NOW,
    rules: { specialLists: ['sex_offender'], defaultPriority: 5, minWildcardLiterals: 3, now: NOW },
    wildcardCap: 2,
    ...over,
  });
}

describe('CSV import', () => {
  it('loads a list with a header, quoted fields and comment lines', () => {
    const r = build('# comment\nplate,state,list,priority,reason,expires\n7TRW815,CA,Stolen Vehicle,1,"grey Civic, carjacking",2099-01-01\n"8FJK 392",ca,sex_offender,,"line one\nline two",\n');
    expect(r.ok).toBe(true);
    expect(r.report).toMatchObject({ format: 'csv', rows: 2, accepted: 2, problemCount: 0, fatal: false });
  });

  it.each([
    ['plate,list,priority\n7TRW815,stolen,12\n', 2, 'priority', '"12": expected a whole number 1–9'],
    ['plate,list\n7TRW815,\n', 2, 'list', 'is required'],
    ['plate,list\n-,stolen\n', 2, 'plate', 'needs at least two characters'],
    ['plate,list,expires\n7TRW815,stolen,next tuesday\n', 2, 'expires', 'expected an ISO 8601 date/time'],
    ['plate,list,state\n7TRW815,stolen,California\n', 2, 'state', 'expected a 2–3 letter state'],
    ['plate,list,informational\n7TRW815,stolen,maybe\n', 2, 'informational', 'expected true or false'],
    ['plate,list\n\n7TRW815,stolen,extra\n', 3, '(row)', 'has 3 fields, the header has 2'],
    ['plate,list\n7T?,stolen\n', 2, 'plate', 'at least 3 known characters'],
    ['plate,list,expiry\n7TRW815,stolen,2099-01-01\n', 1, '(header)', 'unknown column "expiry"'],
    ['plate,state\n7TRW815,CA\n', 1, '(header)', 'the required column "list" is missing'],
    ['plate,list\n7TRW815,"stolen\n', 2, '(row)', 'a quoted field is never closed'],
    ['', 0, '(header)', 'no header row'],
  ])('reports %j at row %i, field %s', (text, row, field, message) => {
    const r = build(text);
    expect(r.ok).toBe(false);
    expect(r.report.fatal).toBe(true);
    expect(r.report.problems[0]).toMatchObject({ row, field });
    expect(r.report.problems[0]!.message).toContain(message);
  });

  it('rejects the whole file for one bad row among good ones, reporting every bad row', () => {
    const r = build('plate,list,priority\nAAA111,stolen,1\nBBB222,stolen,x\nCCC333,stolen,2\nDDD444,,3\n');
    expect(r.ok).toBe(false);
    expect(r.report.problems.map((p) => [p.row, p.field])).toEqual([
      [3, 'priority'],
      [5, 'list'],
    ]);
    expect(r.report.problemCount).toBe(2);
  });

  it('refuses a list with more wildcard entries than the cap', () => {
    const r = build('plate,list\nAB?123,a\nAC?123,a\nAD?123,a\n');
    expect(r.ok).toBe(false);
    expect(r.report.problems[0]!.message).toContain('has 3 wildcard entries, more than the 2 allowed');
  });

  it('drops rows already expired and repeated rows without refusing the file', () => {
    const r = build('plate,list,state,expires\nAAA111,a,CA,2020-01-01\nBBB222,a,CA,\nBBB222,a,CA,\nBBB222,a,NV,\n');
    expect(r.ok).toBe(true);
    expect(r.report).toMatchObject({ rows: 4, accepted: 2, expired: 1, duplicates: 1 });
  });

  it('gives each list content its own generation id', () => {
    const a = build('plate,list\nAAA111,a\n');
    const b = build('plate,list\nAAA112,a\n');
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(a.parts.generation).not.toBe(b.parts.generation);
  });
});

describe('JSON lines import', () => {
  it('loads objects with snake_case or camelCase keys', () => {
    const r = build('{"plate":"7TRW815","list":"stolen","case_number":"26-1"}\n{"plate":"8FJK392","list":"local","caseNumber":"26-2","expiresAt":4102444800000}\n', 'jsonl');
    expect(r.report).toMatchObject({ format: 'jsonl', accepted: 2, fatal: false });
  });

  it.each([
    ['{"plate":"7TRW815","list":"a"\n', 1, '(row)', 'not valid JSON'],
    ['["7TRW815"]\n', 1, '(row)', 'must be a JSON object'],
    ['{"plate":"7TRW815","list":"a","colour":"red"}\n', 1, 'colour', 'unknown field'],
    ['{"plate":"7TRW815","list":"a"}\n{"plate":"7TRW815","list":{"x":1}}\n', 2, 'list', 'must be a string'],
  ])('reports %j at row %i, field %s', (text, row, field, message) => {
    const r = build(text, 'jsonl');
    expect(r.ok).toBe(false);
    expect(r.report.problems[0]).toMatchObject({ row, field });
    expect(r.report.problems[0]!.message).toContain(message);
  });
});

describe('splitCsv', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"a,1",b', ['a,1', 'b']],
    ['"say ""hi""",', ['say "hi"', '']],
    ['"open,b', null],
  ])('%j → %j', (line, fields) => {
    expect(splitCsv(line)).toEqual(fields);
  });
});
