-- A label store at schema v4 as mmcrec wrote it before mmcrec/labels/tables.py (git 33a7f71,
-- mmcrec/labels/sqlite.py migrations v1-v4, verbatim; the v2 backfill left out: no labels yet),
-- then two labels and their events.  tests/test_tables.py opens it with today's code.
PRAGMA user_version = 4;
CREATE TABLE IF NOT EXISTS labels (
    label_id      TEXT PRIMARY KEY,
    session_id    TEXT NOT NULL DEFAULT '',
    annotator     TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    model_version TEXT NOT NULL DEFAULT '',
    catalog_id    TEXT NOT NULL DEFAULT '',
    turns         TEXT NOT NULL DEFAULT '[]',
    image_sha256  TEXT NOT NULL DEFAULT '',
    image_path    TEXT NOT NULL DEFAULT '',
    item_id       TEXT NOT NULL DEFAULT '',
    rank          INTEGER,
    score         REAL,
    alpha         REAL,
    target        TEXT NOT NULL,
    label         INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    event_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    label_id    TEXT NOT NULL,
    label       INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    annotator   TEXT NOT NULL DEFAULT '',
    session_id  TEXT NOT NULL DEFAULT '',
    target      TEXT NOT NULL DEFAULT '',
    item_id     TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT 'record'
);
CREATE INDEX IF NOT EXISTS events_label ON events(label_id);
CREATE INDEX IF NOT EXISTS events_time ON events(created_at);
CREATE INDEX IF NOT EXISTS labels_annotator ON labels(annotator, session_id);
CREATE INDEX IF NOT EXISTS labels_item ON labels(item_id);
CREATE TABLE IF NOT EXISTS campaigns (
    name       TEXT PRIMARY KEY,
    catalog_id TEXT NOT NULL DEFAULT '',
    overlap    INTEGER NOT NULL,
    depth      INTEGER NOT NULL,
    pool       TEXT NOT NULL DEFAULT '[]',
    guidelines TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS campaign_requests (
    campaign     TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL DEFAULT '',
    turns        TEXT NOT NULL DEFAULT '[]',
    image_sha256 TEXT NOT NULL DEFAULT '',
    image_path   TEXT NOT NULL DEFAULT '',
    items        TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (campaign, request_id)
);
CREATE TABLE IF NOT EXISTS campaign_assignments (
    campaign    TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    annotator   TEXT NOT NULL,
    state       TEXT NOT NULL,
    claimed_at  REAL NOT NULL,
    last_at     REAL NOT NULL,
    expires_at  REAL NOT NULL,
    finished_at TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (campaign, request_id, annotator)
);
CREATE TABLE IF NOT EXISTS campaign_judgements (
    campaign   TEXT NOT NULL,
    request_id TEXT NOT NULL,
    annotator  TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    grade      INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    elapsed_ms INTEGER,
    PRIMARY KEY (campaign, request_id, annotator, item_id)
);
CREATE TABLE IF NOT EXISTS campaign_events (
    event_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign   TEXT NOT NULL,
    request_id TEXT NOT NULL,
    annotator  TEXT NOT NULL,
    item_id    TEXT NOT NULL DEFAULT '',
    grade      INTEGER,
    reason     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    elapsed_ms INTEGER
);
CREATE INDEX IF NOT EXISTS campaign_assignments_annotator ON campaign_assignments(campaign, annotator);
ALTER TABLE labels ADD COLUMN placed_by TEXT NOT NULL DEFAULT '';

INSERT INTO labels (label_id, session_id, annotator, created_at, model_version, catalog_id, turns,
                    image_sha256, image_path, item_id, rank, score, alpha, target, label, placed_by)
VALUES ('old1', 's1', 'ann', '2025-06-01T10:00:00.000000Z', 'v3', 'demo', '["blue dress"]', '', '',
        'i1', 1, 0.5, 0.4, 'item', 1, 'v2'),
       ('old2', 's1', 'bob', '2025-06-01T11:00:00.000000Z', 'v3', 'demo', '[]', '', '', '', 0, NULL,
        NULL, 'reply', -1, '');
INSERT INTO events (label_id, label, created_at, recorded_at, annotator, session_id, target, item_id, source)
VALUES ('old1', 1, '2025-06-01T10:00:00.000000Z', '2025-06-01T10:00:00.100000Z', 'ann', 's1', 'item', 'i1', 'record'),
       ('old2', -1, '2025-06-01T11:00:00.000000Z', '2025-06-01T11:00:00.100000Z', 'bob', 's1', 'reply', '', 'record');
