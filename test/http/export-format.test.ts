import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { csvCell, csvRow } from '../../src/shared/csv.js';
import { zipChunks, type ZipEntry } from '../../src/http/export/zip-writer.js';
import { readZip } from './zip-reader.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('CSV cells', () => {
  test.each([
    ['7TRW815', '7TRW815'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [-2, '-2'],
    [0.5, '0.5'],
    [null, ''],
    [true, 'true'],
  ])('%j → %s', (v, out) => expect(csvCell(v)).toBe(out));

  test('rows end with CRLF (RFC 4180)', () => expect(csvRow(['a', 1, null])).toBe('a,1,\r\n'));
});

describe('zip writer', () => {
  const dir = tempDir('alpr-zip-');

  function write(entries: ZipEntry[]): string {
    const file = join(dir, `t${Math.random().toString(36).slice(2)}.zip`);
    writeFileSync(file, Buffer.concat([...zipChunks(entries)]));
    return file;
  }

  /** Python's zipfile is an independent reader: names, sizes and CRCs must all agree. */
  function pythonRead(file: string): Record<string, string> {
    return Object.fromEntries([...readZip(file)].map(([k, v]) => [k, v.toString('hex')]));
  }

  test('stored and deflated entries, UTF-8 names and an empty file read back byte for byte', () => {
    const big = Buffer.alloc(200_000, 'ab');
    const bin = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));
    const file = write([
      { name: 'release.txt', data: Buffer.from('Requesting agency: Sacramento County DA\r\n'), compress: true },
      { name: 'big.txt', data: big, compress: true },
      { name: 'images/été-plate.jpg', data: bin },
      { name: 'empty.txt', data: Buffer.alloc(0), compress: true },
    ]);
    const back = pythonRead(file);
    expect(Object.keys(back)).toEqual(['release.txt', 'big.txt', 'images/été-plate.jpg', 'empty.txt']);
    expect(Buffer.from(back['big.txt']!, 'hex').equals(big)).toBe(true);
    expect(Buffer.from(back['images/été-plate.jpg']!, 'hex').equals(bin)).toBe(true);
    expect(back['empty.txt']).toBe('');
  });

  test('a leading slash or backslash cannot make an absolute or odd path inside the archive', () => {
    const back = pythonRead(write([{ name: '/etc\\passwd', data: Buffer.from('x') }]));
    expect(Object.keys(back)).toEqual(['etc/passwd']);
  });

  test('an empty archive is valid', () => {
    expect(pythonRead(write([]))).toEqual({});
  });
});
