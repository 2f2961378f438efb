/**
 * How a hit is presented, from its entry's list: alarm lists (stolen, felony) as a full-screen
 * red pop-up whose tone repeats until acknowledged, lower priorities amber with one tone, special
 * lists as a silent card "informational only — not a basis for a stop" (sacramento-pd I.1;
 * roseville 426.6.4 (c)). Pure.
 */
import type { AlertsConfig } from '../config/sections/alerts.js';
import type { HotlistEntryInfo } from '../hotlist/types.js';
import type { AlertPresentation } from '../store/hit-alerts-repo.js';
import type { AlertInfo } from './live-event.js';

export interface PresentationRules {
  alarmLists: ReadonlySet<string>;
  amberLists: ReadonlySet<string>;
  specialLists: ReadonlySet<string>;
  fallback: 'alarm' | 'amber';
}

export function presentationRules(alerts: AlertsConfig, specialLists: readonly string[]): PresentationRules {
  return {
    alarmLists: new Set(alerts.alarm_lists),
    amberLists: new Set(alerts.amber_lists),
    specialLists: new Set(specialLists),
    fallback: alerts.default_presentation,
  };
}

/**
 * An alarm list's entry is an alarm even when it was entered (or listed) as informational: a
 * stolen car must never arrive as a silent card. Special lists and informational entries of
 * other lists are informational.
 */
export function presentationOf(entry: Pick<HotlistEntryInfo, 'list' | 'informational'>, rules: PresentationRules): AlertPresentation {
  if (rules.alarmLists.has(entry.list)) return 'alarm';
  if (entry.informational || rules.specialLists.has(entry.list)) return 'informational';
  if (rules.amberLists.has(entry.list)) return 'amber';
  return rules.fallback;
}

/** The sound of an alert: only a new alert sounds; updates and notices are silent. */
export function soundOf(presentation: AlertPresentation, change: AlertInfo['change']): AlertInfo['sound'] {
  if (change !== 'new') return 'none';
  switch (presentation) {
    case 'alarm':
      return 'repeat';
    case 'amber':
      return 'once';
    case 'informational':
      return 'none';
  }
}
