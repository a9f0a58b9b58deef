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


STEPS: list[Callable[[Database], None]] = [
    m001_initial,
    m002_metrics,
    m003_corrections,
    m004_covering_indexes,
    m005_commitment_summary,
    m006_search_and_views,
]
NAMES: list[str] = [step.__name__ for step in STEPS]


def build() -> Migrations:
    """Return the sqlite-utils migration set holding every step, in order."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for step in STEPS:
        migrations()(step)
    return migrations
