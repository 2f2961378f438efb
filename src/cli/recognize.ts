/**
 * `alpr-edge recognize`: reads plates in image files with one warm process (models loaded once)
 * and prints one JSON line per file, in input order. Works without a configuration file, on the
 * bundled models. The output is a stable contract that external evaluations parse.
 */
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { RecognizerSection, type RecognizerConfig } from '../config/sections/recognizer.js';
import { BUNDLED_MODELS_DIR, loadModelContract } from '../recognizer/contract.js';
import type { Region } from '../recognizer/plate-format.js';
import { PlateReader } from '../recognizer/plate-reader.js';
import { readerOptions } from '../recognizer/reader-options.js';
import type { PlateRead } from '../recognizer/types.js';
import { UsageError, type CliCommand } from './command.js';

const REGIONS = ['us', 'eu', 'br'] as const;

export const command: CliCommand = {
  name: 'recognize',
  summary: 'read plates in image files; one JSON object per file and line',
  usage: 'alpr-edge recognize [--region us|eu|br] [--topn N] [--ocr-only] [--models DIR] [--threads N] [--json] FILE...',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        region: { type: 'string' },
        topn: { type: 'string' },
        'ocr-only': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        models: { type: 'string' },
        threads: { type: 'string' },
      },
    });
    if (positionals.length === 0) throw new UsageError('no image files given');
    const region = values.region;
    if (region !== undefined && !(REGIONS as readonly string[]).includes(region)) throw new UsageError(`--region must be one of ${REGIONS.join(', ')}`);
    const topn = intFlag(values.topn, 'topn', 1, 50);
    const threads = intFlag(values.threads, 'threads', 1, 16) ?? 1;

    const config: RecognizerConfig = Value.Default(RecognizerSection, {}) as RecognizerConfig;
    if (topn !== undefined) config.topn = topn;
    if (region !== undefined) config.region = region as Region;
    // onnxruntime and sharp load only once the arguments are known to be good.
    const { OnnxBackend } = await import('../recognizer/onnx-backend.js');
    const { decodeImageFile } = await import('../recognizer/image-file.js');
    let reader: PlateReader;
    let release: () => Promise<void>;
    try {
      const contract = loadModelContract(values.models ?? BUNDLED_MODELS_DIR);
      const backend = await OnnxBackend.create(contract, { threads, detector: !values['ocr-only'] });
      reader = new PlateReader(backend, contract, readerOptions(config, contract));
      release = () => backend.release();
      // Warm-up: a session's first run allocates and picks kernels (~100 ms); keep that out of
      // the first file's processing_ms.
      await reader.readCrop({ width: 128, height: 32, format: 'gray', data: new Uint8Array(128 * 32) });
      if (!values['ocr-only']) await reader.read({ width: 1280, height: 720, format: 'gray', data: new Uint8Array(1280 * 720) });
    } catch (err) {
      io.err(`alpr-edge recognize: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }

    for (const file of positionals) {
      let line: Record<string, unknown>;
      try {
        const img = await decodeImageFile(file);
        const r = values['ocr-only'] ? await reader.readCrop(img) : await reader.read(img);
        line = {
          file,
          width: img.width,
          height: img.height,
          decode_ms: round(img.decode_ms, 2),
          processing_ms: round(r.timings.total_ms, 2),
          plates: r.plates.map(plateJson),
        };
      } catch (err) {
        // libvips repeats its complaint on several lines; the first says it all.
        line = { file, error: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
      }
      io.out(values.json ? JSON.stringify(line) : humanLine(line));
    }
    await release();
    return 0;
  },
};

function plateJson(p: PlateRead): Record<string, unknown> {
  return {
    text: p.text,
    confidence: round(p.confidence, 4),
    box: { x: round(p.box.x, 1), y: round(p.box.y, 1), w: round(p.box.w, 1), h: round(p.box.h, 1) },
    ...(p.corners ? { corners: p.corners.map(([x, y]) => [round(x, 1), round(y, 1)]) } : {}),
    region: p.region,
    candidates: p.candidates.map((c) => ({ text: c.text, confidence: round(c.confidence, 4) })),
  };
}

function humanLine(line: Record<string, unknown>): string {
  if ('error' in line) return `${String(line.file)}: error: ${String(line.error)}`;
  const plates = line.plates as { text: string; confidence: number; region: string | null; box: { x: number; y: number; w: number; h: number } }[];
  const found = plates.map((p) => `${p.text} (${p.confidence.toFixed(2)}${p.region ? `, ${p.region}` : ''}) at ${p.box.x},${p.box.y} ${p.box.w}x${p.box.h}`);
  return `${String(line.file)}: ${found.length ? found.join('; ') : 'no plate'}  [${String(line.processing_ms)} ms]`;
}

function intFlag(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}`);
  return n;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
