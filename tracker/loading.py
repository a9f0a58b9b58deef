"""Checking and writing records: every meeting, period and event that enters a database, from
a seed file, an import, a sync or a command, passes the same checks here, inside the caller's
transaction, and the derived tables are refreshed once at the end. Given a connection; imports
nothing above it."""

from __future__ import annotations

import datetime as dt
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
    Commitment,
    Event,
    Meeting,
    Period,
    check_changes,
)
from tracker.vocabulary import NOT_A_PARTY_HINT, RATING_KINDS, TYPES, with_article

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
    ids: set[str] = field(default_factory=set)  # every ID it has had (events name one)


class DryRun(Exception):
    """Rolls back a write transaction that was only checking what it would add."""

    def __init__(self, summary: LoadSummary):
        self.summary = summary


class Loader:
    """Checks and inserts records inside the caller's transaction.

    `today` (ISO date) bounds every date: nothing is dated in the future; `now` (the wall
    clock, by default the real one) bounds when events say they were recorded. With
    `duplicates="keep"` (imports and sync), a commitment created or renamed elsewhere with an
    ID this database already uses at the same meeting is kept beside it; with "refuse" (a
    local command), it is an error, and so is citing retracted evidence (two devices may
    legitimately do that concurrently, so an import keeps it and `track check` reports it).
    With `legacy` (exports of track 0.1, whose events name commitments only by ID), a
    creation of an ID the meeting already has is the same commitment.

    An event whose uuid is already present (in the database or earlier in the load) is left
    out when it is the same event, and refused when its content differs."""

    CHUNK = 5_000

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        today: str,
        duplicates: str = "keep",
        legacy: bool = False,
        problems: list[str] | None = None,
        now: dt.datetime | None = None,
    ):
        self.conn, self.today, self.duplicates, self.legacy = conn, today, duplicates, legacy
        self.latest_record = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(days=1)
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
        # uuid -> (kind, uid, author, counter), and what the event holds (to tell a repeat
        # from another event given the same uuid)
        self.pending_events: dict[str, tuple[str, str, str, int]] = {}
        # the rows of events waiting for what they refer to (to compare a repeat of one)
        self.waiting_rows: dict[str, list] = {}
        self.empty = conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is None
        # events that name a commitment or an event not seen yet: checked again at the end,
        # so a file's records may come in any order
        self.waiting: list[tuple[Event, str]] = []
        self.finishing = False
        self.last_event = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]

    # ------------------------------------------------------------------ meetings, periods

    def meeting(self, meeting: Meeting, label: str) -> None:
        known = self.meetings.get(meeting.slug)
        if known is not None:
            # the same meeting again (its title, place or sources may read differently; this
            # database's are kept), unless it is another meeting under the same slug
            for name in ("date", "parties"):
                if getattr(known, name) != getattr(meeting, name):
                    shown = ", ".join if name == "parties" else str
                    raise InvalidValue(
                        f"{label}: already loaded with {name} {shown(getattr(known, name))}, "
                        f"not {shown(getattr(meeting, name))}. Another meeting under the same "
                        "slug? Give it a slug of its own."
                    )
            return
        if meeting.date > self.today:
            raise InvalidDate(
                f"{label}: field 'date': {meeting.date} is in the future (today is {self.today}); "
                "load a meeting once it has taken place."
            )
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
        if self._repeats(event, label):
            return False
        if event.kind == "created":
            if not self._creation(event, label):
                return False
        else:
            if not self._ready(event):
                self.waiting.append((event, label))
                self.pending_events[event.uuid] = ("waiting", "", "", event.counter)
                self.waiting_rows[event.uuid] = _row(event)
                return True
            if event.commitment_uid is None or event.commitment_uid in self.aliases:
                event.commitment_uid = self.aliases.get(event.commitment_uid) or self._resolve(
                    event.commitment, label
                )
            self._check(event, label)
            self.summary.events += 1
        self.pending_events[event.uuid] = (
            event.kind, event.commitment_uid, event.author, event.counter
        )  # fmt: skip
        self.summary.touched.add(event.commitment_uid)
        self.pending.append(_row(event))
        if len(self.pending) >= self.CHUNK:
            self.flush()
        return True

    def _repeats(self, event: Event, label: str) -> bool:
        """Whether the event is already present, in the database or earlier in the load
        (True: leave it out). Otherwise put its changes in their stored form, checking them.
        Raise if its uuid is already another event's."""
        where = _where(label, event.commitment)
        earlier = self.waiting_rows.get(event.uuid)
        in_load = event.uuid in self.pending_events
        stored = None
        if earlier is None and (not self.empty or in_load):
            if in_load:
                self.flush()  # an event earlier in this load: compare with it as written
            row = self.conn.execute(_SELECT_EVENT, [event.uuid]).fetchone()
            stored = None if row is None else dict(zip(EVENT_COLUMNS, row, strict=True))
        if earlier is None and stored is None:
            event.changes = check_changes(event, where)
            return False
        # the same event as it was written: nothing to check (it was checked then)
        if self._differs(event, earlier, stored) is None:
            return True
        event.changes = check_changes(event, where)
        if stored is not None:
            stored = _stored_form(stored)
        differs = self._differs(event, earlier, stored)
        if differs is None:
            return True
        if in_load:
            raise InvalidValue(
                f"{where}: field 'uuid': {event.uuid} is given twice with different content; "
                "a uuid names one event."
            )
        raise InvalidValue(
            f"{where}: field 'uuid': {event.uuid} is already another event in this database "
            f"(its {differs} differs); events are never changed: record a correction instead."
        )

    def _differs(self, event: Event, earlier: list | None, stored: dict | None) -> str | None:
        """Return the first field in which the event differs from the one with its uuid
        (seen earlier in the load, or stored), or None if they are the same event.

        What it says is compared; when and where it was recorded (counter, recorded_at,
        device) is not: `track scores import` records a table's cells under uuids made from
        the cells, and a second import of the table makes them again, later. A commitment
        uid left to the loader (seed files, old exports) is compared once known."""
        if earlier is not None:  # a waiting event's row
            mine = _row(event)
            if any(mine[i] != earlier[i] for i in range(len(mine)) if i not in _UNCOMPARED_AT):
                return "content"
            uid, other = event.commitment_uid, earlier[_UID_AT]
            return "commitment_uid" if None not in (uid, other) and uid != other else None
        mine = dict(zip(EVENT_COLUMNS, _row(event), strict=True))
        ignored = set(_UNCOMPARED)
        if event.commitment_uid is None:
            ignored.add("commitment_uid")
        return next((n for n in EVENT_COLUMNS if n not in ignored and mine[n] != stored[n]), None)

    def _ready(self, event: Event) -> bool:
        """Whether everything the event refers to has been seen (in the database or this
        load); the rest wait until the end of the load."""
        if self.finishing:
            return True
        if event.commitment_uid is None:
            if not self._with_id(event.commitment.partition("~")[0]):
                return False
        elif event.commitment_uid not in self.aliases:
            known = self._lookup(event.commitment_uid)
            # an event may name an ID its commitment got from an edit later in the load
            if known is None or event.commitment.partition("~")[0] not in known.ids:
                return False
        refs = ([event.about] if event.about else []) + list(event.evidence)
        return all(self._event(ref) is not None for ref in refs)

    def _creation(self, event: Event, label: str) -> bool:
        event.check_shape(label)
        values = {name: pair[1] for name, pair in event.changes.items()}
        record = Commitment(**{k: v for k, v in values.items() if v is not None})
        meeting = self.meetings.get(record.meeting)
        if meeting is None:
            raise UnknownMeeting(
                f"{label}: {record.id} refers to meeting {record.meeting!r}, which is not loaded."
            )
        where = _where(label, record.id)
        self._check_parties(record.parties, meeting, where)
        if event.happened_on != meeting.date:
            raise InvalidDate(
                f"{where}: field 'happened_on': made on {event.happened_on}, but a commitment is "
                f"made at its meeting ({meeting.slug}, {meeting.date})."
            )
        self._check_recorded(event, where)
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
            event.uuid, record.id, record.meeting, record.parties, record.type,
            bool(record.metric), {record.id},
        )  # fmt: skip
        self.by_id.setdefault(record.id, []).append(event.uuid)
        self.summary.commitments += 1
        return True

    def _check_recorded(self, event: Event, where: str) -> None:
        if _parse_time(event.recorded_at) > self.latest_record:
            raise InvalidDate(
                f"{where}: field 'recorded_at': {event.recorded_at} is in the future."
            )

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
                row[0], row[1], row[2], json.loads(row[3]), row[4], row[5] is not None,
                {row[1]} | self._ids_of(uid),
            )  # fmt: skip
        return known

    def _ids_of(self, uid: str) -> set[str]:
        """Every ID a stored commitment's creation and edits gave it."""
        found = set()
        for (pair,) in self.conn.execute(
            "SELECT json_extract(changes, '$.id') FROM events WHERE commitment_uid = ? "
            "AND kind IN ('created', 'edit') AND json_extract(changes, '$.id') IS NOT NULL",
            [uid],
        ):
            found.update(v for v in json.loads(pair) if isinstance(v, str))
        return found

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
        where = _where(label, known.declared_id)
        head, _tilde, tail = e.commitment.partition("~")
        if head not in known.ids or not known.uid.startswith(tail):
            raise InvalidValue(
                f"{where}: field 'commitment': {e.commitment} was never the ID of the commitment "
                f"its commitment_uid names ({known.declared_id}, {known.uid[:8]})."
            )
        self._check_recorded(e, where)
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
            kind = TYPES[known.type]
            if e.status not in kind.ratings:
                if not kind.scored:
                    raise InvalidValue(
                        f"{where}: {known.declared_id} is {with_article(known.type)}: tracked "
                        "with evidence, never rated."
                    )
                raise InvalidValue(
                    f"{where}: field 'status': {e.status!r} is not a rating for "
                    f"{with_article(known.type)} "
                    f"({', '.join(kind.ratings)})."
                )
        if e.period is not None and (known.meeting, e.period) not in self.periods:
            names = [n for (m, n) in self.periods if m == known.meeting]
            raise InvalidValue(
                f"{where}: field 'period': meeting {known.meeting} has no period {e.period!r} "
                f"(periods: {', '.join(names) or 'none'})."
            )
        if e.kind in RATING_KINDS and e.period is not None:
            starts = self.periods[(known.meeting, e.period)].starts
            if e.happened_on < starts:
                raise InvalidDate(
                    f"{where}: a rating for the {e.period} period is dated {e.happened_on}, "
                    f"before the period begins ({starts}); date it when the judgement was made."
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
            if self.duplicates == "refuse" and self._retracted(uuid):
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
            if e.counter <= target[3]:
                raise InvalidValue(
                    f"{where}: field 'counter': {e.counter} is not after the counter of the "
                    f"event it acts on ({e.about[:8]}, {target[3]}); an event comes after what "
                    "it saw."
                )
        if e.kind == "edit":
            self._check_edit(e, known, where)
        elif e.kind == "amendment":
            self._check_amendment(e, known, meeting, where)

    def _check_edit(self, e: Event, known: _Known, where: str) -> None:
        """Contextual checks of an edit whose values check_changes has checked: parties of
        the meeting, and a new ID that no commitment of another meeting has."""
        values = {name: new for name, (_old, new) in e.changes.items()}
        if values.get("parties") is not None:
            self._check_parties(values["parties"], self.meetings[known.meeting], where)
        if "id" in values:
            new_id = values["id"]
            old_id = e.changes["id"][0]
            known.ids.update(i for i in (old_id, new_id) if i is not None)
            others = [k for k in self._with_id(new_id) if k.uid != known.uid]
            foreign = [k for k in others if k.meeting != known.meeting]
            if foreign:
                raise DuplicateCommitment(
                    f"{where}: field 'changes.id': {new_id} is the ID of a commitment of meeting "
                    f"{foreign[0].meeting}; IDs must differ across meetings."
                )
            if others:  # at one meeting: kept beside, as for a creation (a command refuses)
                self.summary.duplicates.append(new_id)
        if values.get("type") is not None:
            known.type = values["type"]
        if values.get("parties") is not None:
            known.parties = values["parties"]
        if "metric" in values:
            known.metric = values["metric"] is not None

    def _check_amendment(self, e: Event, known: _Known, meeting: Meeting, where: str) -> None:
        """Contextual checks of an amendment whose values check_changes has checked: a date
        from the meeting to today, a party of the commitment."""
        values = {name: new for name, (_old, new) in e.changes.items()}
        day = values.get("happened_on")
        if day is not None and not meeting.date <= day <= self.today:
            raise InvalidDate(
                f"{where}: the new date {day} is outside {meeting.date} to {self.today}."
            )
        party = values.get("party")
        if party is not None and party not in known.parties:
            raise InvalidValue(
                f"{where}: field 'party': {known.declared_id} is a commitment of "
                f"{', '.join(known.parties)} only, not {party}{NOT_A_PARTY_HINT}."
            )

    def _check_parties(self, parties: list[str], meeting: Meeting, where: str) -> None:
        foreign = [p for p in parties if p not in meeting.parties]
        if foreign:
            raise InvalidValue(
                f"{where}: field 'parties': {foreign[0]} is not a party of meeting "
                f"{meeting.slug} ({', '.join(meeting.parties)})."
            )

    def _event(self, uuid: str) -> tuple[str, str, str, int] | None:
        """(kind, commitment uid, author, counter) of an event seen, or None."""
        found = self.pending_events.get(uuid)
        if found is not None and found[0] == "waiting":
            return None
        if found is None and not self.empty:
            row = self.conn.execute(
                "SELECT kind, commitment_uid, author, counter FROM events WHERE uuid = ?", [uuid]
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
            del self.waiting_rows[event.uuid]
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


_SELECT_EVENT = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE uuid = ?"
_UNCOMPARED = ("counter", "recorded_at", "device")  # see Loader._differs
_UNCOMPARED_AT = tuple(EVENT_COLUMNS.index(n) for n in (*_UNCOMPARED, "commitment_uid"))
_UID_AT = EVENT_COLUMNS.index("commitment_uid")


def _where(label: str, ref: str) -> str:
    """Name a record for a message: where it was read, and its commitment."""
    if not label:
        return ref
    return label if label.endswith(f"({ref})") else f"{label} ({ref})"


def _parse_time(value: str) -> dt.datetime:
    """Return a recorded_at time (checked by records.timestamp) as a UTC datetime."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _stored_form(row: dict) -> dict:
    """Return a stored event's row as the readers and checks of today would write it (rows
    written by earlier versions may differ in form, not in content); as it is if it no
    longer passes them."""
    raw = {
        name: json.loads(value) if name in _JSON_EVENT_COLUMNS and value is not None else value
        for name, value in row.items()
    }
    try:
        event = Event.from_raw({k: v for k, v in raw.items() if v is not None}, "stored")
        event.changes = check_changes(event, "stored")
    except (TrackError, ValueError, TypeError, RecursionError):
        return row
    return dict(zip(EVENT_COLUMNS, _row(event), strict=True))


def _row(event: Event) -> list:
    values = []
    for name in EVENT_COLUMNS:
        value = getattr(event, name)
        if name in _JSON_EVENT_COLUMNS:
            value = (
                _EMPTY_JSON[name]
                if not value and name != "changes"
                else (_finite_json(value, name) if value is not None else None)
            )
        values.append(value)
    return values


def _finite_json(value: object, name: str) -> str:
    """to_json, refusing what JSON cannot read back (every field's check has refused it
    already: this keeps it so)."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise InvalidValue(f"field {name!r}: a number is not finite.") from None


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
    now: dt.datetime | None = None,
) -> LoadSummary:
    """Check and write a stream of ("meeting" | "period" | "event", record, label), in that
    dependency order, inside the caller's transaction; return what was added. With
    `problems`, bad records are noted there and left out. `now` (UTC; the clock by default)
    bounds when events say they were recorded."""
    loader = Loader(
        conn, today=today, duplicates=duplicates, legacy=legacy, problems=problems, now=now
    )
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
