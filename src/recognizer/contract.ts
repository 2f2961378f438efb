/**
 * The model contract (`models/models.json`): what the detector and OCR networks expect and
 * return. The training scripts write it; every pre/post-processing step here reads its numbers
 * from it, so a re-exported model with new sizes or margins needs no code change.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlprError } from '../shared/errors.js';
import { RecognizerErrors } from './errors.js';

export interface DetectorContract {
  file: string;
  input: string;
  defaultInputWidth: number;
  defaultInputHeight: number;
  padValue: number;
  stride: number;
  heatmapOutput: string;
  cornersOutput: string;
  cornerScale: number;
  scoreThreshold: number;
  nmsKernel: number;
}

export interface OcrContract {
  file: string;
  input: string;
  inputHeight: number;
  inputWidth: number;
  marginX: number;
  marginY: number;
  output: string;
  charset: string;
  blankIndex: number;
}

export interface ModelContract {
  /** Absolute folder the ONNX files are resolved against. */
  dir: string;
  detector: DetectorContract;
  ocr: OcrContract;
}

/** The models shipped with the package: `<package root>/models`. */
export const BUNDLED_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

export function loadModelContract(dir: string = BUNDLED_MODELS_DIR): ModelContract {
  const file = join(dir, 'models.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AlprError(RecognizerErrors.RECOGNIZER_MODELS_UNREADABLE, { file, detail: err instanceof Error ? err.message : String(err) });
  }
  return parseModelContract(raw, resolve(dir), file);
}

/** Validates the parsed JSON; every problem is reported at once. */
export function parseModelContract(raw: unknown, dir: string, file = 'models.json'): ModelContract {
  const problems: string[] = [];
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${path}: must be an object`);
    return {};
  };
  const str = (o: Record<string, unknown>, k: string, path: string): string => {
    const v = o[k];
    if (typeof v === 'string' && v.length > 0) return v;
    problems.push(`${path}.${k}: must be a non-empty string`);
    return '';
  };
  const num = (o: Record<string, unknown>, k: string, path: string, min: number, max: number, int = false): number => {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!int || Number.isInteger(v))) return v;
    problems.push(`${path}.${k}: must be ${int ? 'an integer' : 'a number'} in ${min}..${max}`);
    return min;
  };
  const root = obj(raw, '(root)');
  const d = obj(root.detector, 'detector');
  const outs = obj(d.outputs, 'detector.outputs');
  const o = obj(root.ocr, 'ocr');
  const detector: DetectorContract = {
    file: str(d, 'file', 'detector'),
    input: str(d, 'input', 'detector'),
    defaultInputWidth: num(d, 'default_input_width', 'detector', 32, 4096, true),
    defaultInputHeight: num(d, 'default_input_height', 'detector', 32, 4096, true),
    padValue: num(d, 'pad_value', 'detector', 0, 1),
    stride: num(d, 'stride', 'detector', 1, 64, true),
    heatmapOutput: str(outs, 'heatmap', 'detector.outputs'),
    cornersOutput: str(outs, 'corners', 'detector.outputs'),
    cornerScale: num(d, 'corner_scale', 'detector', 1e-6, 1e6),
    scoreThreshold: num(d, 'score_threshold', 'detector', 0, 1),
    nmsKernel: num(d, 'nms_kernel', 'detector', 1, 15, true),
  };
  const ocr: OcrContract = {
    file: str(o, 'file', 'ocr'),
    input: str(o, 'input', 'ocr'),
    inputHeight: num(o, 'input_height', 'ocr', 4, 1024, true),
    inputWidth: num(o, 'input_width', 'ocr', 4, 4096, true),
    marginX: num(o, 'margin_x', 'ocr', 0, 1),
    marginY: num(o, 'margin_y', 'ocr', 0, 1),
    output: str(o, 'output', 'ocr'),
    charset: str(o, 'charset', 'ocr'),
    blankIndex: num(o, 'blank_index', 'ocr', 0, 0, true),
  };
  if (detector.defaultInputWidth % 32 !== 0 || detector.defaultInputHeight % 32 !== 0) {
    problems.push('detector: default input size must be a multiple of 32');
  }
  if (detector.nmsKernel % 2 === 0) problems.push('detector.nms_kernel: must be odd');
  if (problems.length > 0) throw new AlprError(RecognizerErrors.RECOGNIZER_MODELS_INVALID, { file, detail: problems.join('; ') });
  return { dir, detector, ocr };
}
