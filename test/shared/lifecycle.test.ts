import { describe, expect, it } from 'vitest';
import { Lifecycle, UnitStartError, type Unit } from '../../src/shared/lifecycle.js';

function unit(name: string, log: string[], opts: { failStart?: boolean; failStop?: boolean; hangStop?: boolean } = {}): Unit {
  let stops = 0;
  return {
    name,
    start() {
      log.push(`start ${name}`);
      return opts.failStart ? Promise.reject(new Error(`${name} broke`)) : Promise.resolve();
    },
    async stop() {
      stops++;
      log.push(`stop ${name} #${stops}`);
      if (opts.failStop) throw new Error(`${name} stop broke`);
      if (opts.hangStop) await new Promise(() => undefined);
    },
  };
}

describe('Lifecycle', () => {
  it('starts in order and stops in reverse', async () => {
    const log: string[] = [];
    const lc = new Lifecycle([unit('store', log), unit('tracker', log), unit('camera', log)]);
    await lc.start();
    await lc.stop();
    expect(log).toEqual(['start store', 'start tracker', 'start camera', 'stop camera #1', 'stop tracker #1', 'stop store #1']);
  });

  it('stop is idempotent, also when called concurrently', async () => {
    const log: string[] = [];
    const lc = new Lifecycle([unit('a', log), unit('b', log)]);
    await lc.start();
    await Promise.all([lc.stop(), lc.stop()]);
    await lc.stop();
    expect(log.filter((l) => l.startsWith('stop'))).toEqual(['stop b #1', 'stop a #1']);
  });

  it('names the unit that failed to start and stops the ones already started', async () => {
    const log: string[] = [];
    const lc = new Lifecycle([unit('store', log), unit('gps', log, { failStart: true }), unit('camera', log)]);
    const err = await lc.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnitStartError);
    expect((err as UnitStartError).unit).toBe('gps');
    expect((err as Error).message).toBe('unit gps failed to start: gps broke');
    expect(log).toEqual(['start store', 'start gps', 'stop gps #1', 'stop store #1']);
  });

  it('keeps stopping the others when one stop fails or hangs', async () => {
    const log: string[] = [];
    const lc = new Lifecycle([unit('a', log), unit('b', log, { hangStop: true }), unit('c', log, { failStop: true })], 50);
    await lc.start();
    const reports = await lc.stop();
    expect(reports.map((r) => [r.unit, r.error ?? 'ok'])).toEqual([
      ['c', 'c stop broke'],
      ['b', 'stop of b timed out after 50 ms'],
      ['a', 'ok'],
    ]);
  });
});
