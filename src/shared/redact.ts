/**
 * Credential scrubbing for anything that may reach a log or the status page: URLs with
 * user:password, and `password=`/`token=` query parameters.
 */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(?::[^/@\s]*)?@/gi;
const QUERY_SECRET = /([?&](?:password|passwd|pwd|pass|token|access_token|auth|key)=)[^&\s]*/gi;

export function scrubSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***:***@').replace(QUERY_SECRET, '$1***');
}

/** Paths pino redacts in every log record. */
export const LOG_REDACT_PATHS = [
  'password',
  'token',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.*.password',
  '*.*.token',
];
