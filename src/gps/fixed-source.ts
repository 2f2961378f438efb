/**
 * A pole camera or parked trailer: the surveyed position from the configuration, always
 * trusted, never stale. One fix at start is all the unit needs.
 */
import { AlprError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { GpsErrors } from './errors.js';
import type { GpsSink, GpsSource } from './source.js';

export interface FixedPosition {
  lat?: number;
  lon?: number;
  altitude_m?: number;
  heading_deg?: number;
}

export class FixedSource implements GpsSource {
  readonly name = 'gps:fixed';

  constructor(
    private readonly position: FixedPosition,
    private readonly sink: GpsSink,
    private readonly clock: Clock,
  ) {}

  start(): Promise<void> {
    const { lat, lon } = this.position;
    // The config checks refuse this already; a programmatic caller gets the same message.
    if (lat === undefined || lon === undefined) return Promise.reject(new AlprError(GpsErrors.GPS_FIXED_POSITION_MISSING));
    this.sink.link({ connected: true, device: 'configured position', message: '' });
    this.sink.fix({
      lat,
      lon,
      altitude_m: this.position.altitude_m ?? null,
      speed_mps: 0,
      heading_deg: this.position.heading_deg ?? null,
      mode: 'fixed',
      satellites: null,
      hdop: null,
      gpsTime: null,
      receivedAt: this.clock.now(),
    });
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
