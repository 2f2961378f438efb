/**
 * The `recognize` command's output contract, end to end: the real binary, the bundled models,
 * fixtures rendered by fixtures/recognizer/make-fixtures.py (including a corrupt and an empty
 * file). External evaluations parse this output, so its shape is checked field by field.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main.js';
import { boxIou, quadBox, type Quad } from '../../src/recognizer/detect-decode.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'fixtures', 'recognizer');
const BIN = join(ROOT, 'bin', 'alpr-edge');

interface Label {
  kind: 'crop' | 'scene' | 'broken';
  width?: number;
  height?: number;
  plates?: { text: string; region: string; corners?: [number, number][] }[];
}
const labels = JSON.parse(readFileSync(join(FIX, 'labels.json'), 'utf8')) as Record<string, Label>;

interface PlateJson {
  text: string;
  confidence: number;
  box: { x: number; y: number; w: number; h: number };
  corners?: [number, number][];
  region: string | null;
  candidates: { text: string; confidence: number }[];
}
interface LineJson {
  file: string;
  width?: number;
  height?: number;
  decode_ms?: number;
  processing_ms?: number;
  plates?: PlateJson[];
  error?: string;
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    // Sources through tsx, as in development; the build is exercised by the pool test.
    execFile(process.execPath, [BIN, 'recognize', ...args], { cwd: ROOT, env: { ...process.env, ALPR_EDGE_FROM_SOURCE: '1' }, timeout: 120_000 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const lines = (stdout: string): LineJson[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LineJson);

describe('alpr-edge recognize: arguments', () => {
  it.each([
    { name: 'no files', args: ['--json'], message: /no image files/ },
    { name: 'an unknown region', args: ['--region', 'mars', '--json', 'x.jpg'], message: /--region must be one of us, eu, br/ },
    { name: 'a bad --topn', args: ['--topn', '0', '--json', 'x.jpg'], message: /--topn must be an integer in 1..50/ },
    { name: 'an unknown flag', args: ['--fast', '--json', 'x.jpg'], message: /Unknown option '--fast'/ },
  ])('exits 2 with the usage on $name', async ({ args, message }) => {
    // In-process through the same entry as the binary: argument errors need no models.
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['recognize', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(message);
    expect(err.join('\n')).toMatch(/usage: alpr-edge recognize/);
    expect(out).toEqual([]);
  });
});

describe('alpr-edge recognize: output', () => {
  const files = ['scene-two-plates.jpg', 'corrupt.jpg', 'scene-eu.jpg', 'empty.jpg', 'missing.jpg', 'scene-empty.jpg', 'scene-exif-rotated.jpg'];
  const given = files.map((f) => join('fixtures', 'recognizer', f));
  // One process reads every file (that is the contract: one warm process); the tests inspect it.
  let result: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    result = await run(['--json', '--topn', '3', ...given]);
  }, 120_000);

  it('prints one JSON line per file in input order, errors in place, and exits 0', () => {
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out.map((l) => l.file)).toEqual(given);
    for (const [i, line] of out.entries()) {
      const label = labels[files[i]!];
      if (!label || label.kind === 'broken') {
        expect(Object.keys(line).sort()).toEqual(['error', 'file']);
        expect(line.error).toMatch(/^cannot decode image .*: [^\n]+$/);
        continue;
      }
      expect(Object.keys(line).sort()).toEqual(['decode_ms', 'file', 'height', 'plates', 'processing_ms', 'width']);
      // EXIF orientation is applied: the rotated file reports its upright size.
      expect([line.width, line.height]).toEqual([label.width, label.height]);
      expect(line.decode_ms).toBeGreaterThan(0);
      expect(line.processing_ms).toBeGreaterThan(0);
      for (const p of line.plates!) {
        expect(p.text).toMatch(/^[A-Z0-9]+$/);
        expect(p.confidence).toBeGreaterThanOrEqual(0);
        expect(p.confidence).toBeLessThanOrEqual(1);
        expect(p.box.x).toBeGreaterThanOrEqual(0);
        expect(p.box.y).toBeGreaterThanOrEqual(0);
        expect(p.box.x + p.box.w).toBeLessThanOrEqual(line.width! + 0.1);
        expect(p.box.y + p.box.h).toBeLessThanOrEqual(line.height! + 0.1);
        expect(p.corners).toHaveLength(4);
        expect([null, 'us', 'eu', 'br']).toContain(p.region);
        expect(p.candidates.length).toBeGreaterThanOrEqual(1);
        expect(p.candidates.length).toBeLessThanOrEqual(3);
        expect(p.candidates[0]!.text).toBe(p.text);
      }
    }
  });

  it('finds each plate of the scene fixtures where it is, and nothing in the empty scene', () => {
    const out = lines(result.stdout);
    files.forEach((f, i) => {
      const label = labels[f];
      if (label?.kind !== 'scene') return;
      const plates = out[i]!.plates!;
      expect(plates).toHaveLength(label.plates!.length);
      for (const truth of label.plates!) {
        const box = quadBox(truth.corners as Quad);
        expect(Math.max(...plates.map((p) => boxIou(p.box, box)))).toBeGreaterThan(0.4);
      }
    });
  });

  it('reads each plate crop with --ocr-only as one plate covering the whole image', { timeout: 120_000 }, async () => {
    const crops = Object.entries(labels).filter(([, l]) => l.kind === 'crop');
    const out = lines((await run(['--ocr-only', '--json', ...crops.map(([f]) => join(FIX, f))])).stdout);
    crops.forEach(([, label], i) => {
      const line = out[i]!;
      expect(line.plates).toHaveLength(1);
      const p = line.plates![0]!;
      expect(p.box).toEqual({ x: 0, y: 0, w: line.width, h: line.height });
      expect(p.corners).toEqual([
        [0, 0],
        [line.width, 0],
        [line.width, line.height],
        [0, line.height],
      ]);
      expect(p.candidates.map((c) => c.text)).toContain(label.plates![0]!.text);
    });
  });
});
