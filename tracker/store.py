"""The SQLite store: opening and migrating the file, reading commitments and events, and
appending evidence. Every status change is an event; no event row is ever updated or deleted."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tracker import migrations
from tracker.dates import Duration
from tracker.errors import (
    InvalidDate,
    InvalidValue,
    NotADatabase,
    UnknownCommitment,
    UnknownMeeting,
)
from tracker.loading import DryRun, Loader, LoadSummary, Records, seed_records, utc_now
from tracker.model import Commitment, Event, Meeting, Metric, StatusRow, as_dict
from tracker.vocabulary import (
    check_kind,
    check_new_id,
    check_party,
    check_status,
    check_text,
    natural_key,
    number,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

    from tracker.seeds import SeedData

SQLITE_HEADER = b"SQLite format 3\x00"
EVIDENCE_KINDS = "('note', 'status', 'measure')"
DUE_SOON = Duration(30, "days")
# The status of commitment `c` on :as_of: that of its latest whole-commitment status event.
_STATUS_ON = """(
    SELECT e.status FROM live_events e
    WHERE e.commitment = c.id AND e.party IS NULL AND e.status IS NOT NULL
      AND e.happened_on <= :as_of
    ORDER BY e.happened_on DESC, e.id DESC LIMIT 1)"""
BUSY_TIMEOUT_MS = 10_000


class Unset:
    """Marks an argument that was not given (where None means "clear this value")."""


UNSET = Unset()


def check_database_file(path: Path) -> bool:
    """Return True if `path` holds an SQLite database, False if there is none yet.

    Raise NotADatabase, without touching the file, if it is something else."""
    if path.is_dir():
        raise NotADatabase(f"{path} is a folder, not a database file.")
    if not path.exists():
        if not path.parent.is_dir():
            raise NotADatabase(f"Cannot create {path}: folder {path.parent} does not exist.")
        return False
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise NotADatabase(f"Cannot read {path}: {error.strerror}.") from None
    if not header:
        return False
    if header != SQLITE_HEADER:
        raise NotADatabase(f"{path} is not an SQLite database; it was left untouched.")
    return True


class Store:
    """A tracker database: meetings, commitments and their event timelines."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._db: Database | None = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> Store:
        """Return the store at `path`, creating the file and applying pending migrations.

        Writers wait up to `busy_timeout` seconds for one another before giving up."""
        path = Path(path)
        check_database_file(path)
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, timeout=busy_timeout)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            store = cls(conn, path)
            store._migrate()
        except sqlite3.DatabaseError as error:
            raise NotADatabase(f"Cannot use {path} as a database: {error}.") from None
        return store

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def _migrate(self) -> None:
        applied = self._applied_migrations()
        unknown = [name for name in applied if name not in migrations.NAMES]
        if unknown:
            raise NotADatabase(
                f"{self.path} was written by a newer version of track (schema step {unknown[0]}); "
                "upgrade track to use it. The file was not changed."
            )
        if len(applied) < len(migrations.NAMES):
            with self._writing():  # one process migrates; the others wait, then find it done
                if len(self._applied_migrations()) < len(migrations.NAMES):
                    migrations.build().apply(self.db)

    def _applied_migrations(self) -> list[str]:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        if not exists:
            return []
        rows = self.conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id",
            [migrations.MIGRATION_SET],
        )
        return [row["name"] for row in rows]

    @property
    def db(self) -> Database:
        """The sqlite-utils view of the same connection, for schema work and bulk writes."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Run the block in one write transaction, taken up front so writers queue, not fail."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def backup(self, target: Path) -> None:
        """Write a consistent copy of the database to `target` with SQLite's backup API (safe
        while other processes write); refuse to overwrite an existing file."""
        target = Path(target)
        if target.exists():
            raise InvalidValue(f"{target} already exists; choose a new file for the backup.")
        if not target.parent.is_dir():
            raise InvalidValue(f"Cannot write {target}: folder {target.parent} does not exist.")
        try:
            copy = sqlite3.connect(str(target))
        except sqlite3.Error as error:
            raise InvalidValue(f"Cannot write {target}: {error}.") from None
        try:
            self.conn.backup(copy)
        except sqlite3.Error as error:
            copy.close()
            target.unlink(missing_ok=True)
            raise InvalidValue(f"Cannot write {target}: {error}.") from None
        copy.close()

    # ------------------------------------------------------------------ meetings

    def meetings(self) -> list[Meeting]:
        """Return every meeting, oldest first."""
        rows = self.conn.execute("SELECT * FROM meetings ORDER BY date, slug")
        return [_meeting(row) for row in rows]

    def meeting(self, slug: str) -> Meeting:
        """Return one meeting, or raise UnknownMeeting listing the known slugs."""
        row = self.conn.execute(
            "SELECT * FROM meetings WHERE slug = ?", [slug.strip().lower()]
        ).fetchone()
        if row is None:
            known = ", ".join(m.slug for m in self.meetings()) or "none yet"
            raise UnknownMeeting(f"No meeting {slug!r}. Meetings: {known}.")
        return _meeting(row)

    # ------------------------------------------------------------------ commitments

    def count_commitments(self) -> int:
        """Return how many commitments the database holds."""
        return self.conn.execute("SELECT count(*) FROM commitments").fetchone()[0]

    def commitment_ids(self) -> list[str]:
        """Return every commitment ID in natural order."""
        rows = self.conn.execute("SELECT id FROM commitments")
        return sorted((row[0] for row in rows), key=natural_key)

    def areas(self) -> list[str]:
        """Return the areas in use, alphabetically."""
        rows = self.conn.execute("SELECT DISTINCT area FROM commitments ORDER BY area")
        return [row[0] for row in rows]

    def resolve_id(self, text: str) -> str:
        """Return the stored ID matching `text` (any case), or raise UnknownCommitment."""
        wanted = (text or "").strip().upper()
        try:
            wanted.encode("utf-8")
        except UnicodeEncodeError:
            raise UnknownCommitment(text, []) from None
        row = self.conn.execute("SELECT id FROM commitments WHERE id = ?", [wanted]).fetchone()
        if row:
            return row[0]
        suggestions = difflib.get_close_matches(wanted, self.commitment_ids(), n=3, cutoff=0.6)
        raise UnknownCommitment(text, suggestions)

    def commitment(self, commitment_id: str) -> Commitment:
        """Return one commitment by ID (any case), or raise UnknownCommitment."""
        resolved = self.resolve_id(commitment_id)
        row = self.conn.execute("SELECT * FROM commitments WHERE id = ?", [resolved]).fetchone()
        return _commitment(row)

    def commitments(self, *, area: str | None = None) -> dict[str, Commitment]:
        """Return every commitment (or those of one area) by ID, in natural ID order."""
        if area is None:
            rows = self.conn.execute("SELECT * FROM commitments").fetchall()
        else:
            rows = self.conn.execute("SELECT * FROM commitments WHERE area = ?", [area]).fetchall()
        found = {row["id"]: _commitment(row) for row in rows}
        return {cid: found[cid] for cid in sorted(found, key=natural_key)}

    def state(self, commitment_id: str, *, as_of: dt.date) -> StatusRow:
        """Return one commitment's status row as it stood on `as_of`."""
        rows = self.status_rows(as_of=as_of, commitment_id=commitment_id)
        if not rows:
            commitment = self.commitment(commitment_id)
            made = self.meeting(commitment.meeting).date
            raise InvalidDate(f"{commitment.id} was made on {made}, after {as_of.isoformat()}.")
        return rows[0]

    def _own_party_statuses(
        self, as_of: dt.date, *, commitment_id: str | None = None
    ) -> dict[tuple[str, str], str]:
        """Return {(commitment, party): status} from each party's latest own status event."""
        # all commitments: through the party index; one: through its timeline
        index = "events_party_status" if commitment_id is None else "events_timeline"
        sql = f"""
            SELECT commitment, party, status, happened_on, id
            FROM events INDEXED BY {index}
            WHERE party IS NOT NULL AND status IS NOT NULL AND happened_on <= :as_of
              AND kind != 'retraction' AND id NOT IN (SELECT event FROM retracted_events)
        """
        if commitment_id is not None:
            sql += " AND commitment = :id"
        rows = self.conn.execute(sql, {"as_of": as_of.isoformat(), "id": commitment_id})
        latest = sorted(rows, key=lambda r: (r[3], r[4]))  # by date, then as recorded
        return {(row[0], row[1]): row[2] for row in latest}

    def first_meeting_date(self) -> dt.date | None:
        """Return the date of the earliest meeting, or None when there are no meetings."""
        row = self.conn.execute("SELECT min(date) FROM meetings").fetchone()
        return dt.date.fromisoformat(row[0]) if row[0] else None

    def check_as_of(self, as_of: dt.date) -> None:
        """Raise InvalidDate if `as_of` is before the first meeting: nothing existed then."""
        first = self.first_meeting_date()
        if first is not None and as_of < first:
            raise InvalidDate(
                f"--as-of {as_of.isoformat()} is before the first meeting ({first.isoformat()}); "
                "there is nothing to show then."
            )

    def status_rows(
        self,
        *,
        as_of: dt.date,
        commitment_id: str | None = None,
        area: str | None = None,
        party: str | None = None,
        statuses: Sequence[str] = (),
        kind: str | None = None,
        meeting: str | None = None,
        overdue: bool = False,
        due_within: Duration | None = None,
        stale_before: dt.date | None = None,
    ) -> list[StatusRow]:
        """Return one row per commitment as it stood on `as_of`, matching every filter given,
        in natural ID order.

        Only events dated on or before `as_of` count. With `party`, rows show that party's
        status and the status filter applies to it."""
        self.check_as_of(as_of)
        where, params = ["m.date <= :as_of"], {"as_of": as_of.isoformat()}
        if commitment_id is not None:
            where.append("c.id = :id")
            params["id"] = self.resolve_id(commitment_id)
        if area is not None:
            area = area.strip().lower()
            if area not in self.areas():
                raise InvalidValue(f"Unknown area {area!r}. Areas: {', '.join(self.areas())}.")
            where.append("c.area = :area")
            params["area"] = area
        if party is not None:
            party = check_party(party)
            where.append("EXISTS (SELECT 1 FROM json_each(c.parties) WHERE value = :party)")
            params["party"] = party
        if kind is not None:
            where.append("c.kind = :kind")
            params["kind"] = check_kind(kind)
        if meeting is not None:
            where.append("c.meeting = :meeting")
            params["meeting"] = self.meeting(meeting).slug
        wanted_statuses = {check_status(s) for s in statuses}
        latest = self.conn.execute("SELECT max(happened_on) FROM events").fetchone()[0]
        if latest is None or latest <= as_of.isoformat():
            # after every event: the columns kept up to date on each write are the answer
            derived = "c.status, c.last_event_on, c.evidence_count"
        else:
            derived = f"""{_STATUS_ON},
                (SELECT max(e.happened_on) FROM live_events e
                 WHERE e.commitment = c.id AND e.kind != 'edit' AND e.happened_on <= :as_of),
                (SELECT count(*) FROM live_events e
                 WHERE e.commitment = c.id AND e.kind IN {EVIDENCE_KINDS}
                   AND e.happened_on <= :as_of)"""
        sql = f"""
            SELECT c.id, c.meeting, c.area, c.title, c.parties, c.kind, c.due, {derived}
            FROM commitments c JOIN meetings m ON m.slug = c.meeting
            WHERE {" AND ".join(where)}
        """
        as_of_iso = as_of.isoformat()
        soon_iso = DUE_SOON.after(as_of).isoformat()
        within_iso = due_within.after(as_of).isoformat() if due_within else None
        stale_iso = stale_before.isoformat() if stale_before else None
        own = self._own_party_statuses(as_of, commitment_id=params.get("id"))
        parsed: dict[str, list[str]] = {}  # the few distinct party lists, parsed once each
        result = []
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: the fastest rows sqlite3 makes
        for (
            cid,
            meeting_slug,
            area_,
            title,
            parties_json,
            kind_,
            due,
            status_,
            last,
            count,
        ) in cursor.execute(sql, params):
            parties = parsed.get(parties_json)
            if parties is None:
                parties = parsed[parties_json] = json.loads(parties_json)
            by_party = {p: own.get((cid, p), status_) for p in parties}
            status = by_party[party] if party else status_
            open_ = status != "fulfilled" and due is not None
            is_overdue = open_ and due < as_of_iso
            if wanted_statuses and status not in wanted_statuses:
                continue
            if overdue and not is_overdue:
                continue
            if within_iso and not (open_ and due <= within_iso):
                continue
            if stale_iso and last >= stale_iso:
                continue
            result.append(
                StatusRow(
                    id=cid,
                    meeting=meeting_slug,
                    area=area_,
                    title=title,
                    parties=parties,
                    kind=kind_,
                    status=status,
                    party_statuses=by_party,
                    last_update=last,
                    evidence=count,
                    due=due,
                    overdue=is_overdue,
                    due_soon=open_ and as_of_iso <= due <= soon_iso,
                )
            )
        result.sort(key=lambda r: natural_key(r.id))
        return result

    # ------------------------------------------------------------------ events

    def events(
        self,
        commitment_id: str | None = None,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: int | None = None,
        newest_first: bool = True,
        with_status: bool = False,
        include_retracted: bool = False,
        area: str | None = None,
    ) -> list[Event]:
        """Return events, optionally for one commitment, dated between `since` and `until`
        (inclusive), or only those that carry a status.

        Retracted events and the retractions themselves are left out unless
        `include_retracted`; each event says whether it is retracted."""
        where, params = [], []
        if commitment_id is not None:
            where.append("e.commitment = ?")
            params.append(self.resolve_id(commitment_id))
        if since is not None:
            where.append("e.happened_on >= ?")
            params.append(since.isoformat())
        if until is not None:
            where.append("e.happened_on <= ?")
            params.append(until.isoformat())
        if with_status:
            where.append("e.status IS NOT NULL")
        if area is not None:
            where.append("e.commitment IN (SELECT id FROM commitments WHERE area = ?)")
            params.append(area)
        if not include_retracted:
            where.append("e.kind != 'retraction' AND r.event IS NULL")
        order = "DESC" if newest_first else "ASC"
        sql = """
            SELECT e.*, r.event IS NOT NULL AS retracted
            FROM events e LEFT JOIN retracted_events r ON r.event = e.id
        """
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY e.happened_on {order}, e.id {order}"
        if limit is not None:
            if limit < 1:
                raise InvalidValue(f"The limit must be at least 1, not {limit}.")
            sql += " LIMIT ?"
            params.append(limit)
        return [_event(row) for row in self.conn.execute(sql, params)]

    def latest_evidence(self, *, as_of: dt.date, area: str | None = None) -> dict[str, Event]:
        """Return, per commitment (of one area, if given), its most recent note, reading or
        status change on `as_of`."""
        rows = self.conn.execute(
            f"""
            SELECT * FROM events WHERE id IN (
                SELECT (SELECT e.id FROM live_events e
                        WHERE e.commitment = c.id AND e.kind IN {EVIDENCE_KINDS}
                          AND e.happened_on <= :as_of
                        ORDER BY e.happened_on DESC, e.id DESC LIMIT 1)
                FROM commitments c WHERE :area IS NULL OR c.area = :area)
            """,
            {"as_of": as_of.isoformat(), "area": area},
        )
        return {row["commitment"]: _event(row) for row in rows}

    def add_note(
        self,
        commitment_id: str,
        text: str,
        *,
        on: dt.date,
        today: dt.date,
        source_url: str | None = None,
        source_title: str | None = None,
        party: str | None = None,
    ) -> Event:
        """Append a piece of evidence to a commitment's timeline and return it."""
        return self._append(
            commitment_id,
            "note",
            text=check_text(text, "note text"),
            on=on,
            today=today,
            source_url=source_url,
            source_title=source_title,
            party=party,
        )

    def set_status(
        self,
        commitment_id: str,
        status: str,
        *,
        on: dt.date,
        today: dt.date,
        reason: str | None = None,
        source_url: str | None = None,
        source_title: str | None = None,
        party: str | None = None,
    ) -> Event:
        """Record a status change (for the whole commitment, or one party's side) and return it."""
        status = check_status(status)
        commitment = self.commitment(commitment_id)
        if party is None:
            current = commitment.status
            whose = commitment.id
        else:
            party = self._check_party_of(commitment, party)
            current = self.state(commitment.id, as_of=today).party_statuses[party]
            whose = f"{commitment.id} ({party})"
        if current == status:
            raise InvalidValue(
                f"{whose} is already {status}; use `track note` to add evidence without a change."
            )
        if reason is not None:
            reason = check_text(reason, "reason")
        return self._append(
            commitment.id,
            "status",
            text=reason,
            on=on,
            today=today,
            source_url=source_url,
            source_title=source_title,
            party=party,
            status=status,
        )

    def add_measure(
        self,
        commitment_id: str,
        value: float,
        *,
        on: dt.date,
        today: dt.date,
        text: str | None = None,
        source_url: str | None = None,
        source_title: str | None = None,
    ) -> Event:
        """Record a reading of a commitment's metric and return the event."""
        commitment = self.commitment(commitment_id)
        metric = self.metric(commitment.id)
        if metric is None:
            raise InvalidValue(
                f"{commitment.id} has no metric to measure; only commitments with a "
                "quantitative target take readings."
            )
        if (
            not isinstance(value, int | float)
            or value != value
            or value
            in (
                float("inf"),
                float("-inf"),
            )
        ):
            raise InvalidValue(f"The value {value!r} is not a number.")
        return self._append(
            commitment.id,
            "measure",
            text=_optional_text(text, "note") or f"{metric.name}: {number(float(value))}",
            on=on,
            today=today,
            source_url=source_url,
            source_title=source_title,
            party=None,
            value=float(value),
        )

    def metric(self, commitment_id: str, *, as_of: dt.date | None = None) -> Metric | None:
        """Return a commitment's metric with its latest reading on `as_of` (default: any)."""
        found = self.metrics(as_of=as_of, commitment_id=commitment_id)
        return found.get(commitment_id)

    def metrics(
        self,
        *,
        as_of: dt.date | None = None,
        commitment_id: str | None = None,
        area: str | None = None,
    ) -> dict[str, Metric]:
        """Return every metric by commitment (one, or those of an area), each with its latest
        reading on `as_of`."""
        sql = """
            SELECT m.*,
                (SELECT e.value FROM live_events e
                 WHERE e.commitment = m.commitment AND e.value IS NOT NULL
                   AND e.happened_on <= :as_of
                 ORDER BY e.happened_on DESC, e.id DESC LIMIT 1) AS latest,
                (SELECT e.happened_on FROM live_events e
                 WHERE e.commitment = m.commitment AND e.value IS NOT NULL
                   AND e.happened_on <= :as_of
                 ORDER BY e.happened_on DESC, e.id DESC LIMIT 1) AS latest_on
            FROM metrics m
        """
        if commitment_id is not None:
            sql += " WHERE m.commitment = :id"
        elif area is not None:
            sql += " WHERE m.commitment IN (SELECT id FROM commitments WHERE area = :area)"
        params = {"as_of": (as_of or dt.date.max).isoformat(), "id": commitment_id, "area": area}
        return {row["commitment"]: Metric(**dict(row)) for row in self.conn.execute(sql, params)}

    def _append(
        self,
        commitment_id: str,
        kind: str,
        *,
        text: str | None,
        on: dt.date,
        today: dt.date,
        source_url: str | None,
        source_title: str | None,
        party: str | None,
        status: str | None = None,
        value: float | None = None,
    ) -> Event:
        commitment = self.commitment(commitment_id)
        if party is not None:
            party = self._check_party_of(commitment, party)
        if on > today:
            raise InvalidDate(f"The date {on.isoformat()} is in the future (today is {today}).")
        meeting_date = self.meeting(commitment.meeting).date
        if on.isoformat() < meeting_date:
            raise InvalidDate(
                f"The date {on.isoformat()} is before {commitment.id} was made ({meeting_date})."
            )
        source_url = _optional_text(source_url, "source URL")
        source_title = _optional_text(source_title, "source title")
        if text is not None and "\x00" in text:
            raise InvalidValue("The text contains a NUL byte.")
        event = Event(
            uuid=str(uuid.uuid4()),
            commitment=commitment.id,
            kind=kind,
            happened_on=on.isoformat(),
            recorded_at=utc_now(),
            text=text,
            source_url=source_url,
            source_title=source_title,
            party=party,
            status=status,
            value=value,
        )
        with self._writing():
            cursor = self._insert_event(event)
            self.refresh_derived([commitment.id])
        return dataclasses.replace(event, id=cursor.lastrowid)

    def _insert_event(self, event: Event) -> sqlite3.Cursor:
        values = {k: v for k, v in as_dict(event).items() if k not in ("id", "retracted")}
        return self.conn.execute(
            f"INSERT INTO events ({', '.join(values)}) VALUES "
            f"({', '.join(':' + k for k in values)})",
            values,
        )

    def _check_party_of(self, commitment: Commitment, party: str) -> str:
        party = check_party(party)
        if party not in commitment.parties:
            raise InvalidValue(
                f"{commitment.id} is a commitment of {', '.join(commitment.parties)} only, "
                f"not {party}."
            )
        return party

    def refresh_derived(self, commitment_ids: Sequence[str]) -> None:
        """Recompute each commitment's derived columns from its events in force: status (that
        of its latest whole-commitment status event), date of the latest event, and number of
        evidence events."""
        if len(commitment_ids) <= 50:
            self.conn.executemany(
                migrations.SUMMARY_UPDATE + " WHERE id = ?", [[cid] for cid in commitment_ids]
            )
        else:  # one statement: three times faster than a statement per commitment
            self.conn.execute(
                migrations.SUMMARY_UPDATE + " WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(list(commitment_ids))],
            )

    # ------------------------------------------------------------------ search

    def search(self, query: str, *, area: str | None = None, limit: int = 20) -> list[dict]:
        """Return the best matches for an FTS5 query among commitments (title, summary,
        quote) and evidence in force (text, source title), best first, each with a snippet
        marking the matched words with ** **."""
        query = check_text(query, "search")
        if limit < 1:
            raise InvalidValue(f"The limit must be at least 1, not {limit}.")
        if area is not None:
            area = area.strip().lower()
            if area not in self.areas():
                raise InvalidValue(f"Unknown area {area!r}. Areas: {', '.join(self.areas())}.")
        sql = """
            SELECT * FROM (
                SELECT c.id AS commitment, NULL AS happened_on, 'commitment' AS found_in,
                       c.title, c.area,
                       snippet(commitments_fts, -1, '**', '**', '…', 12) AS snippet,
                       bm25(commitments_fts) AS rank, NULL AS event
                FROM commitments_fts JOIN commitments c ON c.rowid = commitments_fts.rowid
                WHERE commitments_fts MATCH :query AND (:area IS NULL OR c.area = :area)
                UNION ALL
                SELECT e.commitment, e.happened_on, e.kind, c.title, c.area,
                       snippet(events_fts, -1, '**', '**', '…', 12),
                       bm25(events_fts), e.uuid
                FROM events_fts JOIN live_events e ON e.id = events_fts.rowid
                JOIN commitments c ON c.id = e.commitment
                WHERE events_fts MATCH :query AND (:area IS NULL OR c.area = :area)
            )
            ORDER BY rank, happened_on DESC LIMIT :limit
        """
        try:
            rows = self.conn.execute(sql, {"query": query, "area": area, "limit": limit})
            return [
                {
                    "commitment": r["commitment"],
                    "happened_on": r["happened_on"],
                    "found_in": r["found_in"],
                    "title": r["title"],
                    "area": r["area"],
                    "snippet": " ".join(r["snippet"].split()),
                    "rank": round(r["rank"], 4),
                    "event": r["event"],
                }
                for r in rows
            ]
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise
            raise InvalidValue(
                f'Cannot search for {query!r} ({error}). Use words, "a phrase", prefix*, '
                "AND, OR, NOT and parentheses."
            ) from None

    # ------------------------------------------------------------------ corrections

    def find_event(self, ref: str) -> Event:
        """Return the event whose UUID starts with `ref` (at least 4 characters)."""
        ref = (ref or "").strip().lower()
        if len(ref) < 4 or not all(ch in "0123456789abcdef-" for ch in ref):
            raise InvalidValue(
                f"Invalid event reference {ref!r}: give the first characters (4 or more) of its "
                "ID, as shown by `track log`."
            )
        rows = self.conn.execute(
            """
            SELECT e.*, r.event IS NOT NULL AS retracted
            FROM events e LEFT JOIN retracted_events r ON r.event = e.id
            WHERE e.uuid >= :ref AND e.uuid < :ref || 'g' LIMIT 2
            """,
            {"ref": ref},
        ).fetchall()
        if not rows:
            raise InvalidValue(f"No event with an ID starting {ref!r}. See `track log`.")
        if len(rows) > 1:
            raise InvalidValue(f"More than one event has an ID starting {ref!r}; give more of it.")
        return _event(rows[0])

    def undo(
        self, event_ref: str | None = None, *, today: dt.date, reason: str | None = None
    ) -> tuple[Event, Event]:
        """Retract an event (by default the latest one recorded that is still in force) by
        appending a retraction; return (retraction, retracted event).

        Nothing is deleted: the status and reports are recomputed without the retracted event.
        Retracting a retraction puts its event back in force."""
        if event_ref is None:
            row = self.conn.execute(
                """
                SELECT * FROM live_events WHERE kind != 'created' ORDER BY id DESC LIMIT 1
                """
            ).fetchone()
            if row is None:
                raise InvalidValue("Nothing to undo: no note, status change or edit is in force.")
            target = _event(row)
        else:
            target = self.find_event(event_ref)
        if target.kind == "created":
            raise InvalidValue(
                f"Event {target.uuid[:8]} records that {target.commitment} was made; it cannot be "
                "retracted. Correct the commitment with `track edit` instead."
            )
        if target.retracted:
            raise InvalidValue(
                f"Event {target.uuid[:8]} is already retracted; to restore it, undo the retraction "
                "(see `track log`)."
            )
        if reason is not None:
            reason = check_text(reason, "reason")
        what = f"{target.kind} of {target.happened_on}"
        retraction = Event(
            uuid=str(uuid.uuid4()),
            commitment=target.commitment,
            kind="retraction",
            happened_on=today.isoformat(),
            recorded_at=utc_now(),
            text=reason or f"Retracted the {what} ({target.uuid[:8]}).",
            retracts=target.uuid,
        )
        with self._writing():
            cursor = self._insert_event(retraction)
            self.rebuild_retractions()
            self._reapply_edits(target)
            self.refresh_derived([target.commitment])
        return dataclasses.replace(retraction, id=cursor.lastrowid), target

    def rebuild_retractions(self) -> None:
        """Recompute which events are withdrawn: a retraction in force withdraws its target;
        a retraction is in force unless withdrawn by a later one."""
        rows = self.conn.execute(
            """
            SELECT r.id, t.id AS target FROM events r JOIN events t ON t.uuid = r.retracts
            WHERE r.kind = 'retraction' ORDER BY r.id DESC
            """
        ).fetchall()
        withdrawn: dict[int, int] = {}
        for row in rows:  # newest first: whether a retraction is in force is already known
            if row["id"] not in withdrawn and row["target"] not in withdrawn:
                withdrawn[row["target"]] = row["id"]
        self.conn.execute("DELETE FROM retracted_events")
        self.conn.executemany(
            "INSERT INTO retracted_events (event, retraction) VALUES (?, ?)", withdrawn.items()
        )

    def _reapply_edits(self, changed: Event) -> None:
        """After a retraction involving an edit, set the commitment's fields to what the edits
        still in force say, starting from the values before the first edit."""
        if changed.kind not in ("edit", "retraction"):
            return
        edits = self.conn.execute(
            "SELECT * FROM events WHERE commitment = ? AND kind = 'edit' ORDER BY id",
            [changed.commitment],
        ).fetchall()
        if not edits:
            return
        live = {
            row[0]
            for row in self.conn.execute(
                "SELECT id FROM live_events WHERE commitment = ? AND kind = 'edit'",
                [changed.commitment],
            )
        }
        values: dict[str, object] = {}
        for row in edits:  # the original value of each field is the "old" of its first edit
            for name, (old, _new) in json.loads(row["changes"]).items():
                values.setdefault(name, old)
        for row in edits:
            if row["id"] in live:
                for name, (_old, new) in json.loads(row["changes"]).items():
                    values[name] = new
        self._write_fields(changed.commitment, values)

    def _write_fields(self, commitment_id: str, values: dict[str, object]) -> None:
        columns = {name: json.dumps(v) if name == "parties" else v for name, v in values.items()}
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        self.conn.execute(
            f"UPDATE commitments SET {assignments} WHERE id = :id", {**columns, "id": commitment_id}
        )

    def edit(
        self,
        commitment_id: str,
        *,
        today: dt.date,
        title: str | None = None,
        summary: str | None = None,
        area: str | None = None,
        deadline: str | None = None,
        due: dt.date | None | Unset = UNSET,
        parties: Sequence[str] | None = None,
        reason: str | None = None,
    ) -> Event:
        """Change a commitment's title, summary, area, deadline, due date or parties, recording
        the old and new values as an edit event; return the event."""
        commitment = self.commitment(commitment_id)
        wanted: dict[str, object] = {}
        if title is not None:
            wanted["title"] = check_text(title, "title")
        if summary is not None:
            wanted["summary"] = check_text(summary, "summary")
        if area is not None:
            wanted["area"] = check_text(area, "area").lower()
        if deadline is not None:
            wanted["deadline"] = check_text(deadline, "deadline")
        if not isinstance(due, Unset):
            wanted["due"] = due.isoformat() if due else None
        if parties is not None:
            if not parties:
                raise InvalidValue("Give at least one party.")
            wanted["parties"] = list(dict.fromkeys(check_party(p) for p in parties))
        if not wanted:
            raise InvalidValue("Nothing to change: give --title, --summary, --due, --party, ...")
        current = commitment.__dict__
        changes = {k: [current[k], v] for k, v in wanted.items() if current[k] != v}
        if not changes:
            raise InvalidValue(f"{commitment.id} already has these values; nothing changed.")
        if reason is not None:
            reason = check_text(reason, "reason")
        names = ", ".join(changes)
        event = Event(
            uuid=str(uuid.uuid4()),
            commitment=commitment.id,
            kind="edit",
            happened_on=today.isoformat(),
            recorded_at=utc_now(),
            text=f"Changed {names}" + (f": {reason}" if reason else "."),
            changes=json.dumps(changes, ensure_ascii=False),
        )
        with self._writing():
            cursor = self._insert_event(event)
            self._write_fields(commitment.id, {k: new for k, (_old, new) in changes.items()})
        return dataclasses.replace(event, id=cursor.lastrowid)

    # ------------------------------------------------------------------ new commitments

    def add_commitment(
        self,
        commitment_id: str,
        *,
        title: str,
        area: str,
        parties: Sequence[str],
        meeting: str | None = None,
        kind: str = "joint",
        summary: str | None = None,
        quote: str | None = None,
        quote_by: str | None = None,
        deadline: str | None = None,
        due: dt.date | None = None,
    ) -> Commitment:
        """Create a commitment, made at its meeting, with status not-started; return it."""
        from tracker.seeds import SeedCommitment, SeedData

        new_id = check_new_id(commitment_id)
        if meeting is None:
            known = self.meetings()
            if len(known) != 1:
                raise UnknownMeeting(
                    "Say which meeting with --meeting: "
                    + (
                        ", ".join(m.slug for m in known)
                        if known
                        else "there are no meetings yet; "
                        "load a seed file with `track init --seed FILE`"
                    )
                    + "."
                )
            meeting = known[0].slug
        if not parties:
            raise InvalidValue("Give at least one party with --party (US or CN).")
        seed = SeedCommitment(
            id=new_id,
            meeting=self.meeting(meeting).slug,
            area=check_text(area, "area").lower(),
            title=check_text(title, "title"),
            summary=_optional_text(summary, "summary"),
            parties=list(dict.fromkeys(check_party(p) for p in parties)),
            kind=check_kind(kind),
            quote=_optional_text(quote, "quote"),
            quote_by=_optional_text(quote_by, "quote attribution"),
            deadline=_optional_text(deadline, "deadline"),
            due=due.isoformat() if due else None,
            status="not-started",
        )
        self.load(SeedData(commitments=[seed]))
        return self.commitment(new_id)

    # ------------------------------------------------------------------ bulk loading

    def load(self, seed: SeedData, *, skip_existing: bool = False) -> LoadSummary:
        """Add a seed's meetings, commitments and events in one transaction; return the counts.

        Each commitment gets a `created` event on its meeting's date."""
        return self.add_records(seed_records(seed, self), skip_existing=skip_existing)

    def add_records(
        self,
        records: Records | Iterable[tuple[str, dict, str]],
        *,
        skip_existing: bool = True,
        dry_run: bool = False,
    ) -> LoadSummary:
        """Add meetings, commitments, metrics and events in one transaction and return how
        many of each were new; all or nothing.

        `records` is a Records or a stream of (table, row, label) in dependency order
        (meetings, then commitments and metrics, then events), written in chunks so that a
        million events need little memory. Records already present (meetings by slug,
        commitments by ID, events by UUID) are left as they are, or, for commitments unless
        `skip_existing`, refused."""
        stream = records.stream() if isinstance(records, Records) else records
        # a large page cache keeps index pages (UUIDs arrive in random order) in memory
        self.conn.execute("PRAGMA cache_size = -262144")  # 256 MiB, reverted below
        try:
            return self._add_records(stream, skip_existing=skip_existing, dry_run=dry_run)
        finally:
            self.conn.execute("PRAGMA cache_size = -2000")

    def _add_records(
        self, stream: Iterable[tuple[str, dict, str]], *, skip_existing: bool, dry_run: bool
    ) -> LoadSummary:
        with self._writing():
            loader = Loader(self, skip_existing=skip_existing)
            for table, row, label in stream:
                loader.add(table, row, label)
            summary = loader.finish()
            if dry_run:
                raise DryRun(summary)
        return summary

    def preview_records(self, records: Records | Iterable[tuple[str, dict, str]]) -> LoadSummary:
        """Return what `add_records` would add, checking everything, without adding it."""
        try:
            self.add_records(records, dry_run=True)
        except DryRun as preview:
            return preview.summary
        raise AssertionError("unreachable")  # pragma: no cover


def _optional_text(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    return check_text(value, what)


def _meeting(row: sqlite3.Row) -> Meeting:
    return Meeting(
        slug=row["slug"],
        title=row["title"],
        date=row["date"],
        place=row["place"],
        parties=json.loads(row["parties"] or "[]"),
        context=row["context"],
        sources=json.loads(row["sources"] or "[]"),
    )


_COMMITMENT_FIELDS = [f.name for f in dataclasses.fields(Commitment)]


def _commitment(row: sqlite3.Row) -> Commitment:
    values = {name: row[name] for name in _COMMITMENT_FIELDS}
    values["parties"] = json.loads(values["parties"])
    return Commitment(**values)


def _event(row: sqlite3.Row) -> Event:
    values = dict(row)
    values["retracted"] = bool(values.get("retracted", False))
    return Event(**values)
