/**
 * Splits an NMEA log into epochs by the time in its RMC/GGA/GNS sentences, so it can be played
 * back at the pace it was recorded. Lines without a time (GSA, VTG, GSV, and garbage) stay with
 * the epoch they were recorded in. Pure.
 */
import { parseNmea } from './nmea-parser.js';

const DAY_MS = 86_400_000;

export interface ReplayEpoch {
  /** Milliseconds after the first epoch (recorded pace; across midnight too). */
  offsetMs: number;
  /** Raw lines, without line terminators. */
  lines: string[];
}

export interface ReplayLog {
  epochs: ReplayEpoch[];
  /** Typical spacing between epochs (the receiver's rate), ms: the pause after the last one
   *  before the loop starts again. */
  periodMs: number;
}

export function parseReplayLog(text: string): ReplayLog {
  const epochs: ReplayEpoch[] = [];
  let current: ReplayEpoch | null = null;
  let currentTime: number | null = null;
  let firstTime: number | null = null;
  let dayOffset = 0;
  let orphans: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const time = timeOf(line);
    if (time === null || time === currentTime) {
      if (current) current.lines.push(line);
      else orphans.push(line);
      continue;
    }
    if (currentTime !== null && time + dayOffset < currentTime - DAY_MS / 2) dayOffset += DAY_MS;
    const t = time + dayOffset;
    firstTime ??= t;
    currentTime = time;
    current = { offsetMs: t - firstTime, lines: [...orphans, line] };
    orphans = [];
    epochs.push(current);
  }
  return { epochs, periodMs: medianStep(epochs) };
}

function timeOf(line: string): number | null {
  const r = parseNmea(line);
  if (r.kind !== 'sentence') return null;
  const s = r.sentence;
  return s.type === 'RMC' || s.type === 'GGA' || s.type === 'GNS' ? s.timeMs : null;
}

function medianStep(epochs: ReplayEpoch[]): number {
  const steps: number[] = [];
  for (let i = 1; i < epochs.length; i++) steps.push(epochs[i]!.offsetMs - epochs[i - 1]!.offsetMs);
  if (steps.length === 0) return 1000;
  steps.sort((a, b) => a - b);
  return Math.max(1, steps[steps.length >> 1]!);
}
