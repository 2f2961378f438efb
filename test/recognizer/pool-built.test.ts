/**
 * The pool with the real worker and the bundled models, started both ways the daemon runs
 * (src/shared/worker.ts): from TypeScript sources (the worker's .ts entry bundled at start) and
 * from compiled JavaScript (dist/). The compiled case
 * transpiles the modules the pool needs into a temporary folder, as `npm run build` would.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import sharp from 'sharp';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/camera/frame.js';
import { RecognizerSection, type RecognizerConfig } from '../../src/config/sections/recognizer.js';
import { BUNDLED_MODELS_DIR } from '../../src/recognizer/contract.js';
import { RecognizerPool } from '../../src/recognizer/pool.js';
import type { FrameReads } from '../../src/recognizer/types.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { testTempDir } from '../helpers/temp-dir.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SCENE = join(ROOT, 'fixtures', 'recognizer', 'scene-two-plates.jpg');

type PoolClass = typeof RecognizerPool;

async function readScene(Pool: PoolClass): Promise<{ reads: FrameReads; frame: Frame; state: string }> {
  const { data, info } = await sharp(SCENE).raw().toBuffer({ resolveWithObject: true });
  const registry = new StatusRegistry();
  let got: (v: { reads: FrameReads; frame: Frame }) => void = () => undefined;
  const result = new Promise<{ reads: FrameReads; frame: Frame }>((r) => (got = r));
  const config: RecognizerConfig = { ...(Value.Default(RecognizerSection, {}) as RecognizerConfig), models_dir: BUNDLED_MODELS_DIR };
  const pool = new Pool({ config, logger: silentLogger(), status: registry.reporter('recognizer', 'recognizer'), clock: systemClock, onResult: (reads, frame) => got({ reads, frame }) });
  try {
    await pool.start();
    pool.submit({ cameraId: 'front', seq: 3, capturedAt: 1, width: info.width, height: info.height, format: 'rgb24', data });
    const r = await result;
    return { ...r, state: registry.get('recognizer')!.state };
  } finally {
    await pool.stop();
  }
}

function transpileTree(srcDir: string, outDir: string, folders: string[]): void {
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  for (const folder of folders) {
    for (const file of walk(join(srcDir, folder)).filter((f) => f.endsWith('.ts'))) {
      const out = join(outDir, relative(srcDir, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(out), { recursive: true });
      const js = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: file,
      }).outputText;
      writeFileSync(out, js);
    }
  }
}

describe('RecognizerPool with the bundled models', () => {
  it('reads a frame from TypeScript sources (the worker bundled from its .ts entry)', { timeout: 120_000 }, async () => {
    const { reads, frame, state } = await readScene(RecognizerPool);
    expect(state).toBe('ok');
    expect(reads).toMatchObject({ cameraId: 'front', seq: 3, width: 1280, height: 720 });
    expect(reads.plates.length).toBeGreaterThan(0);
    expect(frame.data.length).toBe(1280 * 720 * 3);
  });

  it('reads a frame from compiled JavaScript (worker.js next to pool.js)', { timeout: 120_000 }, async () => {
    // Removed when the test finishes; readScene has stopped the pool (and its worker from this tree) by then.
    const dir = testTempDir('alpr-dist-');
    transpileTree(join(ROOT, 'src'), join(dir, 'dist'), ['recognizer', 'shared', 'config', 'camera', 'status']);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const mod = (await import(pathToFileURL(join(dir, 'dist', 'recognizer', 'pool.js')).href)) as { RecognizerPool: PoolClass };
    const { reads } = await readScene(mod.RecognizerPool);
    expect(reads.plates.length).toBeGreaterThan(0);
  });
});
