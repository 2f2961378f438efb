import { afterAll, beforeAll, expect, test } from 'vitest';
import { addUser, auth, login, makeHarness, type Harness, type Login } from './harness.js';
import { detection } from './fixtures.js';

let h: Harness;
let base: string;
let olive: Login;

beforeAll(async () => {
  h = await makeHarness();
  await addUser(h, 'olive', 'operator');
  olive = await login(h.app, 'olive');
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await h.app.close();
});

/** Reads the SSE stream until `pattern` has appeared, or the stream ends. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp): Promise<{ text: string; ended: boolean }> {
  const dec = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { text, ended: true };
    text += dec.decode(value);
    if (pattern.test(text)) return { text, ended: false };
  }
}

test('a hit published on the events port reaches an open page at once, with both image links', async () => {
  const res = await fetch(`${base}/api/events`, { headers: { cookie: olive.cookie } });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  // The server's time comes first: a reconnecting page asks for the hits it missed since then.
  const hello = await readUntil(reader, /event: hello\ndata: (.*)\n\n/);
  expect(JSON.parse(/event: hello\ndata: (.*)\n/.exec(hello.text)![1]!)).toEqual({ now: h.clock.now() });
  const d = detection();
  h.events.emit({ type: 'detection', detection: d });
  h.events.emit({
    type: 'hit',
    detection: d,
    hit: {
      id: 7, detectionId: d.id, generation: 'g1', kind: 'wildcard', explanation: 'wildcard 7TRW8*', informational: false, retroactive: false, createdAt: d.bestAt,
      outcome: null, verifiedBy: null, verifiedAt: null, note: null,
      entry: { id: 'e', plate: '7TRW8*', state: null, list: 'felony vehicle', priority: 1, reason: 'robbery', caseNumber: 'C-1', informational: false, expiresAt: null },
    },
  });
  const { text } = await readUntil(reader, /event: hit\ndata: .*\n\n/);
  expect(text).toContain('event: detection\n');
  const data = JSON.parse(/event: hit\ndata: (.*)\n/.exec(text)![1]!);
  expect(data).toMatchObject({ hit: { id: 7, explanation: 'wildcard 7TRW8*' }, images: { plate: `/api/detections/${d.id}/plate.jpg`, overview: `/api/detections/${d.id}/overview.jpg` } });
  expect(h.audit.actions()).toContain('live.subscribe');
  await reader.cancel();
});

test('the stream ends when its session ends, and the subscription is released', async () => {
  const other = await login(h.app, 'olive');
  const res = await fetch(`${base}/api/events`, { headers: { cookie: other.cookie } });
  const reader = res.body!.getReader();
  await readUntil(reader, /retry/);
  const before = h.events.size;
  await h.app.inject({ method: 'POST', url: '/api/logout', headers: auth(other) });
  h.events.emit({ type: 'detection', detection: detection() });
  const { text, ended } = await readUntil(reader, /event: detection/);
  expect(ended).toBe(true);
  expect(text).not.toContain('event: detection');
  expect(h.events.size).toBe(before - 1);
});
