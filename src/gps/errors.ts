import { defineErrors } from '../shared/errors.js';

/** Stable codes of the position source; documented in docs/gps.md ("Error codes"). */
export const GpsErrors = defineErrors({
  GPS_SERIAL_OPEN_FAILED: 'cannot open GPS serial port {path}: {detail}',
  GPS_SERIAL_DISCONNECTED: 'GPS serial port {path} disconnected: {detail}',
  GPS_BAUD_NOT_DETECTED: 'no valid NMEA at any baud rate on {path} (tried {rates})',
  GPS_IDLE_TIMEOUT: 'no data from {device} for {seconds} s; reconnecting',
  GPS_GPSD_CONNECT_FAILED: 'cannot connect to gpsd at {address}: {detail}',
  GPS_GPSD_DISCONNECTED: 'gpsd at {address} closed the connection: {detail}',
  GPS_GPSD_ERROR: 'gpsd at {address} reported an error: {detail}',
  GPS_REPLAY_UNREADABLE: 'cannot read NMEA replay log {file}: {detail}',
  GPS_REPLAY_EMPTY: 'NMEA replay log {file} holds no timed sentences (RMC, GGA or GNS)',
  GPS_FIXED_POSITION_MISSING: 'gps.source is fixed but gps.fixed.lat/lon are not set',
  GPS_CLOCK_SKEW: 'GPS time and the system clock differ by {skew_s} s (limit {limit_s} s)',
});
