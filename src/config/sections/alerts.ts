import { Type, type Static } from '@sinclair/typebox';
import type { ConfigCheck } from '../checks.js';
import { StringEnum } from '../helpers.js';

const ListName = Type.String({ pattern: '^[a-z0-9_]{1,40}$' });

export const AlertsSection = Type.Object(
  {
    alarm_lists: Type.Array(ListName, {
      default: ['stolen_vehicle', 'stolen_plate', 'felony_vehicle', 'amber', 'stolen', 'felony'],
      description: 'Lists whose hits are alarms: a full-screen red pop-up with a tone that repeats until acknowledged. An entry of an alarm list is always an alarm, even when it was entered as informational.',
    }),
    amber_lists: Type.Array(ListName, {
      default: ['warrant', 'missing_person'],
      description: 'Lists whose hits are amber alerts: a pop-up with a single tone.',
    }),
    default_presentation: StringEnum(['alarm', 'amber'] as const, {
      default: 'amber',
      description: 'How hits of a list named nowhere (not an alarm, amber or hotlist.special_lists list) are presented. Special lists are always informational.',
    }),
    seen_again_window_min: Type.Number({
      default: 30,
      minimum: 0,
      maximum: 1440,
      description: 'After an alert on a plate and entry (verified, rejected or still open), further passes of the same plate on the same entry within this many minutes update that alert ("seen again") instead of alarming. 0 = every pass alarms.',
    }),
    retroactive_group_s: Type.Number({
      default: 2,
      minimum: 0,
      maximum: 60,
      description: 'Retroactive matches of one listed plate arriving within this many seconds of each other become one silent, grouped notice.',
    }),
    first_read_confidence: Type.Number({
      default: 0.8,
      minimum: 0,
      maximum: 1,
      description: 'A pass still in view raises its hit as soon as its consensus read reaches this confidence (and the tracker\'s min_frames, or single_frame_confidence); the hit is revised when the pass ends. 1 = hits only when the pass ends.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'How hits reach the operator station: presentation per list, no floods, hits on the first confident read.' },
);

export type AlertsConfig = Static<typeof AlertsSection>;

/** Cross-field checks JSON Schema cannot express. */
export const alertsChecks: ConfigCheck[] = [
  (config) => {
    const a = config.alerts;
    const errors: string[] = [];
    for (const list of a.amber_lists) if (a.alarm_lists.includes(list)) errors.push(`alerts.amber_lists: "${list}" is also an alarm list`);
    // An informational list cannot be an alarm list: its hits are "not a basis for a stop" (sacramento-pd I.1).
    for (const list of config.hotlist.special_lists) {
      if (a.alarm_lists.includes(list)) errors.push(`alerts.alarm_lists: "${list}" is a special (informational) list (hotlist.special_lists)`);
      if (a.amber_lists.includes(list)) errors.push(`alerts.amber_lists: "${list}" is a special (informational) list (hotlist.special_lists)`);
    }
    return errors;
  },
];
