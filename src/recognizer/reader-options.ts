import type { RecognizerConfig } from '../config/sections/recognizer.js';
import { BUNDLED_MODELS_DIR, type ModelContract } from './contract.js';
import type { ReaderOptions } from './plate-reader.js';
import { secondReaderFiles } from './second-reader.js';

/**
 * The pipeline's options from the `recognizer` config section; zeros take the model's defaults.
 * Throws when the second reader is on and its files are missing.
 */
export function readerOptions(config: RecognizerConfig, contract: ModelContract): ReaderOptions {
  const d = contract.detector;
  const sr = config.second_reader;
  return {
    inputWidth: config.detector_input_width || d.defaultInputWidth,
    inputHeight: config.detector_input_height || d.defaultInputHeight,
    inputFit: config.detector_input_fit,
    nativeSlack: config.detector_native_max_ratio,
    coarsePass: config.detector_coarse_pass ? { width: 320, height: 192, largePx: 160 } : null,
    scoreThreshold: config.score_threshold || d.scoreThreshold,
    nmsIou: config.nms_iou,
    maxPlates: config.max_plates_per_frame,
    minPlateConfidence: config.min_plate_confidence,
    keepDetectionScore: config.keep_detection_score,
    minPlateHeight: config.min_plate_height_px,
    ocrViews: config.ocr_views,
    extraViewsBelow: config.ocr_extra_views_below,
    topN: config.topn,
    region: config.region === 'auto' ? null : config.region,
    regions: [...config.regions],
    secondReader: sr.enabled
      ? {
          files: secondReaderFiles(sr.model_dir, [contract.dir, BUNDLED_MODELS_DIR]),
          threshold: sr.threshold,
          weight: sr.weight,
          candidates: sr.candidates,
          maxPerFrame: sr.max_plates_per_frame,
          minWidth: 64,
          maxWidth: 320,
        }
      : null,
  };
}
