/**
 * The in-memory alert policy used for hits that could not be stored: same pass → revised, another
 * pass within the window → seen again (stored alerts of this run included), wildcard entries per
 * read, window 0 → never folded, and bounded memory.
 */
import { describe, expect, test } from 'vitest';
import { entryKey, RecentAlerts } from '../../src/pipeline/recent-alerts.js';

const MIN = 60_000;

describe('RecentAlerts', () => {
  test('a stored alert raised this run folds a later unstored pass of the same entry; the same pass is a revision', () => {
    const r = new RecentAlerts(30 * MIN);
    r.note({ alertId: 41, detectionId: 'd1', entryId: 'e1', key: 'e1', at: 0, seenAgain: 0 });
    expect(r.decide('d1', 'e1', 'e1', 1000)).toEqual({ change: 'revised', alertId: 41 });
    expect(r.decide('d2', 'e1', 'e1', 10 * MIN)).toEqual({ change: 'seen_again', alertId: 41, count: 1 });
    r.note({ alertId: 41, detectionId: 'd2', entryId: 'e1', key: 'e1', at: 10 * MIN, seenAgain: 1 });
    // The window runs from the latest pass.
    expect(r.decide('d3', 'e1', 'e1', 35 * MIN)).toEqual({ change: 'seen_again', alertId: 41, count: 2 });
    expect(r.decide('d3', 'e1', 'e1', 41 * MIN)).toEqual({ change: 'new' });
    expect(r.decide('d3', 'e2', 'e2', 11 * MIN)).toEqual({ change: 'new' });
  });

  test('wildcard entries fold per read; window 0 never folds another pass', () => {
    const r = new RecentAlerts(30 * MIN);
    r.note({ alertId: -5, detectionId: 'd1', entryId: 'w', key: entryKey('w', 'wildcard', '7AB112'), at: 0, seenAgain: 0 });
    expect(r.decide('d2', 'w', entryKey('w', 'wildcard', '7AB912'), MIN)).toEqual({ change: 'new' });
    expect(r.decide('d2', 'w', entryKey('w', 'wildcard', '7AB112'), MIN)).toMatchObject({ change: 'seen_again', alertId: -5 });
    const none = new RecentAlerts(0);
    none.note({ alertId: 1, detectionId: 'd1', entryId: 'e1', key: 'e1', at: 0, seenAgain: 0 });
    expect(none.decide('d2', 'e1', 'e1', 1)).toEqual({ change: 'new' });
    expect(none.decide('d1', 'e1', 'e1', 1)).toEqual({ change: 'revised', alertId: 1 });
  });

  test('memory is bounded: the oldest alerts are forgotten first', () => {
    const r = new RecentAlerts(30 * MIN);
    for (let i = 0; i < 1500; i++) r.note({ alertId: i, detectionId: `d${i}`, entryId: `e${i}`, key: `e${i}`, at: 0, seenAgain: 0 });
    expect(r.decide('x', 'e0', 'e0', 1)).toEqual({ change: 'new' });
    expect(r.decide('x', 'e1499', 'e1499', 1)).toMatchObject({ change: 'seen_again', alertId: 1499 });
    expect(r.decide('d1499', 'e1499', 'e1499', 1)).toEqual({ change: 'revised', alertId: 1499 });
    expect(r.decide('d0', 'e0', 'e0', 1)).toEqual({ change: 'new' });
  });
});
