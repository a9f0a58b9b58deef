"""`track check`: every problem in seed files or a database, one line each.

Seed files are loaded into a scratch database through the same checks as any import
(collecting every refusal instead of stopping at the first), then the database, scratch or
real, is checked for what a sound record needs beyond being loadable: evidence with an
http(s) source, dates within the meeting's range and not in the future, parties among the
commitment's, one commitment per ID, links that resolve, assessments that cite evidence in
force on the same commitment, a metric on every quantified commitment."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tracker import derived, seeds
from tracker.errors import SeedError
from tracker.loading import load, seed_stream
from tracker.store import Store
from tracker.vocabulary import RATING_KINDS, TYPES, with_article

EVIDENCE = ("note", "measure")


def check_files(paths: Sequence[Path], *, today: dt.date) -> list[str]:
    """Return the problems of seed files read together (empty when they are sound)."""
    problems: list[str] = []
    readable = []
    for path in paths:
        try:
            seeds.load_toml(Path(path))
            readable.append(Path(path))
        except SeedError as error:
            problems.append(str(error))
    if not readable:
        return problems
    try:
        data = seeds.read_files(readable, strict=False)
    except SeedError as error:
        return [*problems, str(error)]
    problems += seeds.duplicates(data)
    # a repeated record is reported just above, once: load only the first of each identity
    first = seeds.SeedData(meetings=data.meetings, periods=data.periods)
    labels: dict[str, str] = {}
    for event, label in zip(data.events, data.labels, strict=True):
        if event.uuid not in labels:
            labels[event.uuid] = label
            first.events.append(event)
            first.labels.append(label)
    data = first
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "check.db")
        try:
            with store._writing():
                load(store.conn, seed_stream(data), today=today.isoformat(), problems=problems)
            problems += check_database(store, today=today, labels=labels)
        finally:
            store.close()
    return problems


def check_database(
    store: Store, *, today: dt.date, labels: dict[str, str] | None = None
) -> list[str]:
    """Return the problems of the record a database holds. `labels` names events by where
    they were read (file:line) when they came from seed files."""
    labels = labels or {}
    problems: list[str] = []
    meetings = {m.slug: m for m in store.meetings()}
    periods = derived.period_starts(store.conn)
    known_ids = {
        row[0]
        for row in store.conn.execute("SELECT declared_id FROM commitments WHERE NOT withdrawn")
    }
    for row in store.conn.execute(
        "SELECT declared_id, group_concat(meeting, ', ') FROM commitments WHERE NOT withdrawn "
        "GROUP BY declared_id HAVING count(*) > 1"
    ):
        problems.append(f"{row[0]}: two commitments share this ID (meetings {row[1]}).")
    for events in store.events_of().values():
        state = derived.fold(events, periods=periods)
        c = state.commitment
        if state.withdrawn:
            continue
        meeting = meetings.get(c.meeting)
        live = {e.uuid: e for e in state.live}
        if TYPES[c.type].name == "quantified" and not c.metric:
            problems.append(f"{c.id}: a quantified commitment without a metric.")
        for link in c.links:
            if link["to"] not in known_ids:
                problems.append(
                    f"{c.id}: link {link['relation']} {link['to']}: no such commitment."
                )
        for e in state.events:
            if e.retracted or e.kind in ("retraction", "created"):
                continue
            where = labels.get(e.uuid) or f"{c.id} event {e.uuid[:8]}"
            if e.happened_on > today.isoformat():
                problems.append(f"{where}: dated {e.happened_on}, in the future.")
            if meeting and e.kind in (*EVIDENCE, *RATING_KINDS) and e.happened_on < meeting.date:
                problems.append(
                    f"{where}: dated {e.happened_on}, before its meeting ({meeting.date})."
                )
            if e.party is not None and e.party not in c.parties:
                problems.append(f"{where}: party {e.party} is not a party of {c.id}.")
            if e.kind in EVIDENCE and not any(s.get("url") for s in e.sources):
                problems.append(f"{where}: evidence on {c.id} without an http(s) source.")
            if e.kind in RATING_KINDS:
                if TYPES[c.type].scored and e.status not in TYPES[c.type].ratings:
                    problems.append(
                        f"{where}: {e.status} is not a rating for {with_article(c.type)}."
                    )
                if e.period is not None and e.period not in periods.get(c.meeting, {}):
                    problems.append(f"{where}: no period {e.period!r} in {c.meeting}.")
                for cited in e.evidence:
                    target = live.get(cited)
                    if target is None or target.kind not in EVIDENCE:
                        problems.append(
                            f"{where}: cites {cited[:8]}, which is not evidence in force on {c.id}."
                        )
    return problems
