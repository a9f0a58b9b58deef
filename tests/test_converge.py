"""Exchange that converges: replicas that exchange exports in any order, any number of times,
end byte-identical, with nothing lost or duplicated; conflicts are shown, not hidden."""

import contextlib
import datetime as dt
import json
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TEST_SEEDS
from tracker.errors import TrackError
from tracker.exchange import export_text, read_import
from tracker.store import UNSET, create_database

TODAY = dt.date(2026, 11, 27)
IDS = ["NARC-1", "NARC-2", "AI-1", "MIL-5", "TRAV-1", "BALI-1"]
RATINGS = ["not-started", "in-progress", "partial", "fulfilled", "broken"]

operation = st.one_of(
    st.tuples(st.just("note"), st.sampled_from(IDS), st.integers(0, 800)),
    st.tuples(
        st.just("set"),
        st.sampled_from(IDS[:5]),
        st.integers(0, 800),
        st.sampled_from(RATINGS),
        st.sampled_from([None, "US", "CN"]),
    ),  # fmt: skip
    st.tuples(
        st.just("assess"),
        st.sampled_from(IDS[:5]),
        st.integers(0, 800),
        st.sampled_from(RATINGS),
        st.sampled_from(["ann", "ben"]),
    ),  # fmt: skip
    st.tuples(st.just("edit"), st.sampled_from(IDS), st.integers(0, 3)),
    st.tuples(st.just("add"), st.sampled_from(["NEW-1", "NEW-2"]), st.integers(0, 3)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("amend"), st.integers(0, 800)),
)


def apply(store, op, coder: str) -> None:
    day = (
        dt.date(2023, 11, 16) + dt.timedelta(days=op[2])
        if op[0] in ("note", "set", "assess")
        else None
    )
    if op[0] == "note":
        store.add_note(op[1], "n", on=day, today=TODAY, author=coder)
    elif op[0] == "set":
        store.rate(op[1], op[3], on=day, today=TODAY, party=op[4], author=coder, short=True,
                   period=UNSET)  # fmt: skip
    elif op[0] == "assess":
        store.rate(op[1], op[3], on=day, today=TODAY, party="US", author=op[4], rationale="r",
                   period=UNSET)  # fmt: skip
    elif op[0] == "edit":
        store.edit(op[1], today=TODAY, author=coder, title=f"Title {op[2]}")
    elif op[0] == "add":
        store.add_commitment(op[1], today=TODAY, author=coder, title=f"New {op[2]}", area="x",
                             parties=["US"])  # fmt: skip
    elif op[0] == "undo":
        store.undo(today=TODAY, author=coder)
    else:
        note = store.conn.execute(
            "SELECT uuid FROM events WHERE kind = 'note' ORDER BY counter DESC LIMIT 1"
        ).fetchone()
        if note:
            store.amend(note[0], today=TODAY, author=coder,
                        happened_on=dt.date(2023, 11, 16) + dt.timedelta(days=op[1]))  # fmt: skip


def exchange(source, target, folder: Path) -> None:
    path = folder / f"x{random.random()}.jsonl"
    path.write_text(export_text(source, "jsonl"), encoding="utf-8")
    records, _ = read_import(path)
    target.add_records(records, today=TODAY)


def status_json(store) -> str:
    rows = store.status_rows(as_of=TODAY)
    return json.dumps([[r.id, r.title, r.status, r.party_statuses, r.last_update] for r in rows])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    work=st.lists(st.tuples(st.integers(0, 2), operation), max_size=18),
    swaps=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), max_size=8),
    seed=st.integers(0, 1000),
)
def test_three_replicas_converge_whatever_the_order_of_exchange(work, swaps, seed):
    random.seed(seed)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        replicas = [
            create_database(folder / f"r{i}.db", seed_files=TEST_SEEDS)[0] for i in range(3)
        ]
        coders = ["ann", "ben", "cho"]
        made = set()
        for step, (who, op) in enumerate(work):
            with contextlib.suppress(TrackError):
                apply(replicas[who], op, coders[who])
            if step < len(swaps):
                src, dst = swaps[step]
                if src != dst:
                    exchange(replicas[src], replicas[dst], folder)
        for store in replicas:
            made |= {r[0] for r in store.conn.execute("SELECT uuid FROM events")}
        order = [(a, b) for a in range(3) for b in range(3) if a != b]
        random.shuffle(order)
        for src, dst in order * 2:  # every pair, twice, in a random order
            exchange(replicas[src], replicas[dst], folder)
        exports = [export_text(s, "jsonl") for s in replicas]
        assert exports[0] == exports[1] == exports[2]
        statuses = [status_json(s) for s in replicas]
        assert statuses[0] == statuses[1] == statuses[2]
        held = [r[0] for r in replicas[0].conn.execute("SELECT uuid FROM events")]
        assert len(held) == len(set(held)) == len(made)  # nothing lost or duplicated
        for store in replicas:
            store.close()


def test_concurrent_changes_are_shown_and_a_later_change_settles_them(tmp_path):
    a, _ = create_database(tmp_path / "a.db", seed_files=TEST_SEEDS)
    b, _ = create_database(tmp_path / "b.db", seed_files=TEST_SEEDS)
    assert export_text(a, "json") == export_text(b, "json")  # two inits are identical
    day = dt.date(2024, 6, 1)
    a.rate("MIL-5", "fulfilled", on=day, today=TODAY, author="ann", short=True, period=UNSET)
    b.rate("MIL-5", "partial", on=day, today=TODAY, author="ben", short=True, period=UNSET)
    a.edit("AI-1", today=TODAY, author="ann", title="Talks on AI risk")
    b.edit("AI-1", today=TODAY, author="ben", title="Government AI talks")
    a.add_commitment("NEW-1", today=TODAY, author="ann", title="Ann's", area="x", parties=["US"])
    b.add_commitment("NEW-1", today=TODAY, author="ben", title="Ben's", area="x", parties=["US"])
    exchange(a, b, tmp_path)
    exchange(b, a, tmp_path)
    for store in (a, b):
        kinds = {(c["id"], c["kind"]) for c in store.conflicts()}
        assert ("MIL-5", "rating") in kinds
        assert ("AI-1", "field") in kinds
        assert ("NEW-1", "id") in kinds
        assert store.status_rows(as_of=TODAY, commitment_id="MIL-5")[0].status == "disputed"
        twins = sorted(store.commitment_ids())
        assert len([t for t in twins if t.startswith("NEW-1~")]) == 2
    assert status_json(a) == status_json(b)
    # a later change made after seeing both settles each conflict; a rename settles the ID
    a.rate("MIL-5", "partial", on=day, today=TODAY, author="ann", short=True, period=UNSET)
    a.edit("AI-1", today=TODAY, author="ann", title="Government talks on AI risk")
    ben_new = next(i for i in a.commitment_ids() if i.startswith("NEW-1~")
                   and a.commitment(i).title == "Ben's")  # fmt: skip
    a.rename(ben_new, "NEW-2", today=TODAY, author="ann")
    exchange(a, b, tmp_path)
    for store in (a, b):
        assert store.conflicts() == []
        assert store.status_rows(as_of=TODAY, commitment_id="MIL-5")[0].status == "partial"
        assert store.commitment("AI-1").title == "Government talks on AI risk"
        assert {store.commitment("NEW-1").title, store.commitment("NEW-2").title} == {
            "Ann's", "Ben's"}  # fmt: skip
    assert export_text(a, "json") == export_text(b, "json")


def test_a_colleagues_note_lands_on_the_commitment_it_was_made_on(tmp_path):
    """Two commitments share an ID: a note made on one never lands on the other."""
    a, _ = create_database(tmp_path / "a.db", seed_files=TEST_SEEDS)
    b, _ = create_database(tmp_path / "b.db", seed_files=TEST_SEEDS)
    a.add_commitment("NEW-1", today=TODAY, author="ann", title="Ann's", area="x", parties=["US"])
    b.add_commitment("NEW-1", today=TODAY, author="ben", title="Ben's", area="x", parties=["US"])
    b.add_note("NEW-1", "About Ben's", on=dt.date(2024, 1, 1), today=TODAY, author="ben")
    exchange(b, a, tmp_path)
    bens = next(i for i in a.commitment_ids() if a.commitment(i).title == "Ben's")
    anns = next(i for i in a.commitment_ids() if a.commitment(i).title == "Ann's")
    assert [e.text for e in a.events(bens, kinds=["note"])] == ["About Ben's"]
    assert a.events(anns, kinds=["note"]) == []


def test_undo_after_an_import_withdraws_my_own_event_not_the_colleagues(tmp_path):
    a, _ = create_database(tmp_path / "a.db", seed_files=TEST_SEEDS)
    b, _ = create_database(tmp_path / "b.db", seed_files=TEST_SEEDS)
    a.add_note("AI-1", "mine", on=dt.date(2024, 1, 1), today=TODAY, author="ann")
    b.add_note("AI-1", "theirs", on=dt.date(2024, 1, 2), today=TODAY, author="ben")
    exchange(b, a, tmp_path)
    _retraction, target, _ = a.undo(today=TODAY, author="ann")
    assert target.text == "mine"


def test_same_day_ratings_on_both_sides_do_not_swap(tmp_path):
    a, _ = create_database(tmp_path / "a.db", seed_files=TEST_SEEDS)
    b, _ = create_database(tmp_path / "b.db", seed_files=TEST_SEEDS)
    day = dt.date(2024, 6, 1)
    a.rate("DIAL-1", "fulfilled", on=day, today=TODAY, author="ann", short=True, period=UNSET)
    b.rate("DIAL-1", "stalled", on=day, today=TODAY, author="ann", short=True, period=UNSET)
    exchange(a, b, tmp_path)
    exchange(b, a, tmp_path)
    # the same analyst on two laptops, neither change seeing the other: shown, and the same
    assert status_json(a) == status_json(b)
    assert a.status_rows(as_of=TODAY, commitment_id="DIAL-1")[0].status == "disputed"
