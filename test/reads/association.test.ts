import { describe, expect, it } from 'vitest';
import { assignGreedy, matchScore, type ReadSide, type TrackSide } from '../../src/reads/association.js';
import type { Box } from '../../src/recognizer/types.js';

const cfg = { min_match_score: 0.5, min_text_similarity: 0.5, max_jump_widths: 3 };
const box = (x: number, y: number, w = 60, h = 20): Box => ({ x, y, w, h });
const track = (text: string, predicted: Box, o: Partial<TrackSide> = {}): TrackSide => ({ text, confidence: 0.9, predicted, hasVelocity: true, ...o });
const read = (text: string, b: Box, confidence = 0.9): ReadSide => ({ text, confidence, box: b });

describe('matchScore', () => {
  it.each<[string, ReadSide, TrackSide, 'match' | 'none']>([
    ['same text where predicted', read('7ABC123', box(100, 100)), track('7ABC123', box(100, 100)), 'match'],
    ['misread text where predicted', read('7A8C12B', box(102, 101)), track('7ABC123', box(100, 100)), 'match'],
    ['garbled low-confidence read where predicted', read('XYZ', box(100, 100), 0.3), track('7ABC123', box(100, 100)), 'match'],
    ['confident different plate where predicted', read('4KQW981', box(100, 100)), track('7ABC123', box(100, 100)), 'none'],
    ['same text far beyond the gate', read('7ABC123', box(400, 100)), track('7ABC123', box(100, 100)), 'none'],
    ['same text two widths away', read('7ABC123', box(220, 100)), track('7ABC123', box(100, 100)), 'match'],
    ['same text five widths away before velocity is known', read('7ABC123', box(400, 100)), track('7ABC123', box(100, 100), { hasVelocity: false }), 'match'],
    ['same place, box more than twice as large', read('7ABC123', box(100, 100, 150, 50)), track('7ABC123', box(100, 100)), 'none'],
    ['different text two widths away', read('9XYZ555', box(220, 100), 0.5), track('7ABC123', box(100, 100)), 'none'],
  ])('%s: %s', (_name, r, t, expected) => {
    const s = matchScore(r, t, cfg);
    if (expected === 'match') {
      expect(s).not.toBeNull();
      expect(s!).toBeGreaterThanOrEqual(cfg.min_match_score);
      expect(s!).toBeLessThanOrEqual(1);
    } else {
      expect(s).toBeNull();
    }
  });

  it('scores a closer read higher than a farther one with the same text', () => {
    const t = track('7ABC123', box(100, 100));
    expect(matchScore(read('7ABC123', box(105, 100)), t, cfg)!).toBeGreaterThan(matchScore(read('7ABC123', box(150, 100)), t, cfg)!);
  });
});

describe('assignGreedy', () => {
  it('takes the best pair first and uses each read and track once', () => {
    const pairs = [
      { read: 0, track: 0, score: 0.9 },
      { read: 0, track: 1, score: 0.8 },
      { read: 1, track: 0, score: 0.85 },
      { read: 1, track: 1, score: 0.6 },
    ];
    expect(assignGreedy(pairs)).toEqual([
      { read: 0, track: 0, score: 0.9 },
      { read: 1, track: 1, score: 0.6 },
    ]);
  });

  it('leaves a read unassigned when its only track is taken', () => {
    const pairs = [
      { read: 0, track: 0, score: 0.9 },
      { read: 1, track: 0, score: 0.7 },
    ];
    expect(assignGreedy(pairs)).toEqual([{ read: 0, track: 0, score: 0.9 }]);
  });

  it('returns nothing for no pairs', () => {
    expect(assignGreedy([])).toEqual([]);
  });
});
