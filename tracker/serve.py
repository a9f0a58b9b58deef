"""`track serve`: the database in Datasette, described.

`metadata(store)` returns the Datasette metadata for a tracker database: its title,
description, licence and source, a description of every table, view and column, sort orders
and facets that answer the common questions, the internal tables hidden, and canned queries
(overdue, ratings by party and area, the compliance grid, evidence since a date, what is
disputed). `track serve --metadata` prints it for `datasette publish`; `serve` runs Datasette
on the database with it, when Datasette is installed (pip install 'track-summits[web]')."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tracker import __version__
from tracker.errors import TrackError
from tracker.store import Store
from tracker.vocabulary import SCORE_GROUPS, TYPES

NOT_INSTALLED = "Datasette is not installed: pip install 'track-summits[web]'"
LICENSE = "Apache-2.0"
LICENSE_URL = "https://www.apache.org/licenses/LICENSE-2.0"

_JSON = "JSON"
# Every table and view track makes: (description, {column: description}). A test checks that
# every column the schema has is described here.
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "meetings": (
        "Each meeting whose commitments are tracked, with its parties and sources.",
        {
            "slug": "How commands refer to the meeting (woodside-2023).",
            "title": "The meeting's name.",
            "date": "The day it was held (ISO date).",
            "place": "Where it was held.",
            "parties": f"{_JSON} list of the parties' codes (US, CN...).",
            "context": "What the meeting was, in a few sentences.",
            "sources": f"{_JSON} list of sources: url, title, publisher, date, class, note.",
            "party_names": f"{_JSON} object: each party code's name.",
            "groups": f"{_JSON} object: named groups of parties for reporting (G7, BRICS...).",
        },
    ),
    "periods": (
        "The compliance periods of each meeting: ratings are made for a period.",
        {
            "meeting": "The meeting's slug.",
            "name": "The period's name (interim, final, successor).",
            "starts": "First day (ISO date).",
            "ends": "The day it ends (ISO date); empty while open.",
            "description": "What the period covers.",
        },
    ),
    "events": (
        "The append-only record: every fact is an event (a commitment made, a note of "
        "evidence, a reading, a rating, a review, an edit, an amendment, a retraction). "
        "Every other table is derived from these; nothing here is ever updated or deleted.",
        {
            "id": "Row number in this database.",
            "uuid": "The event's identity, the same in every copy of the database.",
            "commitment": "The commitment's ID as it was when the event was recorded.",
            "commitment_uid": "uuid of the commitment's creation event (its identity).",
            "kind": "created, note, measure, status, assessment, approval, rejection, edit, "
            "amendment or retraction.",
            "happened_on": "The day it happened (ISO date); for a rating, the day it was made.",
            "recorded_at": "When it was entered (UTC; display only).",
            "author": "Who made it (the coder).",
            "device": "Which database it was made in.",
            "counter": "Lamport clock: orders events the same way in every copy.",
            "text": "What happened, or a rating's rationale.",
            "sources": f"{_JSON} list of sources: url (http or https), title, publisher, date, "
            "class (official, document, wire, press, analysis, mirror), note.",
            "party": "The party it concerns (US, CN...); empty for the whole commitment.",
            "status": "The rating given, for status and assessment events.",
            "period": "The compliance period a rating is made for.",
            "confidence": "A rating's confidence: high, medium or low.",
            "evidence": f"{_JSON} list of the uuids of the events a rating rests on.",
            "stance": "Whether evidence supports the commitment, disputes it or denies it.",
            "tags": f"{_JSON} list of tags.",
            "value": "A reading's value (measure events).",
            "about": "The event a retraction, amendment, approval or rejection acts on.",
            "changes": f"{_JSON} object {{field: [old, new]}} of an edit, amendment or creation.",
        },
    ),
    "commitments": (
        "Each commitment as its events make it (derived): its fields after edits, its status, "
        "its latest event and how much evidence it has.",
        {
            "id": "Its ID as shown (ID~xxxx while two commitments share an ID).",
            "meeting": "The meeting it was made at.",
            "area": "Its policy area.",
            "title": "What was promised, in a line.",
            "summary": "What was promised, in a few sentences.",
            "parties": f"{_JSON} list of the parties that made it.",
            "type": "action, quantified, assurance, principle, position or collective.",
            "formality": "joint-statement, both-readouts, one-readout or reported.",
            "quote": "The words of the readout or statement, as reported.",
            "quote_by": "Who said or published the quote.",
            "deadline": "The deadline as the sources word it.",
            "due": "The day the deadline falls on (ISO date).",
            "guideline": "What earns each rating, written before rating.",
            "personal": "1 if an assurance is a leader's personal word.",
            "sources": f"{_JSON} list of the commitment's sources.",
            "links": f"{_JSON} list of links to commitments of other meetings: to, relation.",
            "metric": f"{_JSON} object: a quantified commitment's metric.",
            "uid": "uuid of its creation event (its identity).",
            "declared_id": "The ID its events give it.",
            "status": "The rating that counts for the whole commitment, split (the parties "
            "are rated differently), disputed, or tracked.",
            "created_at": "When it was entered (UTC).",
            "withdrawn": "1 if withdrawn (kept, but left out of lists and scores).",
            "last_event_on": "The day of its latest event.",
            "evidence_count": "How many notes and readings it has.",
            "conflicts": f"{_JSON} object of fields two edits set differently.",
        },
    ),
    "party_ratings": (
        "Each party's rating that counts, with who rated it and the review (derived).",
        {
            "commitment_uid": "The commitment's uid.",
            "party": "The party.",
            "rating": "The rating that counts (or disputed, or tracked).",
            "score": "+1, 0 or -1; empty when the rating is never averaged.",
            "period": "The period the rating was made for.",
            "assessment": "uuid of the rating event that counts.",
            "coder": "Who rated it.",
            "review": "approved, rejected, or empty (not reviewed).",
            "rated_on": "The day it was rated.",
            "recalibrated": "1 if an earlier rating for the same period said otherwise.",
        },
    ),
    "metrics": (
        "Each quantified commitment's metric with its latest reading (derived).",
        {
            "commitment_uid": "The commitment's uid.",
            "name": "What is measured.",
            "unit": "Its unit.",
            "baseline": "The value at the start.",
            "baseline_on": "The day of the baseline.",
            "target": "The value promised.",
            "target_on": "The day it is promised by.",
            "reference": "A value to compare with (such as the pre-pandemic level).",
            "reference_note": "What the reference is.",
            "latest": "The latest reading.",
            "latest_on": "The day of the latest reading.",
        },
    ),
    "retracted_events": (
        "The events a retraction in force withdraws (derived).",
        {"event": "The withdrawn event's row number (events.id)."},
    ),
    "amended_events": (
        "The values amendments in force give other events (derived).",
        {
            "event": "The amended event's row number (events.id).",
            "happened_on": "Its amended date.",
            "text": "Its amended text.",
            "sources": "Its amended sources (JSON).",
            "party": "Its amended party.",
            "tags": "Its amended tags (JSON).",
            "stance": "Its amended stance.",
        },
    ),
    "live_events": (
        "The events in force, amendments applied: no retractions and nothing retracted.",
        {
            "id": "Row number (events.id).",
            "uuid": "The event's identity.",
            "commitment_uid": "The commitment's uid.",
            "commitment": "The commitment's ID as shown now.",
            "kind": "The kind of event.",
            "happened_on": "The day it happened (as amended).",
            "recorded_at": "When it was entered (UTC).",
            "author": "Who made it.",
            "counter": "Lamport clock.",
            "text": "What happened, or a rating's rationale (as amended).",
            "sources": "Its sources (JSON, as amended).",
            "party": "The party it concerns (as amended).",
            "status": "The rating given, for ratings.",
            "period": "The period a rating is made for.",
            "confidence": "A rating's confidence.",
            "evidence": "The events a rating rests on (JSON).",
            "stance": "supports, disputes or denies (as amended).",
            "tags": "Its tags (JSON, as amended).",
            "value": "A reading's value.",
            "about": "The event it acts on.",
            "changes": "An edit's changes (JSON).",
        },
    ),
    "current_status": (
        "Every commitment in force with its status, latest event and due date.",
        {
            "id": "The commitment's ID.",
            "meeting": "The meeting it was made at.",
            "area": "Its policy area.",
            "title": "What was promised.",
            "type": "Its type.",
            "parties": "Its parties (JSON).",
            "status": "Its status.",
            "last_update": "The day of its latest event.",
            "evidence": "How many notes and readings it has.",
            "due": "Its due date.",
            "overdue": "1 if due before today and still open, else 0.",
        },
    ),
    "party_status": (
        "Each party's rating of each commitment in force.",
        {
            "commitment": "The commitment's ID.",
            "party": "The party.",
            "rating": "The rating that counts.",
            "score": "+1, 0 or -1; empty when never averaged.",
            "period": "The period it was made for.",
            "coder": "Who rated it.",
            "review": "approved, rejected, or empty (not reviewed).",
            "rated_on": "The day it was rated.",
            "commitment_status": "The commitment's status.",
            "area": "The commitment's area.",
            "type": "The commitment's type.",
        },
    ),
    "timeline": (
        "Every event with its commitment, amendments applied, withdrawn ones marked.",
        {
            "happened_on": "The day it happened.",
            "commitment": "The commitment's ID.",
            "commitment_title": "The commitment's title.",
            "area": "The commitment's area.",
            "kind": "The kind of event.",
            "status": "The rating given, for ratings.",
            "party": "The party it concerns.",
            "value": "A reading's value.",
            "text": "What happened.",
            "sources": "Its sources (JSON).",
            "retracted": "1 if a retraction withdraws it, else 0.",
            "author": "Who made it.",
            "recorded_at": "When it was entered (UTC).",
            "uuid": "The event's identity.",
        },
    ),
    "overdue": (
        "Open commitments whose due date has passed.",
        {
            "id": "The commitment's ID.",
            "title": "What was promised.",
            "area": "Its area.",
            "status": "Its status.",
            "due": "Its due date.",
            "last_update": "The day of its latest event.",
        },
    ),
    "commitments_fts": (
        "Full-text index of the commitments (porter stemming): search it from the "
        "commitments table.",
        {
            "id": "The commitment's ID.",
            "title": "Its title.",
            "summary": "Its summary.",
            "quote": "Its quote.",
            "guideline": "Its guideline.",
        },
    ),
    "events_fts": (
        "Full-text index of the evidence in force (porter stemming).",
        {"text": "The event's text.", "sources": "Its sources' titles and publishers."},
    ),
    "settings": (
        "track's own settings: this database's device id and the derived tables' version.",
        {"key": "The setting.", "value": "Its value."},
    ),
    "_sqlite_migrations": (
        "The schema steps applied to this database (sqlite-utils migrations).",
        {
            "id": "Row number.",
            "migration_set": "The set of steps (track).",
            "name": "The step.",
            "applied_at": "When it was applied.",
        },
    ),
    "synced": (
        "The events this database has already shared through `track sync`.",
        {"event": "The shared event's row number (events.id)."},
    ),
    "sqlite_stat1": ("SQLite's statistics for the query planner (ANALYZE).", {}),
}
HIDDEN = (
    "_sqlite_migrations", "settings", "synced", "commitments_fts", "events_fts", "sqlite_stat1",
)  # fmt: skip
FTS_SHADOWS = ("_config", "_content", "_data", "_docsize", "_idx")
SORT = {
    "meetings": ("sort", "date"),
    "periods": ("sort", "starts"),
    "events": ("sort_desc", "happened_on"),
    "commitments": ("sort", "id"),
    "party_ratings": ("sort", "commitment_uid"),
    "live_events": ("sort_desc", "happened_on"),
    "current_status": ("sort", "id"),
    "party_status": ("sort", "commitment"),
    "timeline": ("sort_desc", "happened_on"),
    "overdue": ("sort", "due"),
}
FACETS = {
    "commitments": ["area", "type", "status"],
    "events": ["kind", "author"],
    "live_events": ["kind", "stance"],
    "current_status": ["area", "status", "overdue"],
    "party_status": ["party", "rating", "area"],
    "timeline": ["kind", "area", "retracted"],
}
LABELS = {"meetings": "title", "commitments": "title"}


def _quoted(values) -> str:
    """SQL string literals of our own vocabulary (never data)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _queries() -> dict[str, dict[str, str]]:
    deliverables = _quoted(SCORE_GROUPS["deliverables"])
    scored = _quoted(t for t in TYPES if TYPES[t].scored)
    return {
        "overdue": {
            "title": "Overdue commitments",
            "description": "Open commitments whose due date has passed, oldest deadline first.",
            "sql": "SELECT id, title, area, status, due, last_update\n"
            "FROM overdue\nORDER BY due, id",
        },
        "ratings_by_party_and_area": {
            "title": "Ratings by party and area, with coverage",
            "description": "For each party and area, how many party-items each kind of "
            "rating covers and the compliance percentage, (average score + 1) / 2 x 100, over "
            "the rated ones. Not yet rated, unclear and disputed items are left out of the "
            "average; deliverables and assurances are never pooled.",
            "sql": "SELECT party,\n"
            f"  CASE WHEN type IN ({deliverables}) THEN 'deliverables' ELSE 'assurances' END"
            " AS score_group,\n"
            "  area,\n"
            "  count(*) AS party_items,\n"
            "  count(score) AS rated,\n"
            "  count(CASE WHEN score = 1 THEN 1 END) AS kept,\n"
            "  count(CASE WHEN score = 0 THEN 1 END) AS partial_or_in_the_works,\n"
            "  count(CASE WHEN score = -1 THEN 1 END) AS not_kept,\n"
            "  count(CASE WHEN rating = 'not-yet-rated' THEN 1 END) AS not_yet_rated,\n"
            "  round((avg(score) + 1) / 2 * 100, 1) AS compliance_percent\n"
            f"FROM party_status\nWHERE type IN ({scored})\n"
            "GROUP BY party, score_group, area\nORDER BY party, score_group, area",
        },
        "compliance_grid": {
            "title": "The compliance grid",
            "description": "Each rated commitment with each party's rating that counts, its "
            "score and the commitment's average (G7/G20 Research Group style).",
            "sql": "SELECT c.meeting, c.id AS commitment, c.title, c.type, c.area,\n"
            "  json_group_object(r.party, r.rating) AS ratings,\n"
            "  json_group_object(r.party, r.score) AS scores,\n"
            "  count(r.score) AS rated,\n"
            "  round(avg(r.score), 2) AS average_score\n"
            "FROM commitments c JOIN party_ratings r ON r.commitment_uid = c.uid\n"
            f"WHERE NOT c.withdrawn AND c.type IN ({scored})\n"
            "GROUP BY c.uid\nORDER BY c.meeting, c.id",
        },
        "evidence_since": {
            "title": "Evidence since a date",
            "description": "Notes and readings in force dated on or after a day "
            "(YYYY-MM-DD), newest first, with their sources.",
            "sql": "SELECT happened_on, commitment, kind, party, stance, text, value, sources,"
            " author, uuid\n"
            "FROM live_events\n"
            "WHERE kind IN ('note', 'measure') AND happened_on >= :since\n"
            "  AND commitment_uid IN (SELECT uid FROM commitments WHERE NOT withdrawn)\n"
            "ORDER BY happened_on DESC, commitment",
        },
        "disputed": {
            "title": "Disputed items",
            "description": "Party-items whose coders disagree (left out of averages until a "
            "reviewer settles them), and evidence that disputes or denies a commitment.",
            "sql": "SELECT commitment, party, 'coders disagree' AS what, rated_on AS day,"
            " NULL AS text, NULL AS sources\n"
            "FROM party_status WHERE rating = 'disputed'\n"
            "UNION ALL\n"
            "SELECT commitment, party, 'evidence that ' || stance || ' it', happened_on, text,"
            " sources\n"
            "FROM live_events WHERE stance IN ('disputes', 'denies')\n"
            "  AND commitment_uid IN (SELECT uid FROM commitments WHERE NOT withdrawn)\n"
            "ORDER BY day DESC, commitment",
        },
    }


def _schema(store: Store) -> dict[str, list[str]]:
    """{table or view: its columns}, for every table and view in the file."""
    names = [
        row[0]
        for row in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
        )
    ]
    return {
        name: [row[1] for row in store.conn.execute("SELECT * FROM pragma_table_info(?)", [name])]
        for name in names
    }


def _title(store: Store) -> str:
    from tracker.site import site_title

    return site_title([m.as_record() for m in store.meetings()])


def metadata(
    store: Store,
    *,
    title: str | None = None,
    license: str = LICENSE,  # noqa: A002 - Datasette's key
    license_url: str | None = LICENSE_URL,
    source: str | None = None,
    source_url: str | None = None,
) -> dict[str, Any]:
    """Return Datasette metadata for the database: what it is, every table, view and column
    described, sort orders and facets, internal tables hidden, and canned queries."""
    schema = _schema(store)
    meetings = store.meetings()
    listed = "; ".join(f"{m.title}, {m.date}" for m in meetings) or "no meetings yet"
    description = (
        f"Whether the commitments made at summit meetings are kept ({listed}): every "
        "commitment, each party's rating per compliance period with its rationale, coder "
        "and review, and the dated evidence behind it with its sources. The events table is "
        "the record; the other tables and the views are derived from it. Compliance figures "
        "leave out what is not yet rated and say how much they cover."
    )
    tables: dict[str, Any] = {}
    for name, columns in schema.items():
        entry: dict[str, Any] = {}
        shadow = next(
            (base for base in ("commitments_fts", "events_fts") if name.startswith(base + "_")),
            None,
        )
        if shadow is not None and name[len(shadow) :] in FTS_SHADOWS:
            entry["description"] = f"SQLite's internal storage for the {shadow} index."
            entry["hidden"] = True
            tables[name] = entry
            continue
        described, column_text = TABLES.get(name, (None, {}))
        if described:
            entry["description"] = described
        found = {c: column_text[c] for c in columns if c in column_text}
        if found:
            entry["columns"] = found
        if name in SORT:
            key, column = SORT[name]
            if column in columns:
                entry[key] = column
        if name in FACETS:
            entry["facets"] = [c for c in FACETS[name] if c in columns]
        if name in LABELS:
            entry["label_column"] = LABELS[name]
        if name in HIDDEN:
            entry["hidden"] = True
        tables[name] = entry
    if "commitments" in tables and "commitments_fts" in schema:
        tables["commitments"]["fts_table"] = "commitments_fts"
        tables["commitments"]["fts_pk"] = "rowid"
    if "events" in tables and "events_fts" in schema:
        tables["events"]["fts_table"] = "events_fts"
        tables["events"]["fts_pk"] = "id"
    database: dict[str, Any] = {
        "description": description,
        "tables": tables,
        "queries": _queries(),
    }
    found_title = title or _title(store)
    result: dict[str, Any] = {
        "title": found_title,
        "description": description,
        "license": license,
    }
    if license_url:
        result["license_url"] = license_url
    result["source"] = source or f"Recorded with track {__version__}; every event cites its sources"
    if source_url:
        result["source_url"] = source_url
    result["about"] = "track: summit commitments, sourced evidence and ratings"
    result["databases"] = {store.path.stem: database}
    return result


def metadata_json(store: Store, **options: Any) -> str:
    """The metadata as the JSON file Datasette reads (stable: same database, same text)."""
    return json.dumps(metadata(store, **options), indent=2, ensure_ascii=False) + "\n"


def datasette_installed() -> bool:
    return importlib.util.find_spec("datasette") is not None


def serve(
    path: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    metadata_path: Path | None = None,
    extra: list[str] | None = None,
) -> int:
    """Run Datasette on the database at `path` until it is stopped (Ctrl-C); return its exit
    status. With no `metadata_path`, the metadata is generated into a temporary file for the
    run. Raise TrackError when Datasette is not installed."""
    if not datasette_installed():
        raise TrackError(NOT_INSTALLED)
    _check_address(host, port)
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="track-serve-") as scratch:
        if metadata_path is None:
            store = Store.open(path)
            try:
                text = metadata_json(store)
            finally:
                store.close()
            metadata_path = Path(scratch) / "metadata.json"
            metadata_path.write_text(text, encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(path),
            "--host",
            host,
            "--port",
            str(port),
            "--metadata",
            str(metadata_path),
            *(extra or []),
        ]
        try:
            return subprocess.run(command, check=False).returncode
        except KeyboardInterrupt:
            return 130


def _check_address(host: str, port: int) -> None:
    """Raise TrackError unless `host` resolves and `port` can be listened on there (Datasette
    itself reports such failures in a traceback and exits 0)."""
    import socket

    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise TrackError(
            f"Cannot listen on {host!r}: {getattr(error, 'strerror', None) or error}."
        ) from None
    family, kind, proto, _name, address = found[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        raise TrackError(
            f"Cannot listen on {host} port {port}: {error.strerror or error}. Choose another "
            "--port, or stop what is using it."
        ) from None
