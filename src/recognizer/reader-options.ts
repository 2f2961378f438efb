import type { RecognizerConfig } from '../config/sections/recognizer.js';
import type { ModelContract } from './contract.js';
import type { ReaderOptions } from './plate-reader.js';

/** The pipeline's options from the `recognizer` config section; zeros take the model's defaults. */
export function readerOptions(config: RecognizerConfig, contract: ModelContract): ReaderOptions {
  const d = contract.detector;
  return {
    inputWidth: config.detector_input_width || d.defaultInputWidth,
    inputHeight: config.detector_input_height || d.defaultInputHeight,
    inputFit: config.detector_input_fit,
    scoreThreshold: config.score_threshold || d.scoreThreshold,
    nmsIou: config.nms_iou,
    maxPlates: config.max_plates_per_frame,
    minPlateConfidence: config.min_plate_confidence,
    keepDetectionScore: config.keep_detection_score,
    minPlateHeight: config.min_plate_height_px,
    ocrViews: config.ocr_views,
    topN: config.topn,
    region: config.region === 'auto' ? null : config.region,
    regions: [...config.regions],
  };
}
