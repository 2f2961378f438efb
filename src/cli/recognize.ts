/**
 * `alpr-edge recognize`: reads plates in image files with one warm process (models loaded once)
 * and prints one JSON line per file, in input order. Works without a configuration file, on the
 * bundled models. The output is a stable contract that external evaluations parse.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
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

/**
 * onnxruntime-node dies with SIGSEGV when the process's command line is longer than ~28.8 KB
 * (reproducible without this project's code). Above this many bytes of argv the command hands its
 * file list to a child process through stdin instead of loading the models itself.
 */
export const MAX_ARGV_BYTES = 16 * 1024;
const RELAY_ENV = 'ALPR_EDGE_RECOGNIZE_RELAYED';

export const command: CliCommand = {
  name: 'recognize',
  summary: 'read plates in image files; one JSON object per file and line',
  usage:
    'alpr-edge recognize [--region auto|us|eu|br] [--regions LIST] [--topn N] [--ocr-only] [--models DIR] [--threads N] [--json] [--files-from FILE|-] FILE|-|@LIST...\n' +
    '  FILE: an image; - or --files-from -: image paths from stdin, one per line; @LIST or --files-from LIST: image paths from the file LIST',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        region: { type: 'string' },
        regions: { type: 'string' },
        'files-from': { type: 'string' },
        topn: { type: 'string' },
        'ocr-only': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        models: { type: 'string' },
        threads: { type: 'string' },
      },
    });
    const fromStdin = positionals.includes('-') || values['files-from'] === '-';
    if (positionals.length === 0 && values['files-from'] === undefined) throw new UsageError('no image files given');
    const region = values.region;
    if (region !== undefined && region !== 'auto' && !(REGIONS as readonly string[]).includes(region)) throw new UsageError(`--region must be one of ${REGIONS.join(', ')} or auto`);
    const regions = values.regions === undefined ? undefined : parseRegions(values.regions);
    if (region !== undefined && region !== 'auto' && regions && !regions.includes(region as Region)) throw new UsageError(`--region ${region} is not in --regions`);
    const topn = intFlag(values.topn, 'topn', 1, 50);
    const threads = intFlag(values.threads, 'threads', 1, 16) ?? 1;

    if (argvBytes(process.argv) > MAX_ARGV_BYTES && !fromStdin && io.env[RELAY_ENV] !== '1') {
      const files = await expandFileArgs(positionals, values['files-from'], null);
      const flags: string[] = [];
      for (const key of ['region', 'regions', 'topn', 'models', 'threads'] as const) {
        const v = values[key];
        if (v !== undefined) flags.push(`--${key}`, v);
      }
      if (values.json) flags.push('--json');
      if (values['ocr-only']) flags.push('--ocr-only');
      return relay(flags, files, io);
    }
    let files: string[];
    try {
      files = await expandFileArgs(positionals, values['files-from'], fromStdin ? process.stdin : null);
    } catch (err) {
      io.err(`alpr-edge recognize: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    if (files.length === 0) throw new UsageError('no image files given');

    const config: RecognizerConfig = Value.Default(RecognizerSection, {}) as RecognizerConfig;
    if (topn !== undefined) config.topn = topn;
    if (regions !== undefined) config.regions = regions;
    if (region !== undefined) config.region = region as Region | 'auto';
    // onnxruntime and sharp load only once the arguments are known to be good.
    const { OnnxBackend } = await import('../recognizer/onnx-backend.js');
    const { decodeImageFile } = await import('../recognizer/image-file.js');
    let reader: PlateReader;
    let release: () => Promise<void>;
    try {
      const contract = loadModelContract(values.models ?? BUNDLED_MODELS_DIR);
      const options = readerOptions(config, contract);
      const backend = await OnnxBackend.create(contract, { threads, detector: !values['ocr-only'], secondReader: options.secondReader?.files });
      reader = new PlateReader(backend, contract, options);
      release = () => backend.release();
      // Warm-up: a session's first run allocates and picks kernels (~100 ms); keep that out of
      // the first file's processing_ms.
      await reader.readCrop({ width: 128, height: 32, format: 'gray', data: new Uint8Array(128 * 32) });
      await reader.warmUpSecondReader();
      if (!values['ocr-only']) await reader.read({ width: 1280, height: 720, format: 'gray', data: new Uint8Array(1280 * 720) });
    } catch (err) {
      io.err(`alpr-edge recognize: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }

    for (const file of files) {
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

function parseRegions(v: string): Region[] {
  const list = v.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
  if (list.length === 0 || list.some((r) => !(REGIONS as readonly string[]).includes(r))) throw new UsageError(`--regions must be a comma-separated list of ${REGIONS.join(', ')}`);
  return [...new Set(list)] as Region[];
}

/** Bytes of the command line as the kernel holds it (each argument NUL-terminated). */
export function argvBytes(argv: readonly string[]): number {
  return argv.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
}

/**
 * The image paths in order: positionals, where `-` stands for the paths read from stdin and
 * `@LIST` for the paths in the file LIST (one per line; blank lines skipped, no trimming of
 * spaces inside a path), followed by those of `--files-from`.
 */
export async function expandFileArgs(positionals: readonly string[], filesFrom: string | undefined, stdin: NodeJS.ReadableStream | null): Promise<string[]> {
  let stdinLines: string[] | null = null;
  const fromStdin = async (): Promise<string[]> => {
    if (stdinLines) return [];
    if (!stdin) throw new Error('file list on stdin requested, but stdin is not available');
    stdinLines = await readLines(stdin);
    return stdinLines;
  };
  const out: string[] = [];
  const list = [...positionals, ...(filesFrom === undefined ? [] : [filesFrom === '-' ? '-' : `@${filesFrom}`])];
  for (const a of list) {
    if (a === '-') out.push(...(await fromStdin()));
    else if (a.startsWith('@') && a.length > 1) {
      let text: string;
      try {
        text = await readFile(a.slice(1), 'utf8');
      } catch (err) {
        throw new Error(`cannot read the file list ${a.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      out.push(...splitLines(text));
    } else out.push(a);
  }
  return out;
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.length > 0);
}

async function readLines(stream: NodeJS.ReadableStream): Promise<string[]> {
  const out: string[] = [];
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) if (line.length > 0) out.push(line);
  return out;
}

/**
 * Runs this command again in a child process whose command line is short, feeding it the file
 * list on stdin, and passes its output through line by line (same lines, same order).
 */
async function relay(flags: readonly string[], files: readonly string[], io: Parameters<CliCommand['run']>[1]): Promise<number> {
  const script = process.argv[1];
  if (!script) {
    io.err('alpr-edge recognize: command line too long; pass the file list with --files-from - or @LIST');
    return 1;
  }
  const child = spawn(process.execPath, [...process.execArgv, script, 'recognize', ...flags, '--files-from', '-'], {
    env: { ...process.env, ...io.env, [RELAY_ENV]: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => undefined); // a child that exits early closes its stdin; its exit code tells
  child.stdin.end(files.map((f) => `${f}\n`).join(''));
  const pump = async (s: NodeJS.ReadableStream, sink: (l: string) => void): Promise<void> => {
    for await (const line of createInterface({ input: s, crlfDelay: Infinity })) sink(line);
  };
  const [code] = await Promise.all([
    new Promise<number>((done) => child.on('close', (c, sig) => done(c ?? (sig ? 1 : 0)))),
    pump(child.stdout, io.out),
    pump(child.stderr, io.err),
  ]);
  return code;
}

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
