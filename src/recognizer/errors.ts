import { defineErrors } from '../shared/errors.js';

/** Stable codes of the recognizer; documented in docs/recognizer.md ("Error codes"). */
export const RecognizerErrors = defineErrors({
  RECOGNIZER_MODELS_UNREADABLE: 'cannot read the model contract {file}: {detail}',
  RECOGNIZER_MODELS_INVALID: 'model contract {file} is invalid: {detail}',
  RECOGNIZER_MODEL_LOAD_FAILED: 'cannot load model {file}: {detail}',
  RECOGNIZER_MODEL_SHAPE: 'model {model} returned an unexpected output: {detail}',
  RECOGNIZER_WORKER_START_FAILED: 'recognizer worker {worker} failed to start: {detail}',
  RECOGNIZER_WORKER_TIMEOUT: 'recognizer worker {worker} took longer than {timeout_s} s on one frame and was replaced',
  RECOGNIZER_WORKER_CRASHED: 'recognizer worker {worker} exited unexpectedly: {detail}',
  RECOGNIZER_RESTART_STORM: 'recognizer workers restarted {count} times in 60 s; giving up',
  RECOGNIZER_FRAME_INVALID: 'frame {camera}#{seq} is invalid: {detail}',
  RECOGNIZER_IMAGE_UNREADABLE: 'cannot decode image {file}: {detail}',
});
