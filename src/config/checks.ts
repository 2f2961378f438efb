/**
 * Cross-field checks that JSON Schema cannot express, collected from every section. Each returns
 * `path: message` lines.
 */
import type { Config } from './schema.js';
import { alertsChecks } from './sections/alerts.js';
import { cameraChecks } from './sections/camera.js';
import { deviceChecks } from './sections/device.js';
import { gpsChecks } from './sections/gps.js';
import { hotlistChecks } from './sections/hotlist.js';
import { httpChecks } from './sections/http.js';
import { recognizerChecks } from './sections/recognizer.js';
import { storeChecks } from './sections/store.js';
import { trackerChecks } from './sections/tracker.js';
import { uploadChecks } from './sections/upload.js';

export type ConfigCheck = (config: Config) => string[];

export const crossChecks: ConfigCheck[] = [
  ...deviceChecks,
  ...httpChecks,
  ...cameraChecks,
  ...recognizerChecks,
  ...trackerChecks,
  ...gpsChecks,
  ...hotlistChecks,
  ...storeChecks,
  ...uploadChecks,
  ...alertsChecks,
];
