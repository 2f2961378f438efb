/** A hot-list match as attached to a detection. */
export type MatchKind = 'exact' | 'wildcard' | 'confusion' | 'edit';

export interface HotlistEntryInfo {
  id: string;
  plate: string;
  state: string | null;
  list: string;
  priority: number;
  reason: string;
  caseNumber: string | null;
  /** Special (informational) lists never alarm: "informational only; not a basis for a stop". */
  informational: boolean;
  expiresAt: number | null;
}

export interface HotlistHit {
  entry: HotlistEntryInfo;
  /** Generation id of the list version that matched. */
  generation: string;
  kind: MatchKind;
  /** Which candidate text matched (the best read or one of its top-N). */
  readText: string;
  /** Human explanation, e.g. `exact`, `O read as 0`, `wildcard 7AB?12*`, `one character missing`. */
  explanation: string;
  /** True when raised by retroactive matching of an older read against a new list. */
  retroactive: boolean;
}
