"""The schema's history: each function is one step, applied in order on open. Never edit one
that has shipped; add a new one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # sqlite-utils is imported only when a migration has to run
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

MIGRATION_SET = "track"


def m001_initial(db: Database) -> None:
    """Meetings, commitments and the append-only event log."""
    db["meetings"].create(
        {
            "slug": str,
            "title": str,
            "date": str,
            "place": str,
            "parties": str,  # JSON list of party codes
            "context": str,
            "sources": str,  # JSON list of {title, publisher, author, url, note}
        },
        pk="slug",
        not_null={"title", "date"},
    )
    db["commitments"].create(
        {
            "id": str,
            "meeting": str,
            "area": str,
            "title": str,
            "summary": str,
            "parties": str,  # JSON list of party codes
            "kind": str,
            "quote": str,
            "quote_by": str,
            "deadline": str,  # the deadline as the sources word it ("early 2024")
            "due": str,  # ISO date the deadline resolves to, if any
            "status": str,  # kept equal to the latest status event; never set without one
            "created_at": str,
        },
        pk="id",
        not_null={"meeting", "area", "title", "parties", "kind", "status", "created_at"},
        foreign_keys=[("meeting", "meetings", "slug")],
    )
    db["events"].create(
        {
            "id": int,
            "uuid": str,
            "commitment": str,
            "kind": str,  # created, note, status
            "happened_on": str,  # ISO date the event happened
            "recorded_at": str,  # ISO timestamp (UTC) it was entered
            "text": str,
            "source_url": str,
            "source_title": str,
            "party": str,
            "status": str,  # the new status, for created and status events
        },
        pk="id",
        not_null={"uuid", "commitment", "kind", "happened_on", "recorded_at"},
        foreign_keys=[("commitment", "commitments", "id")],
    )
    db["events"].create_index(["uuid"], unique=True)
    db["events"].create_index(["commitment", "happened_on"])
    db["events"].create_index(["happened_on"])
    for column in ("meeting", "area", "status", "due"):
        db["commitments"].create_index([column])
    db.execute(
        """
        CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END
        """
    )
    db.execute(
        """
        CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END
        """
    )


def m002_metrics(db: Database) -> None:
    """Quantitative targets: one metric per commitment, readings as events with a value."""
    db["metrics"].create(
        {
            "commitment": str,
            "name": str,  # what is counted, e.g. "weekly scheduled passenger flights"
            "unit": str,
            "baseline": float,
            "baseline_on": str,  # ISO date of the baseline value
            "target": float,  # optional
        },
        pk="commitment",
        not_null={"name", "baseline", "baseline_on"},
        foreign_keys=[("commitment", "commitments", "id")],
    )
    db["events"].add_column("value", float)  # a metric reading, for kind "measure"


def m003_corrections(db: Database) -> None:
    """Undo and edits without rewriting history: retraction and edit events, the derived set
    of retracted events, and the `live_events` view that every status is computed from."""
    db["events"].add_column("retracts", str)  # UUID of the event a retraction withdraws
    db["events"].add_column("changes", str)  # JSON {field: [old, new]} for edit events
    db.execute("CREATE INDEX events_retractions ON events (id, retracts) WHERE kind = 'retraction'")
    # Derived from the retraction events (rebuilt whenever one is added): which events
    # currently count as withdrawn, and by which retraction.
    db["retracted_events"].create(
        {"event": int, "retraction": int},
        pk="event",
        foreign_keys=[("event", "events", "id"), ("retraction", "events", "id")],
    )
    db.create_view(
        "live_events",
        """
        SELECT * FROM events
        WHERE kind != 'retraction' AND id NOT IN (SELECT event FROM retracted_events)
        """,
    )


def m004_covering_indexes(db: Database) -> None:
    """Indexes that answer "status, latest event and evidence count per commitment" and
    "each party's own status" without reading the event rows themselves."""
    db["events"].create_index(
        ["commitment", "happened_on", "kind", "party", "status"],
        index_name="events_timeline",
    )
    db["events"].create_index(
        ["party", "commitment", "happened_on", "status", "kind"],
        index_name="events_party_status",
    )
    db.execute("DROP INDEX IF EXISTS idx_events_commitment_happened_on")
    db.execute("ANALYZE")


def m005_commitment_summary(db: Database) -> None:
    """Keep, beside each commitment's status, the date of its latest event and its number of
    evidence events, so listing commitments as they stand now reads no timelines."""
    db["commitments"].add_column("last_event_on", str)
    db["commitments"].add_column("evidence_count", int)
    db.execute(SUMMARY_UPDATE)


# The derived columns of one commitment, from its events in force (see store._refresh).
SUMMARY_UPDATE = """
UPDATE commitments SET
    status = (
        SELECT status FROM live_events
        WHERE commitment = commitments.id AND status IS NOT NULL AND party IS NULL
        ORDER BY happened_on DESC, id DESC LIMIT 1),
    last_event_on = (
        SELECT max(happened_on) FROM live_events
        WHERE commitment = commitments.id AND kind != 'edit'),
    evidence_count = (
        SELECT count(*) FROM live_events
        WHERE commitment = commitments.id AND kind IN ('note', 'status', 'measure'))
"""


def m006_search_and_views(db: Database) -> None:
    """Full-text search over commitments and evidence (kept current by triggers), and views
    for the common questions, for Datasette and the sqlite-utils command line."""
    db["commitments"].enable_fts(["title", "summary", "quote"], create_triggers=True)
    db["events"].enable_fts(["text", "source_title"], create_triggers=True)
    db.create_view(
        "current_status",
        """
        SELECT c.id, c.meeting, c.area, c.title, c.kind, c.parties, c.status,
               c.last_event_on AS last_update, c.evidence_count AS evidence, c.due,
               c.due IS NOT NULL AND c.due < date('now') AND c.status != 'fulfilled'
                   AS overdue
        FROM commitments c
        """,
    )
    db.create_view(
        "party_status",
        """
        SELECT c.id AS commitment, p.value AS party,
               coalesce((SELECT e.status FROM live_events e
                         WHERE e.commitment = c.id AND e.party = p.value
                           AND e.status IS NOT NULL
                         ORDER BY e.happened_on DESC, e.id DESC LIMIT 1),
                        c.status) AS status,
               c.status AS commitment_status
        FROM commitments c, json_each(c.parties) p
        """,
    )
    db.create_view(
        "timeline",
        """
        SELECT e.happened_on, e.commitment, c.title AS commitment_title, c.area, e.kind,
               e.status, e.party, e.value, e.text, e.source_url, e.source_title,
               r.event IS NOT NULL AS retracted, e.recorded_at, e.uuid
        FROM events e
        JOIN commitments c ON c.id = e.commitment
        LEFT JOIN retracted_events r ON r.event = e.id
        """,
    )
    db.create_view(
        "overdue",
        """
        SELECT id, title, area, status, due, last_update
        FROM current_status WHERE overdue
        """,
    )


APPLICATION_ID = 0x54524B31  # "TRK1": PRAGMA application_id marks a file as a track database


def m007_events_are_the_record(db: Database) -> None:
    """Every fact is an event, and everything else is derived from the events.

    Events gain who made them (author, device), a Lamport counter, the uuid of their
    commitment's creation (so an event can never land on another commitment that shares its
    ID), several sources, a stance, tags, a period, a confidence and the evidence a rating
    rests on. A creation carries the commitment's original fields, so the commitments,
    metrics and ratings tables are rebuilt from the events (see derived.py). History is not
    rewritten: old events keep their values; new columns are filled from what the old schema
    held. The SQL here is frozen: it never calls code that may change later."""
    import json
    import uuid as uuid_module

    conn = db.conn
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    # parties as data: each meeting names its parties and, for reporting, groups of them
    conn.execute("ALTER TABLE meetings ADD COLUMN party_names TEXT NOT NULL DEFAULT '{}'")
    conn.execute("ALTER TABLE meetings ADD COLUMN groups TEXT NOT NULL DEFAULT '{}'")
    conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)")
    device = str(uuid_module.uuid4())
    conn.execute("INSERT INTO settings VALUES ('device', ?)", [device])
    conn.execute("INSERT INTO settings VALUES ('derived_version', '')")

    # The original fields of each commitment: today's values, with edited fields taken back
    # to the old value of their first edit.
    originals: dict[str, dict] = {}
    metric_rows = {r["commitment"]: r for r in _rows(conn, "SELECT * FROM metrics")}
    kinds = {
        "joint": (None, "action"),
        "unilateral": (None, "action"),
        "expected": ("reported", "action"),
        "principle": (None, "principle"),
    }
    for row in _rows(conn, "SELECT * FROM commitments"):
        formality, type_ = kinds.get(row["kind"], (None, "action"))
        record = {
            "id": row["id"],
            "meeting": row["meeting"],
            "area": row["area"],
            "title": row["title"],
            "summary": row["summary"],
            "parties": json.loads(row["parties"]),
            "type": type_,
            "formality": formality,
            "quote": row["quote"],
            "quote_by": row["quote_by"],
            "deadline": row["deadline"],
            "due": row["due"],
        }
        metric = metric_rows.get(row["id"])
        if metric is not None:
            record["metric"] = {
                k: metric[k]
                for k in ("name", "unit", "baseline", "baseline_on", "target")
                if metric[k] is not None
            }
        originals[row["id"]] = record
    for row in _rows(
        conn, "SELECT commitment, changes FROM events WHERE kind = 'edit' ORDER BY id DESC"
    ):
        for name, (old, _new) in json.loads(row["changes"]).items():
            if name in originals.get(row["commitment"], {}):
                originals[row["commitment"]][name] = old  # newest first: the first edit wins
    creations = {
        cid: json.dumps(
            {k: [None, v] for k, v in record.items() if v is not None},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for cid, record in originals.items()
    }

    for name in ("current_status", "party_status", "timeline", "overdue", "live_events"):
        conn.execute(f"DROP VIEW IF EXISTS {name}")
    for table in ("commitments_fts", "events_fts"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    for trigger in [
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    ]:
        conn.execute(f'DROP TRIGGER "{trigger}"')
    conn.execute(EVENTS_V2)
    conn.execute("CREATE TEMP TABLE creations (id TEXT PRIMARY KEY, record TEXT)")
    conn.executemany("INSERT INTO creations VALUES (?, ?)", creations.items())
    conn.execute(
        """
        INSERT INTO events_v2 (id, uuid, commitment, commitment_uid, kind, happened_on,
            recorded_at, author, device, counter, text, sources, party, status, tags,
            evidence, value, about, changes)
        SELECT e.id, e.uuid, e.commitment,
            (SELECT c.uuid FROM events c WHERE c.commitment = e.commitment
             AND c.kind = 'created' ORDER BY c.id LIMIT 1),
            e.kind, e.happened_on, e.recorded_at, 'unknown', :device, e.id, e.text,
            CASE
              WHEN e.source_url IS NOT NULL AND (lower(e.source_url) LIKE 'http://_%'
                   OR lower(e.source_url) LIKE 'https://_%')
                THEN json_array(json_object('url', e.source_url, 'title', e.source_title))
              WHEN e.source_url IS NOT NULL
                THEN json_array(json_object('title', coalesce(e.source_title, 'source'),
                     'note', 'not an http(s) address: ' || e.source_url))
              WHEN e.source_title IS NOT NULL THEN json_array(json_object('title', e.source_title))
              ELSE '[]' END,
            e.party, e.status, '[]', '[]', e.value, e.retracts,
            CASE WHEN e.kind = 'created' THEN (SELECT record FROM creations WHERE id = e.commitment)
                 ELSE e.changes END
        FROM events e ORDER BY e.id
        """,
        {"device": device},
    )
    conn.execute("DROP TABLE creations")
    for table in ("retracted_events", "metrics", "events", "commitments"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("ALTER TABLE events_v2 RENAME TO events")
    for sql in V2_SCHEMA:
        conn.execute(sql)


def _rows(conn, sql: str) -> list:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


EVENTS_V2 = """
CREATE TABLE events_v2 (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    commitment TEXT NOT NULL,          -- the commitment's ID as it was when recorded
    commitment_uid TEXT NOT NULL,      -- uuid of the commitment's creation event
    kind TEXT NOT NULL,
    happened_on TEXT NOT NULL,         -- ISO date it happened
    recorded_at TEXT NOT NULL,         -- wall-clock time it was entered (display only)
    author TEXT NOT NULL,              -- who made it (the coder)
    device TEXT NOT NULL,              -- which database it was made in
    counter INTEGER NOT NULL,          -- Lamport clock: one more than the highest seen
    text TEXT,
    sources TEXT NOT NULL DEFAULT '[]',  -- JSON [{url, title, publisher, date, class, note}]
    party TEXT,
    status TEXT,                       -- the rating, for status and assessment events
    period TEXT,
    confidence TEXT,
    evidence TEXT NOT NULL DEFAULT '[]',  -- JSON [uuid]: what an assessment rests on
    stance TEXT,
    tags TEXT NOT NULL DEFAULT '[]',   -- JSON [tag]
    value REAL,
    about TEXT,                        -- the event a retraction, amendment or review acts on
    changes TEXT                       -- JSON {field: [old, new]}
)
"""

V2_SCHEMA = [
    "CREATE INDEX events_by_commitment ON events (commitment_uid, counter)",
    "CREATE INDEX events_by_date ON events (happened_on)",
    "CREATE INDEX events_by_author ON events (author, counter)",
    "CREATE INDEX events_by_counter ON events (counter)",  # the next Lamport counter: one step
    """CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    """CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    # Derived from the events (derived.py): the commitments as their events make them.
    """CREATE TABLE commitments (
        id TEXT NOT NULL UNIQUE,           -- shown ID (ID~xxxx while two share an ID)
        meeting TEXT NOT NULL REFERENCES meetings(slug),
        area TEXT NOT NULL,
        title TEXT NOT NULL,
        summary TEXT,
        parties TEXT NOT NULL,             -- JSON [party code]
        type TEXT NOT NULL,
        formality TEXT,
        quote TEXT,
        quote_by TEXT,
        deadline TEXT,
        due TEXT,
        guideline TEXT,
        personal INTEGER NOT NULL DEFAULT 0,
        sources TEXT NOT NULL DEFAULT '[]',
        links TEXT NOT NULL DEFAULT '[]',
        metric TEXT,
        uid TEXT PRIMARY KEY,              -- uuid of its creation event
        declared_id TEXT NOT NULL,         -- the ID its events give it
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        withdrawn INTEGER NOT NULL DEFAULT 0,
        last_event_on TEXT NOT NULL,
        evidence_count INTEGER NOT NULL,
        conflicts TEXT                     -- JSON {field: [shown, other]} while edits conflict
    )""",
    "CREATE INDEX commitments_declared ON commitments (declared_id)",
    "CREATE INDEX commitments_area ON commitments (area, status)",
    # the few that link to others: what `show` reads to find the links into one
    "CREATE INDEX commitments_linking ON commitments (uid) WHERE links != '[]'",
    """CREATE TABLE party_ratings (
        commitment_uid TEXT NOT NULL,
        party TEXT NOT NULL,
        rating TEXT NOT NULL,
        score INTEGER,
        period TEXT,
        assessment TEXT,
        coder TEXT,
        review TEXT,
        rated_on TEXT,
        recalibrated INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (commitment_uid, party)
    )""",
    """CREATE TABLE metrics (
        commitment_uid TEXT PRIMARY KEY,
        name TEXT NOT NULL, unit TEXT, baseline REAL NOT NULL, baseline_on TEXT NOT NULL,
        target REAL, target_on TEXT, reference REAL, reference_note TEXT,
        latest REAL, latest_on TEXT
    )""",
    "CREATE TABLE retracted_events (event INTEGER PRIMARY KEY REFERENCES events(id))",
    """CREATE TABLE amended_events (
        event INTEGER PRIMARY KEY REFERENCES events(id),
        happened_on TEXT, text TEXT, sources TEXT, party TEXT, tags TEXT, stance TEXT
    )""",
    """CREATE TABLE periods (
        meeting TEXT NOT NULL REFERENCES meetings(slug),
        name TEXT NOT NULL,
        starts TEXT NOT NULL,
        ends TEXT,
        description TEXT,
        PRIMARY KEY (meeting, name)
    )""",
    # Which events the shared git repository has (track sync); local bookkeeping, not record.
    "CREATE TABLE synced (event INTEGER PRIMARY KEY REFERENCES events(id))",
    """CREATE VIRTUAL TABLE events_fts USING fts5 (
        text, sources, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE commitments_fts USING fts5 (
        id, title, summary, quote, guideline, tokenize = 'porter unicode61 remove_diacritics 2')""",
    # The events in force, with amendments applied: no retractions, nothing retracted.
    """CREATE VIEW live_events AS
       SELECT e.id, e.uuid, e.commitment_uid, c.id AS commitment, e.kind,
              coalesce(a.happened_on, e.happened_on) AS happened_on, e.recorded_at,
              e.author, e.counter, coalesce(a.text, e.text) AS text,
              coalesce(a.sources, e.sources) AS sources,
              CASE WHEN a.event IS NOT NULL THEN a.party ELSE e.party END AS party,
              e.status, e.period, e.confidence, e.evidence,
              coalesce(a.stance, e.stance) AS stance, coalesce(a.tags, e.tags) AS tags,
              e.value, e.about, e.changes
       FROM events e
       JOIN commitments c ON c.uid = e.commitment_uid
       LEFT JOIN amended_events a ON a.event = e.id
       WHERE e.kind != 'retraction' AND e.id NOT IN (SELECT event FROM retracted_events)""",
    """CREATE VIEW current_status AS
       SELECT c.id, c.meeting, c.area, c.title, c.type, c.parties, c.status,
              c.last_event_on AS last_update, c.evidence_count AS evidence, c.due,
              CAST(c.due IS NOT NULL AND c.due < date('now')
                   AND c.status NOT IN ('fulfilled', 'broken', 'violated', 'tracked')
                   AS INTEGER) AS overdue
       FROM commitments c WHERE NOT c.withdrawn""",
    """CREATE VIEW party_status AS
       SELECT c.id AS commitment, r.party, r.rating, r.score, r.period, r.coder, r.review,
              r.rated_on, c.status AS commitment_status, c.area, c.type
       FROM party_ratings r JOIN commitments c ON c.uid = r.commitment_uid
       WHERE NOT c.withdrawn""",
    """CREATE VIEW timeline AS
       SELECT coalesce(a.happened_on, e.happened_on) AS happened_on, c.id AS commitment,
              c.title AS commitment_title, c.area, e.kind, e.status, e.party, e.value,
              coalesce(a.text, e.text) AS text, coalesce(a.sources, e.sources) AS sources,
              CAST(r.event IS NOT NULL AS INTEGER) AS retracted, e.author, e.recorded_at, e.uuid
       FROM events e
       JOIN commitments c ON c.uid = e.commitment_uid
       LEFT JOIN retracted_events r ON r.event = e.id
       LEFT JOIN amended_events a ON a.event = e.id""",
    """CREATE VIEW overdue AS
       SELECT id, title, area, status, due, last_update FROM current_status WHERE overdue""",
]


STEPS: list[Callable[[Database], None]] = [
    m001_initial,
    m002_metrics,
    m003_corrections,
    m004_covering_indexes,
    m005_commitment_summary,
    m006_search_and_views,
    m007_events_are_the_record,
]
NAMES: list[str] = [step.__name__ for step in STEPS]


def build() -> Migrations:
    """Return the sqlite-utils migration set holding every step, in order."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for step in STEPS:
        migrations()(step)
    return migrations
