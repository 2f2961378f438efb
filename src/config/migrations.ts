/**
 * The configuration's format version and the steps between versions (after zigbee2mqtt's
 * settingsMigration): field devices are upgraded in place, so a release that renames or removes a
 * key adds one step here instead of refusing the files already out there.
 *
 *   version 1   files written before the `version` key existed (a file without it is read as 1)
 *   version 2   `version` at the top; `recognizer.queue_size` is gone (frames wait per camera)
 *
 * The loader applies the steps in memory and says so (`check-config` prints the notes, `run`
 * logs them); `alpr-edge check-config --migrate FILE` prints the file at the current version,
 * comments kept. A version newer than this release knows is refused: its keys may mean
 * something this release cannot tell.
 */
import { isMap, isSeq, parseDocument, type Document } from 'yaml';

/** The version this release writes and reads natively. */
export const CONFIG_VERSION = 2;

/** One step, from version `from` to `from + 1`. */
export interface ConfigMigration {
  from: number;
  /** What the step changes, for the configuration reference. */
  summary: string;
  /** Changes the document in place; returns one note per change it made (no secrets, no plate text). */
  apply(doc: Document): string[];
}

export const MIGRATIONS: readonly ConfigMigration[] = [
  {
    from: 1,
    summary: 'adds `version: 2`; `recognizer.queue_size` (one queue shared by all cameras) becomes `queue_size` of each camera that has none.',
    apply(doc) {
      if (!doc.hasIn(['recognizer', 'queue_size'])) return [];
      const size: unknown = doc.getIn(['recognizer', 'queue_size']);
      doc.deleteIn(['recognizer', 'queue_size']);
      const cameras = doc.getIn(['cameras']);
      const count = isSeq(cameras) ? cameras.items.length : 0;
      let set = 0;
      for (let i = 0; i < count; i++) {
        if (!isMap(doc.getIn(['cameras', i])) || doc.hasIn(['cameras', i, 'queue_size'])) continue;
        doc.setIn(['cameras', i, 'queue_size'], size);
        set++;
      }
      return [`recognizer.queue_size (${String(size)}) removed; set as queue_size of ${set} camera(s) that had none`];
    },
  },
];

export type MigrationResult =
  | { ok: true; /** The version the file declared (1 when it had no `version`). */ from: number; declared: boolean; notes: string[] }
  | { ok: false; error: string };

/**
 * Brings the document to `CONFIG_VERSION` in place: reads `version` (absent = 1), refuses one it
 * does not know, applies each step after it and writes `version` as the first key.
 */
export function migrateConfig(doc: Document): MigrationResult {
  if (doc.contents !== null && !isMap(doc.contents)) return { ok: true, from: CONFIG_VERSION, declared: false, notes: [] }; // the loader reports the shape
  const declared = doc.has('version');
  const raw: unknown = declared ? doc.get('version') : 1;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1) return { ok: false, error: 'version: must be a whole number ≥ 1 (the format version of this configuration file)' };
  if (raw > CONFIG_VERSION) {
    return { ok: false, error: `version: ${raw} is newer than this alpr-edge reads (versions 1 to ${CONFIG_VERSION}): upgrade alpr-edge, or use a configuration written for version ${CONFIG_VERSION}` };
  }
  const notes: string[] = [];
  if (!declared) notes.push(`version: not set, read as version 1 (alpr-edge check-config --migrate FILE prints it at version ${CONFIG_VERSION})`);
  for (let v = raw; v < CONFIG_VERSION; v++) {
    const step = MIGRATIONS.find((m) => m.from === v);
    if (!step) throw new Error(`no configuration migration from version ${v}`); // a release bug, caught by the tests
    for (const note of step.apply(doc)) notes.push(`version ${v} → ${v + 1}: ${note}`);
  }
  setVersionFirst(doc);
  return { ok: true, from: raw, declared, notes };
}

function setVersionFirst(doc: Document): void {
  if (doc.contents === null) doc.contents = doc.createNode({});
  const map = doc.contents;
  if (!isMap(map)) return;
  doc.delete('version');
  map.items.unshift(doc.createPair('version', CONFIG_VERSION));
}

/** A configuration file's text at the current version, comments and key order kept (`check-config --migrate`). */
export function migrateConfigText(text: string): { ok: true; text: string; from: number; notes: string[] } | { ok: false; errors: string[] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map((e) => e.message.split('\n')[0] ?? e.message) };
  const r = migrateConfig(doc);
  if (!r.ok) return { ok: false, errors: [r.error] };
  return { ok: true, text: doc.toString(), from: r.from, notes: r.notes };
}
