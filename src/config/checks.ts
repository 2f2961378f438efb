/**
 * Cross-field checks that JSON Schema cannot express. Each returns `path: message` lines.
 * Domains add theirs here.
 */
import type { Config } from './schema.js';

export type ConfigCheck = (config: Config) => string[];

function uniqueCameraIds(config: Config): string[] {
  const seen = new Set<string>();
  const errors: string[] = [];
  config.cameras.forEach((c, i) => {
    if (seen.has(c.id)) errors.push(`cameras[${i}].id: duplicate camera id "${c.id}"`);
    seen.add(c.id);
  });
  return errors;
}

function uploadEndpoint(config: Config): string[] {
  if (!config.upload.enabled) return [];
  if (!config.upload.endpoint) return ['upload.endpoint: is required when upload.enabled is true'];
  return /^https?:\/\//.test(config.upload.endpoint) ? [] : ['upload.endpoint: must be an http(s):// URL'];
}

export const crossChecks: ConfigCheck[] = [uniqueCameraIds, uploadEndpoint];
