import { describe, expect, it } from 'vitest';
import { PlateVote, type VoteInput } from '../../src/reads/plate-vote.js';

function read(text: string, charConf = 0.9, doubtful: number[] = [], doubtfulConf = 0.5): VoteInput {
  const charConfidences = [...text].map((_, i) => (doubtful.includes(i) ? doubtfulConf : charConf));
  const confidence = charConfidences.reduce((p, c) => p * c, 1);
  return { text, confidence, charConfidences, candidates: [{ text, confidence }] };
}

function voteOf(...reads: VoteInput[]): PlateVote {
  const v = new PlateVote();
  for (const r of reads) v.add(r);
  return v;
}

describe('PlateVote consensus', () => {
  it.each<[string, VoteInput[], string]>([
    ['a single read is its own consensus', [read('7ABC123')], '7ABC123'],
    ['the majority wins a position', [read('7ABC123'), read('7ABC123'), read('7ABC128')], '7ABC123'],
    [
      'different misreads in every frame still give the true plate',
      [read('7ABC12B'), read('7A8C123'), read('TABC123'), read('7ABG123'), read('7ABC1Z3')],
      '7ABC123',
    ],
    ['a confident minority beats a doubtful majority', [read('7ABC128', 0.9, [6], 0.2), read('7ABC128', 0.9, [6], 0.2), read('7ABC123', 0.95)], '7ABC123'],
    ['a dropped character in some reads votes only on the rest', [read('7ABC123'), read('7ABC23'), read('7ABC123'), read('7BC123')], '7ABC123'],
    ['an extra character in some reads is not inserted', [read('7ABC123'), read('7ABCC123'), read('7ABC1234'), read('7ABC123')], '7ABC123'],
    ['reads that all lack a character agree on the shorter text', [read('7AB123'), read('7AB123'), read('7ABC123', 0.5)], '7AB123'],
    ['an extra character most reads have is inserted', [read('7AB123', 0.5), read('7ABC123'), read('7ABC123')], '7ABC123'],
  ])('%s', (_name, reads, expected) => {
    expect(voteOf(...reads).consensus().text).toBe(expected);
  });

  it('is empty with no reads, or only reads without plate characters', () => {
    expect(voteOf().consensus()).toEqual({ text: '', confidence: 0, charConfidences: [] });
    expect(voteOf(read('--')).consensus().text).toBe('');
    expect(voteOf(read('--')).readCount).toBe(0);
  });

  it('normalises read text before voting', () => {
    expect(voteOf(read('7abc-123'), read('7ABC 123')).consensus().text).toBe('7ABC123');
  });

  it('gives a single read its own per-character confidences', () => {
    const c = voteOf(read('AB1', 0.9, [2], 0.5)).consensus();
    expect(c.charConfidences).toEqual([0.9, 0.9, 0.5]);
    expect(c.confidence).toBeCloseTo(0.405, 3);
  });

  it('grows more confident as agreeing reads accumulate', () => {
    const one = voteOf(read('7ABC123', 0.8)).consensus().confidence;
    const five = voteOf(...Array.from({ length: 5 }, () => read('7ABC123', 0.8))).consensus().confidence;
    expect(five).toBeGreaterThan(one);
    expect(five).toBeLessThanOrEqual(1);
  });

  it('is less confident where the reads disagree', () => {
    const c = voteOf(read('7ABC123'), read('7ABC123'), read('7ABC128')).consensus();
    expect(c.charConfidences[6]).toBeLessThan(c.charConfidences[0]!);
  });

  it('uses the plate confidence per character when per-character confidences do not fit the text', () => {
    const v = voteOf({ text: 'ABC', confidence: 0.7, charConfidences: [0.9], candidates: [] });
    expect(v.consensus().charConfidences).toEqual([0.7, 0.7, 0.7]);
  });
});

describe('PlateVote candidates', () => {
  it('lists the consensus first, then the other texts of the pass by mean confidence, at most top-N', () => {
    const v = voteOf(read('7ABC123'), read('7ABC123'), read('7ABC128'), read('7A8C123'));
    const c = v.candidates(3);
    expect(c).toHaveLength(3);
    expect(c[0]!.text).toBe('7ABC123');
    expect(c.slice(1).map((x) => x.text).sort()).toEqual(['7A8C123', '7ABC128']);
  });

  it('merges the recognizer’s own alternatives across reads', () => {
    const r1 = { ...read('7ABC123'), candidates: [{ text: '7ABC123', confidence: 0.6 }, { text: '7ABC12B', confidence: 0.3 }] };
    const r2 = { ...read('7ABC123'), candidates: [{ text: '7ABC123', confidence: 0.6 }, { text: '7ABC12B', confidence: 0.3 }, { text: 'ZABC123', confidence: 0.1 }] };
    const c = voteOf(r1, r2).candidates(5);
    expect(c.map((x) => x.text)).toEqual(['7ABC123', '7ABC12B', 'ZABC123']);
    expect(c[1]!.confidence).toBeCloseTo(0.3, 3);
  });
});

describe('PlateVote merge', () => {
  it('adds another pass’s reads and votes', () => {
    const a = voteOf(read('7ABC128'), read('7ABC123'));
    const b = voteOf(read('7ABC123'), read('7ABC123'));
    a.merge(b);
    expect(a.readCount).toBe(4);
    expect(a.consensus().text).toBe('7ABC123');
  });
});

describe('PlateVote memory', () => {
  it('keeps a bounded number of distinct texts however many reads arrive', () => {
    const v = new PlateVote();
    for (let i = 0; i < 500; i++) v.add(read(`7ABD${String(i).padStart(3, '0')}`, 0.5));
    for (let i = 0; i < 20; i++) v.add(read('7ABC123'));
    expect(v.readCount).toBe(520);
    expect(v.consensus().text).toBe('7ABC123');
    expect(v.candidates(100).length).toBeLessThanOrEqual(65);
  });

  it('keeps a new text even when the distinct-text cap is reached', () => {
    const v = new PlateVote();
    for (let i = 0; i < 30; i++) v.add(read(`9XYZ${String(i).padStart(3, '0')}`, 0.05));
    v.add(read('7ABC123'));
    v.add(read('7ABC123'));
    expect(v.consensus().text).toBe('7ABC123');
  });
});
