/**
 * `recognize` file lists: paths from stdin (`-`, `--files-from -`), from a list file (`@LIST`,
 * `--files-from LIST`), and a batch whose command line is longer than onnxruntime-node survives
 * (~28.8 KB: SIGSEGV), which the command relays to a child through stdin.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { argvBytes, expandFileArgs, MAX_ARGV_BYTES } from '../../src/cli/recognize.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'alpr-edge');
const CROPS = ['crop-us.jpg', 'crop-br.jpg', 'crop-eu.jpg'].map((f) => join(ROOT, 'fixtures', 'recognizer', f));
const dir = tempDir('alpr-filelist-');

function run(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BIN, 'recognize', ...args],
      { cwd: ROOT, env: { ...process.env, ALPR_EDGE_FROM_SOURCE: '1' }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

const files = (stdout: string): string[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { file: string }).file);

describe('expandFileArgs', () => {
  it('expands - and @LIST in place, in order, skipping blank lines', async () => {
    const list = join(dir, 'list.txt');
    writeFileSync(list, 'b.jpg\r\n\nc d.jpg\n');
    const stdin = Readable.from(['x.jpg\ny.jpg\n']);
    expect(await expandFileArgs(['a.jpg', `@${list}`, '-', 'z.jpg'], undefined, stdin)).toEqual(['a.jpg', 'b.jpg', 'c d.jpg', 'x.jpg', 'y.jpg', 'z.jpg']);
    expect(await expandFileArgs([], list, null)).toEqual(['b.jpg', 'c d.jpg']);
  });

  it('names a list file it cannot read', async () => {
    await expect(expandFileArgs(['@/nonexistent/list.txt'], undefined, null)).rejects.toThrow(/cannot read the file list \/nonexistent\/list\.txt: ENOENT/);
  });

  it('counts command-line bytes as the kernel does', () => {
    expect(argvBytes(['ab', 'é'])).toBe(3 + 3);
  });
});

describe('alpr-edge recognize with file lists', () => {
  it('reads paths from stdin and from a list file, with the same output as positional paths', { timeout: 300_000 }, async () => {
    const list = join(dir, 'crops.txt');
    writeFileSync(list, CROPS.join('\n') + '\n');
    const direct = await run(['--ocr-only', '--json', ...CROPS]);
    const viaStdin = await run(['--ocr-only', '--json', '-'], CROPS.join('\n') + '\n');
    const viaFlag = await run(['--ocr-only', '--json', '--files-from', '-'], CROPS.join('\n'));
    const viaList = await run(['--ocr-only', '--json', `@${list}`]);
    expect(direct.code).toBe(0);
    const texts = (s: string) => s.trim().split('\n').map((l) => (JSON.parse(l) as { plates: { text: string }[] }).plates.map((p) => p.text));
    for (const r of [viaStdin, viaFlag, viaList]) {
      expect(r.code, r.stderr).toBe(0);
      expect(files(r.stdout)).toEqual(CROPS);
      expect(texts(r.stdout)).toEqual(texts(direct.stdout));
    }
  });

  it('survives a batch whose command line is far longer than onnxruntime-node tolerates', { timeout: 300_000 }, async () => {
    const many = Array.from({ length: 1000 }, (_, i) => CROPS[i % CROPS.length]!);
    expect(argvBytes([process.execPath, BIN, 'recognize', ...many])).toBeGreaterThan(2 * MAX_ARGV_BYTES);
    const r = await run(['--ocr-only', '--json', ...many]);
    expect(r.code, r.stderr).toBe(0);
    expect(files(r.stdout)).toEqual(many);
  });
});
