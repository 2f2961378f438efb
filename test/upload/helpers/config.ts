/** Upload configuration for tests: defaults from the schema, fast retries, loopback endpoint. */
import { Value } from '@sinclair/typebox/value';
import { UploadSection, type UploadConfig } from '../../../src/config/sections/upload.js';
import { Secret } from '../../../src/config/secret.js';

export function uploadConfig(over: Partial<UploadConfig> & { endpoint: string; tokenValue?: string }): UploadConfig {
  const base = Value.Default(UploadSection, {}) as UploadConfig;
  const { tokenValue, ...rest } = over;
  return {
    ...base,
    enabled: true,
    batch_interval_s: 0,
    retry_initial_s: 0.05,
    retry_max_s: 0.2,
    timeout_s: 5,
    ...rest,
    ...(tokenValue ? { token: new Secret(tokenValue) } : {}),
  };
}
