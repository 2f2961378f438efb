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
  /** Subject cross-reference when the entry has no case number (sacramento-pd E.1.a.(1)). */
  subjectXref?: string | null;
  /** Entering officer's name and contact (roseville 426.6.5 (1)). */
  officerName?: string | null;
  officerContact?: string | null;
  /** Where the entry came from: a list file, the central server, or `local`. */
  source?: string;
  /** ms since epoch, when known. */
  createdAt?: number | null;
  /** Locally entered plates that are also in NCIC/CLETS expire within 24 h (sacramento-pd E.2). */
  alsoInNcic?: boolean;
  /** Who entered it on this device (local entries). */
  enteredBy?: string | null;
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
  /** False for special-list hits, which are informational only and never alarm (sacramento-pd I.1). */
  alarm?: boolean;
  /** Shown with the hit: `informational only; not a basis for a stop` for special lists. */
  notice?: string | null;
}
