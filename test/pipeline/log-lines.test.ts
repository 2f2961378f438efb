/**
 * What a person running `npm start` on a terminal sees: one readable line per stored detection
 * and per hit, with the unit in brackets; and what journald gets: JSON lines. Neither carries
 * plate text at info level.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { waitFor } from '../helpers/wait-for.js';
import { detection, entry, sinkHarness } from './sink-harness.js';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { stream, lines };
}

describe('log format', () => {
  it('pretty: one line per record, time, level, [unit], message and fields, no colour codes off a terminal', async () => {
    const { stream, lines } = capture();
    const log = createLogger('info', stream, 'pretty').child({ unit: 'pipeline' });
    log.info({ hit: 12, list: 'stolen_vehicle', presentation: 'alarm' }, 'HIT: alarm alert');
    await waitFor(() => lines.length === 1, 'the pretty line');
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: \[pipeline\] HIT: alarm alert \{.*"list":"stolen_vehicle".*\}$/);
    expect(lines[0]).not.toContain('\u001b[');
  });

  it('json: one JSON object per record (what journald stores)', async () => {
    const { stream, lines } = capture();
    createLogger('info', stream, 'json').child({ unit: 'store' }).info({ n: 1 }, 'stored');
    await waitFor(() => lines.length === 1, 'the JSON line');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, unit: 'store', n: 1, msg: 'stored' });
  });

  it('auto with an explicit destination is JSON (only a terminal on stdout gets pretty lines)', async () => {
    const { stream, lines } = capture();
    createLogger('info', stream).info('x');
    await waitFor(() => lines.length === 1, 'the line');
    expect(() => JSON.parse(lines[0]!) as unknown).not.toThrow();
  });
});

it('the sink logs each stored detection and each hit in readable lines, without plate text', async () => {
  const h = await sinkHarness();
  try {
    h.listed.set('7TRW815', [entry('7TRW815', 'stolen_vehicle')]);
    await h.pass(detection('4ABC123'));
    await h.pass(detection('7TRW815'));
    const { stream, lines } = capture();
    const pretty = createLogger('info', stream, 'pretty');
    // Replay the sink's JSON records through the pretty printer, as a terminal would show them.
    for (const l of h.logLines) {
      const r = JSON.parse(l) as { level: number; msg: string; unit: string } & Record<string, unknown>;
      const { level, msg, unit, time: _t, pid: _p, ...fields } = r;
      if (level === 30) pretty.child({ unit }).info(fields, msg);
    }
    await waitFor(() => lines.length >= 3, 'three info lines');
    expect(lines.filter((l) => l.includes('[pipeline] detection stored'))).toHaveLength(2);
    expect(lines.filter((l) => l.includes('[pipeline] HIT: alarm alert'))).toHaveLength(1);
    for (const l of [...lines, ...h.logLines]) {
      expect(l).not.toContain('7TRW815');
      expect(l).not.toContain('4ABC123');
    }
  } finally {
    await h.close();
  }
});
