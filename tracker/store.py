"""The SQLite store: opening (and refusing files that are not track databases), migrating,
reading commitments and their history, and recording new events. Every fact is an event; no
event row is ever updated or deleted. Every read-check-write runs in one write transaction
(BEGIN IMMEDIATE), so the check sees the state it writes on."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import json
import os
import re
import signal
import sqlite3
import stat
import threading
import urllib.parse
import uuid as uuid_module
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import derived, migrations
from tracker.dates import Duration, utc_now
from tracker.errors import (
    Conflict,
    InvalidDate,
    InvalidValue,
    NotADatabase,
    UnknownCommitment,
    UnknownEvent,
    UnknownMeeting,
)
from tracker.files import atomic_write, check_output, database_files, temporary_sibling
from tracker.loading import DryRun, Loader, LoadSummary, check_period, load, seed_stream
from tracker.records import (
    AMENDABLE,
    EDITABLE,
    Commitment,
    Event,
    Meeting,
    Metric,
    Period,
    expand_parties,
    iso_date,
    list_of,
    source,
    tag,
)
from tracker.vocabulary import (
    DISPUTED,
    FIELD_WORDS,
    NOT_A_PARTY_HINT,
    NOT_YET_RATED,
    RATING_KINDS,
    TYPES,
    WITHDRAWAL_TAG,
    check_confidence,
    check_new_id,
    check_party_code,
    check_rating,
    check_stance,
    check_text,
    check_type,
    check_url,
    kind_name,
    natural_key,
    with_article,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

    from tracker.seeds import SeedData

SQLITE_HEADER = b"SQLite format 3\x00"
DUE_SOON = Duration(30, "days")
BUSY_TIMEOUT = 10.0
MAX_LIMIT = 1_000_000_000


class Unset:
    """Marks an argument that was not given (where None means "clear this value")."""


UNSET = Unset()


@dataclasses.dataclass(slots=True)
class StatusRow:
    """One line of `track status`: a commitment with its ratings and latest activity."""

    id: str
    meeting: str
    area: str
    title: str
    parties: list[str]
    type: str
    status: str
    party_statuses: dict[str, str]
    last_update: str
    evidence: int
    due: str | None
    overdue: bool
    due_soon: bool
    uid: str = ""
    ratings: dict[str, derived.PartyRating] | None = None  # with `detail`: who rated, review


# --------------------------------------------------------------------------- the file


def database_state(path: Path) -> str:
    """Return "new" if `path` may be created or initialised (missing, empty, or an SQLite
    database with nothing in it), "track" if it is a track database. Raise NotADatabase,
    without writing to or even opening it for writing, if it is anything else: a folder, a
    FIFO, socket or device, another file, or another application's SQLite database."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise NotADatabase(f"Cannot create {path}: folder {parent} does not exist.") from None
        return "new"
    except OSError as error:
        raise NotADatabase(f"Cannot read {path}: {error.strerror}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise NotADatabase(f"{path} is a folder, not a database file.")
    if not stat.S_ISREG(info.st_mode):
        raise NotADatabase(
            f"{path} is not a regular file (a FIFO, socket or device); refused without opening it."
        )
    if info.st_size == 0:
        return "new"
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise NotADatabase(f"Cannot read {path}: {error.strerror}.") from None
    if header != SQLITE_HEADER:
        raise NotADatabase(f"{path} is not an SQLite database; it was left untouched.")
    # First read the file as it stands on disk (immutable: no -wal or -shm is created beside
    # another application's file). A database whose schema is still only in its write-ahead
    # log (just created, not yet checkpointed) looks empty that way: then read it with its log.
    app_id, names, ours = _probe(path, immutable=True)
    wal = database_files(path)[1]
    if not ours and not names and wal.exists() and wal.stat().st_size > 0:
        app_id, names, ours = _probe(path, immutable=False)
    if ours:
        return "track"
    if app_id == 0 and not names:
        return "new"
    raise NotADatabase(
        f"{path} is an SQLite database of another application (it has no track schema); "
        "it was left untouched."
    )


def _probe(path: Path, *, immutable: bool) -> tuple[int, set[str], bool]:
    """Return (application id, table names, whether it is ours) of an SQLite file, read
    only."""
    try:
        uri = _read_only_uri(path) + ("&immutable=1" if immutable else "")
        conn = sqlite3.connect(uri, uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            ours = False
            if app_id == migrations.APPLICATION_ID:
                # our mark, and our schema (or none yet): not someone else's tables
                ours = not names or "_sqlite_migrations" in names
            elif app_id == 0 and "_sqlite_migrations" in names:
                ours = (
                    conn.execute(
                        "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? "
                        "AND name = 'm001_initial'",
                        [migrations.MIGRATION_SET],
                    ).fetchone()
                    is not None
                )
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise NotADatabase(
            f"Cannot use {path} as a database: {error}; it was left untouched."
        ) from None
    return app_id, names, ours


def _read_only_uri(path: Path) -> str:
    return "file:" + urllib.parse.quote(os.fsencode(os.path.abspath(path))) + "?mode=ro"


class Store:
    """A tracker database: meetings, periods, and the events of every commitment."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._db: Database | None = None
        self.interrupted = False  # Ctrl-C arrived while a commit was finishing (it finished)
        # which build of the file this is: `track init --force` and `track rebuild
        # --from-repository` give the file new contents and a new generation, and writers
        # that opened the old one find out (None: an older database without one)
        self._generation: str | None = _UNREAD
        self._device: str | None = None
        self._period_map: dict[str, dict[str, str]] | None = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT) -> Store:
        """Return the store at `path`, creating the file if there is none, applying pending
        migrations and bringing the derived tables up to date.

        Writers wait up to `busy_timeout` seconds for one another before giving up. A file
        that is not a track database is refused untouched."""
        path = Path(path)
        database_state(path)
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, timeout=busy_timeout)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            store = cls(conn, path)
            store._migrate()
            store._generation = store._read_generation()
        except sqlite3.DatabaseError as error:
            if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            raise NotADatabase(f"Cannot use {path} as a database: {error}.") from None
        return store

    @classmethod
    def open_read_only(cls, path: Path) -> Store | None:
        """Return the store opened read-only, or None if it does not exist or needs an upgrade
        first (for shell completion, which must never write)."""
        try:
            if database_state(Path(path)) != "track":
                return None
            conn = sqlite3.connect(_read_only_uri(Path(path)), uri=True, isolation_level=None)
            conn.row_factory = sqlite3.Row
            store = cls(conn, Path(path))
            if store._applied_migrations() != migrations.NAMES or store._derived_stale():
                conn.close()
                return None
            return store
        except (sqlite3.Error, NotADatabase):
            return None

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
        if self._derived_stale():
            with self._writing():
                if self._derived_stale():
                    derived.refresh(self.conn, None)
                    self.conn.execute(
                        "UPDATE settings SET value = ? WHERE key = 'derived_version'",
                        [derived.DERIVED_VERSION],
                    )

    def _derived_stale(self) -> bool:
        row = self.conn.execute(
            "SELECT value FROM settings WHERE key = 'derived_version'"
        ).fetchone()
        return row is None or row[0] != derived.DERIVED_VERSION

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
        """The sqlite-utils view of the same connection, for schema work."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Run the block in one write transaction, taken up front so writers queue, not fail.
        A Ctrl-C during the block rolls it back; one during the commit is noted, and the
        commit completes."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self._check_generation()
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self._commit()

    def new_generation(self) -> None:
        """Mark these contents as a new build (see replace_contents)."""
        self._generation = str(uuid_module.uuid4())
        self.conn.execute(
            "INSERT OR REPLACE INTO settings VALUES ('generation', ?)", [self._generation]
        )

    def _read_generation(self) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = 'generation'").fetchone()
        return row[0] if row else None

    def _check_generation(self) -> None:
        """Refuse to write into contents that are being, or have been, replaced since this
        store was opened (inside the write transaction, so the check sees what it writes on)."""
        if self._generation is _UNREAD:  # still opening (migrating)
            return
        current = self._read_generation()
        if current is not None and current.startswith(REPLACING):
            if _replacer_alive(current):
                raise Conflict(
                    "The database is being replaced (track init --force or track rebuild "
                    "--from-repository is running); nothing was recorded. Run the command "
                    "again when it is done."
                )
            # that replacement was interrupted (its process is gone): the contents are the
            # old ones, whole; carry on with a new generation
            current = str(uuid_module.uuid4())
            self.conn.execute("UPDATE settings SET value = ? WHERE key = 'generation'", [current])
            self._generation = current
        if current != self._generation:
            raise Conflict(
                "The database was replaced (by track init --force or track rebuild "
                "--from-repository) while this command ran; nothing was recorded. Run the "
                "command again."
            )

    def replace_contents(self, built: Path, *, backup: Path | None = None) -> Path | None:
        """Give this database the contents of the database file `built`, in one step that
        other processes see whole (SQLite's backup API, under the write lock), after writing
        a backup of the current contents. Writers that opened the old contents are refused
        from the moment the replacement starts, so nothing they report as saved is lost: it
        is in the backup, or it was refused."""
        with self._writing():
            self.conn.execute(
                "INSERT OR REPLACE INTO settings VALUES ('generation', ?)",
                [f"{REPLACING}{os.getpid()} {utc_now()}"],
            )
        self._generation = None
        try:
            if backup is not None:
                backup = self.backup(backup, unique=True)
            source = sqlite3.connect(str(built))
            try:
                source.backup(self.conn)
            finally:
                source.close()
        except BaseException:
            with contextlib.suppress(sqlite3.Error):  # the old contents stay: clear the mark
                self.conn.execute(
                    "UPDATE settings SET value = ? WHERE key = 'generation'",
                    [str(uuid_module.uuid4())],
                )
            raise
        self._generation = self._read_generation()
        self._period_map = None
        self._device = None
        return backup

    def _commit(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.conn.execute("COMMIT")
            return
        caught: list[int] = []
        previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
        try:
            self.conn.execute("COMMIT")
        finally:
            signal.signal(signal.SIGINT, previous)
        if caught:
            self.interrupted = True

    def _periods(self) -> dict[str, dict[str, str]]:
        """{meeting: {period: start}}, read once per store (periods are added rarely)."""
        if self._period_map is None:
            self._period_map = derived.period_starts(self.conn)
        return self._period_map

    @property
    def device(self) -> str:
        """This database's device id (events record where they were made)."""
        if self._device is None:
            row = self.conn.execute("SELECT value FROM settings WHERE key = 'device'").fetchone()
            self._device = row[0]
        return self._device

    def setting(self, key: str) -> str | None:
        """Return a value kept in the database's settings (None if unset)."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    def set_settings(self, values: dict[str, str]) -> None:
        """Store settings, in one transaction."""
        with self._writing():
            for key, value in values.items():
                self._set(key, value)

    def mark_synced(self, ids: Sequence[int]) -> None:
        """Note that the shared repository has these events (rows)."""
        with self._writing():
            self.conn.executemany(
                "INSERT OR IGNORE INTO synced (event) VALUES (?)", [[i] for i in ids]
            )

    def _set(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def _next_counter(self) -> int:
        """One more than the highest counter seen (call inside the write transaction)."""
        return self.conn.execute("SELECT coalesce(max(counter), 0) + 1 FROM events").fetchone()[0]

    def backup(self, target: Path, *, unique: bool = False) -> Path:
        """Write a consistent copy of the database to `target` with SQLite's backup API (safe
        while other processes write), whole or not at all, and return where it went. An
        existing file is refused, or with `unique` the copy goes to NAME-2.bak, NAME-3.bak..."""
        target = check_output(Path(target), database=self.path)
        if target.exists() and not unique:
            raise InvalidValue(f"{target} already exists; choose a new file for the backup.")
        temp = temporary_sibling(target, ".db.tmp")
        try:
            copy = sqlite3.connect(str(temp), isolation_level=None)
            try:
                self.conn.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
                # a copy is another build: put back in place of the live file, it is noticed
                copy.execute(
                    "INSERT OR REPLACE INTO settings VALUES ('generation', ?)",
                    [str(uuid_module.uuid4())],
                )
            finally:
                copy.close()
            with temp.open("rb+") as handle:
                os.fsync(handle.fileno())
            wanted = target
            for number in range(2, 1000 if unique else 2):
                try:
                    os.link(temp, target)  # never replaces a file that appeared meanwhile
                    break
                except FileExistsError:
                    target = wanted.with_name(f"{wanted.stem}-{number}{wanted.suffix}")
            else:
                os.link(temp, target)
            return target
        except FileExistsError:
            raise InvalidValue(
                f"{target} already exists; choose a new file for the backup."
            ) from None
        except (sqlite3.Error, OSError) as error:
            raise InvalidValue(
                f"Cannot write {target}: {getattr(error, 'strerror', None) or error}."
            ) from None
        finally:
            temp.unlink(missing_ok=True)

    # ------------------------------------------------------------------ meetings, periods

    def meetings(self) -> list[Meeting]:
        """Return every meeting, oldest first."""
        rows = self.conn.execute("SELECT * FROM meetings ORDER BY date, slug")
        return [Meeting.from_row(row) for row in rows]

    def meeting(self, slug: str) -> Meeting:
        """Return one meeting, or raise UnknownMeeting listing the known slugs."""
        row = self.conn.execute(
            "SELECT * FROM meetings WHERE slug = ?", [(slug or "").strip().lower()]
        ).fetchone()
        if row is None:
            known = ", ".join(m.slug for m in self.meetings()) or "none yet"
            raise UnknownMeeting(f"No meeting {slug!r}. Meetings: {known}.")
        return Meeting.from_row(row)

    def periods(self, meeting: str | None = None) -> list[Period]:
        """Return the compliance periods (of one meeting), by meeting and start date."""
        sql = "SELECT * FROM periods"
        params: list[str] = []
        if meeting is not None:
            sql += " WHERE meeting = ?"
            params.append(self.meeting(meeting).slug)
        rows = self.conn.execute(sql + " ORDER BY meeting, starts", params)
        return [Period.from_row(row) for row in rows]

    def period(self, name: str, *, meeting: str | None = None) -> Period:
        """Return a period by name (of one meeting, or the only one with that name)."""
        name = (name or "").strip().lower()
        found = [p for p in self.periods(meeting) if p.name == name]
        if len(found) == 1:
            return found[0]
        if not found:
            known = ", ".join(sorted({p.name for p in self.periods(meeting)})) or "none"
            raise InvalidValue(f"No period {name!r}. Periods: {known}.")
        raise InvalidValue(
            f"More than one meeting has a period {name!r}; say which meeting "
            f"({', '.join(p.meeting for p in found)})."
        )

    def add_period(
        self,
        name: str,
        *,
        meeting: str,
        starts: dt.date,
        ends: dt.date | None,
        description: str | None = None,
    ) -> Period:
        """Define a compliance period of a meeting; refuse one outside the meeting's dates or
        overlapping another."""
        with self._writing():
            found = self.meeting(meeting)
            period = Period.from_raw(
                {
                    "meeting": found.slug,
                    "name": name,
                    "from": starts,
                    "to": ends,
                    "description": description,
                },
                "period",
            )
            if any(p.name == period.name for p in self.periods(found.slug)):
                raise InvalidValue(f"Meeting {found.slug} already has a period {period.name}.")
            check_period(period, found, self.periods(found.slug))
            load(self.conn, [("period", period, "period")], today=dt.date.today().isoformat())
        self._period_map = None
        return period

    def period_for(self, meeting: str, on: dt.date) -> str | None:
        """Return the name of the meeting's period that contains `on`, if any."""
        day = on.isoformat()
        for p in self.periods(meeting):
            if p.starts <= day and (p.ends is None or day < p.ends):
                return p.name
        return None

    # ------------------------------------------------------------------ commitments

    def count_commitments(self) -> int:
        """Return how many commitments the database holds (withdrawn ones too)."""
        return self.conn.execute("SELECT count(*) FROM commitments").fetchone()[0]

    def commitment_ids(self) -> list[str]:
        """Return every commitment ID in force, in natural order."""
        rows = self.conn.execute("SELECT id FROM commitments WHERE NOT withdrawn")
        return sorted((row[0] for row in rows), key=natural_key)

    def areas(self) -> list[str]:
        """Return the areas in use, alphabetically."""
        rows = self.conn.execute(
            "SELECT DISTINCT area FROM commitments WHERE NOT withdrawn ORDER BY area"
        )
        return [row[0] for row in rows]

    def check_area(self, area: str) -> str:
        cleaned = (area or "").strip().lower()
        found = self.conn.execute(  # one step of the commitments_area index
            "SELECT 1 FROM commitments WHERE area = ? AND NOT withdrawn LIMIT 1", [cleaned]
        ).fetchone()
        if found is None:
            raise InvalidValue(f"Unknown area {area!r}. Areas: {', '.join(self.areas())}.")
        return cleaned

    def resolve(self, text: str, *, withdrawn: bool = True) -> str:
        """Return the uid of the commitment shown as `text` (any case), or raise
        UnknownCommitment with close matches."""
        wanted = (text or "").strip().upper()
        try:
            wanted.encode("utf-8")
        except UnicodeEncodeError:
            raise UnknownCommitment(text[:40], []) from None
        head, tilde, tail = wanted.partition("~")
        key = head + tilde + tail.lower()
        row = self.conn.execute(
            "SELECT uid, withdrawn FROM commitments WHERE id = ?", [key]
        ).fetchone()
        if row is not None and (withdrawn or not row[1]):
            return row[0]
        twins = self.conn.execute(
            "SELECT id FROM commitments WHERE declared_id = ? ORDER BY id", [head]
        ).fetchall()
        if len(twins) > 1 and not tilde:
            raise UnknownCommitment(
                text, [t[0] for t in twins], reason=f"Two commitments have ID {head}."
            )
        suggestions = difflib.get_close_matches(key, self.commitment_ids(), n=3, cutoff=0.6)
        raise UnknownCommitment(text[:40], suggestions)

    def resolve_id(self, text: str) -> str:
        """Return the shown ID of the commitment `text` names."""
        uid = self.resolve(text)
        return self.conn.execute("SELECT id FROM commitments WHERE uid = ?", [uid]).fetchone()[0]

    def commitment(self, ref: str) -> Commitment:
        """Return one commitment as it stands (any case ID), or raise UnknownCommitment."""
        return self._commitment(self.resolve(ref))

    def links_in(self, commitment_id: str) -> list[tuple[str, str, str]]:
        """Return (ID, relation, meeting) of the commitments in force that link to this one
        (one query: links are stored as JSON on each commitment)."""
        rows = self.conn.execute(
            "SELECT c.id, json_extract(l.value, '$.relation'), c.meeting "
            "FROM commitments c, json_each(c.links) l "
            "WHERE NOT c.withdrawn AND c.links != '[]' AND json_extract(l.value, '$.to') = ?",
            [commitment_id.partition("~")[0]],
        )
        return sorted((tuple(r) for r in rows), key=lambda r: natural_key(r[0]))

    def commitments(self, *, area: str | None = None) -> dict[str, Commitment]:
        """Return the commitments in force (of one area), by shown ID, in natural order."""
        sql = "SELECT * FROM commitments WHERE NOT withdrawn"
        params = []
        if area is not None:
            sql += " AND area = ?"
            params.append(area)
        found = {row["id"]: Commitment.from_row(row) for row in self.conn.execute(sql, params)}
        return {cid: found[cid] for cid in sorted(found, key=natural_key)}

    def conflicts(self) -> list[dict[str, Any]]:
        """Return what needs a person's decision: fields two edits set differently, ratings
        two coders disagree on, and IDs two commitments share."""
        found = []
        for row in self.conn.execute(
            "SELECT id, conflicts FROM commitments WHERE conflicts IS NOT NULL AND NOT withdrawn"
        ):
            for name, values in json.loads(row[1]).items():
                found.append({"id": row[0], "kind": "field", "what": name, "values": values})
        for row in self.conn.execute(
            "SELECT c.id, r.party FROM party_ratings r "
            "JOIN commitments c ON c.uid = r.commitment_uid "
            "WHERE r.rating = ? AND NOT c.withdrawn",
            [DISPUTED],
        ):
            state = self.state(row[0], as_of=dt.date.max)
            rating = state.party_ratings[row[1]]
            found.append(
                {
                    "id": row[0],
                    "kind": "rating",
                    "what": row[1],
                    "values": [f"{coder}: {value}" for coder, value, _uuid in rating.candidates],
                }
            )
        for row in self.conn.execute(
            "SELECT declared_id, group_concat(id, ' ') FROM commitments WHERE NOT withdrawn "
            "GROUP BY declared_id HAVING count(*) > 1"
        ):
            found.append({"id": row[0], "kind": "id", "what": "id", "values": row[1].split()})
        return sorted(found, key=lambda f: (natural_key(f["id"]), f["kind"], f["what"]))

    # ------------------------------------------------------------------ state

    def first_meeting_date(self) -> dt.date | None:
        row = self.conn.execute("SELECT min(date) FROM meetings").fetchone()
        return dt.date.fromisoformat(row[0]) if row[0] else None

    def check_as_of(self, as_of: dt.date) -> None:
        """Raise InvalidDate if `as_of` is before the first meeting: nothing existed then."""
        first = self.first_meeting_date()
        if first is not None and as_of < first:
            raise InvalidDate(
                f"The date {as_of.isoformat()} is before the first meeting "
                f"({first.isoformat()}); there is nothing to show then."
            )

    def events_of(self, uids: Sequence[str] | None = None) -> dict[str, list[Event]]:
        """Return {commitment uid: its events} (all kinds, as stored)."""
        return derived.read_events(self.conn, uids)

    def state(self, ref: str, *, as_of: dt.date, period: str | None = None) -> derived.State:
        """Return one commitment's state on `as_of` (ratings of one period, if given)."""
        return self._state(self.resolve(ref), as_of=as_of, period=period)

    def _state(self, uid: str, *, as_of: dt.date, period: str | None = None) -> derived.State:
        return derived.fold(
            self.events_of([uid])[uid], as_of=_iso(as_of), period=period, periods=self._periods()
        )

    def _commitment(self, uid: str) -> Commitment:
        row = self.conn.execute("SELECT * FROM commitments WHERE uid = ?", [uid]).fetchone()
        return Commitment.from_row(row)

    def states(
        self,
        *,
        as_of: dt.date,
        period: str | None = None,
        uids: Sequence[str] | None = None,
    ) -> dict[str, derived.State]:
        """Return {shown ID: state} of every commitment in force (or of `uids`), natural order."""
        states = dict(self.iter_states(as_of=as_of, period=period, uids=uids))
        return {k: states[k] for k in sorted(states, key=natural_key)}

    def iter_states(
        self,
        *,
        as_of: dt.date,
        period: str | None = None,
        uids: Sequence[str] | None = None,
    ) -> Iterator[tuple[str, derived.State]]:
        """Yield (shown ID, state) for every commitment in force (or of `uids`), folding a
        chunk of commitments at a time so that memory stays small."""
        if uids is None:
            shown = dict(self.conn.execute("SELECT uid, id FROM commitments WHERE NOT withdrawn"))
        else:  # only these (a chunk of a large database: never read every commitment's ID)
            shown = dict(
                self.conn.execute(
                    "SELECT uid, id FROM commitments WHERE NOT withdrawn "
                    "AND uid IN (SELECT value FROM json_each(?))",
                    [json.dumps(list(uids))],
                )
            )
        wanted = [u for u in (uids if uids is not None else list(shown)) if u in shown]
        for start in range(0, len(wanted), self.FOLD_CHUNK):
            grouped = self.events_of(wanted[start : start + self.FOLD_CHUNK])
            for uid, events in grouped.items():
                yield (
                    shown[uid],
                    derived.fold(events, as_of=_iso(as_of), period=period, periods=self._periods()),
                )

    def latest_event_date(self) -> str:
        """The date of the latest event ("" when there is none)."""
        return self.conn.execute("SELECT max(happened_on) FROM events").fetchone()[0] or ""

    def current_states(
        self, uids: Sequence[str], ratings: dict[str, dict[str, derived.PartyRating]]
    ) -> dict[str, derived.State]:
        """Return {uid: state} of commitments as they stand now, read from the derived tables
        and the events in force (no fold): the commitment, its status, the given party
        ratings (from status_rows' detail) and its evidence and ratings, amendments applied.
        Only `events` in force that are evidence or ratings are in each state."""
        param = [json.dumps(list(uids))]
        within = "(SELECT value FROM json_each(?))"
        found: dict[str, derived.State] = {}
        for row in self.conn.execute(
            f"SELECT c.*, m.latest, m.latest_on FROM commitments c "
            f"LEFT JOIN metrics m ON m.commitment_uid = c.uid WHERE c.uid IN {within}",
            param,
        ):
            latest = (row["latest"], row["latest_on"]) if row["latest_on"] else None
            found[row["uid"]] = derived.State(
                commitment=Commitment.from_row(row),
                events=[],
                party_ratings=ratings.get(row["uid"], {}),
                status=row["status"],
                last_event_on=row["last_event_on"],
                evidence_count=row["evidence_count"],
                withdrawn=bool(row["withdrawn"]),
                conflicts=json.loads(row["conflicts"]) if row["conflicts"] else {},
                latest_value=latest,
            )
        for uid, events in derived.read_live_events(self.conn, uids).items():
            found[uid].events = events
        return found

    def status_rows(
        self,
        *,
        as_of: dt.date,
        commitment_id: str | None = None,
        area: str | None = None,
        party: str | None = None,
        statuses: Sequence[str] = (),
        type_: str | None = None,
        meeting: str | None = None,
        overdue: bool = False,
        due_within: Duration | None = None,
        stale_before: dt.date | None = None,
        period: str | None = None,
        detail: bool = False,
    ) -> list[StatusRow]:
        """Return one row per commitment in force as it stood on `as_of`, matching every
        filter given, in natural ID order.

        With `party`, rows show that party's rating and the status filter applies to it. With
        `period`, ratings are those made for that compliance period. With `detail`, each row
        carries each party's rating with its coder and review."""
        self.check_as_of(as_of)
        where, params = ["NOT c.withdrawn", "m.date <= ?"], [as_of.isoformat()]
        if commitment_id is not None:
            where.append("c.uid = ?")
            params.append(self.resolve(commitment_id))
        if area is not None:
            where.append("c.area = ?")
            params.append(self.check_area(area))
        if type_ is not None:
            where.append("c.type = ?")
            params.append(check_type(type_))
        if meeting is not None:
            where.append("c.meeting = ?")
            params.append(self.meeting(meeting).slug)
        if party is not None:
            party = self.check_party(party)
            where.append("EXISTS (SELECT 1 FROM json_each(c.parties) WHERE value = ?)")
            params.append(party)
        wanted = {_check_state(s) for s in statuses}
        latest = self.conn.execute("SELECT max(happened_on) FROM events").fetchone()[0]
        cursor = self.conn.execute(
            f"""SELECT c.uid, c.id, c.meeting, c.area, c.title, c.parties, c.type, c.due,
                       c.status, c.last_event_on, c.evidence_count
                FROM commitments c JOIN meetings m ON m.slug = c.meeting
                WHERE {" AND ".join(where)}""",
            params,
        )
        cursor.row_factory = None  # plain tuples
        rows = cursor.fetchall()
        now = period is None and (latest is None or latest <= as_of.isoformat())
        facts = (
            self._facts_now(rows, detail=detail, every=len(where) == 2)
            if now
            else self._facts_folded(rows, as_of=as_of, period=period, detail=detail)
        )
        as_iso = as_of.isoformat()
        soon_iso = DUE_SOON.after(as_of).isoformat()
        within_iso = due_within.after(as_of).isoformat() if due_within else None
        stale_iso = stale_before.isoformat() if stale_before else None
        result = []
        party_lists: dict[str, list[str]] = {}  # the same few lists of parties, read once
        for uid, cid, meeting_slug, area_, title, parties_json, type_name, due, *_rest in rows:
            status, by_party, last, count, detailed, overall = facts[uid]
            if parties_json not in party_lists:
                party_lists[parties_json] = json.loads(parties_json)
            parties = list(party_lists[parties_json])
            by_party = {p: by_party.get(p, NOT_YET_RATED) for p in parties}
            shown = by_party[party] if party else status
            open_ = derived.is_open(overall, by_party.values()) and due is not None
            is_overdue = open_ and due < as_iso
            if wanted and shown not in wanted:
                continue
            if overdue and not is_overdue:
                continue
            if within_iso and not (open_ and due <= within_iso):
                continue
            if stale_iso and (
                last >= stale_iso or not derived.is_open(shown, () if party else by_party.values())
            ):
                continue
            result.append(
                StatusRow(
                    id=cid,
                    meeting=meeting_slug,
                    area=area_,
                    title=title,
                    parties=parties,
                    type=type_name,
                    status=shown,
                    party_statuses=by_party,
                    last_update=last,
                    evidence=count,
                    due=due,
                    overdue=is_overdue,
                    due_soon=open_ and as_iso <= due <= soon_iso,
                    uid=uid,
                    ratings=detailed,
                )
            )
        result.sort(key=lambda r: natural_key(r.id))
        return result

    FOLD_CHUNK = 2_000  # commitments whose events are in memory at once

    def _facts_now(self, rows, *, detail: bool, every: bool = True) -> dict[str, tuple]:
        """(status, {party: rating}, last event, evidence, detail) of each commitment, read
        from the derived tables (only the rows' party ratings, unless `every` row is asked)."""
        ratings: dict[str, dict[str, str]] = {}
        details: dict[str, dict[str, derived.PartyRating]] = {}
        columns = "commitment_uid, party, rating"
        if detail:
            columns += ", assessment, coder, review, period, rated_on, recalibrated"
        query, params = f"SELECT {columns} FROM party_ratings", []
        if not every:
            query += " WHERE commitment_uid IN (SELECT value FROM json_each(?))"
            params = [json.dumps([r[0] for r in rows])]
        cursor = self.conn.execute(query, params)
        cursor.row_factory = None  # plain tuples
        for uid, p, rating, *more in cursor:
            found = ratings.get(uid)
            if found is None:
                found = ratings[uid] = {}
            found[p] = rating
            if detail:
                assessment, coder, review, period_, on, recal = more
                details.setdefault(uid, {})[p] = derived.PartyRating(
                    rating, assessment=assessment, coder=coder, review=review, period=period_,
                    on=on, recalibrated=bool(recal),
                )  # fmt: skip
        return {
            r[0]: (
                r[8],
                ratings.get(r[0], {}),
                r[9],
                r[10],
                details.get(r[0]) if detail else None,
                r[8],
            )  # fmt: skip
            for r in rows
        }

    def _facts_folded(self, rows, *, as_of: dt.date, period: str | None, detail: bool):
        """The same, folded from the events on `as_of`, a chunk of commitments at a time."""
        facts = {}
        uids = [r[0] for r in rows]
        for start in range(0, len(uids), self.FOLD_CHUNK):
            grouped = self.events_of(uids[start : start + self.FOLD_CHUNK])
            for uid, events in grouped.items():
                state = derived.fold(
                    events, as_of=as_of.isoformat(), period=period, periods=self._periods()
                )
                # deadlines are judged on the latest rating of any period
                overall = state if period is None else derived.fold(
                    events, as_of=as_of.isoformat(), periods=self._periods()
                )  # fmt: skip
                facts[uid] = (
                    state.status,
                    {p: x.rating for p, x in state.party_ratings.items()},
                    state.last_event_on,
                    state.evidence_count,
                    state.party_ratings if detail else None,
                    overall.status,
                )
        return facts

    def check_party(self, party: str, *, meeting: str | None = None) -> str:
        """Return the party code if some meeting (or the given one) has it, else raise."""
        code = check_party_code(party)
        meetings = [self.meeting(meeting)] if meeting else self.meetings()
        known = list(dict.fromkeys(p for m in meetings for p in m.parties))
        if code not in known:
            raise InvalidValue(f"Unknown party {party!r}. Parties: {', '.join(known) or 'none'}.")
        return code

    # ------------------------------------------------------------------ events

    def events(
        self,
        refs: Sequence[str] | str | None = None,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: int | None = None,
        newest_first: bool = True,
        include_retracted: bool = False,
        area: str | None = None,
        party: str | None = None,
        kinds: Sequence[str] = (),
        tags: Sequence[str] = (),
        coder: str | None = None,
    ) -> list[Event]:
        """Return events (amendments applied), for all commitments or some, matching every
        filter, ordered by date (then as recorded). Retracted events and retractions are left
        out unless `include_retracted`; each event says whether it is retracted."""
        if isinstance(refs, str):
            refs = [refs]
        uids = [self.resolve(r) for r in refs] if refs else None
        if area is not None:
            area = self.check_area(area)
        if party is not None:
            party = self.check_party(party)
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            raise InvalidValue(f"The limit must be from 1 to {MAX_LIMIT:,}, not {limit}.")
        shown = dict(self.conn.execute("SELECT uid, id FROM commitments"))
        areas = dict(self.conn.execute("SELECT uid, area FROM commitments")) if area else {}
        found: list[Event] = []
        since_iso = since.isoformat() if since else None
        until_iso = until.isoformat() if until else None
        kinds = set(kinds)
        tags = set(tags)
        for uid, events in self.events_of(uids).items():
            if area is not None and areas.get(uid) != area:
                continue
            state = derived.fold(events, periods=self._periods())
            for e in state.events:
                if not include_retracted and (e.retracted or e.kind == "retraction"):
                    continue
                if (
                    since_iso
                    and e.happened_on < since_iso
                    or until_iso
                    and e.happened_on > until_iso
                ):
                    continue
                if party is not None and e.party != party:
                    continue
                if kinds and e.kind not in kinds:
                    continue
                if tags and not tags & set(e.tags):
                    continue
                if coder is not None and e.author != coder:
                    continue
                e.commitment = shown.get(uid, e.commitment)
                found.append(e)
        found.sort(key=lambda e: (e.happened_on, e.counter, e.uuid), reverse=newest_first)
        return found[:limit] if limit is not None else found

    def find_event(self, ref: str) -> Event:
        """Return the event whose UUID starts with `ref` (at least 4 characters), as it
        stands (amendments applied)."""
        ref = (ref or "").strip().lower()
        if not 4 <= len(ref) <= 36 or not all(ch in "0123456789abcdef-" for ch in ref):
            raise InvalidValue(
                f"Invalid event reference {ref[:40]!r}: give the first characters (4 or more) of "
                "its ID, as shown by `track log` and `track show`."
            )
        rows = self.conn.execute(
            "SELECT uuid, commitment_uid FROM events "
            "WHERE uuid >= :ref AND uuid < :ref || 'g' LIMIT 2",
            {"ref": ref},
        ).fetchall()
        if not rows:
            raise UnknownEvent(f"No event with an ID starting {ref!r}. See `track log`.")
        if len(rows) > 1:
            raise UnknownEvent(f"More than one event has an ID starting {ref!r}; give more of it.")
        uuid, uid = rows[0]
        state = derived.fold(self.events_of([uid])[uid], periods=self._periods())
        event = next(e for e in state.events if e.uuid == uuid)
        event.commitment = self._shown(uid)
        return event

    def _shown(self, uid: str) -> str:
        row = self.conn.execute("SELECT id FROM commitments WHERE uid = ?", [uid]).fetchone()
        return row[0] if row else uid

    def metrics(
        self, *, as_of: dt.date | None = None, area: str | None = None
    ) -> dict[str, Metric]:
        """Return {shown ID: metric} with the latest reading on `as_of` (default: any)."""
        found = {}
        for cid, state in self.iter_states(as_of=as_of or dt.date.max):
            c = state.commitment
            if c.metric and (area is None or c.area == area):
                metric = Metric(**c.metric)
                if state.latest_value:
                    metric.latest, metric.latest_on = state.latest_value
                found[cid] = metric
        return found

    def metric(self, ref: str, *, as_of: dt.date | None = None) -> Metric | None:
        """Return one commitment's metric with its latest reading on `as_of`."""
        state = self.state(ref, as_of=as_of or dt.date.max)
        if not state.commitment.metric:
            return None
        metric = Metric(**state.commitment.metric)
        if state.latest_value:
            metric.latest, metric.latest_on = state.latest_value
        return metric

    # ------------------------------------------------------------------ recording

    def _event(self, uid: str, kind: str, *, author: str, on: dt.date, **values: Any) -> Event:
        """Return a new local event on commitment `uid` (call inside the write transaction)."""
        shown = self._shown(uid)
        declared = self.conn.execute(
            "SELECT declared_id FROM commitments WHERE uid = ?", [uid]
        ).fetchone()
        return Event(
            uuid=str(uuid_module.uuid4()),
            commitment=declared[0] if declared else shown,
            commitment_uid=uid,
            kind=kind,
            happened_on=on.isoformat(),
            recorded_at=utc_now(),
            author=author,
            device=self.device,
            counter=self._next_counter(),
            **values,
        )

    def _record(self, event: Event, *, today: dt.date, duplicates: str = "refuse") -> Event:
        """Check and write one event (inside the write transaction), refreshing its
        commitment's derived state; return it with its row number."""
        loader = Loader(self.conn, today=today.isoformat(), duplicates=duplicates)
        loader.event(event, "")
        loader.finish()
        event.id = self.conn.execute(
            "SELECT id FROM events WHERE uuid = ?", [event.uuid]
        ).fetchone()[0]
        return event

    def add_note(
        self,
        ref: str,
        text: str,
        *,
        on: dt.date,
        today: dt.date,
        author: str,
        sources: Sequence[dict] = (),
        party: str | None = None,
        stance: str | None = None,
        tags: Sequence[str] = (),
    ) -> Event:
        """Append a piece of evidence to a commitment's timeline and return it (its stance
        `supports` unless said otherwise, as in seed files)."""
        values = _evidence_values(
            text, sources=sources, party=party, stance=stance or "supports", tags=tags
        )
        with self._writing():
            uid = self.resolve(ref, withdrawn=False)
            event = self._event(uid, "note", author=author, on=on, **values)
            return self._record(event, today=today)

    def citing(self, ref: str, urls: Sequence[str], *, besides: str) -> list[Event]:
        """Return the evidence in force on a commitment, other than event `besides`, that
        cites any of `urls`: the likely duplicates of a note just added."""
        wanted = set(urls)
        if not wanted:
            return []
        uid = self.resolve(ref)
        return [
            e
            for e in self._state(uid, as_of=dt.date.max).live
            if e.kind in derived.EVIDENCE_KINDS
            and e.uuid != besides
            and wanted & {s.get("url") for s in e.sources}
        ]

    def rate(
        self,
        ref: str,
        rating: str,
        *,
        on: dt.date,
        today: dt.date,
        author: str,
        party: str | None = None,
        period: str | None | Unset = UNSET,
        rationale: str | None = None,
        confidence: str | None = None,
        evidence: Sequence[str] = (),
        sources: Sequence[dict] = (),
        short: bool = False,
    ) -> tuple[Event, derived.State, str]:
        """Record a rating: an assessment (with a rationale) or, with `short`, a status change
        (`track set`). Without `party` it covers every party; without `period`, the meeting's
        period that contains `on`. Return the event, the commitment's state now, and the
        rating it had before for the party (or the commitment)."""
        rating = check_rating(rating)
        if rationale is not None:
            rationale = check_text(rationale, "rationale")
        elif not short:
            raise InvalidValue("An assessment needs a rationale: say why, citing the evidence.")
        if confidence is not None:
            confidence = check_confidence(confidence)
        found_sources = list_of(source, limit=100)(list(sources))
        with self._writing():
            uid = self.resolve(ref, withdrawn=False)
            commitment = self._commitment(uid)
            if party is not None:
                party = self._party_of(commitment, party)
            kind = TYPES[commitment.type]
            if not kind.scored:
                raise InvalidValue(
                    f"{commitment.id} is {with_article(commitment.type)}: tracked with evidence, "
                    "never rated. Record a note instead."
                )
            if rating == NOT_YET_RATED:
                raise InvalidValue(
                    f"{NOT_YET_RATED} is not a rating to give: it says nobody has researched the "
                    "item. To take a rating back, undo it (`track undo EVENT`); for evidence "
                    "that settles nothing, rate it unclear."
                )
            if rating not in kind.ratings:
                given = [r for r in kind.ratings if r != NOT_YET_RATED]
                close = difflib.get_close_matches(rating, given, n=1, cutoff=0.6)
                hint = f" Did you mean {close[0]}?" if close else ""
                raise InvalidValue(
                    f"{rating!r} is not a rating for {commitment.id}, "
                    f"{with_article(commitment.type)}.{hint} "
                    f"Ratings: {', '.join(given)}."
                )
            if isinstance(period, Unset):
                period = self.period_for(commitment.meeting, on)
            elif period is not None:
                period = self.period(period, meeting=commitment.meeting).name
            # What this rating replaces: the rating for its period (inferred or given), or,
            # for a meeting without periods, the rating that stands.
            scoped = self._state(uid, as_of=today, period=period)
            previous = scoped.party_ratings[party].rating if party else scoped.status
            saw = []  # the ratings this one replaces, as they stand for its period
            for covered in [party] if party else commitment.parties:
                current = scoped.party_ratings[covered]
                saw += [current.assessment] if current.assessment else []
                saw += [u for _c, _r, u in current.candidates]
            if short and previous == rating:
                whose = f"{commitment.id} ({party})" if party else commitment.id
                when = f" for the {period} period" if period else ""
                raise InvalidValue(
                    f"{whose} is already {rating}{when}; use `track note` to add evidence "
                    "without a change."
                )
            uuids = [self.find_event(e).uuid for e in evidence]
            event = self._event(
                uid,
                "status" if short else "assessment",
                author=author,
                on=on,
                text=rationale,
                party=party,
                status=rating,
                period=period,
                confidence=confidence,
                evidence=list(dict.fromkeys(uuids)),
                sources=found_sources,
                changes={"status": [previous, rating], "saw": list(dict.fromkeys(saw))},
            )
            self._record(event, today=today)
            after = self._state(uid, as_of=today)
        return event, after, previous

    def review(
        self,
        ref: str,
        *,
        approve: bool,
        note: str,
        reviewer: str,
        today: dt.date,
        party: str | None = None,
        period: str | None = None,
        assessment: str | None = None,
    ) -> Event:
        """Sign off (or send back) the rating that counts for a party-item; with two coders
        who disagree, name the assessment. A reviewer cannot review their own rating."""
        note = check_text(note, "review note")
        with self._writing():
            uid = self.resolve(ref, withdrawn=False)
            commitment = self._commitment(uid)
            if party is None:
                if len(commitment.parties) != 1:
                    raise InvalidValue(
                        f"{commitment.id} has parties {', '.join(commitment.parties)}: say which "
                        "party's rating is reviewed."
                    )
                party = commitment.parties[0]
            party = self._party_of(commitment, party)
            if period is not None:
                period = self.period(period, meeting=commitment.meeting).name
            if assessment is not None:
                target = self.find_event(assessment)
                if target.kind not in RATING_KINDS or target.commitment_uid != uid:
                    raise InvalidValue(
                        f"Event {target.uuid[:8]} is not a rating of {commitment.id}."
                    )
            else:
                state = self._state(uid, as_of=today, period=period)
                rating = state.party_ratings[party]
                if rating.rating == DISPUTED:
                    names = ", ".join(f"{c} {r} ({u[:8]})" for c, r, u in rating.candidates)
                    raise Conflict(
                        f"Coders disagree on {commitment.id} ({party}): {names}. Name the one to "
                        "review with its event ID."
                    )
                if rating.assessment is None:
                    raise InvalidValue(f"{commitment.id} ({party}) has no rating to review yet.")
                target = self.find_event(rating.assessment)
            if target.author == reviewer:
                raise InvalidValue(
                    f"{reviewer} made that rating and cannot review it; another reviewer must."
                )
            kind = "approval" if approve else "rejection"
            reviews = [
                e
                for e in self._state(uid, as_of=dt.date.max).live
                if e.kind in ("approval", "rejection")
                and e.about == target.uuid
                and e.author == reviewer
            ]
            if reviews and max(reviews, key=derived.order).kind == kind:
                raise InvalidValue(
                    f"{reviewer} has already {'approved' if approve else 'sent back'} that rating "
                    f"({target.uuid[:8]}); nothing was recorded."
                )
            event = self._event(
                uid,
                kind,
                author=reviewer,
                on=today,
                text=note,
                about=target.uuid,
                party=party,
            )
            return self._record(event, today=today)

    def add_measure(
        self,
        ref: str,
        value: float,
        *,
        on: dt.date,
        today: dt.date,
        author: str,
        text: str | None = None,
        sources: Sequence[dict] = (),
        party: str | None = None,
    ) -> Event:
        """Record a reading of a commitment's metric and return the event."""
        with self._writing():
            uid = self.resolve(ref, withdrawn=False)
            commitment = self._commitment(uid)
            if not commitment.metric:
                raise InvalidValue(
                    f"{commitment.id} has no metric to measure; only commitments with a "
                    "quantitative target take readings."
                )
            from tracker.vocabulary import number

            words = text if text is not None else f"{commitment.metric['name']}: {number(value)}"
            values = _evidence_values(words, sources=sources, party=party)
            event = self._event(uid, "measure", author=author, on=on, value=value, **values)
            return self._record(event, today=today)

    def edit(
        self,
        ref: str,
        *,
        today: dt.date,
        author: str,
        reason: str | None = None,
        **wanted: Any,
    ) -> Event:
        """Change a commitment's fields (title, summary, area, deadline, due, parties, type,
        guideline, ...), recording the old and new values as an edit event; return it. A value
        of None clears an optional field."""
        unknown = set(wanted) - set(EDITABLE)
        if unknown:
            raise InvalidValue(f"Cannot edit {sorted(unknown)[0]!r}.")
        if not wanted:
            raise InvalidValue("Nothing to change.")
        if reason is not None:
            reason = check_text(reason, "reason")
        with self._writing():
            uid = self.resolve(ref, withdrawn=False)
            current = self._state(uid, as_of=today).commitment
            base = current.as_record()
            if wanted.get("parties") is not None:
                wanted = {
                    **wanted,
                    "parties": expand_parties(
                        list(wanted["parties"]), self.meeting(current.meeting)
                    ),
                }
            checked = Commitment.from_raw(
                {
                    **{k: v for k, v in base.items() if v is not None},
                    **{k: v for k, v in wanted.items() if v is not None},
                },
                "edit",
            )
            changes = {}
            for name, value in wanted.items():
                new = None if value is None else getattr(checked, name)
                if base[name] != new:
                    changes[name] = [base[name], new]
            if not changes:
                raise InvalidValue(f"{current.id} already has these values; nothing changed.")
            if "id" in changes:
                self._check_new_id(changes["id"][1], current.meeting, uid)
            names = ", ".join(changes)
            event = self._event(
                uid,
                "edit",
                author=author,
                on=today,
                text=f"Changed {names}" + (f": {reason}" if reason else "."),
                changes=changes,
            )
            return self._record(event, today=today)

    def _check_new_id(self, new_id: str, meeting: str, uid: str) -> None:
        taken = self.conn.execute(
            "SELECT meeting FROM commitments WHERE declared_id = ? AND uid != ? AND NOT withdrawn",
            [new_id, uid],
        ).fetchone()
        if taken is not None:
            raise InvalidValue(f"ID {new_id} is taken (at {taken[0]}); choose another.")

    def rename(self, ref: str, new_id: str, *, today: dt.date, author: str) -> Event:
        """Give a commitment a new ID (e.g. to tell apart two that share one)."""
        new_id = check_new_id(new_id)
        return self.edit(ref, today=today, author=author, id=new_id, reason=f"renamed to {new_id}")

    def amend(
        self,
        event_ref: str,
        *,
        today: dt.date,
        author: str,
        reason: str | None = None,
        source_edits: SourceEdits | None = None,
        **wanted: Any,
    ) -> Event:
        """Correct an event's text, sources, date, party, tags or stance, recorded as an
        amendment with the old and new values (the event itself is never rewritten).
        `source_edits` changes some of its sources and keeps the rest."""
        unknown = set(wanted) - set(AMENDABLE)
        if unknown:
            raise InvalidValue(f"Cannot amend {sorted(unknown)[0]!r}.")
        if not wanted and not source_edits:
            raise InvalidValue("Nothing to change.")
        if reason is not None:
            reason = check_text(reason, "reason")
        with self._writing():
            target = self.find_event(event_ref)
            if target.retracted:
                raise InvalidValue(
                    f"Event {target.uuid[:8]} is retracted; restore it before amending."
                )
            if target.kind not in ("note", "measure", "status", "assessment"):
                raise InvalidValue(
                    f"Event {target.uuid[:8]} is a {target.kind}; only evidence and ratings are "
                    "amended (use `track edit` for a commitment's fields)."
                )
            if source_edits:
                start = wanted.get("sources", target.sources)
                wanted["sources"] = source_edits.apply(start, target.uuid[:8])
            changes = {}
            for name, value in _amended_values(wanted).items():
                old = getattr(target, name)
                if old != value:
                    changes[name] = [old, value]
            if not changes:
                raise InvalidValue(f"Event {target.uuid[:8]} already has these values.")
            event = self._event(
                target.commitment_uid,
                "amendment",
                author=author,
                on=today,
                text=f"Amended {', '.join(FIELD_WORDS.get(c, c) for c in changes)}"
                + (f": {reason}" if reason else "."),
                about=target.uuid,
                changes=changes,
            )
            return self._record(event, today=today)

    def withdraw(self, ref: str, *, reason: str, today: dt.date, author: str) -> Event:
        """Withdraw a commitment added by mistake: kept, marked, left out of every list and
        score. Undoing the withdrawal restores it."""
        reason = check_text(reason, "reason")
        with self._writing():
            uid = self.resolve(ref, withdrawn=False)
            event = self._event(
                uid, "retraction", author=author, on=today, text=reason, about=uid,
                tags=[WITHDRAWAL_TAG],
            )  # fmt: skip
            return self._record(event, today=today)

    def undo_target(self, event_ref: str | None, *, author: str) -> Event:
        """Return the event `undo` would withdraw: the one named, or the author's latest
        event in force on this database, other than their undos (so undo after undo goes one
        step further back, as in an editor; an undo itself is reversed by naming it). A
        withdrawal (`track withdraw`) is an action like any other: undo restores the
        commitment."""
        if event_ref is not None:
            return self.find_event(event_ref)
        row = self.conn.execute(
            "SELECT uuid FROM events e WHERE author = ? AND device = ? AND (kind != 'retraction' "
            "OR (about = commitment_uid AND EXISTS (SELECT 1 FROM json_each(e.tags) "
            "WHERE value = ?))) "
            "AND NOT EXISTS (SELECT 1 FROM retracted_events r WHERE r.event = e.id) "
            "ORDER BY counter DESC, uuid DESC LIMIT 1",
            [author, self.device, WITHDRAWAL_TAG],
        ).fetchone()
        if row is None:
            raise InvalidValue(
                f"Nothing to undo: {author} has nothing in force recorded in this database. To "
                "withdraw someone else's event, name it: `track undo EVENT`."
            )
        return self.find_event(row[0])

    def undo(
        self,
        event_ref: str | None = None,
        *,
        today: dt.date,
        author: str,
        reason: str | None = None,
        expected: str | None = None,
    ) -> tuple[Event, Event, derived.State]:
        """Retract an event (by default the author's own latest) by appending a retraction;
        return (retraction, retracted event, the commitment's state after).

        Nothing is deleted. Retracting a retraction puts its event back in force; retracting
        a creation withdraws the commitment. With `expected` (a uuid), refuse if the target is
        no longer that event (another process got there first)."""
        if reason is not None:
            reason = check_text(reason, "reason")
        with self._writing():
            target = self.undo_target(event_ref, author=author)
            if expected is not None and target.uuid != expected:
                raise Conflict(
                    "Your latest event changed meanwhile (another undo or record got there "
                    f"first), so {expected[:8]} was not withdrawn; run undo again."
                )
            if target.retracted:
                raise InvalidValue(
                    f"Event {target.uuid[:8]} is already retracted; to restore it, undo the "
                    "retraction (see `track log`)."
                )
            what = f"Retracted the {kind_name(target.kind)} of {target.happened_on}"
            if target.withdraws_commitment:
                what = f"Restored the commitment: retracted its withdrawal of {target.happened_on}"
            event = self._event(
                target.commitment_uid,
                "retraction",
                author=author,
                on=today,
                text=reason or f"{what} ({target.uuid[:8]}).",
                about=target.uuid,
            )
            self._record(event, today=today)
            after = derived.fold(
                self.events_of([target.commitment_uid])[target.commitment_uid],
                periods=self._periods(),
            )
        return event, target, after

    # ------------------------------------------------------------------ new commitments

    def add_commitment(
        self,
        commitment_id: str,
        *,
        today: dt.date,
        author: str,
        title: str,
        area: str,
        parties: Sequence[str],
        meeting: str | None = None,
        **fields: Any,
    ) -> Commitment:
        """Create a commitment, made at its meeting, not yet rated; return it."""
        with self._writing():
            if meeting is None:
                known = self.meetings()
                if len(known) != 1:
                    raise UnknownMeeting(
                        "Say which meeting: "
                        + (
                            ", ".join(m.slug for m in known)
                            if known
                            else "there are no meetings yet; load a seed file first"
                        )
                        + "."
                    )
                meeting = known[0].slug
            found = self.meeting(meeting)
            if not parties:
                raise InvalidValue(f"Give at least one party ({', '.join(found.parties)}).")
            raw = {
                "id": commitment_id,
                "meeting": found.slug,
                "title": title,
                "area": area,
                "parties": expand_parties(list(parties), found),
                **{k: v for k, v in fields.items() if v is not None},
            }
            record = Commitment.from_raw(raw, str(commitment_id).strip().upper()[:40])
            uid = str(uuid_module.uuid4())
            values = {k: v for k, v in record.as_record().items() if v not in (None, [], False)}
            event = Event(
                uuid=uid,
                commitment=record.id,
                commitment_uid=uid,
                kind="created",
                happened_on=found.date,
                recorded_at=utc_now(),
                author=author,
                device=self.device,
                counter=self._next_counter(),
                changes={name: [None, value] for name, value in values.items()},
            )
            self._record(event, today=today)
        return self.commitment(record.id)

    def _party_of(self, commitment: Commitment, party: str) -> str:
        party = check_party_code(party)
        if party not in commitment.parties:
            raise InvalidValue(
                f"{commitment.id} is a commitment of {', '.join(commitment.parties)} only, "
                f"not {party}{NOT_A_PARTY_HINT}."
            )
        return party

    # ------------------------------------------------------------------ bulk loading

    def load(self, seed: SeedData, *, today: dt.date | None = None) -> LoadSummary:
        """Add a seed's meetings, periods, commitments and events in one transaction."""
        return self.add_records(seed_stream(seed), today=today)

    def add_records(
        self,
        records: Iterable[tuple[str, object, str]],
        *,
        today: dt.date | None = None,
        dry_run: bool = False,
        legacy: bool = False,
        settings: dict[str, str] | None = None,
        synced: bool = False,
    ) -> LoadSummary:
        """Add meetings, periods and events in one transaction, all or nothing; return what
        was new. Records already present (meetings by slug, events by uuid) are left as they
        are. `settings` are stored in the same transaction; with `synced`, the new events are
        marked as already in the shared repository (they came from it)."""
        self.conn.execute("PRAGMA cache_size = -262144")  # 256 MiB, reverted below
        try:
            with self._writing():
                before = self.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
                summary = load(
                    self.conn,
                    records,
                    today=(today or dt.date.today()).isoformat(),
                    legacy=legacy,
                )
                if dry_run:
                    raise DryRun(summary)
                for key, value in (settings or {}).items():
                    self._set(key, value)
                if synced:
                    self.conn.execute(
                        "INSERT OR IGNORE INTO synced (event) SELECT id FROM events WHERE id > ?",
                        [before],
                    )
            return summary
        except DryRun as preview:
            return preview.summary
        finally:
            self.conn.execute("PRAGMA cache_size = -2000")

    def rebuild(self) -> None:
        """Recompute every derived table from the events."""
        with self._writing():
            derived.refresh(self.conn, None)

    def codings(
        self, *, meeting: str | None = None, period: str | None = None
    ) -> list[tuple[str, str, str | None, str, str]]:
        """Return each coder's latest rating of each party-item and period, as rows of
        (commitment, party, period, coder, rating), for measuring agreement. Read from the
        events in force (amendments applied) in one query, without folding."""
        if meeting is not None:
            meeting = self.meeting(meeting).slug
        # Independent codings only: not a `set` made after seeing another coder's rating (an
        # update, shown as recalibrated), nor a rating that settles a dispute.
        rows = self.conn.execute(
            "SELECT c.id, c.parties, c.type, e.party, e.period, e.author, e.status, "
            "e.happened_on, e.counter, e.uuid FROM live_events e "
            "JOIN commitments c ON c.uid = e.commitment_uid "
            "WHERE e.kind IN ('status', 'assessment') AND NOT c.withdrawn "
            "AND (:meeting IS NULL OR c.meeting = :meeting) "
            "AND (:period IS NULL OR e.period = :period) "
            "AND NOT (e.changes IS NOT NULL AND ("
            "  coalesce(json_extract(e.changes, '$.status[0]'), '') = 'disputed' "
            "  OR (e.kind = 'status' AND EXISTS (SELECT 1 FROM json_each(e.changes, '$.saw') s "
            "      JOIN events o ON o.uuid = s.value WHERE o.author != e.author))))",
            {"meeting": meeting, "period": period},
        )
        latest: dict[tuple, tuple] = {}
        parties_of: dict[str, list[str]] = {}
        for cid, parties, type_, party, period_, author, rating, on, counter, uuid in rows:
            if not TYPES[type_].scored:
                continue
            if party is None and cid not in parties_of:
                parties_of[cid] = json.loads(parties)
            for covered in [party] if party else parties_of[cid]:
                key = (cid, covered, period_, author)
                order = (on, counter, uuid)
                if key not in latest or latest[key][0] < order:
                    latest[key] = (order, rating)
        return [
            (*key, value[1]) for key, value in sorted(latest.items(), key=lambda kv: str(kv[0]))
        ]

    def tagged(self, tags: Sequence[str]) -> list[str]:
        """Return the uids of commitments with evidence in force carrying any of the tags."""
        wanted = json.dumps([tag(t) for t in tags])
        rows = self.conn.execute(
            "SELECT DISTINCT commitment_uid FROM live_events e, json_each(e.tags) t "
            "WHERE t.value IN (SELECT value FROM json_each(?))",
            [wanted],
        )
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ search

    def search(
        self,
        query: str,
        *,
        area: str | None = None,
        tags: Sequence[str] = (),
        limit: int = 20,
        raw: bool = False,
    ) -> tuple[list[dict], int]:
        """Return (the best matches, how many matched in all) among commitments (ID, title,
        summary, quote, guideline) and the evidence in force (text, source titles), best
        first, with ** marking the matched words. Plain text is searched as typed; with `raw`,
        the query is SQLite FTS5 syntax."""
        query = check_text(query, "search", line=True)
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidValue(f"The limit must be from 1 to {MAX_LIMIT:,}, not {limit}.")
        if area is not None:
            area = self.check_area(area)
        tags = [tag(t) for t in tags]
        match = query if raw else plain_query(query)
        if not match:
            raise InvalidValue(f"Nothing to search for in {query!r}.")
        sql = """
            SELECT c.id AS commitment, NULL AS happened_on, 'commitment' AS found_in,
                   c.title, c.area,
                   snippet(commitments_fts, -1, '**', '**', '…', 12) AS snippet,
                   bm25(commitments_fts) AS rank, NULL AS event, '[]' AS tags, NULL AS party
            FROM commitments_fts JOIN commitments c ON c.rowid = commitments_fts.rowid
            WHERE commitments_fts MATCH :query AND NOT c.withdrawn
              AND (:area IS NULL OR c.area = :area)
            UNION ALL
            SELECT e.commitment, e.happened_on, e.kind, c.title, c.area,
                   snippet(events_fts, -1, '**', '**', '…', 12),
                   bm25(events_fts), e.uuid, e.tags, e.party
            FROM events_fts JOIN live_events e ON e.id = events_fts.rowid
            JOIN commitments c ON c.uid = e.commitment_uid
            WHERE events_fts MATCH :query AND e.kind IN ('note', 'measure', 'status', 'assessment')
              AND NOT c.withdrawn AND (:area IS NULL OR c.area = :area)
            ORDER BY rank, happened_on DESC
        """
        try:
            rows = self.conn.execute(sql, {"query": match, "area": area}).fetchall()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            hint = "" if raw else " "
            raise InvalidValue(
                f'Cannot search for {query!r} ({error}). With --raw, use words, "a phrase", '
                f"prefix*, AND, OR, NOT and parentheses.{hint}".strip()
            ) from None
        hits = [
            {
                "commitment": r["commitment"],
                "happened_on": r["happened_on"],
                "found_in": r["found_in"],
                "title": r["title"],
                "area": r["area"],
                "snippet": " ".join(r["snippet"].split()),
                "rank": round(r["rank"], 4),
                "event": r["event"],
                "tags": json.loads(r["tags"] or "[]"),
                "party": r["party"],
            }
            for r in rows
            if not tags or set(tags) & set(json.loads(r["tags"] or "[]"))
        ]
        # a commitment whose ID is the query comes first (stable: the rest keep their rank)
        wanted = query.strip().upper()
        hits.sort(key=lambda h: h["found_in"] != "commitment" or h["commitment"] != wanted)
        return hits[:limit], len(hits)


_WORD = re.compile(r"\w+")


def plain_query(text: str) -> str:
    """Return an FTS5 query that finds the words of `text` as typed (IDs, hyphens and
    punctuation are not syntax): each run of words becomes a quoted phrase, all required."""
    phrases = []
    for chunk in text.split():
        words = _WORD.findall(chunk)
        if words:
            phrases.append('"' + " ".join(words) + '"')
    return " ".join(phrases)


@dataclasses.dataclass(frozen=True)
class SourceEdits:
    """Changes to some of an event's sources: drop some addresses, replace an address (its
    title, publisher and class kept), and add sources or update those with the same address."""

    drop: tuple[str, ...] = ()
    replace: tuple[tuple[str, str], ...] = ()
    add: tuple[dict, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.drop or self.replace or self.add)

    def apply(self, current: Sequence[dict], event: str) -> list[dict]:
        found = [dict(s) for s in current]

        def at(url: str) -> int:
            url = check_url(url)
            for i, s in enumerate(found):
                if s.get("url") == url:
                    return i
            cited = ", ".join(s.get("url") or s.get("title", "?") for s in found) or "none"
            raise InvalidValue(f"Event {event} does not cite {url}; its sources: {cited}.")

        for url in self.drop:
            del found[at(url)]
        for old, new in self.replace:
            i = at(old)
            found[i]["url"] = check_url(new)
        for added in map(source, self.add):
            url = added.get("url")
            same = [i for i, s in enumerate(found) if url is not None and s.get("url") == url]
            if same:
                found[same[0]].update(added)
            else:
                found.append(added)
        urls = [s.get("url") for s in found if s.get("url")]
        if len(urls) != len(set(urls)):
            raise InvalidValue(f"Event {event} would cite the same address twice.")
        return found


def _evidence_values(
    text: str | None,
    *,
    sources: Sequence[dict] = (),
    party: str | None = None,
    stance: str | None = None,
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "text": check_text(text, "note text") if text is not None else None,
        "sources": list_of(source, limit=100)(list(sources)),
        "party": check_party_code(party) if party is not None else None,
        "stance": check_stance(stance) if stance is not None else None,
        "tags": list_of(tag, limit=50)(list(tags)),
    }


def _amended_values(wanted: dict[str, Any]) -> dict[str, Any]:
    """Return the new values of an amendment, each checked and in its stored form."""
    checks = {
        "text": lambda v: check_text(v, "text"),
        "sources": lambda v: list_of(source, limit=100)(list(v)),
        "tags": lambda v: list_of(tag, limit=50)(list(v)),
        "party": lambda v: None if v is None else check_party_code(v),
        "stance": lambda v: None if v is None else check_stance(v),
        "happened_on": lambda v: v.isoformat() if isinstance(v, dt.date) else iso_date(v),
    }
    return {name: checks[name](value) for name, value in wanted.items()}


def _check_state(value: str) -> str:
    from tracker.vocabulary import RATINGS, STATES

    cleaned = (value or "").strip().lower()
    if cleaned not in RATINGS and cleaned not in STATES:
        valid = ", ".join([*RATINGS, *STATES])
        raise InvalidValue(f"Unknown status {value!r}. Valid statuses: {valid}.")
    return cleaned


def last_day(period: Period, *, today: dt.date) -> dt.date:
    """Return the last day of a period: the day before its end (periods run up to, not
    including, their end date, which is the next period's first day), or today if it is
    still open or ends later."""
    if period.ends is None:
        return today
    return min(dt.date.fromisoformat(period.ends) - dt.timedelta(days=1), today)


def _iso(day: dt.date) -> str | None:
    return None if day == dt.date.max else day.isoformat()


def create_database(
    path: Path,
    *,
    seed_files: list[Path] | None = None,
    data: SeedData | None = None,
    busy_timeout: float = BUSY_TIMEOUT,
) -> tuple[Store, LoadSummary | None]:
    """Create the database at `path` loaded with seed files (the bundled ones when None, none
    when empty) and return it open, with what was loaded. The files are read and checked
    (unless `data`, already read from them, is given) and the database is built beside
    `path`; it appears at `path` only once complete, and never replaces a database that is
    there already (another process may have created it meanwhile: then that one is opened,
    and the summary is None)."""
    given = Path(path)
    path = Path(os.path.realpath(given))  # a symbolic link: the file it points to
    temp, summary = _build(path, seed_files=seed_files, data=data, busy_timeout=busy_timeout)
    try:
        if path.exists() and database_state(path) == "new":
            os.replace(temp, path)  # an empty file (or empty database) to be initialised
        else:
            try:
                os.link(temp, path)
            except FileExistsError:
                summary = None
    finally:
        for leftover in database_files(temp):
            leftover.unlink(missing_ok=True)
        _sync_parent(path)
    return Store.open(given, busy_timeout=busy_timeout), summary


def _build(path: Path, *, seed_files, data, busy_timeout: float) -> tuple[Path, LoadSummary]:
    """Build a complete database in a new file beside `path`, flushed to disk; return it."""
    from tracker import seeds

    files = seeds.bundled_paths() if seed_files is None else list(seed_files)
    if data is None and files:
        data = seeds.read_files(files)
    temp = temporary_sibling(path, ".new.db")
    temp.unlink()
    try:
        store = Store.open(temp, busy_timeout=busy_timeout)
        summary = store.load(data) if files else LoadSummary()
        store.new_generation()
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.conn.execute("PRAGMA journal_mode = DELETE")
        store.close()
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        for leftover in database_files(temp):
            leftover.unlink(missing_ok=True)
        raise
    return temp, summary


def _sync_parent(path: Path) -> None:
    try:
        fd = os.open(path.parent if str(path.parent) else ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_database(
    path: Path,
    *,
    data: SeedData | None,
    empty: bool,
    backup: Path | None = None,
    busy_timeout: float = BUSY_TIMEOUT,
) -> tuple[LoadSummary, Path | None]:
    """Build a new database beside `path`, then give `path` its contents in one step (after
    a backup of the old ones to `backup`, or a free name like it): the old contents stay
    until the new ones are whole, and no write another process reports as saved is lost
    (Store.replace_contents). Return what was loaded and where the backup went."""
    temp, summary = _build(
        path, seed_files=[] if empty else None, data=None if empty else data,
        busy_timeout=busy_timeout,
    )  # fmt: skip
    try:
        store = Store.open(path, busy_timeout=busy_timeout)
        try:
            backup = store.replace_contents(temp, backup=backup)
        finally:
            store.close()
    finally:
        for leftover in database_files(temp):
            leftover.unlink(missing_ok=True)
    return summary, backup


_UNREAD = "(unread)"
REPLACING = "replacing "  # the generation while the contents are being replaced: "replacing PID"


def _replacer_alive(mark: str) -> bool:
    """Whether the process named in a `replacing` mark is still running (on this machine)."""
    try:
        pid = int(mark[len(REPLACING) :].split()[0])
    except (ValueError, IndexError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, but belongs to someone else
    return True


__all__ = ["Store", "StatusRow", "atomic_write", "create_database", "replace_database"]
