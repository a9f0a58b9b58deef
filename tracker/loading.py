"""Checking and writing records: every meeting, period and event that enters a database, from
a seed file, an import, a sync or a command, passes the same checks here, inside the caller's
transaction, and the derived tables are refreshed once at the end. Given a connection; imports
nothing above it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tracker import derived
from tracker.errors import (
    DuplicateCommitment,
    InvalidDate,
    InvalidValue,
    TrackError,
    UnknownMeeting,
)
from tracker.records import (
    AMENDABLE,
    EDITABLE,
    Commitment,
    Event,
    Meeting,
    Period,
    to_json,
)
from tracker.vocabulary import NOT_A_PARTY_HINT, RATING_KINDS, TYPES

EVENT_COLUMNS = Event.columns()
_INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
)
_JSON_EVENT_COLUMNS = Event.json_columns()
_EMPTY_JSON = {"sources": "[]", "evidence": "[]", "tags": "[]"}
# What an event may act on: the kinds of its target.
_TARGETS = {
    "amendment": ("note", "measure", "status", "assessment"),
    "approval": RATING_KINDS,
    "rejection": RATING_KINDS,
}
_EVIDENCE_TARGETS = ("note", "measure", "status", "assessment")


@dataclass
class LoadSummary:
    """What a load added: meetings, periods, commitments, and events other than creations;
    `duplicates` lists IDs now held by two commitments (kept both, shown as ID~xxxx)."""

    meetings: int = 0
    periods: int = 0
    commitments: int = 0
    events: int = 0
    duplicates: list[str] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)


@dataclass
class _Known:
    """What the checks need to know of a commitment."""

    uid: str
    declared_id: str
    meeting: str
    parties: list[str]
    type: str
    metric: bool


class DryRun(Exception):
    """Rolls back a write transaction that was only checking what it would add."""

    def __init__(self, summary: LoadSummary):
        self.summary = summary


class Loader:
    """Checks and inserts records inside the caller's transaction.

    `today` (ISO date) bounds every date: nothing is dated in the future. With
    `duplicates="keep"` (imports and sync), a commitment created elsewhere with an ID this
    database already uses at the same meeting is kept beside it; with "refuse" (a local
    `track add`), it is an error. With `legacy` (exports of track 0.1, whose events name
    commitments only by ID), a creation of an ID the meeting already has is the same
    commitment."""

    CHUNK = 5_000

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        today: str,
        duplicates: str = "keep",
        legacy: bool = False,
        problems: list[str] | None = None,
    ):
        self.conn, self.today, self.duplicates, self.legacy = conn, today, duplicates, legacy
        # with a list, a bad record is noted there and left out instead of stopping the load
        # (`track check` reports every problem at once)
        self.problems = problems
        self.summary = LoadSummary()
        self.meetings = {
            m.slug: m for m in map(Meeting.from_row, conn.execute("SELECT * FROM meetings"))
        }
        self.periods = {
            (p.meeting, p.name): p
            for p in map(Period.from_row, conn.execute("SELECT * FROM periods"))
        }
        self.known: dict[str, _Known] = {}  # uid -> commitment, as far as looked up
        self.by_id: dict[str, list[str]] = {}  # declared ID -> uids created in this load
        self.aliases: dict[str, str] = {}  # legacy: creation uuid -> the existing commitment's
        self.pending: list[list] = []
        self.pending_events: dict[str, tuple[str, str, str]] = {}  # uuid -> (kind, uid, author)
        self.empty = conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is None
        # events that name a commitment or an event not seen yet: checked again at the end,
        # so a file's records may come in any order
        self.waiting: list[tuple[Event, str]] = []
        self.finishing = False
        self.last_event = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]

    # ------------------------------------------------------------------ meetings, periods

    def meeting(self, meeting: Meeting, label: str) -> None:
        if meeting.slug in self.meetings:
            return
        self.meetings[meeting.slug] = meeting
        row = meeting.as_row()
        self.conn.execute(
            f"INSERT INTO meetings ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        self.summary.meetings += 1

    def period(self, period: Period, label: str) -> None:
        meeting = self.meetings.get(period.meeting)
        if meeting is None:
            raise UnknownMeeting(
                f"{label}: period {period.name} is of meeting {period.meeting!r}, which is not "
                "loaded."
            )
        existing = self.periods.get((period.meeting, period.name))
        if existing is not None:
            if existing != period:
                raise InvalidValue(
                    f"{label}: period {period.name!r} of {period.meeting} already runs "
                    f"{_span(existing)}, not {_span(period)}."
                )
            return
        check_period(
            period, meeting, [p for p in self.periods.values() if p.meeting == period.meeting]
        )
        self.periods[(period.meeting, period.name)] = period
        row = period.as_row()
        self.conn.execute(
            f"INSERT INTO periods ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        self.summary.periods += 1

    # ------------------------------------------------------------------ events

    def event(self, event: Event, label: str) -> bool:
        """Check an event and queue it for writing; return False if it was already present
        (or, collecting problems, was refused)."""
        if self.problems is None:
            return self._event_checked(event, label)
        try:
            return self._event_checked(event, label)
        except TrackError as error:
            self.problems.append(str(error))
            return False

    def _event_checked(self, event: Event, label: str) -> bool:
        if event.uuid in self.pending_events or self._stored(event.uuid):
            return False
        if event.kind == "created":
            if not self._creation(event, label):
                return False
        else:
            if not self._ready(event):
                self.waiting.append((event, label))
                self.pending_events[event.uuid] = ("waiting", "", "")
                return True
            if event.commitment_uid is None or event.commitment_uid in self.aliases:
                event.commitment_uid = self.aliases.get(event.commitment_uid) or self._resolve(
                    event.commitment, label
                )
            self._check(event, label)
            self.summary.events += 1
        self.pending_events[event.uuid] = (event.kind, event.commitment_uid, event.author)
        self.summary.touched.add(event.commitment_uid)
        self.pending.append(_row(event))
        if len(self.pending) >= self.CHUNK:
            self.flush()
        return True

    def _ready(self, event: Event) -> bool:
        """Whether everything the event refers to has been seen (in the database or this
        load); the rest wait until the end of the load."""
        if self.finishing:
            return True
        if event.commitment_uid is None:
            if not self._with_id(event.commitment.partition("~")[0]):
                return False
        elif (
            event.commitment_uid not in self.aliases and self._lookup(event.commitment_uid) is None
        ):
            return False
        refs = ([event.about] if event.about else []) + list(event.evidence)
        return all(self._event(ref) is not None for ref in refs)

    def _stored(self, uuid: str) -> bool:
        if self.empty:
            return False
        return (
            self.conn.execute("SELECT 1 FROM events WHERE uuid = ?", [uuid]).fetchone() is not None
        )

    def _creation(self, event: Event, label: str) -> bool:
        event.check_shape(label)
        values = {name: pair[1] for name, pair in event.changes.items() if isinstance(pair, list)}
        if len(values) != len(event.changes):
            raise InvalidValue(f"{label}: field 'changes': each field maps to [null, value].")
        record = Commitment.from_raw(values, f"{label} ({values.get('id')})")
        meeting = self.meetings.get(record.meeting)
        if meeting is None:
            raise UnknownMeeting(
                f"{label}: {record.id} refers to meeting {record.meeting!r}, which is not loaded."
            )
        self._check_parties(record.parties, meeting, f"{label} ({record.id})")
        if event.happened_on < meeting.date or event.happened_on > self.today:
            raise InvalidDate(
                f"{label} ({record.id}): made on {event.happened_on}, but its meeting "
                f"{meeting.slug} was on {meeting.date}."
            )
        same = self._with_id(record.id)
        others = [k for k in same if k.meeting != record.meeting]
        if others:
            raise DuplicateCommitment(
                f"{label}: {record.id} of meeting {record.meeting} would collide with "
                f"{record.id} of meeting {others[0].meeting}; IDs must differ across meetings. "
                "Nothing was imported."
            )
        if same and self.legacy:
            self.aliases[event.uuid] = same[0].uid
            return False
        if same and self.duplicates == "refuse":
            raise DuplicateCommitment(f"A commitment with ID {record.id} already exists.")
        if same:
            self.summary.duplicates.append(record.id)
        self.known[event.uuid] = _Known(
            event.uuid, record.id, record.meeting, record.parties, record.type, bool(record.metric)
        )
        self.by_id.setdefault(record.id, []).append(event.uuid)
        self.summary.commitments += 1
        return True

    def _with_id(self, declared_id: str) -> list[_Known]:
        uids = list(self.by_id.get(declared_id, []))
        uids += [
            r[0]
            for r in self.conn.execute(
                "SELECT uid FROM commitments WHERE declared_id = ?", [declared_id]
            )
        ]
        return [self._lookup(uid) for uid in dict.fromkeys(uids)]

    def _lookup(self, uid: str) -> _Known | None:
        known = self.known.get(uid)
        if known is None:
            row = self.conn.execute(
                "SELECT uid, declared_id, meeting, parties, type, metric FROM commitments "
                "WHERE uid = ?",
                [uid],
            ).fetchone()
            if row is None:
                return None
            known = self.known[uid] = _Known(
                row[0], row[1], row[2], json.loads(row[3]), row[4], row[5] is not None
            )
        return known

    def _resolve(self, ref: str, label: str) -> str:
        """Return the uid of the one commitment with this ID, for events that name their
        commitment only by ID (seed files and old exports)."""
        head = ref.partition("~")[0]
        matches = [
            k for k in self._with_id(head) if ref == head or k.uid.startswith(ref.partition("~")[2])
        ]
        if not matches:
            raise InvalidValue(f"{label}: field 'commitment': no commitment {ref!r}.")
        if len(matches) > 1:
            raise InvalidValue(
                f"{label}: field 'commitment': two commitments have ID {ref!r}; "
                "rename one first (`track rename`)."
            )
        return matches[0].uid

    def _check(self, e: Event, label: str) -> None:
        e.check_shape(label)
        known = self._lookup(e.commitment_uid)
        if known is None:
            raise InvalidValue(
                f"{label}: field 'commitment_uid': no commitment {e.commitment} with creation "
                f"{e.commitment_uid}."
            )
        where = f"{label} ({known.declared_id})" if label else known.declared_id
        meeting = self.meetings[known.meeting]
        if e.happened_on > self.today:
            raise InvalidDate(
                f"{where}: dated {e.happened_on}, in the future (today is {self.today})."
            )
        if e.kind in ("note", "measure", "status", "assessment") and e.happened_on < meeting.date:
            raise InvalidDate(
                f"{where}: dated {e.happened_on}, before {known.declared_id} was made "
                f"({meeting.date})."
            )
        if e.party is not None and e.party not in known.parties:
            raise InvalidValue(
                f"{where}: field 'party': {known.declared_id} is a commitment of "
                f"{', '.join(known.parties)} only, not {e.party}{NOT_A_PARTY_HINT}."
            )
        if e.kind in RATING_KINDS:
            if e.changes is not None and set(e.changes) - {"status", "saw"}:
                raise InvalidValue(f"{where}: field 'changes': a rating records only status, saw.")
            kind = TYPES[known.type]
            if e.status not in kind.ratings:
                if not kind.scored:
                    raise InvalidValue(
                        f"{where}: {known.declared_id} is a {known.type}: tracked with evidence, "
                        "never rated."
                    )
                raise InvalidValue(
                    f"{where}: field 'status': {e.status!r} is not a rating for a {known.type} "
                    f"({', '.join(kind.ratings)})."
                )
        if e.period is not None and (known.meeting, e.period) not in self.periods:
            names = [n for (m, n) in self.periods if m == known.meeting]
            raise InvalidValue(
                f"{where}: field 'period': meeting {known.meeting} has no period {e.period!r} "
                f"(periods: {', '.join(names) or 'none'})."
            )
        if e.kind == "measure" and not known.metric:
            raise InvalidValue(
                f"{where}: field 'value': {known.declared_id} has no metric to take a reading."
            )
        for uuid in e.evidence:
            target = self._event(uuid)
            if (
                target is None
                or target[1] != e.commitment_uid
                or target[0] not in _EVIDENCE_TARGETS
            ):
                raise InvalidValue(
                    f"{where}: field 'evidence': {uuid[:8]} is not evidence recorded on "
                    f"{known.declared_id}."
                )
            if self._retracted(uuid):
                raise InvalidValue(f"{where}: field 'evidence': {uuid[:8]} is retracted.")
        if e.about is not None:
            target = self._event(e.about)
            if target is None or target[1] != e.commitment_uid:
                raise InvalidValue(
                    f"{where}: field 'about': no event {e.about[:8]} on {known.declared_id}."
                )
            allowed = _TARGETS.get(e.kind)
            if allowed is not None and target[0] not in allowed:
                raise InvalidValue(f"{where}: a {e.kind} cannot act on a {target[0]} event.")
            if e.kind in ("approval", "rejection") and target[2] == e.author:
                raise InvalidValue(
                    f"{where}: {e.author} made that assessment and cannot review it; "
                    "another reviewer must."
                )
        if e.kind == "edit":
            self._check_edit(e, known, where)
        elif e.kind == "amendment":
            self._check_amendment(e, known, meeting, where)

    def _check_edit(self, e: Event, known: _Known, where: str) -> None:
        unknown = set(e.changes) - set(EDITABLE)
        if unknown:
            raise InvalidValue(
                f"{where}: field 'changes': {sorted(unknown)[0][:40]!r} cannot be edited."
            )
        values = {name: new for name, (_old, new) in e.changes.items() if new is not None}
        required = {"id", "area", "title", "parties", "type"}
        cleared = [n for n, (_o, new) in e.changes.items() if new is None and n in required]
        if cleared:
            raise InvalidValue(f"{where}: field 'changes': {cleared[0]} cannot be emptied.")
        base = {"id": known.declared_id, "meeting": known.meeting, "area": "x", "title": "x",
                "parties": known.parties}  # fmt: skip
        checked = Commitment.from_raw({**base, **values}, f"{where}: field 'changes'")
        if "parties" in values:
            self._check_parties(checked.parties, self.meetings[known.meeting], where)
        if "type" in values:
            known.type = checked.type
        if "parties" in values:
            known.parties = checked.parties

    def _check_amendment(self, e: Event, known: _Known, meeting: Meeting, where: str) -> None:
        unknown = set(e.changes) - set(AMENDABLE)
        if unknown:
            raise InvalidValue(
                f"{where}: field 'changes': {sorted(unknown)[0][:40]!r} cannot be amended."
            )
        raw = {name: new for name, (_old, new) in e.changes.items() if new is not None}
        base = {
            "uuid": e.uuid, "commitment": e.commitment, "commitment_uid": e.commitment_uid,
            "kind": "note", "happened_on": e.happened_on, "recorded_at": e.recorded_at,
            "author": e.author, "device": e.device, "counter": e.counter,
        }  # fmt: skip
        checked = Event.from_raw({**base, **raw}, f"{where}: field 'changes'")
        if "happened_on" in raw and not meeting.date <= checked.happened_on <= self.today:
            raise InvalidDate(
                f"{where}: the new date {checked.happened_on} is outside {meeting.date} to "
                f"{self.today}."
            )
        if checked.party is not None and checked.party not in known.parties:
            raise InvalidValue(
                f"{where}: field 'party': {known.declared_id} is a commitment of "
                f"{', '.join(known.parties)} only, not {checked.party}{NOT_A_PARTY_HINT}."
            )

    def _check_parties(self, parties: list[str], meeting: Meeting, where: str) -> None:
        foreign = [p for p in parties if p not in meeting.parties]
        if foreign:
            raise InvalidValue(
                f"{where}: field 'parties': {foreign[0]} is not a party of meeting "
                f"{meeting.slug} ({', '.join(meeting.parties)})."
            )

    def _event(self, uuid: str) -> tuple[str, str, str] | None:
        found = self.pending_events.get(uuid)
        if found is not None and found[0] == "waiting":
            return None
        if found is None and not self.empty:
            row = self.conn.execute(
                "SELECT kind, commitment_uid, author FROM events WHERE uuid = ?", [uuid]
            ).fetchone()
            found = tuple(row) if row else None
        return found

    def _retracted(self, uuid: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM retracted_events r JOIN events e ON e.id = r.event WHERE e.uuid = ?",
                [uuid],
            ).fetchone()
            is not None
        )

    # ------------------------------------------------------------------ writing

    def flush(self) -> None:
        if self.pending:
            self.conn.executemany(_INSERT_EVENT, self.pending)
            self.pending = []

    def finish(self) -> LoadSummary:
        """Check what waited, write what is queued, index it for search, refresh the derived
        tables."""
        self.finishing = True
        waiting = sorted(self.waiting, key=lambda item: (item[0].counter, item[0].uuid))
        self.waiting = []
        for event, _label in waiting:
            del self.pending_events[event.uuid]
        for event, label in waiting:
            self.event(event, label)
        self.flush()
        self.conn.execute(
            "INSERT INTO events_fts (rowid, text, sources) SELECT id, text, "
            + derived.EVENT_SEARCH_TEXT.format(sources="events.sources")
            + " FROM events WHERE id > ?",
            [self.last_event],
        )
        derived.refresh(self.conn, self.summary.touched)
        return self.summary


def _row(event: Event) -> list:
    values = []
    for name in EVENT_COLUMNS:
        value = getattr(event, name)
        if name in _JSON_EVENT_COLUMNS:
            value = (
                _EMPTY_JSON[name]
                if not value and name != "changes"
                else (to_json(value) if value is not None else None)
            )
        values.append(value)
    return values


def check_period(period: Period, meeting: Meeting, others: Iterable[Period]) -> None:
    """Raise InvalidValue if a period starts before its meeting, ends before it starts, or
    overlaps another period of the meeting."""
    if period.starts < meeting.date:
        raise InvalidDate(
            f"Period {period.name} starts {period.starts}, before meeting {meeting.slug} "
            f"({meeting.date})."
        )
    if period.ends is not None and period.ends <= period.starts:
        raise InvalidDate(
            f"Period {period.name} ends {period.ends}, not after it starts ({period.starts})."
        )
    for other in others:
        if other.name == period.name:
            continue
        if _overlap(period, other):
            raise InvalidValue(
                f"Period {period.name} ({_span(period)}) overlaps period {other.name} "
                f"({_span(other)})."
            )


def _overlap(a: Period, b: Period) -> bool:
    a_end = a.ends or "9999-12-31"
    b_end = b.ends or "9999-12-31"
    return a.starts < b_end and b.starts < a_end


def _span(period: Period) -> str:
    return f"{period.starts} to {period.ends or 'open'}"


def load(
    conn: sqlite3.Connection,
    records: Iterable[tuple[str, object, str]],
    *,
    today: str,
    duplicates: str = "keep",
    legacy: bool = False,
    problems: list[str] | None = None,
) -> LoadSummary:
    """Check and write a stream of ("meeting" | "period" | "event", record, label), in that
    dependency order, inside the caller's transaction; return what was added. With
    `problems`, bad records are noted there and left out."""
    loader = Loader(conn, today=today, duplicates=duplicates, legacy=legacy, problems=problems)
    handlers = {"meeting": loader.meeting, "period": loader.period, "event": loader.event}
    for table, record, label in records:
        if problems is None or table == "event":
            handlers[table](record, label)
            continue
        try:
            handlers[table](record, label)
        except TrackError as error:
            problems.append(str(error))
    return loader.finish()


def seed_stream(seed) -> Iterator[tuple[str, object, str]]:
    """Yield a SeedData's records in the order `load` needs."""
    for meeting in seed.meetings:
        yield "meeting", meeting, f"meeting {meeting.slug}"
    for period in seed.periods:
        yield "period", period, f"period {period.meeting}/{period.name}"
    for event, label in zip(seed.events, seed.labels, strict=True):
        yield "event", event, label
