"""Loading many records at once: seed files and imports become a stream of rows that one
transaction checks and writes in chunks, so a million events need little memory."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracker.errors import DuplicateCommitment, InvalidDate, InvalidValue, UnknownMeeting
from tracker.model import Event

if TYPE_CHECKING:
    from tracker.seeds import SeedData
    from tracker.store import Store


def utc_now() -> str:
    """Return the current UTC time as an ISO 8601 string, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class LoadSummary:
    """What a load or import added: meetings, commitments, and events other than the
    `created` event each commitment gets."""

    meetings: int
    commitments: int
    events: int


EVENT_COLUMNS = (
    "uuid", "commitment", "kind", "happened_on", "recorded_at", "text", "source_url",
    "source_title", "party", "status", "value", "retracts", "changes",
)  # fmt: skip
COMMITMENT_COLUMNS = (
    "id", "meeting", "area", "title", "summary", "parties", "kind", "quote", "quote_by",
    "deadline", "due", "status", "created_at",
)  # fmt: skip


class Loader:
    """Checks and inserts a stream of records inside the caller's transaction."""

    CHUNK = 5_000

    def __init__(self, store: Store, *, skip_existing: bool):
        self.store, self.conn, self.skip_existing = store, store.conn, skip_existing
        self.meeting_dates = {m.slug: m.date for m in store.meetings()}
        self.commitments = dict(self.conn.execute("SELECT id, meeting FROM commitments"))
        self.measured = {row[0] for row in self.conn.execute("SELECT commitment FROM metrics")}
        self.new_ids: set[str] = set()
        self.touched: set[str] = set()
        self.pending: list[tuple[dict, str]] = []
        self.counts = {"meeting": 0, "commitment": 0, "event": 0}
        self.retractions = False
        # Index the new rows for search in one statement at the end instead of one trigger
        # call per row (ten times faster); the triggers come back in the same transaction.
        self.search_triggers = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name IN ('events_ai', 'commitments_ai')"
        ).fetchall()
        for name, _sql in self.search_triggers:
            self.conn.execute(f"DROP TRIGGER {name}")
        self.last_event = self.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
        self.seen: set[str] | None = set() if self.last_event == 0 else None
        self.pending_commitments: list[list] = []
        self.last_commitment = self.conn.execute(
            "SELECT coalesce(max(rowid), 0) FROM commitments"
        ).fetchone()[0]

    def add(self, table: str, row: dict, label: str) -> None:
        if table == "event":
            self.pending.append((row, label))
            if len(self.pending) >= self.CHUNK:
                self.flush()
        elif table == "meeting":
            if row["slug"] not in self.meeting_dates:
                self.meeting_dates[row["slug"]] = row["date"]
                self._insert("meetings", row)
                self.counts["meeting"] += 1
        elif table == "commitment":
            if row["id"] in self.commitments:
                if not self.skip_existing:
                    raise DuplicateCommitment(f"A commitment with ID {row['id']} already exists.")
                return
            if row["meeting"] not in self.meeting_dates:
                raise UnknownMeeting(
                    f"{label}: {row['id']} refers to meeting {row['meeting']!r}, "
                    "which is not loaded."
                )
            self.commitments[row["id"]] = row["meeting"]
            self.new_ids.add(row["id"])
            self.pending_commitments.append([row.get(c) for c in COMMITMENT_COLUMNS])
            if len(self.pending_commitments) >= self.CHUNK:
                self._flush_commitments()
            self.counts["commitment"] += 1
        elif table == "metric":
            self._flush_commitments()
            if row["commitment"] in self.new_ids:
                self._insert("metrics", row)
                self.measured.add(row["commitment"])
        else:  # pragma: no cover - the readers only make the tables above
            raise ValueError(f"unknown table {table!r}")

    def _insert(self, table: str, row: dict) -> None:
        self.conn.execute(
            f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )

    def _flush_commitments(self) -> None:
        if self.pending_commitments:
            self.conn.executemany(_INSERT_COMMITMENT, self.pending_commitments)
            self.pending_commitments = []

    def flush(self) -> None:
        self._flush_commitments()
        if not self.pending:
            return
        uuids = [row["uuid"] for row, _ in self.pending]
        # Events already in the database are skipped. Into a database that had none, only
        # this import's own earlier rows can repeat a UUID: a set answers, not the index.
        present = self.seen if self.seen is not None else set()
        for start in range(0, len(uuids) if self.seen is None else 0, 500):
            part = uuids[start : start + 500]
            present.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT uuid FROM events WHERE uuid IN ({', '.join('?' * len(part))})", part
                )
            )
        values = []
        for row, label in self.pending:
            if row["uuid"] in present:
                continue
            if row["kind"] == "created" and row["commitment"] not in self.new_ids:
                continue  # a commitment is made once: keep the creation already recorded
            self._check(row, label, present)
            present.add(row["uuid"])
            self.touched.add(row["commitment"])
            self.retractions = self.retractions or row["kind"] == "retraction"
            if row["kind"] != "created":
                self.counts["event"] += 1
            values.append([row.get(c) for c in EVENT_COLUMNS])
        self.conn.executemany(_INSERT_EVENT, values)
        self.pending = []

    def _check(self, e: dict, label: str, present: set[str]) -> None:
        if e["commitment"] not in self.commitments:
            raise InvalidValue(f"{label}: field 'commitment': no commitment {e['commitment']!r}.")
        made = self.meeting_dates[self.commitments[e["commitment"]]]
        if e["happened_on"] < made and e["kind"] != "retraction":
            raise InvalidDate(
                f"{label}: event on {e['happened_on']} for {e['commitment']} is before it was "
                f"made ({made})."
            )
        if e.get("value") is not None and e["commitment"] not in self.measured:
            raise InvalidValue(
                f"{label}: field 'value': {e['commitment']} has no metric to take a reading."
            )
        target = e.get("retracts")
        if target is not None and target not in present:
            found = self.conn.execute("SELECT 1 FROM events WHERE uuid = ?", [target]).fetchone()
            if not found:
                raise InvalidValue(f"{label}: field 'retracts': no earlier event {target!r}.")

    def finish(self) -> LoadSummary:
        self.flush()
        if self.search_triggers:
            self.conn.execute(
                "INSERT INTO events_fts (rowid, text, source_title) "
                "SELECT id, text, source_title FROM events WHERE id > ?",
                [self.last_event],
            )
            self.conn.execute(
                "INSERT INTO commitments_fts (rowid, title, summary, quote) "
                "SELECT rowid, title, summary, quote FROM commitments WHERE rowid > ?",
                [self.last_commitment],
            )
            for _name, sql in self.search_triggers:
                self.conn.execute(sql)
        if self.retractions:
            self.store.rebuild_retractions()
        self.store.refresh_derived(sorted(self.touched | self.new_ids))
        return LoadSummary(self.counts["meeting"], self.counts["commitment"], self.counts["event"])


_INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
)
_INSERT_COMMITMENT = (
    f"INSERT INTO commitments ({', '.join(COMMITMENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(COMMITMENT_COLUMNS))})"
)


class DryRun(Exception):
    """Rolls back a write transaction that was only checking what it would add."""

    def __init__(self, summary: LoadSummary):
        self.summary = summary


@dataclass
class Records:
    """Rows ready for the tables, as read from a seed file or an export; `labels` names each
    event (e.g. "events[3]" or "line 17") for error messages."""

    meetings: list[dict] = field(default_factory=list)
    commitments: list[dict] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def stream(self) -> Iterator[tuple[str, dict, str]]:
        """Yield (table, row, label) in the order `Store.add_records` needs."""
        for row in self.meetings:
            yield "meeting", row, f"meeting {row['slug']}"
        for row in self.commitments:
            yield "commitment", row, row["id"]
        for row in self.metrics:
            yield "metric", row, f"{row['commitment']} metric"
        for row, label in zip(self.events, self.labels, strict=True):
            yield "event", row, label


def seed_records(seed: SeedData, store: Store) -> Records:
    """Return the rows for a seed: its meetings, commitments with a `created` event each (on
    the meeting's date), metrics, and dated events."""
    now = utc_now()
    records = Records()
    for m in seed.meetings:
        records.meetings.append(
            {
                "slug": m.slug,
                "title": m.title,
                "date": m.date,
                "place": m.place,
                "parties": json.dumps(m.parties),
                "context": m.context,
                "sources": json.dumps(m.sources, ensure_ascii=False),
            }
        )
    meetings = {m.slug: (m.date, m.title) for m in store.meetings()}
    meetings.update({m.slug: (m.date, m.title) for m in seed.meetings})
    for c in seed.commitments:
        if c.meeting not in meetings:
            raise UnknownMeeting(f"{c.id} refers to meeting {c.meeting!r}, which is not loaded.")
        date, title = meetings[c.meeting]
        row = {k: v for k, v in c.__dict__.items() if k != "metric"}
        records.commitments.append({**row, "parties": json.dumps(c.parties), "created_at": now})
        if c.metric:
            records.metrics.append({"commitment": c.id, **c.metric.__dict__})
        records.labels.append(f"{c.id} (made)")
        records.events.append(
            _event_row(
                uuid=str(uuid.uuid4()),
                commitment=c.id,
                kind="created",
                happened_on=date,
                recorded_at=now,
                text=f"Made at the {title}.",
                status=c.status,
            )
        )
    for index, e in enumerate(seed.events):
        records.labels.append(f"events[{index}] ({e.commitment})")
        records.events.append(_event_row(**e.__dict__, recorded_at=now))
    return records


def _event_row(**values) -> dict:
    """Return an events row with every column, missing ones as None."""
    columns = [f.name for f in dataclasses.fields(Event) if f.name not in ("id", "retracted")]
    return {name: values.get(name) for name in columns}
