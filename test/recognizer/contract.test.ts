import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MODELS_DIR, loadModelContract, parseModelContract } from '../../src/recognizer/contract.js';

const shipped = JSON.parse(readFileSync(join(BUNDLED_MODELS_DIR, 'models.json'), 'utf8')) as Record<string, Record<string, unknown>>;

describe('model contract', () => {
  it('loads the shipped models.json', () => {
    const c = loadModelContract();
    expect(c.dir).toBe(BUNDLED_MODELS_DIR);
    expect(c.detector.defaultInputWidth % 32).toBe(0);
    expect(c.ocr.charset).toMatch(/^[0-9A-Z]+$/);
    expect(c.ocr.blankIndex).toBe(0);
  });

  it('reports every problem at once', () => {
    const bad = structuredClone(shipped);
    bad.detector!.default_input_width = 630;
    bad.detector!.nms_kernel = 4;
    delete bad.ocr!.charset;
    let message = '';
    try {
      parseModelContract(bad, '/m');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/multiple of 32/);
    expect(message).toMatch(/nms_kernel: must be odd/);
    expect(message).toMatch(/ocr\.charset: must be a non-empty string/);
  });

  it('refuses a missing section', () => {
    expect(() => parseModelContract({ detector: shipped.detector }, '/m')).toThrow(/ocr: must be an object/);
  });

  it('names the file it cannot read', () => {
    expect(() => loadModelContract('/nonexistent/models')).toThrow(/cannot read the model contract \/nonexistent\/models\/models\.json/);
  });
});
