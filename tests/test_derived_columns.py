"""Derived state is a pure function of the events: whatever sequence of writes came before,
the derived tables equal a rebuild from the events, and the "now" fast path of status equals
folding every commitment's events."""

import contextlib
import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TEST_SEEDS
from tracker.errors import TrackError
from tracker.store import UNSET, create_database
from tracker.vocabulary import ACTION_RATINGS

IDS = ["NARC-1", "NARC-2", "AI-1", "TRAV-1", "BALI-1"]
TODAY = dt.date(2026, 11, 27)
operation = st.one_of(
    st.tuples(st.just("note"), st.sampled_from(IDS), st.integers(0, 900)),
    st.tuples(
        st.just("rate"),
        st.sampled_from(IDS),
        st.integers(0, 900),
        st.sampled_from([*ACTION_RATINGS, "maintained", "violated"]),
        st.sampled_from([None, "US", "CN"]),
        st.sampled_from(["ann", "ben"]),
    ),
    st.tuples(st.just("measure"), st.just("TRAV-1"), st.integers(0, 900)),
    st.tuples(st.just("undo"), st.sampled_from(["ann", "ben", "tester"])),
    st.tuples(st.just("edit"), st.sampled_from(IDS), st.integers(0, 3)),
    st.tuples(st.just("amend"), st.integers(0, 900)),
)
TABLES = {
    "commitments": "SELECT uid, id, title, status, last_event_on, evidence_count, withdrawn, "
    "conflicts FROM commitments ORDER BY uid",
    "party_ratings": "SELECT * FROM party_ratings ORDER BY commitment_uid, party",
    "metrics": "SELECT * FROM metrics ORDER BY commitment_uid",
    "retracted": "SELECT * FROM retracted_events ORDER BY event",
    "amended": "SELECT * FROM amended_events ORDER BY event",
}


def snapshot(store):
    return {name: store.conn.execute(sql).fetchall() for name, sql in TABLES.items()}


def apply(store, op):
    on = (
        dt.date(2023, 11, 15) + dt.timedelta(days=op[2])
        if op[0] in ("note", "rate", "measure")
        else None
    )
    if op[0] == "note":
        store.add_note(op[1], "n", on=on, today=TODAY, author="tester")
    elif op[0] == "rate":
        store.rate(op[1], op[3], on=on, today=TODAY, party=op[4], author=op[5], short=True,
                   period=UNSET)  # fmt: skip
    elif op[0] == "measure":
        store.add_measure(op[1], 80 + op[2], on=on, today=TODAY, author="tester")
    elif op[0] == "undo":
        store.undo(today=TODAY, author=op[1])
    elif op[0] == "edit":
        store.edit(op[1], today=TODAY, author="tester", title=f"Title {op[2]}")
    else:
        latest = store.conn.execute(
            "SELECT uuid FROM events WHERE kind = 'note' ORDER BY counter DESC LIMIT 1"
        ).fetchone()
        if latest:
            store.amend(latest[0], today=TODAY, author="tester",
                        happened_on=dt.date(2023, 11, 15) + dt.timedelta(days=op[1]))  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=14))
def test_derived_tables_match_a_rebuild_from_the_events(operations):
    with tempfile.TemporaryDirectory() as folder:
        store, _ = create_database(Path(folder) / "t.db", seed_files=TEST_SEEDS)
        for op in operations:
            with contextlib.suppress(TrackError):  # refused writes change nothing
                apply(store, op)
        kept = snapshot(store)
        store.rebuild()
        assert snapshot(store) == kept
        now = store.status_rows(as_of=TODAY)  # read from the derived tables
        states = store.states(as_of=TODAY)  # folded from the events
        assert [(r.id, r.status, r.party_statuses, r.last_update, r.evidence) for r in now] == [
            (cid, s.status, {p: x.rating for p, x in s.party_ratings.items()}, s.last_event_on,
             s.evidence_count)
            for cid, s in states.items()
        ]  # fmt: skip
        store.close()
