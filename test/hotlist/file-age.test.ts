/**
 * Hot lists loaded from files have an age (issue 18): from the list's `# issued:` header line,
 * else the file's modification time, judged by the same rules as synced lists — amber past 1.5 ×
 * sync.interval_h (roseville 426.6.4 (a): lists renewed at least twice a day), red past max_age_h.
 * Regression: a three-week-old CSV stayed green with `list_age_h` "–".
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileListAge, HotlistStatusView } from '../../src/hotlist/hotlist-status.js';
import { fileSource } from '../../src/hotlist/list-build.js';
import { ManualClock } from '../../src/shared/clock.js';
import { StatusRegistry } from '../../src/status/registry.js';
import { hotlistConfig } from './fixtures.js';
import { indexOf, row } from './helpers.js';
import { testTempDir } from '../helpers/temp-dir.js';

const NOW = Date.UTC(2026, 11, 7, 12);
const HOUR = 3_600_000;
function listFile(text: string, mtime: number): string {
  const file = join(testTempDir('alpr-list-age-'), 'agency.csv');
  writeFileSync(file, text);
  utimesSync(file, mtime / 1000, mtime / 1000);
  return file;
}

const CSV = 'plate,list\n7TRW815,stolen_vehicle\n';

function judge(file: string): { state: string; message: string; listAgeH: unknown; lists: { ageH?: number }[] } {
  const clock = new ManualClock(NOW);
  const registry = new StatusRegistry(clock);
  const view = new HotlistStatusView(registry.reporter('hotlist', 'hotlist'), clock, hotlistConfig({ files: [file] }));
  view.update([indexOf([row('7TRW815')], fileSource(file))], null, 0, false);
  const u = registry.get('hotlist')!;
  return { state: u.state, message: u.message, listAgeH: u.details.list_age_h, lists: u.details.lists as { ageH?: number }[] };
}

describe('file hot lists have an age', () => {
  it('a three-week-old CSV is red, with its age (from the file time) on the status', () => {
    const r = judge(listFile(CSV, NOW - 21 * 24 * HOUR));
    expect(r.state).toBe('down');
    expect(r.message).toMatch(/file:agency\.csv: hot list is 504\.0 h old, more than the 24 h allowed \(file modified 2026-11-16T12:00:00\.000Z\)/);
    expect(r.listAgeH).toBe(504);
    expect(r.lists[0]!.ageH).toBe(504);
  });

  it('a list older than the sync cadence (1.5 × interval_h) is amber; a fresh one is green', () => {
    expect(judge(listFile(CSV, NOW - 10 * HOUR)).state).toBe('degraded');
    const fresh = judge(listFile(CSV, NOW - 2 * HOUR));
    expect(fresh.state).toBe('ok');
    expect(fresh.listAgeH).toBe(2);
  });

  it("the list's own `# issued:` line wins over the file time (a copied old list keeps its age)", () => {
    const file = listFile(`# Agency list\n# issued: 2026-12-05T12:00:00Z\n${CSV}`, NOW - HOUR);
    expect(fileListAge(file)).toEqual({ issuedAt: Date.UTC(2026, 11, 5, 12), from: 'header' });
    const r = judge(file);
    expect(r.state).toBe('down');
    expect(r.message).toContain('48.0 h old');
    expect(r.message).toContain('issued 2026-12-05T12:00:00.000Z');
  });

  it('an unparseable issued line falls back to the file time; a missing file has no age', () => {
    const file = listFile(`# issued: last tuesday\n${CSV}`, NOW - HOUR);
    expect(fileListAge(file)).toEqual({ issuedAt: NOW - HOUR, from: 'mtime' });
    expect(fileListAge(join(tmpdir(), 'no-such-list-file.csv'))).toBeNull();
  });
});
