"""Derived state: everything the tracker shows is a pure function of a commitment's events.

`fold` turns one commitment's events into its state (its fields after edits, which events are
withdrawn or amended, each party's rating, the commitment-level status, the latest event and
the evidence count); `refresh` writes that state into the derived tables that "now" queries
read. Writes, loading and migrations all call `refresh`; nothing else writes those tables.

Order never depends on arrival: events are ordered by (counter, uuid) (a Lamport clock, then
the uuid to break ties), and ratings by (date, counter, uuid), so every replica that holds the
same events computes the same state."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.records import AMENDABLE, Commitment, Event, to_json
from tracker.vocabulary import (
    DISPUTED,
    NOT_YET_RATED,
    RATING_KINDS,
    SPLIT,
    TRACKED,
    TYPES,
    score,
)

# Events that show activity on a commitment (for "latest event" and staleness), and those
# that count as evidence. Corrections (edits, amendments) and reviews are neither.
ACTIVITY_KINDS = frozenset({"created", "note", "measure", "status", "assessment"})
EVIDENCE_KINDS = frozenset({"note", "measure"})
CLOSED = frozenset({"fulfilled", "broken", "violated"})
# Versions of the derived tables' meaning: a change here rebuilds them on the next open.
DERIVED_VERSION = "2"


@dataclass(frozen=True, slots=True)
class PartyRating:
    """One party's rating of a commitment, with who gave it and whether it was reviewed."""

    rating: str  # a rating, or DISPUTED
    assessment: str | None = None  # uuid of the rating event that counts
    coder: str | None = None
    review: str | None = None  # approved, rejected, or None (not reviewed)
    period: str | None = None
    on: str | None = None  # date of the rating event
    recalibrated: bool = False  # an earlier rating for the same period said otherwise
    candidates: tuple[tuple[str, str, str], ...] = ()  # when disputed: (coder, rating, uuid)

    @property
    def score(self) -> int | None:
        return score(self.rating)


@dataclass
class State:
    """A commitment as its events make it, on some date."""

    commitment: Commitment
    events: list[Event]  # every event, oldest first by (counter, uuid), amendments applied
    party_ratings: dict[str, PartyRating]
    status: str
    last_event_on: str
    evidence_count: int
    withdrawn: bool
    conflicts: dict[str, list] = field(default_factory=dict)
    latest_value: tuple[float, str] | None = None  # (value, date) of the latest reading

    @property
    def live(self) -> list[Event]:
        """Events in force: not retracted, not retractions."""
        return [e for e in self.events if not e.retracted and e.kind != "retraction"]


def order(event: Event) -> tuple[int, str]:
    return (event.counter, event.uuid)


def rating_order(event: Event, periods: dict[str, str] | None = None) -> tuple:
    """Ratings by date; on the same date, one made for a later period comes later; then as
    recorded."""
    start = (periods or {}).get(event.period or "", "")
    return (event.happened_on, start, event.counter, event.uuid)


def withdrawn_events(events: Sequence[Event]) -> dict[str, str]:
    """Return {uuid withdrawn: uuid of the retraction that withdraws it}: a retraction in
    force withdraws its target; a retraction is in force unless a later one withdraws it."""
    withdrawn: dict[str, str] = {}
    for event in sorted((e for e in events if e.kind == "retraction"), key=order, reverse=True):
        if event.uuid not in withdrawn and event.about not in withdrawn:
            withdrawn[event.about] = event.uuid
    return withdrawn


def fold(
    events: Iterable[Event],
    *,
    as_of: str | None = None,
    period: str | None = None,
    periods: dict[str, dict[str, str]] | None = None,
) -> State:
    """Return a commitment's state from its events (all of them, any order).

    With `as_of` (an ISO date), only evidence and ratings dated on or before it count;
    corrections (edits, amendments, retractions) always apply, since they correct the record.
    With `period`, only ratings made for that compliance period count, whatever their date.
    `periods` maps each meeting to its periods' start dates, to order ratings of one day."""
    ordered = sorted(events, key=order)
    withdrawn = withdrawn_events(ordered)
    created = next((e for e in ordered if e.kind == "created"), None)
    if created is None:
        raise ValueError("a commitment's events must include its creation")
    # amendments in force change the events they name
    amended: dict[str, dict[str, Any]] = {}
    for e in ordered:
        if e.kind == "amendment" and e.uuid not in withdrawn:
            for name, pair in (e.changes or {}).items():
                if name in AMENDABLE:
                    amended.setdefault(e.about, {})[name] = pair[1]
    shown: list[Event] = []
    for e in ordered:
        changes = amended.get(e.uuid)
        if changes or e.uuid in withdrawn:
            e = _copy(e, changes or {}, retracted=e.uuid in withdrawn, amended=bool(changes))
        shown.append(e)
    record, conflicts = _record(created, shown)
    live = [e for e in shown if not e.retracted and e.kind != "retraction"]
    is_withdrawn = created.uuid in withdrawn
    dated = [e for e in live if as_of is None or e.happened_on <= as_of]
    activity = [e.happened_on for e in dated if e.kind in ACTIVITY_KINDS]
    evidence = sum(1 for e in dated if e.kind in EVIDENCE_KINDS)
    readings = [e for e in dated if e.kind == "measure"]
    latest_value = None
    if readings:
        last = max(readings, key=rating_order)
        latest_value = (last.value, last.happened_on)
    ratings = _party_ratings(
        record, live, as_of=as_of, period=period, periods=(periods or {}).get(record.meeting)
    )
    status = summary_status(record.type, ratings)
    record.status = status
    record.uid = created.uuid
    record.created_at = created.recorded_at
    record.withdrawn = is_withdrawn
    return State(
        commitment=record,
        events=shown,
        party_ratings=ratings,
        status=status,
        last_event_on=max(activity, default=created.happened_on),
        evidence_count=evidence,
        withdrawn=is_withdrawn,
        conflicts=conflicts,
        latest_value=latest_value,
    )


def _copy(event: Event, changes: dict[str, Any], *, retracted: bool, amended: bool) -> Event:
    values = {name: getattr(event, name) for name in Event.__dataclass_fields__}
    values.update(changes)
    values["retracted"], values["amended"] = retracted, amended
    return Event(**values)


def _record(created: Event, events: list[Event]) -> tuple[Commitment, dict[str, list]]:
    """Return the commitment's fields: those of its creation, then each edit in force in
    order. An edit whose old value is not the value it changes did not see the edit before
    it: if the values differ, the field is in conflict until a later edit that saw the shown
    value settles it."""
    values = {name: pair[1] for name, pair in (created.changes or {}).items()}
    conflicts: dict[str, list] = {}
    for e in events:
        if e.kind != "edit" or e.retracted:
            continue
        for name, (old, new) in (e.changes or {}).items():
            if name not in Commitment.__dataclass_fields__ or name == "meeting":
                continue  # only known fields, never an identifier from the data
            current = values.get(name)
            if old == current or new == current:
                conflicts.pop(name, None)
            else:
                conflicts[name] = [current, new]
            values[name] = new
    columns = Commitment.columns()  # (cached)
    known = {k: v for k, v in values.items() if k in columns}
    return Commitment(**known), conflicts


def _party_ratings(
    record: Commitment,
    live: list[Event],
    *,
    as_of: str | None,
    period: str | None,
    periods: dict[str, str] | None,
) -> dict[str, PartyRating]:
    kind = TYPES.get(record.type)
    if kind is None or not kind.scored:
        return {p: PartyRating(TRACKED) for p in record.parties}
    reviews: dict[str, Event] = {}
    for e in live:  # the latest review of each rating event counts
        if e.kind in ("approval", "rejection") and (
            e.about not in reviews or order(e) > order(reviews[e.about])
        ):
            reviews[e.about] = e
    ratings = [
        e
        for e in live
        if e.kind in RATING_KINDS
        and e.status in kind.ratings
        and (period is None or e.period == period)
        and (period is not None or as_of is None or e.happened_on <= as_of)
        and not (e.uuid in reviews and reviews[e.uuid].kind == "rejection")
    ]

    def key(event: Event) -> tuple:
        return rating_order(event, periods)

    ratings.sort(key=key)
    return {
        p: _resolve([e for e in ratings if e.party in (None, p)], reviews, key)
        for p in record.parties
    }


def _resolve(ratings: list[Event], reviews: dict[str, Event], key) -> PartyRating:
    """Return the rating that counts among one party's rating events (sorted by `key`).

    Only the latest period's ratings count. A rating is superseded by a later one from the
    same coder on the same device, and by a later one that saw it (recorded in its changes as
    "saw") when that one is a status change, by the same coder, or made over a dispute. What
    remains are the candidates: if they differ (two coders, or two changes that did not see
    each other), the item is disputed, unless a reviewer approved one of them."""
    if not ratings:
        return PartyRating(NOT_YET_RATED)
    scope = ratings[-1].period
    in_scope = [e for e in ratings if e.period == scope]
    by_uuid = {e.uuid: e for e in in_scope}
    superseded: set[str] = set()
    last: dict[tuple[str, str], Event] = {}
    for e in in_scope:  # oldest first
        source = (e.author, e.device)
        if source in last:
            superseded.add(last[source].uuid)
        last[source] = e
    for e in in_scope:
        over_dispute = _saw_dispute(e)
        seen = _saw(e)
        if over_dispute and seen is None:  # ratings made before "saw" was recorded
            seen = [x.uuid for x in in_scope if order(x) < order(e)]
        for uuid in seen or ():
            earlier = by_uuid.get(uuid)
            if earlier is None or earlier is e or key(earlier) > key(e):
                continue  # a backdated rating never outranks a later-dated one
            if e.kind == "status" or over_dispute or earlier.author == e.author:
                superseded.add(uuid)
    candidates = [e for e in in_scope if e.uuid not in superseded] or [in_scope[-1]]
    values = {e.status for e in candidates}
    if len(values) > 1:
        approved = [e for e in candidates if _review(e, reviews) == "approved"]
        if len({e.status for e in approved}) == 1:
            candidates = approved
            values = {approved[0].status}
    if len(values) > 1:
        return PartyRating(
            DISPUTED,
            period=scope,
            candidates=tuple((e.author, e.status, e.uuid) for e in sorted(candidates, key=order)),
        )
    chosen = max(candidates, key=key)
    approved = [e for e in candidates if _review(e, reviews) == "approved"]
    if approved:
        chosen = max(approved, key=key)
    earlier = {e.status for e in in_scope if key(e) < key(chosen)}
    return PartyRating(
        chosen.status,
        assessment=chosen.uuid,
        coder=chosen.author,
        review=_review(chosen, reviews),
        period=scope,
        on=chosen.happened_on,
        recalibrated=bool(earlier - {chosen.status}),
    )


def _saw_dispute(event: Event) -> bool:
    seen = (event.changes or {}).get("status")
    return isinstance(seen, list) and seen[:1] == [DISPUTED]


def _saw(event: Event) -> list[str] | None:
    """The rating events this one saw as current when it was made (None if not recorded)."""
    seen = (event.changes or {}).get("saw")
    return seen if isinstance(seen, list) else None


def _review(event: Event, reviews: dict[str, Event]) -> str | None:
    review = reviews.get(event.uuid)
    if review is None:
        return None
    return "approved" if review.kind == "approval" else "rejected"


def summary_status(type_: str, ratings: dict[str, PartyRating]) -> str:
    """Return the commitment-level status: the rating all parties share, else "split"
    (or "disputed" for a one-party commitment whose coders disagree); "tracked" for types
    that are never rated."""
    kind = TYPES.get(type_)
    if kind is None or not kind.scored:
        return TRACKED
    values = {r.rating for r in ratings.values()}
    if len(values) == 1:
        return values.pop()
    return SPLIT if values else NOT_YET_RATED


def split_detail(ratings: dict[str, PartyRating]) -> str:
    """Return "US broken / CN fulfilled" for a split commitment of two or three parties, and
    the parties grouped by rating for more: "fulfilled CA, FR · not-yet-rated DE, IT, JP"."""
    if len(ratings) <= 3:
        return " / ".join(f"{party} {r.rating}" for party, r in ratings.items())
    groups: dict[str, list[str]] = {}
    for party, r in ratings.items():
        groups.setdefault(r.rating, []).append(party)
    return " · ".join(f"{rating} {', '.join(parties)}" for rating, parties in groups.items())


def is_open(status: str, party_ratings: Iterable[str] = ()) -> bool:
    """True for an item still to watch: rated or not, but not closed and not tracked-only. A
    split commitment is closed when every party's side is (US broken / CN fulfilled)."""
    if status == SPLIT:
        ratings = list(party_ratings)
        if ratings and all(r in CLOSED for r in ratings):
            return False
    return status not in CLOSED and status != TRACKED


# --------------------------------------------------------------------------- the tables

_LOCAL = ("retracted", "amended")  # derived by the fold, not columns of the events table
_STORED = tuple(name for name in Event.__dataclass_fields__ if name not in _LOCAL)
EVENT_SELECT = f"SELECT {', '.join(_STORED)} FROM events"
_JSON_AT = tuple(i for i, name in enumerate(_STORED) if name in Event.json_columns())
_CHANGES_AT = _STORED.index("changes")


def read_events(conn: sqlite3.Connection, uids: Sequence[str] | None = None) -> dict[str, list]:
    """Return {commitment uid: [Event, ...]} for some commitments (or all)."""
    grouped: dict[str, list[Event]] = {}
    if uids is None:
        cursor = conn.execute(EVENT_SELECT)
    elif len(uids) <= 50:
        cursor = conn.execute(
            f"{EVENT_SELECT} WHERE commitment_uid IN ({', '.join('?' * len(uids))})", list(uids)
        )
    else:
        cursor = conn.execute(
            f"{EVENT_SELECT} WHERE commitment_uid IN (SELECT value FROM json_each(?))",
            [json.dumps(list(uids))],
        )
    cursor.row_factory = None  # plain tuples, in _STORED order: the hot path of every fold
    for event in map(event_from_row, cursor):
        grouped.setdefault(event.commitment_uid, []).append(event)
    return grouped


# The evidence and ratings in force of some commitments, amendments applied (as the
# live_events view has them), in the EVENT_SELECT column order.
_LIVE_SELECT = (
    "SELECT "
    + ", ".join(
        f"coalesce(a.{n}, e.{n})" if n in AMENDABLE and n != "party"
        else "CASE WHEN a.event IS NOT NULL THEN a.party ELSE e.party END" if n == "party"
        else f"e.{n}"
        for n in _STORED
    )
    + " FROM events e LEFT JOIN amended_events a ON a.event = e.id"
    " WHERE e.commitment_uid IN (SELECT value FROM json_each(?))"
    " AND e.kind IN ('note', 'measure', 'status', 'assessment')"
    " AND NOT EXISTS (SELECT 1 FROM retracted_events r WHERE r.event = e.id)"
    " ORDER BY e.counter, e.uuid"
)  # fmt: skip


def read_live_events(conn: sqlite3.Connection, uids: Sequence[str]) -> dict[str, list[Event]]:
    """Return {commitment uid: its evidence and ratings in force}, amendments applied, oldest
    first by (counter, uuid), read without folding (for the state as it stands now)."""
    grouped: dict[str, list[Event]] = {}
    cursor = conn.execute(_LIVE_SELECT, [json.dumps(list(uids))])
    cursor.row_factory = None
    for event in map(event_from_row, cursor):
        grouped.setdefault(event.commitment_uid, []).append(event)
    return grouped


def event_from_row(row: Sequence[Any]) -> Event:
    """Return an Event from an events row selected as EVENT_SELECT (JSON fields parsed)."""
    values = list(row)
    for i in _JSON_AT:
        value = values[i]
        if value == "[]":
            values[i] = []
        elif value:
            values[i] = json.loads(value)
        else:
            values[i] = None if i == _CHANGES_AT else []
    return Event(*values)


COMMITMENT_COLUMNS = (
    *Commitment.columns(), "uid", "declared_id", "status", "created_at", "withdrawn",
    "last_event_on", "evidence_count", "conflicts",
)  # fmt: skip
_UPSERT_COMMITMENT = (
    f"INSERT INTO commitments ({', '.join(COMMITMENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(COMMITMENT_COLUMNS))}) "
    "ON CONFLICT(uid) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COMMITMENT_COLUMNS if c != "uid")
)
_RATING_COLUMNS = (
    "commitment_uid", "party", "rating", "score", "period", "assessment", "coder", "review",
    "rated_on", "recalibrated",
)  # fmt: skip
_INSERT_RATING = (
    f"INSERT INTO party_ratings ({', '.join(_RATING_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_RATING_COLUMNS))})"
)


def period_starts(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Return {meeting: {period name: start date}}."""
    found: dict[str, dict[str, str]] = {}
    for meeting, name, starts in conn.execute("SELECT meeting, name, starts FROM periods"):
        found.setdefault(meeting, {})[name] = starts
    return found


def refresh(conn: sqlite3.Connection, uids: Iterable[str] | None = None) -> None:
    """Recompute the derived tables for some commitments (all when None) from their events:
    commitments, party_ratings, metrics, retracted_events, amended_events and the search
    index. Runs inside the caller's transaction."""
    targets = None if uids is None else sorted(set(uids))
    if targets is not None and not targets:
        return
    if targets is None:
        for table in ("party_ratings", "metrics", "retracted_events", "amended_events"):
            conn.execute(f"DELETE FROM {table}")  # fixed names, never from data
        conn.execute("DELETE FROM commitments WHERE uid NOT IN (SELECT commitment_uid FROM events)")
        every = [r[0] for r in conn.execute("SELECT DISTINCT commitment_uid FROM events")]
    else:
        _delete_for(conn, targets)
        every = targets
    ids_before = _declared_ids(conn, targets)
    periods = period_starts(conn)
    reindex: list[str] = []
    # a chunk of commitments at a time, so that memory stays small on a large import
    for start in range(0, len(every), REFRESH_CHUNK):
        grouped = read_events(conn, every[start : start + REFRESH_CHUNK])
        reindex += _refresh_chunk(conn, grouped, periods)
    assign_display_ids(conn, ids_before | _declared_ids(conn, targets))
    _index_commitments(conn, targets)
    if targets is None:
        _index_all_events(conn)
    elif reindex:
        _reindex_events(conn, reindex)


REFRESH_CHUNK = 2_000  # commitments whose events are in memory at once while refreshing


def _refresh_chunk(conn: sqlite3.Connection, grouped: dict[str, list], periods) -> list[str]:
    """Write the derived rows of some commitments; return the uuids of amended events."""
    commitment_rows, rating_rows, metric_rows, retracted, amended = [], [], [], [], []
    for uid, events in grouped.items():
        state = fold(events, periods=periods)
        c = state.commitment
        record = c.as_row()
        # the shown ID is set by assign_display_ids once every row is in (two may share one)
        shown = {**record, "id": "~" + uid}
        commitment_rows.append(
            [shown[name] for name in Commitment.columns()]
            + [uid, c.id, state.status, c.created_at, int(state.withdrawn), state.last_event_on,
               state.evidence_count, to_json(state.conflicts) if state.conflicts else None]
        )  # fmt: skip
        for party, r in state.party_ratings.items():
            rating_rows.append(
                [uid, party, r.rating, r.score, r.period, r.assessment, r.coder, r.review, r.on,
                 int(r.recalibrated)]
            )  # fmt: skip
        if c.metric:
            latest, latest_on = state.latest_value or (None, None)
            metric_rows.append([uid, *(c.metric.get(k) for k in _METRIC_KEYS), latest, latest_on])
        for e in state.events:
            if e.retracted:
                retracted.append([e.uuid])
            if e.amended:
                amended.append(
                    [e.uuid, e.happened_on, e.text, to_json(e.sources), e.party, to_json(e.tags),
                     e.stance]
                )  # fmt: skip
    conn.executemany(_UPSERT_COMMITMENT, commitment_rows)
    conn.executemany(_INSERT_RATING, rating_rows)
    conn.executemany(_INSERT_METRIC, metric_rows)
    conn.executemany(
        "INSERT INTO retracted_events (event) SELECT id FROM events WHERE uuid = ?", retracted
    )
    conn.executemany(
        "INSERT INTO amended_events (event, happened_on, text, sources, party, tags, stance) "
        "SELECT id, ?, ?, ?, ?, ?, ? FROM events WHERE uuid = ?",
        [row[1:] + row[:1] for row in amended],
    )
    return [row[0] for row in amended]


_METRIC_KEYS = (
    "name", "unit", "baseline", "baseline_on", "target", "target_on", "reference",
    "reference_note",
)  # fmt: skip
_INSERT_METRIC = (
    f"INSERT INTO metrics (commitment_uid, {', '.join(_METRIC_KEYS)}, latest, latest_on) "
    f"VALUES ({', '.join('?' * (len(_METRIC_KEYS) + 3))})"
)


def _delete_for(conn: sqlite3.Connection, uids: list[str]) -> None:
    param = [json.dumps(uids)]
    within = "(SELECT value FROM json_each(?))"
    conn.execute(f"DELETE FROM party_ratings WHERE commitment_uid IN {within}", param)
    conn.execute(f"DELETE FROM metrics WHERE commitment_uid IN {within}", param)
    events = f"(SELECT id FROM events WHERE commitment_uid IN {within})"
    conn.execute(f"DELETE FROM retracted_events WHERE event IN {events}", param)
    conn.execute(f"DELETE FROM amended_events WHERE event IN {events}", param)


def _declared_ids(conn: sqlite3.Connection, uids: list[str] | None) -> set[str]:
    if uids is None:
        return {row[0] for row in conn.execute("SELECT DISTINCT declared_id FROM commitments")}
    rows = conn.execute(
        "SELECT declared_id FROM commitments WHERE uid IN (SELECT value FROM json_each(?))",
        [json.dumps(uids)],
    )
    return {row[0] for row in rows}


def assign_display_ids(conn: sqlite3.Connection, declared: Iterable[str]) -> None:
    """Give each commitment its declared ID, or, where two commitments declare the same ID,
    both the form ID~<first characters of the uid> until one is renamed."""
    for declared_id in sorted(declared):
        rows = conn.execute(
            "SELECT uid FROM commitments WHERE declared_id = ? ORDER BY uid", [declared_id]
        ).fetchall()
        uids = [r[0] for r in rows]
        if len(uids) == 1:
            wanted = {uids[0]: declared_id}
        else:
            size = 4
            while len({u[:size] for u in uids}) < len(uids):
                size += 2
            wanted = {u: f"{declared_id}~{u[:size]}" for u in uids}
        for uid, shown in wanted.items():
            # clear first so that swapping display IDs never trips the unique index
            conn.execute(
                "UPDATE commitments SET id = '~' || uid WHERE uid = ? AND id != ?", [uid, shown]
            )
        for uid, shown in wanted.items():
            conn.execute(
                "UPDATE commitments SET id = ? WHERE uid = ? AND id != ?", [shown, uid, shown]
            )


def _index_commitments(conn: sqlite3.Connection, uids: list[str] | None) -> None:
    where = "" if uids is None else " WHERE uid IN (SELECT value FROM json_each(?))"
    params = [] if uids is None else [json.dumps(uids)]
    if uids is None:
        conn.execute("DELETE FROM commitments_fts")
    else:
        conn.execute(
            f"DELETE FROM commitments_fts WHERE rowid IN (SELECT rowid FROM commitments{where})",
            params,
        )
    conn.execute(
        "INSERT INTO commitments_fts (rowid, id, title, summary, quote, guideline) "
        f"SELECT rowid, id, title, summary, quote, guideline FROM commitments{where}",
        params,
    )


EVENT_SEARCH_TEXT = (
    "(SELECT group_concat(coalesce(json_extract(s.value, '$.title'), '') || ' ' || "
    "coalesce(json_extract(s.value, '$.publisher'), ''), ' ') FROM json_each({sources}) s)"
)


def _index_all_events(conn: sqlite3.Connection) -> None:
    """Rebuild the search index of the events from scratch (amendments applied)."""
    conn.execute("DELETE FROM events_fts")
    conn.execute(
        "INSERT INTO events_fts (rowid, text, sources) "
        "SELECT e.id, coalesce(a.text, e.text), "
        + EVENT_SEARCH_TEXT.format(sources="coalesce(a.sources, e.sources)")
        + " FROM events e LEFT JOIN amended_events a ON a.event = e.id"
    )


def _reindex_events(conn: sqlite3.Connection, uuids: list[str]) -> None:
    for uuid in uuids:
        row = conn.execute(
            "SELECT e.id, coalesce(a.text, e.text), coalesce(a.sources, e.sources) "
            "FROM events e LEFT JOIN amended_events a ON a.event = e.id WHERE e.uuid = ?",
            [uuid],
        ).fetchone()
        if row is not None:
            conn.execute("DELETE FROM events_fts WHERE rowid = ?", [row[0]])
            conn.execute(
                "INSERT INTO events_fts (rowid, text, sources) VALUES (?, ?, ?)",
                [row[0], row[1], source_text(row[2])],
            )


def source_text(sources_json: str | None) -> str:
    """Return the searchable words of an event's sources: titles and publishers."""
    if not sources_json:
        return ""
    sources = json.loads(sources_json)
    return " ".join(" ".join(filter(None, (s.get("title"), s.get("publisher")))) for s in sources)
