import type Database from 'better-sqlite3';

const SCHEMA_VERSION = 1;

/**
 * Creates the schema, once, whichever process gets there first. `position` is an AUTOINCREMENT
 * key so a global position is never reused, even after the newest rows were rolled back.
 */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= SCHEMA_VERSION) return;
    db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position    INTEGER PRIMARY KEY AUTOINCREMENT,
        stream      TEXT    NOT NULL,
        revision    INTEGER NOT NULL,
        event_id    TEXT    NOT NULL,
        type        TEXT    NOT NULL,
        data        TEXT    NOT NULL,
        metadata    TEXT    NOT NULL,
        recorded_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream, revision);
    `);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
