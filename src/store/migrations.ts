/**
 * Versioned schema. `PRAGMA user_version` holds the version a database is at; each migration
 * moves it up by one inside its own transaction, so a crash mid-migration leaves the previous
 * version intact. Never edit a released migration: append a new one.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'detections, their images (BLOBs), hot-list hits and the upload outbox',
    sql: `
      CREATE TABLE detections (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        revision INTEGER NOT NULL DEFAULT 0,
        device_id TEXT NOT NULL,
        camera_id TEXT NOT NULL,
        text TEXT NOT NULL,
        confidence REAL NOT NULL,
        candidates TEXT NOT NULL,
        region TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        best_at INTEGER NOT NULL,
        frame_count INTEGER NOT NULL,
        direction TEXT NOT NULL,
        box TEXT NOT NULL,
        lat REAL,
        lon REAL,
        position_trusted INTEGER NOT NULL DEFAULT 0,
        position TEXT,
        hit_count INTEGER NOT NULL DEFAULT 0,
        stored_at INTEGER NOT NULL,
        uploaded_at INTEGER
      );
      CREATE INDEX detections_best_at ON detections(best_at);
      CREATE INDEX detections_text ON detections(text);
      CREATE INDEX detections_camera ON detections(camera_id, best_at);
      CREATE INDEX detections_uploaded ON detections(uploaded_at) WHERE uploaded_at IS NOT NULL;
      CREATE TABLE images (
        n INTEGER PRIMARY KEY,
        detection_n INTEGER NOT NULL REFERENCES detections(n) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('plate', 'overview')),
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        data BLOB NOT NULL,
        UNIQUE (detection_n, kind)
      );
      CREATE TABLE hits (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        detection_n INTEGER NOT NULL REFERENCES detections(n) ON DELETE CASCADE,
        entry_id TEXT NOT NULL,
        entry TEXT NOT NULL,
        generation TEXT NOT NULL,
        kind TEXT NOT NULL,
        read_text TEXT NOT NULL,
        explanation TEXT NOT NULL,
        informational INTEGER NOT NULL,
        retroactive INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        outcome TEXT CHECK (outcome IN ('confirmed', 'misread', 'not_vehicle')),
        verified_by TEXT,
        verified_at INTEGER,
        note TEXT
      );
      CREATE INDEX hits_detection ON hits(detection_n);
      CREATE INDEX hits_created ON hits(created_at);
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        stream TEXT NOT NULL CHECK (stream IN ('detection', 'hit', 'audit')),
        ref INTEGER NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        state INTEGER NOT NULL DEFAULT 0,
        enqueued_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        gen INTEGER NOT NULL DEFAULT 0,
        reason TEXT,
        UNIQUE (stream, ref)
      );
      CREATE INDEX outbox_queue ON outbox(state, priority DESC, id);
    `,
  },
  {
    version: 2,
    description: 'local accounts and the hash-chained audit log of the operator station',
    sql: `
      CREATE TABLE users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('operator', 'administrator', 'auditor')),
        password_hash TEXT NOT NULL,
        full_name TEXT NOT NULL,
        contact TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        user TEXT,
        action TEXT NOT NULL,
        object TEXT,
        purpose TEXT,
        case_number TEXT,
        details TEXT,
        ip TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_at ON audit(at);
      CREATE INDEX audit_user ON audit(user, at);
      CREATE INDEX audit_action ON audit(action, at);
      -- Append-only by construction; verify() still catches edits made around these triggers.
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
  {
    version: 3,
    description: 'evidence hold on detections (exempt from retention and quota purges)',
    sql: `
      ALTER TABLE detections ADD COLUMN evidence_hold INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE detections ADD COLUMN hold_by TEXT;
      ALTER TABLE detections ADD COLUMN hold_reason TEXT;
      ALTER TABLE detections ADD COLUMN hold_at INTEGER;
    `,
  },
  {
    version: 4,
    description: 'how each hit was told to the operator station (alert, revision, seen again, retroactive notice): the event stream replays from it',
    sql: `
      CREATE TABLE hit_alerts (
        hit_id INTEGER PRIMARY KEY REFERENCES hits(id) ON DELETE CASCADE,
        alert_id INTEGER NOT NULL,
        change TEXT NOT NULL CHECK (change IN ('new', 'revised', 'seen_again', 'retroactive')),
        presentation TEXT NOT NULL CHECK (presentation IN ('alarm', 'amber', 'informational')),
        stage TEXT NOT NULL CHECK (stage IN ('first_read', 'pass_end')),
        at INTEGER NOT NULL
      );
      CREATE INDEX hit_alerts_alert ON hit_alerts(alert_id);
      CREATE INDEX hits_entry ON hits(entry_id, id);
    `,
  },
  {
    version: 5,
    description: 'account policies: training and certification per account, access review, supervisor right, reported data errors beside the original read',
    sql: `
      ALTER TABLE users ADD COLUMN supervisor INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE users ADD COLUMN reviewed_at INTEGER;
      ALTER TABLE users ADD COLUMN reviewed_by TEXT;
      -- Accounts that exist when the review starts count as reviewed now: the first review falls
      -- due one interval after the upgrade, not on the day of it.
      UPDATE users SET reviewed_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000, reviewed_by = 'migration';
      CREATE TABLE user_qualifications (
        username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
        item TEXT NOT NULL,
        completed_at INTEGER NOT NULL,
        expires_at INTEGER,
        course TEXT NOT NULL DEFAULT '',
        trainer TEXT NOT NULL DEFAULT '',
        certificate TEXT NOT NULL DEFAULT '',
        recorded_by TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (username, item)
      );
      CREATE INDEX user_qualifications_expiry ON user_qualifications(expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE corrections (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        detection_id TEXT NOT NULL,
        hit_id INTEGER,
        original_text TEXT NOT NULL,
        corrected_text TEXT NOT NULL,
        note TEXT NOT NULL,
        reported_by TEXT NOT NULL,
        reported_at INTEGER NOT NULL
      );
      CREATE INDEX corrections_text ON corrections(corrected_text);
      CREATE INDEX corrections_detection ON corrections(detection_id);
    `,
  },
  {
    version: 6,
    description: 'damage and malfunction reports filed from the operator station (camera, GPS, unit), with an optional snapshot',
    sql: `
      CREATE TABLE damage_reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subject TEXT NOT NULL CHECK (subject IN ('camera', 'gps', 'unit')),
        camera_id TEXT,
        noticed_at INTEGER NOT NULL,
        text TEXT NOT NULL,
        reported_by TEXT NOT NULL,
        reported_at INTEGER NOT NULL,
        snapshot BLOB,
        snapshot_sha256 TEXT,
        snapshot_bytes INTEGER,
        audit_id INTEGER NOT NULL
      );
    `,
  },
  {
    version: 7,
    description: "a hit's verification and its outcomes after 'confirmed' (dispatch, stop, recovery, arrest, no action), kept like the audit log: no foreign key, so purging the detection leaves them",
    sql: `
      CREATE TABLE hit_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hit_id INTEGER NOT NULL,
        detection_id TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('verification', 'outcome')),
        value TEXT NOT NULL,
        note TEXT,
        recorded_by TEXT NOT NULL,
        recorded_at INTEGER NOT NULL
      );
      CREATE INDEX hit_history_hit ON hit_history(hit_id, id);
      INSERT INTO hit_history (hit_id, detection_id, entry_id, kind, value, note, recorded_by, recorded_at)
        SELECT h.id, d.id, h.entry_id, 'verification', h.outcome, h.note, COALESCE(h.verified_by, 'unknown'), COALESCE(h.verified_at, h.created_at)
        FROM hits h JOIN detections d ON d.n = h.detection_n WHERE h.outcome IS NOT NULL ORDER BY h.verified_at, h.id;
    `,
  },
  {
    version: 8,
    description: 'records before images (outbox rows remember that a detection\'s record was acknowledged and which images were), and misread corrections as their own upload stream',
    // SQLite cannot widen a CHECK in place: the outbox is rebuilt with the same ids, and the
    // corrections already reported are queued (until now they went only in the audit stream).
    // A trigger queues each new correction in the transaction that stores it, so the station's
    // code that writes corrections needs no outbox of its own.
    sql: `
      CREATE TABLE outbox_v8 (
        id INTEGER PRIMARY KEY,
        stream TEXT NOT NULL CHECK (stream IN ('detection', 'hit', 'audit', 'correction')),
        ref INTEGER NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        state INTEGER NOT NULL DEFAULT 0,
        enqueued_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        gen INTEGER NOT NULL DEFAULT 0,
        reason TEXT,
        record_sent INTEGER NOT NULL DEFAULT 0,
        images_sent INTEGER NOT NULL DEFAULT 0,
        UNIQUE (stream, ref)
      );
      INSERT INTO outbox_v8 (id, stream, ref, priority, state, enqueued_at, attempts, gen, reason)
        SELECT id, stream, ref, priority, state, enqueued_at, attempts, gen, reason FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_v8 RENAME TO outbox;
      CREATE INDEX outbox_queue ON outbox(state, record_sent, priority DESC, id);
      INSERT OR IGNORE INTO outbox (stream, ref, priority, state, enqueued_at)
        SELECT 'correction', id, 0, 0, reported_at FROM corrections ORDER BY id;
      CREATE TRIGGER corrections_outbox AFTER INSERT ON corrections BEGIN
        INSERT OR IGNORE INTO outbox (stream, ref, priority, state, enqueued_at)
          VALUES ('correction', NEW.id, 0, 0, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
      END;
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the migrations above `from` up to `to` (default: latest), each in its own
 * transaction together with its `user_version` bump. Returns the versions applied.
 */
export function migrate(db: Database, to: number = LATEST_VERSION): number[] {
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= schemaVersion(db) || m.version > to) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
