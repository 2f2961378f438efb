/**
 * Groups the sentences of one receiver epoch (RMC, GGA, GNS carry its time; GSA, VTG and GSV
 * follow without one) into one `GpsFix`. An epoch ends when a sentence with another time
 * arrives, when a timed sentence type repeats, or when the caller calls `flush()` after the
 * line went quiet. Receivers send their sentences in a fixed order, so the assembler also learns
 * which sentence closed the previous epoch (as gpsd does) and emits as soon as it arrives again,
 * without waiting for the quiet gap. GSV takes no part: receivers send it every few epochs.
 */
import type { FixMode, GpsFix } from './fix.js';
import { KNOTS_TO_MPS } from './nmea-fields.js';
import type { GgaSentence, GnsSentence, GsaSentence, NmeaSentence, RmcSentence, VtgSentence } from './nmea-sentences.js';

const DAY_MS = 86_400_000;

interface Epoch {
  receivedAt: number;
  timeMs: number | null;
  /** Key of the last sentence added (`GSA#2` = second GSA of the epoch). */
  lastKey: string | null;
  counts: Map<string, number>;
  gga?: GgaSentence;
  rmc?: RmcSentence;
  gns?: GnsSentence;
  vtg?: VtgSentence;
  gsa: GsaSentence[];
}

export class NmeaFixAssembler {
  private epoch: Epoch | null = null;
  /** UTC midnight of the last RMC date and the time it came with, for GGA-only epochs. */
  private lastDate: { dateMs: number; timeMs: number } | null = null;
  private lastPosition: { lat: number; lon: number } | null = null;
  /** Satellites in view per talker (a GSV cycle may come only every few seconds). */
  private readonly inView = new Map<string, number>();
  /** Key of the sentence that closed the last epoch, or null until one has been seen. */
  private ender: string | null = null;

  constructor(private readonly onFix: (fix: GpsFix) => void) {}

  add(s: NmeaSentence, now: number): void {
    switch (s.type) {
      case 'GGA':
      case 'RMC':
      case 'GNS': {
        const key = s.type === 'GGA' ? 'gga' : s.type === 'RMC' ? 'rmc' : 'gns';
        const e = this.epoch;
        if (e && (e[key] !== undefined || (e.timeMs !== null && s.timeMs !== null && e.timeMs !== s.timeMs))) this.flush();
        const cur = this.open(now);
        cur.timeMs ??= s.timeMs;
        if (s.type === 'GGA') cur.gga = s;
        else if (s.type === 'RMC') cur.rmc = s;
        else cur.gns = s;
        break;
      }
      case 'VTG':
        if (this.epoch?.vtg) this.flush();
        this.open(now).vtg = s;
        break;
      case 'GSA':
        this.open(now).gsa.push(s);
        break;
      case 'GSV':
        if (s.index === 1) this.inView.set(s.talker, s.inView);
        return;
    }
    const e = this.epoch!;
    const n = (e.counts.get(s.type) ?? 0) + 1;
    e.counts.set(s.type, n);
    e.lastKey = `${s.type}#${n}`;
    if (e.lastKey === this.ender && (e.gga || e.rmc || e.gns)) this.flush();
  }

  /** Ends the current epoch; emits a fix when it held a timed sentence. */
  flush(): void {
    const e = this.epoch;
    this.epoch = null;
    if (!e || (!e.gga && !e.rmc && !e.gns)) return;
    this.ender = e.lastKey;
    this.onFix(this.build(e));
  }

  /** Forgets the learned epoch order (another receiver, or another baud rate, may follow). */
  reset(): void {
    this.flush();
    this.ender = null;
  }

  private open(now: number): Epoch {
    this.epoch ??= { receivedAt: now, timeMs: null, lastKey: null, counts: new Map(), gsa: [] };
    return this.epoch;
  }

  private build(e: Epoch): GpsFix {
    const pos = e.gga ?? e.gns ?? e.rmc!;
    let mode = modeOf(e);
    const lat = pos.lat;
    const lon = pos.lon;
    if (lat === null || lon === null) mode = 'none';
    if (mode !== 'none') this.lastPosition = { lat: lat!, lon: lon! };
    const fixed = mode !== 'none';

    const speedKnots = e.rmc?.speed_knots ?? e.vtg?.speed_knots ?? null;
    const speedKmh = e.vtg?.speed_kmh ?? null;
    const speed_mps = !fixed ? null : speedKnots !== null ? speedKnots * KNOTS_TO_MPS : speedKmh !== null ? speedKmh / 3.6 : null;
    const heading_deg = !fixed ? null : (e.rmc?.course_deg ?? e.vtg?.course_deg ?? null);

    const used = new Set<string>();
    for (const g of e.gsa) for (const p of g.prns) used.add(`${g.systemId ?? g.talker}:${p}`);
    const satellites = e.gga?.satellites ?? e.gns?.satellites ?? (e.gsa.length > 0 ? used.size : null);
    const hdop = e.gga?.hdop ?? e.gns?.hdop ?? e.gsa.find((g) => g.hdop !== null)?.hdop ?? null;
    let inView: number | null = null;
    for (const n of this.inView.values()) inView = (inView ?? 0) + n;

    const last = this.lastPosition;
    return {
      lat: fixed ? lat! : (last?.lat ?? 0),
      lon: fixed ? lon! : (last?.lon ?? 0),
      altitude_m: fixed ? (e.gga?.altitude_m ?? e.gns?.altitude_m ?? null) : null,
      speed_mps: speed_mps === null ? null : Math.round(speed_mps * 1000) / 1000,
      heading_deg,
      mode,
      satellites,
      hdop,
      satellitesInView: inView,
      gpsTime: this.gpsTime(e),
      receivedAt: e.receivedAt,
    };
  }

  /** Full UTC time of the epoch: RMC's date, else the last date seen (rolled over at midnight),
   *  else the UTC day that puts the time nearest to when it was received. */
  private gpsTime(e: Epoch): number | null {
    const t = e.timeMs;
    if (t === null) return null;
    const date = e.rmc?.dateMs ?? null;
    if (date !== null) {
      this.lastDate = { dateMs: date, timeMs: t };
      return date + t;
    }
    if (this.lastDate) {
      const rolled = t < this.lastDate.timeMs - DAY_MS / 2;
      return this.lastDate.dateMs + (rolled ? DAY_MS : 0) + t;
    }
    const day = Math.floor(e.receivedAt / DAY_MS) * DAY_MS;
    const candidates = [day - DAY_MS + t, day + t, day + DAY_MS + t];
    return candidates.reduce((best, c) => (Math.abs(c - e.receivedAt) < Math.abs(best - e.receivedAt) ? c : best));
  }
}

const GGA_MODES: Record<number, FixMode | 'sat'> = { 0: 'none', 1: 'sat', 2: 'dgps', 3: 'sat', 4: 'rtk', 5: 'rtk', 6: 'none', 7: 'none', 8: 'none' };

/** Quality from the most authoritative sentence: GGA, then GNS, then RMC. Estimated (dead
 *  reckoning), manual and simulated positions count as no fix: they are not a measurement. */
function modeOf(e: Epoch): FixMode {
  let kind: FixMode | 'sat';
  if (e.gga) kind = GGA_MODES[e.gga.quality] ?? 'none';
  else if (e.gns) kind = modeFromLetters(e.gns.modes);
  else if (e.rmc && !e.rmc.valid) kind = 'none';
  else kind = e.rmc?.modeIndicator ? modeFromLetters(e.rmc.modeIndicator) : 'sat';
  if (kind !== 'sat') return kind;
  const fixType = e.gsa.reduce<number>((m, g) => Math.max(m, g.fixType ?? 0), 0);
  if (fixType === 1) return 'none';
  if (fixType === 2) return '2d';
  if (fixType === 3) return '3d';
  const sats = e.gga?.satellites ?? e.gns?.satellites ?? null;
  return sats !== null && sats < 4 ? '2d' : '3d';
}

function modeFromLetters(letters: string): FixMode | 'sat' {
  if (/[RF]/.test(letters)) return 'rtk';
  if (/[DP]/.test(letters)) return 'dgps';
  if (letters.includes('A')) return 'sat';
  return 'none';
}
