/**
 * The tracker's side of running the second reader once per vehicle: which second opinions a
 * camera's open tracks lend its next frame, and where (the box each track expects).
 */
import { describe, expect, it } from 'vitest';
import type { SecondReaderFrames } from '../../src/recognizer/types.js';
import { makeRead } from '../reads/synthetic-passes.js';
import { harness, T0 } from '../reads/tracker-harness.js';

const opinion = (mark: number): SecondReaderFrames => ({ probs: new Float64Array([mark]), T: 1, C: 1 });

describe('PlateTracker.secondOpinions', () => {
  it('lends nothing before the second reader ran on a track', () => {
    const h = harness();
    h.frame('cam', 0, T0, [makeRead('ABC123', { x: 100, y: 100, w: 60, h: 20 })]);
    expect(h.tracker.secondOpinions('cam', T0 + 100)).toEqual([]);
  });

  it('lends the opinion of the read it ran on, at the box the track expects, to that camera only', () => {
    const h = harness();
    h.frame('cam', 0, T0, [{ ...makeRead('ABC123', { x: 100, y: 100, w: 60, h: 20 }), secondOpinion: opinion(1) }]);
    h.frame('cam', 1, T0 + 100, [makeRead('ABC123', { x: 110, y: 102, w: 60, h: 20 })]);
    const lent = h.tracker.secondOpinions('cam', T0 + 200);
    expect(lent).toHaveLength(1);
    expect(lent[0]!.frames.probs[0]).toBe(1);
    // The track moves 10 px per 100 ms: expected near x 120 at the next frame.
    expect(lent[0]!.box.x).toBeCloseTo(120, 0);
    expect(h.tracker.secondOpinions('other', T0 + 200)).toEqual([]);
  });

  it('lends none once the plate has grown to twice the height it ran on, and the larger crop\'s opinion after it runs again', () => {
    const h = harness();
    h.frame('cam', 0, T0, [{ ...makeRead('ABC123', { x: 100, y: 100, w: 60, h: 20 }), secondOpinion: opinion(1) }]);
    h.frame('cam', 1, T0 + 100, [makeRead('ABC123', { x: 95, y: 95, w: 90, h: 30 })]);
    h.frame('cam', 2, T0 + 200, [makeRead('ABC123', { x: 90, y: 90, w: 120, h: 40 })]);
    expect(h.tracker.secondOpinions('cam', T0 + 300)).toEqual([]);
    h.frame('cam', 3, T0 + 300, [{ ...makeRead('ABC123', { x: 85, y: 85, w: 150, h: 50 }), secondOpinion: opinion(2) }]);
    expect(h.tracker.secondOpinions('cam', T0 + 400).map((o) => o.frames.probs[0])).toEqual([2]);
  });

  it('lends nothing for a track whose plate has left the view', async () => {
    const h = harness();
    h.frame('cam', 0, T0, [{ ...makeRead('ABC123', { x: 100, y: 100, w: 60, h: 20 }), secondOpinion: opinion(1) }]);
    await h.settle(T0 + 60_000);
    expect(h.tracker.secondOpinions('cam', T0 + 60_000)).toEqual([]);
  });
});

describe('PlateTracker.secondOpinions for reads the second reader blanked', () => {
  it('lends the opinion of a spot where it read no text, so that clutter staying there does not run the network again', () => {
    const h = harness();
    const spot = { x: 300, y: 50, w: 60, h: 20 };
    h.frame('cam', 0, T0, [{ ...makeRead('', spot), secondOpinion: opinion(7) }]);
    expect(h.tracker.secondOpinions('cam', T0 + 100)).toEqual([{ box: spot, frames: opinion(7) }]);
    // Read blank again next to it (with the spot's opinion): the spot follows it.
    const moved = { ...spot, x: 304 };
    h.frame('cam', 1, T0 + 100, [makeRead('', moved)]);
    expect(h.tracker.secondOpinions('cam', T0 + 200).map((o) => o.box)).toEqual([moved]);
    expect(h.tracker.secondOpinions('cam', T0 + 100 + 60_000)).toEqual([]);
  });
});
