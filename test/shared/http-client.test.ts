import { describe, expect, it } from 'vitest';
import { isTimeout } from '../../src/shared/http-client.js';

describe('isTimeout', () => {
  it('knows the whole-request signal and the agent limits, which race at the same limit', () => {
    expect(isTimeout(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(true);
    expect(isTimeout(Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe(true);
    expect(isTimeout(Object.assign(new Error('Body Timeout Error'), { code: 'UND_ERR_BODY_TIMEOUT' }))).toBe(true);
    expect(isTimeout(new Error('fetch failed', { cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }) }))).toBe(true);
  });

  it('is false for a stop, a refusal or anything else', () => {
    expect(isTimeout(new DOMException('This operation was aborted', 'AbortError'))).toBe(false);
    expect(isTimeout(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isTimeout(null)).toBe(false);
    expect(isTimeout('timeout')).toBe(false);
  });
});
