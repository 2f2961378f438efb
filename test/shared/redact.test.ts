import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../src/shared/redact.js';

describe('scrubSecrets', () => {
  it.each([
    ['rtsp://admin:hunter2@10.0.0.5:554/stream1', 'rtsp://***:***@10.0.0.5:554/stream1'],
    ['Connection to tcp://10.0.0.5:554?timeout=0 failed', 'Connection to tcp://10.0.0.5:554?timeout=0 failed'],
    ['http://cam/snap.jpg?user=a&password=p4ss&x=1', 'http://cam/snap.jpg?user=a&password=***&x=1'],
    ['rtsp://user@cam/x', 'rtsp://***:***@cam/x'],
  ])('scrubs %s', (input, out) => {
    expect(scrubSecrets(input)).toBe(out);
  });
});
