"""Import as strict as the command line: every value an import, a sync or a seed file brings
in is checked and stored in the form the command line would store it; what the command line
could never write is refused with one line naming the record and the field, and nothing is
changed. What two devices may legitimately do at once (cite evidence another retracts, amend
or retract a retracted event, add to a withdrawn commitment) is kept, and the state it makes
is the same whatever order the events arrive in."""

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import assert_one_line_error, dump

T1 = "11111111-1111-4111-8111-111111111111"
T2 = "22222222-2222-4222-8222-222222222222"
NOTE = "33333333-3333-4333-8333-333333333333"
OTHER = "44444444-4444-4444-8444-444444444444"
THIRD = "55555555-5555-4555-8555-555555555555"
FOURTH = "66666666-6666-4666-8666-666666666666"
NEW = "77777777-7777-4777-8777-777777777777"
MEETING = {"slug": "m-2024", "title": "A meeting", "date": "2024-01-01", "parties": ["US", "CN"]}
PERIOD = {"meeting": "m-2024", "name": "p1", "from": "2024-01-01"}


def event(uuid: str, kind: str, *, on: str = "2024-02-01", counter: int = 10, **fields) -> dict:
    """An event of an export, on T-1 unless said otherwise."""
    return {
        "uuid": uuid, "commitment": "T-1", "commitment_uid": T1, "kind": kind,
        "happened_on": on, "recorded_at": "2024-02-01T00:00:00Z", "author": "alice",
        "device": "laptop", "counter": counter, **fields,
    }  # fmt: skip


def creation(uid: str, cid: str, **changes) -> dict:
    values = {"id": [None, cid], "meeting": [None, "m-2024"], "area": [None, "trade"],
              "title": [None, f"Commitment {cid}"], "parties": [None, ["US", "CN"]],
              "type": [None, "action"], **changes}  # fmt: skip
    return event(uid, "created", on="2024-01-01", counter=0, commitment=cid,
                 commitment_uid=uid, changes=values)  # fmt: skip


def note(uuid: str = NOTE, **fields) -> dict:
    return event(uuid, "note", **{"text": "Talks held.", "sources": [{"url": "https://e.org/a"}],
                                  **fields})  # fmt: skip


def export(events, *, meetings=(MEETING,), periods=(PERIOD,)) -> str:
    return json.dumps({"format": "track-export/2", "meetings": list(meetings),
                       "periods": list(periods), "events": list(events)})  # fmt: skip


@pytest.fixture
def base(run, db_path, tmp_path) -> Path:
    """A database holding meeting m-2024 (US, CN), period p1, and commitments T-1 and T-2."""
    run("init", "--empty")
    first = tmp_path / "base.json"
    first.write_text(export([creation(T1, "T-1"), creation(T2, "T-2")]), encoding="utf-8")
    run("import", str(first))
    return db_path


def write(tmp_path: Path, text: str, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(run, db: Path, path: Path, *fragments: str, command=("import",)) -> None:
    """The file is refused with one line naming every fragment, and the database is as it
    was, to the byte."""
    before = dump(db)
    result = run(*command, str(path), ok=False)
    assert_one_line_error(result, *fragments, code=1)
    assert dump(db) == before


def stored(db: Path, uuid: str) -> dict:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT changes, sources, party FROM events WHERE uuid = ?", [uuid])
        changes, sources, party = row.fetchone()
    finally:
        conn.close()
    return {"changes": json.loads(changes) if changes else None,
            "sources": json.loads(sources), "party": party}  # fmt: skip


def every_view_works(run, ref: str) -> None:
    """The commands that read the derived state answer (run raises on a traceback)."""
    for args in (["status"], ["status", "-f", "json"], ["show", ref], ["show", ref, "-f", "json"],
                 ["log", "-f", "json"], ["report"], ["report", "-f", "json"], ["agreement"],
                 ["conflicts"]):  # fmt: skip
        run(*args)
    for args in (["check"], ["search", "talks"]):
        run(*args, ok=False)  # may find problems, or nothing; never a traceback


# --------------------------------------------------------------------------- F3-1


NORMALISED = {
    "edit of type in capitals": (
        [event(NEW, "edit", changes={"type": ["action", "ASSURANCE"]})],
        NEW, {"type": ["action", "assurance"]},
    ),
    "edit of title with trailing controls": (
        [event(NEW, "edit", changes={"title": ["Commitment T-1", "Innocent\x1f\x1c\n"]})],
        NEW, {"title": ["Commitment T-1", "Innocent"]},
    ),
    "creation in lower case": (
        [creation(NEW, "t-9", parties=[None, ["us", "cn"]], area=[None, " Trade "])],
        NEW, {"id": [None, "T-9"], "parties": [None, ["US", "CN"]], "area": [None, "trade"]},
    ),
    "creation with a bare source": (
        [creation(NEW, "T-9", sources=[None, ["https://e.org/s"]])],
        NEW, {"sources": [None, [{"url": "https://e.org/s"}]]},
    ),
    "amendment with a bare source": (
        [note(), event(NEW, "amendment", about=NOTE, counter=11,
                       changes={"sources": [["https://e.org/a"], ["https://e.org/b"]]})],
        NEW, {"sources": [[{"url": "https://e.org/a"}], [{"url": "https://e.org/b"}]]},
    ),
    "amendment of party in lower case": (
        [note(), event(NEW, "amendment", about=NOTE, counter=11, changes={"party": [None, "cn"]})],
        NEW, {"party": [None, "CN"]},
    ),
    "amendment of date with spaces": (
        [note(), event(NEW, "amendment", about=NOTE, counter=11,
                       changes={"happened_on": ["2024-02-01", " 2024-03-01 "]})],
        NEW, {"happened_on": ["2024-02-01", "2024-03-01"]},
    ),
    "rating that saw a uuid in capitals": (
        [note(), event(NEW, "status", status="fulfilled", counter=11,
                       changes={"status": ["Not-Yet-Rated", "fulfilled"], "saw": [NOTE.upper()]})],
        NEW, {"status": ["not-yet-rated", "fulfilled"], "saw": [NOTE]},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(NORMALISED))
def test_imported_changes_are_stored_as_checked(run, base, tmp_path, name):
    events, uuid, expected = NORMALISED[name]
    run("import", str(write(tmp_path, export(events))))
    changes = stored(base, uuid)["changes"]
    assert {k: v for k, v in changes.items() if k in expected} == expected
    every_view_works(run, "T-9" if "creation" in name else "T-1")
    # and the export reads back, into a database that then holds the same bytes
    first = tmp_path / "first.json"
    run("export", "-o", str(first))
    other = tmp_path / "other.db"
    run("--db", str(other), "init", "--empty")
    run("--db", str(other), "import", str(first))
    second = tmp_path / "second.json"
    run("--db", str(other), "export", "-o", str(second))
    assert second.read_bytes() == first.read_bytes()


def test_track_0_1_commitments_are_stored_as_checked(run, tmp_path):
    run("init", "--empty")
    old = [{"format": "track-export/1"},
           {"type": "meeting", "slug": "old", "title": "Old", "date": "2020-01-01",
            "parties": ["US", "CN"]},
           {"type": "commitment", "id": "old-1", "meeting": "old", "area": " Trade ",
            "title": "Old one", "parties": ["us"], "kind": "joint"},
           {"type": "event", "uuid": T1, "commitment": "old-1", "kind": "created",
            "happened_on": "2020-01-01", "recorded_at": "2024-01-01T00:00:00Z"}]  # fmt: skip
    path = write(tmp_path, "".join(json.dumps(r) + "\n" for r in old), "old.jsonl")
    run("import", str(path))
    changes = stored(tmp_path / "track.db", T1)["changes"]
    assert changes["id"] == [None, "OLD-1"]
    assert changes["area"] == [None, "trade"]
    assert changes["parties"] == [None, ["US"]]
    run("show", "OLD-1")


# --------------------------------------------------------------------------- F3-2


def rating(**fields) -> dict:
    return event(NEW, "status", status="fulfilled", counter=11, **fields)


UNCHECKED = {
    "old status 1e400": (
        [rating(changes={"status": ["__1e400__", "fulfilled"]})],
        "events[0] (T-1): field 'changes.status': old value",
    ),
    "old title 1e400": (
        [event(NEW, "edit", changes={"title": ["__1e400__", "New title"]})],
        "events[0] (T-1): field 'changes.title': old value",
    ),
    "old metric baseline 1e400": (
        [event(NEW, "edit", changes={"metric": [
            {"name": "m", "baseline": "__1e400__", "baseline_on": "2024-01-01"}, None]})],
        "events[0] (T-1): field 'changes.metric': old value",
    ),
    "old value 900 lists deep": (
        [event(NEW, "edit", changes={"title": [json.loads("[" * 900 + "]" * 900), "New"]})],
        "events[0] (T-1): field 'changes.title': old value",
    ),
    "creation with an old value": (
        [creation(NEW, "T-9", title=["Before", "After"])],
        "events[0] (T-9): field 'changes.title': a creation's old values are null",
    ),
    "rating claiming another rating": (
        [rating(changes={"status": ["disputed", "broken"]})],
        "events[0] (T-1): field 'changes.status': new value",
    ),
    "rating replacing no rating": (
        [rating(changes={"status": ["excellent", "fulfilled"]})],
        "events[0] (T-1): field 'changes.status': old value",
    ),
    "changes as JSON text with 1e400": (
        [event(NEW, "edit", changes='{"title": [1e400, "x"]}')],
        "events[0]: field 'changes': 1e400 is out of range",
    ),
    "amendment emptying the text": (
        [note(), event(NEW, "amendment", about=NOTE, counter=11, changes={"text": ["x", None]})],
        "events[1] (T-1): field 'changes.text': cannot be emptied",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(UNCHECKED))
def test_old_values_and_rating_changes_are_checked(run, base, tmp_path, name):
    events, fragment = UNCHECKED[name]
    text = export(events).replace('"__1e400__"', "1e400")
    refused(run, base, write(tmp_path, text), fragment)


def test_no_export_holds_a_number_json_cannot_read_back(run, base, tmp_path):
    """1e400 is refused wherever it stands in a JSON or JSON Lines file, naming the record."""
    lines = [
        json.dumps({"format": "track-export/2"}),
        json.dumps({"type": "event", **rating(changes={"status": ["__1e400__", "fulfilled"]})}),
    ]
    path = write(tmp_path, "\n".join(lines).replace('"__1e400__"', "-1e400") + "\n", "x.jsonl")
    refused(run, base, path, "line 2 (T-1): field 'changes.status': old value")


# --------------------------------------------------------------------------- F3-3


def test_an_event_naming_one_commitment_and_the_uid_of_another_is_refused(run, base, tmp_path):
    mismatch = note(commitment="T-1", commitment_uid=T2)
    refused(run, base, write(tmp_path, export([mismatch])),
            "events[0] (T-2): field 'commitment': T-1 was never the ID")  # fmt: skip
    creation_mismatch = {**creation(NEW, "T-9"), "commitment": "T-8"}
    refused(run, base, write(tmp_path, export([creation_mismatch])),
            "field 'commitment': the creation of T-9 names T-8")  # fmt: skip


def test_an_event_may_name_an_id_its_commitment_gets_later_in_the_file(run, base, tmp_path):
    rename = event(NEW, "edit", counter=10, changes={"id": ["T-1", "T-9"]})
    later = note(commitment="T-9", counter=20)
    earlier = note(OTHER, counter=5, text="Before the rename.")
    # the note naming T-9 comes first in the file, before the edit that gives T-1 that ID
    run("import", str(write(tmp_path, export([later, earlier, rename]))))
    assert run("show", "T-9", "-f", "json").stdout.count("Talks held.") == 1


# --------------------------------------------------------------------------- F3-4


def test_evidence_retracted_elsewhere_is_kept_whatever_the_order_and_check_reports_it(
    run, base, tmp_path
):
    retraction = event(OTHER, "retraction", about=NOTE, counter=11, text="Wrong.")
    assessment = event(THIRD, "assessment", status="fulfilled", counter=12, text="Done.",
                       evidence=[NOTE], party="US")  # fmt: skip
    # one database receives the retraction before the assessment that cites the note
    run("import", str(write(tmp_path, export([note(), retraction]), "a.json")))
    run("import", str(write(tmp_path, export([assessment]), "b.json")))
    first = run("export").stdout
    problems = run("check", ok=False).stdout
    assert f"cites {NOTE[:8]}, which is not evidence in force on T-1" in problems
    # another receives them all at once, in another order: the same record
    other = tmp_path / "other.db"
    run("--db", str(other), "init", "--empty")
    run("--db", str(other), "import", str(tmp_path / "base.json"))
    run("--db", str(other), "import",
        str(write(tmp_path, export([assessment, retraction, note()]), "c.json")))  # fmt: skip
    assert run("--db", str(other), "export").stdout == first


def test_citing_retracted_evidence_is_still_refused_at_the_command_line(run, base, tmp_path):
    run("import", str(write(tmp_path, export([note()]))))
    run("undo", NOTE[:8], "--yes")
    before = dump(base)
    result = run("assess", "T-1", "fulfilled", "--party", "US", "--rationale", "r",
                 "--evidence", NOTE[:8], "--on", "2024-03-01", ok=False)  # fmt: skip
    assert_one_line_error(result, "is retracted")
    assert dump(base) == before


# --------------------------------------------------------------------------- F3-5


def test_a_uuid_given_to_two_different_events_is_refused(run, base, tmp_path):
    twice = [note(), note(text="Something else.")]
    refused(
        run,
        base,
        write(tmp_path, export(twice)),
        f"events[1] (T-1): field 'uuid': {NOTE} is given twice with different content",
    )
    upper = [note(), note(NOTE.upper(), text="Something else.")]
    refused(run, base, write(tmp_path, export(upper)), f"{NOTE} is given twice")
    run("import", str(write(tmp_path, export([note()]), "first.json")))
    changed = write(tmp_path, export([note(text="Rewritten.")]), "second.json")
    refused(run, base, changed,
            f"events[0] (T-1): field 'uuid': {NOTE} is already another event in this "
            "database (its text differs)")  # fmt: skip


def test_the_same_event_again_adds_nothing_in_any_form(run, base, tmp_path):
    first = [note(), event(NEW, "edit", counter=11, changes={"type": ["action", "Assurance"]})]
    run("import", str(write(tmp_path, export(first + first), "a.json")))
    before = dump(base)
    # the same events, written as this version exports them and as they were first read
    run("export", "-o", str(tmp_path / "mine.json"))
    for path in (tmp_path / "a.json", tmp_path / "mine.json"):
        result = run("import", str(path))
        assert "0 commitments and 0 events" in result.stderr
        assert dump(base) == before


# --------------------------------------------------------------------------- F3-6


def test_acts_on_withdrawn_things_are_kept_and_fold_alike_in_any_order(run, base, tmp_path):
    retract = event(OTHER, "retraction", about=NOTE, counter=11, text="Wrong.")
    again = event(THIRD, "retraction", about=NOTE, counter=12, text="Also wrong.", author="bob")
    amend = event(FOURTH, "amendment", about=NOTE, counter=13, changes={"text": ["x", "Fixed."]})
    withdraw = event(NEW, "retraction", about=T2, commitment="T-2", commitment_uid=T2,
                     counter=14, text="Added by mistake.")  # fmt: skip
    on_withdrawn = note("88888888-8888-4888-8888-888888888888", commitment="T-2",
                        commitment_uid=T2, counter=15)  # fmt: skip
    events = [note(), retract, again, amend, withdraw, on_withdrawn]
    run("import", str(write(tmp_path, export(events), "all.json")))
    mine = run("export").stdout
    shown = json.loads(run("show", "T-1", "-f", "json").stdout)
    target = next(e for e in shown["events"] if e["uuid"] == NOTE)
    assert target["retracted"] and target["amended"] and target["text"] == "Fixed."
    assert "T-2" not in run("status").stdout  # withdrawn, its late note kept
    every_view_works(run, "T-1")
    # databases that receive them in other orders, a file at a time, end identical
    parts = {"a": [amend, note()], "b": [again, withdraw, retract], "c": [on_withdrawn]}
    for order in ("cab", "abc", "acb"):
        other = tmp_path / f"{order}.db"
        run("--db", str(other), "init", "--empty")
        run("--db", str(other), "import", str(tmp_path / "base.json"))
        for name in order:
            path = write(tmp_path, export(parts[name]), f"{order}-{name}.json")
            run("--db", str(other), "import", str(path))
        assert run("--db", str(other), "export").stdout == mine
    # undoing one of the two retractions leaves the note withdrawn by the other
    run("undo", OTHER[:8], "--yes")
    shown = json.loads(run("show", "T-1", "-f", "json").stdout)
    assert next(e for e in shown["events"] if e["uuid"] == NOTE)["retracted"]


def test_an_act_that_claims_to_come_before_what_it_acts_on_is_refused(run, base, tmp_path):
    """A retraction's counter is above its target's (it saw it): with the order reversed the
    fold could not tell which retraction is in force."""
    early = event(OTHER, "retraction", about=NOTE, counter=9, text="Wrong.")
    refused(run, base, write(tmp_path, export([note(), early])),
            "events[1] (T-1): field 'counter': 9 is not after the counter of the event it "
            "acts on")  # fmt: skip


# --------------------------------------------------------------------------- F3-7


def test_a_rename_onto_a_taken_id(run, base, tmp_path, db_path):
    rename = event(NEW, "edit", changes={"id": ["T-1", "T-2"]})
    result = run("import", str(write(tmp_path, export([rename]))))
    # at one meeting, kept beside as two devices may do at once, and said
    assert "T-2 is now held by two commitments" in result.stderr
    assert "T-2~" in run("status").stdout
    assert "two commitments share this ID" in run("check", ok=False).stdout
    # across meetings, refused, naming the record and field
    other = {"slug": "m-2025", "title": "Another", "date": "2025-01-01", "parties": ["US"]}
    x1 = "99999999-9999-4999-8999-999999999999"
    x_creation = {**creation(x1, "X-1"), "happened_on": "2025-01-01"}
    x_creation["changes"] |= {"meeting": [None, "m-2025"], "parties": [None, ["US"]]}
    run("import", str(write(tmp_path, export([x_creation], meetings=[MEETING, other]), "x.json")))
    onto = event("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "edit", counter=30,
                 changes={"id": ["T-1", "X-1"]})  # fmt: skip
    refused(run, db_path, write(tmp_path, export([onto]), "onto.json"),
            "events[0] (T-2): field 'changes.id': X-1 is the ID of a commitment of meeting "
            "m-2025")  # fmt: skip


# --------------------------------------------------------------------------- F3-8

LEGACY_MEETING = {"slug": "old", "title": "Old", "date": "2020-01-01", "parties": ["US"]}
LEGACY_COMMITMENT = {"id": "L-1", "meeting": "old", "area": "x", "title": "t", "parties": ["US"]}
LEGACY_CREATION = {"uuid": T1, "commitment": "L-1", "kind": "created",
                   "happened_on": "2020-01-01", "recorded_at": "2024-01-01T00:00:00Z"}  # fmt: skip


@pytest.mark.parametrize(
    "meetings,commitment,creation_,fragment",
    [
        ([5], {}, {}, "meetings[0]: expected an object"),
        ([LEGACY_MEETING], {"kind": ["joint"]}, {}, "commitments[0]: field 'kind'"),
        ([LEGACY_MEETING], {"kind": "secret"}, {}, "commitments[0]: field 'kind'"),
        ([LEGACY_MEETING], {"metric": "abc"}, {}, "commitments[0]: field 'metric'"),
        ([LEGACY_MEETING], {"metric": [1, 2]}, {}, "commitments[0]: field 'metric'"),
        ([LEGACY_MEETING], {}, {"commitment": ["L-1"]}, "events[0]: field 'commitment'"),
    ],
)
def test_track_0_1_exports_with_wrong_types(run, tmp_path, meetings, commitment, creation_,
                                            fragment):  # fmt: skip
    run("init", "--empty")
    data = {"format": "track-export/1", "meetings": meetings,
            "commitments": [{**LEGACY_COMMITMENT, **commitment}],
            "events": [{**LEGACY_CREATION, **creation_}]}  # fmt: skip
    refused(run, tmp_path / "track.db", write(tmp_path, json.dumps(data), "old.json"), fragment)


# --------------------------------------------------------------------------- F3-9, F3-10

SEED = """
[meeting]
slug = "m-2024"
title = "A meeting"
date = 2024-01-01
parties = ["US", "CN"]

[[commitments]]
id = "S-1"
area = "trade"
title = "Hold talks"
parties = ["US"]
"""
EVENT = '\n[[events]]\nkey = "k1"\ncommitment = "S-1"\non = {on}\ntext = "{text}"\n{extra}\n'


@pytest.mark.parametrize("command", [("import",), ("init", "--force", "--seed")])
@pytest.mark.parametrize(
    "extra,fragment",
    [
        ('kind = ["joint"]', "commitments[0] (S-1): field 'kind'"),
        (EVENT.format(on="2024-02-01", text="x", extra="sources = 5"),
         "events[0] (S-1): field 'sources': expected [[events.sources]] tables"),
        (EVENT.format(on="2024-02-01", text="x", extra='sources = "https://e.org/a"'),
         "events[0] (S-1): field 'sources': expected [[events.sources]] tables"),
        (EVENT.format(on="20240201", text="x", extra='source = "https://e.org/a"'),
         "events[0]: field 'on': must be a date like 2024-01-30"),
        (EVENT.format(on='"2024-W05-1"', text="x", extra='source = "https://e.org/a"'),
         "events[0]: field 'on': must be a date like 2024-01-30"),
        (EVENT.format(on="2024-02-01T10:00:00", text="x", extra='source = "https://e.org/a"'),
         "events[0]: field 'on': must be a date like 2024-01-30, without a time"),
    ],
)  # fmt: skip
def test_seed_files_with_wrong_types_or_forms(run, base, tmp_path, command, extra, fragment):
    path = write(tmp_path, SEED + extra + "\n", "seed.toml")
    refused(run, base, path, fragment, command=command)


def test_importing_a_seed_file_is_as_strict_as_init(run, base, tmp_path):
    twice = SEED + "".join(
        EVENT.format(on="2024-02-01", text=text, extra='source = "https://e.org/a"')
        for text in ("first", "second")
    )
    path = write(tmp_path, twice, "seed.toml")
    for command in (("import",), ("init", "--force", "--seed")):
        refused(run, base, path, "events[1]: repeats the key of", command=command)
    # `track check` names the repeat once
    lines = run("check", str(path), ok=False).stdout.splitlines()
    assert len([line for line in lines if "k1" in line or "repeats" in line]) == 1


# --------------------------------------------------------------------------- F3-11


@pytest.mark.parametrize(
    "events,meetings,fragment",
    [
        ([note(recorded_at="9999-12-31T00:00:00Z")], [MEETING],
         "events[0] (T-1): field 'recorded_at': 9999-12-31T00:00:00Z is in the future"),
        ([{**creation(NEW, "T-9"), "happened_on": "2024-05-01"}], [MEETING],
         "events[0] (T-9): field 'happened_on': made on 2024-05-01, but a commitment is made "
         "at its meeting (m-2024, 2024-01-01)"),
        ([], [MEETING, {**MEETING, "slug": "m-2099", "date": "2099-01-01"}],
         "meetings[1]: field 'date': 2099-01-01 is in the future"),
        ([note(happened_on="2024-W05-1")], [MEETING],
         "events[0]: field 'happened_on': must be a date like 2024-01-30"),
    ],
)  # fmt: skip
def test_values_the_command_line_could_never_write(run, base, tmp_path, events, meetings,
                                                   fragment):  # fmt: skip
    refused(run, base, write(tmp_path, export(events, meetings=meetings)), fragment)


def test_another_meeting_under_a_loaded_slug_is_refused(run, seeded, tmp_path):
    """The same slug with other parties or another date is another meeting: refused, not
    silently merged into ours; the same meeting worded differently loads (ours is kept)."""
    path = tmp_path / "other.toml"
    body = (
        '[meeting]\nslug = "woodside-2023"\ntitle = "Other"\ndate = {date}\nparties = {parties}\n'
    )
    before = dump(seeded)
    for date, parties, fragment in [
        ("2023-11-15", '["US", "FR"]', "already loaded with parties US, CN, not US, FR"),
        ("2023-11-16", '["US", "CN"]', "already loaded with date 2023-11-15, not 2023-11-16"),
    ]:
        path.write_text(body.format(date=date, parties=parties), encoding="utf-8")
        assert_one_line_error(run("import", str(path), ok=False), fragment, code=1)
        assert dump(seeded) == before
    path.write_text(body.format(date="2023-11-15", parties='["US", "CN"]'), encoding="utf-8")
    run("import", str(path))
    assert dump(seeded) == before
