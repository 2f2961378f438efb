import type { EntryRow } from '../../src/hotlist/entry-row.js';
import { normaliseEntryPlate } from '../../src/hotlist/entry-row.js';
import { buildFromRows } from '../../src/hotlist/list-build.js';
import { ListIndex } from '../../src/hotlist/index/list-index.js';

/** A validated row with defaults, for building small indexes in tests. */
export function row(plate: string, over: Partial<EntryRow> = {}): EntryRow {
  const p = normaliseEntryPlate(plate, 3);
  if ('error' in p) throw new Error(p.error);
  return {
    plate: p.plate,
    wildcard: p.wildcard,
    state: null,
    list: 'stolen_vehicle',
    priority: 5,
    reason: 'test',
    caseNumber: null,
    subjectXref: null,
    officerName: null,
    officerContact: null,
    source: 'test',
    createdAt: null,
    expiresAt: null,
    informational: false,
    alsoInNcic: false,
    id: null,
    enteredBy: null,
    ...over,
  };
}

let revision = 0;
export function indexOf(rows: EntryRow[], source = 'test'): ListIndex {
  return new ListIndex(buildFromRows(source, rows, Date.UTC(2026, 0, 1), 1000, ++revision));
}
