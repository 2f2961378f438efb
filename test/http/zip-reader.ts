/**
 * Reads a zip with Python's zipfile (Debian's /usr/bin/python3, already a test peer): an
 * independent implementation checks every CRC (`testzip`) and returns each entry's bytes.
 */
import { execFileSync } from 'node:child_process';

const SCRIPT = [
  'import sys, zipfile, json',
  'z = zipfile.ZipFile(sys.argv[1])',
  'bad = z.testzip()',
  'assert bad is None, "bad CRC in " + str(bad)',
  'print(json.dumps({i.filename: z.read(i).hex() for i in z.infolist()}))',
].join('\n');

/** Entry name → contents, in archive order; throws when the archive or a CRC is bad. */
export function readZip(file: string): Map<string, Buffer> {
  const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', SCRIPT, file], { maxBuffer: 512 * 1024 * 1024 }).toString()) as Record<string, string>;
  return new Map(Object.entries(out).map(([k, v]) => [k, Buffer.from(v, 'hex')]));
}
