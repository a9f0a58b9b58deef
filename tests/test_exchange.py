import csv
import datetime as dt
import io
import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TEST_SEEDS, assert_one_line_error, dump
from tracker.exchange import read_import, write_export
from tracker.seeds import read_file
from tracker.store import Store, create_database


def export_text(store: Store, fmt: str) -> str:
    out = io.StringIO()
    write_export(store, fmt, out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_round_trip_through_an_empty_database(run, seeded, tmp_path, fmt):
    run("note", "AI-1", "Talks «held» in Geneva\nwith a second line", "--on", "2024-05-14")
    run("set", "NARC-2", "partial", "--party", "CN", "--on", "2024-09-02", "--reason", "x")
    run("measure", "TRAV-1", "150", "--on", "2024-10-27")
    run("edit", "MIL-5", "--due", "2024-12-31")
    run("undo", "--yes")
    first = tmp_path / f"first.{fmt}"
    run("export", "--format", fmt, "-o", str(first))
    assert run("export", "--format", fmt).stdout == first.read_text(encoding="utf-8")
    other = tmp_path / "other.db"
    run("--db", str(other), "init", "--empty")
    result = run("--db", str(other), "import", str(first))
    assert result.stderr == (
        f"Added 1 meeting, 3 periods, 28 commitments and 16 events from first.{fmt}.\n"
    )
    second = tmp_path / f"second.{fmt}"
    run("--db", str(other), "export", "--format", fmt, "-o", str(second))
    assert second.read_bytes() == first.read_bytes()
    # the imported database answers the same
    for args in (["status", "-f", "json"], ["report", "--no-timestamp", "-f", "json"]):
        mine = run(*args).stdout
        theirs = run("--db", str(other), *args).stdout
        assert mine.replace(str(seeded), "X") == theirs.replace(str(other), "X")


def test_import_twice_adds_nothing_the_second_time(run, seeded, tmp_path):
    export = tmp_path / "e.jsonl"
    run("export", "-f", "jsonl", "-o", str(export))
    before = dump(seeded)
    result = run("import", str(export))
    assert (
        result.stderr == "Added 0 meetings, 0 periods, 0 commitments and 0 events from e.jsonl.\n"
    )
    assert dump(seeded) == before


def test_import_merges_new_events_from_a_colleague(run, seeded, tmp_path):
    colleague = tmp_path / "colleague.db"
    run("--db", str(colleague), "init", *[f"--seed={p}" for p in TEST_SEEDS])
    run("--db", str(colleague), "note", "AI-1", "Colleague's note", "--on", "2024-05-20")
    export = tmp_path / "c.json"
    run("--db", str(colleague), "export", "-o", str(export))
    before = dump(seeded)
    dry = run("import", str(export), "--dry-run")
    assert dry.stderr == (
        "Would add 0 meetings, 0 periods, 0 commitments and 1 event from c.json "
        "(nothing was changed).\n"
    )
    assert dump(seeded) == before
    run("import", str(export))
    texts = [e["text"] for e in json.loads(run("log", "AI-1", "-f", "json").stdout)]
    assert "Colleague's note" in texts


def test_import_a_seed_file_is_idempotent(run, tmp_path):
    run("init", "--empty")
    from tracker.seeds import bundled_paths

    for path in bundled_paths():
        run("import", str(path))
    first = run("export").stdout
    for path in bundled_paths():
        assert "Added 0 meetings, 0 periods, 0 commitments and 0 events" in (
            run("import", str(path)).stderr
        )
    assert run("export").stdout == first


def test_csv_export_is_the_commitments_table(run, seeded):
    rows = list(csv.DictReader(io.StringIO(run("export", "-f", "csv").stdout)))
    assert len(rows) == 28
    trav = next(r for r in rows if r["id"] == "TRAV-1")
    assert (trav["status"], trav["parties"], trav["metric_baseline"], trav["metric_latest"],
            trav["party_ratings"]) == (
        "in-progress", "US,CN", "70.0", "100.0", "US=in-progress; CN=in-progress",
    )  # fmt: skip


def test_json_export_shape(run, seeded):
    data = json.loads(run("export").stdout)
    assert list(data) == ["format", "meetings", "periods", "events"]
    assert data["format"] == "track-export/2"
    assert list(data["events"][0]) == [
        "uuid", "commitment", "commitment_uid", "kind", "happened_on", "recorded_at", "author",
        "device", "counter", "text", "sources", "party", "status", "period", "confidence",
        "evidence", "stance", "tags", "value", "about", "changes",
    ]  # fmt: skip
    created = next(e for e in data["events"] if e["kind"] == "created")
    assert isinstance(created["changes"], dict)


def test_two_inits_of_the_same_seeds_are_identical(run, tmp_path):
    exports = []
    for name in ("a.db", "b.db"):
        path = tmp_path / name
        run("--db", str(path), "init", *[f"--seed={p}" for p in TEST_SEEDS])
        exports.append(run("--db", str(path), "export").stdout)
    assert exports[0] == exports[1]


def test_an_export_of_another_meeting_with_colliding_ids_is_refused(run, seeded, tmp_path):
    seed = tmp_path / "other.toml"
    seed.write_text(
        '[meeting]\nslug = "other"\ntitle = "Other"\ndate = 2024-01-01\nparties = ["US", "CN"]\n'
        '[[commitments]]\nid = "NARC-1"\narea = "x"\ntitle = "Not ours"\nparties = ["US"]\n'
        '[[events]]\ncommitment = "NARC-1"\non = 2024-02-01\nrating = "broken"\n'
        'text = "Theirs"\n',
        encoding="utf-8",
    )  # fmt: skip
    before = dump(seeded)
    for args in (["import", str(seed)], ["import", str(seed), "--dry-run"]):
        result = run(*args, ok=False)
        assert_one_line_error(result, "NARC-1 of meeting other would collide with NARC-1 of "
                              "meeting woodside-2023", code=1)  # fmt: skip
    assert dump(seeded) == before


LEGACY = [
    {"format": "track-export/1"},
    {"type": "meeting", "slug": "old", "title": "Old summit", "date": "2020-01-01",
     "place": None, "parties": ["US", "CN"], "context": None, "sources": []},
    {"type": "commitment", "id": "OLD-1", "meeting": "old", "area": "x", "title": "Old one",
     "summary": None, "parties": ["US", "CN"], "kind": "joint", "quote": None,
     "quote_by": None, "deadline": None, "due": None, "status": "not-started",
     "created_at": "2024-01-01T00:00:00Z", "metric": None},
    {"type": "event", "uuid": "11111111-1111-4111-8111-111111111111", "commitment": "OLD-1",
     "kind": "created", "happened_on": "2020-01-01", "recorded_at": "2024-01-01T00:00:00Z",
     "text": "Made at the Old summit.", "source_url": None, "source_title": None, "party": None,
     "status": "not-started", "value": None, "retracts": None, "changes": None},
    {"type": "event", "uuid": "22222222-2222-4222-8222-222222222222", "commitment": "OLD-1",
     "kind": "status", "happened_on": "2021-01-01", "recorded_at": "2024-01-01T00:00:00Z",
     "text": "Done", "source_url": "https://example.org/old", "source_title": "Old source",
     "party": "US", "status": "fulfilled", "value": None, "retracts": None, "changes": None},
]  # fmt: skip


def test_an_export_of_track_0_1_is_read(run, tmp_path):
    run("init", "--empty")
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps(r) + "\n" for r in LEGACY), encoding="utf-8")
    assert "Added 1 meeting, 0 periods, 1 commitment and 1 event" in run("import", str(old)).stderr
    shown = json.loads(run("show", "OLD-1", "-f", "json").stdout)
    assert {p: r["rating"] for p, r in shown["party_ratings"].items()} == {
        "US": "fulfilled", "CN": "not-yet-rated"}  # fmt: skip
    assert shown["events"][-1]["sources"] == [
        {"url": "https://example.org/old", "title": "Old source"}
    ]
    assert (
        "Added 0 meetings, 0 periods, 0 commitments and 0 events" in run("import", str(old)).stderr
    )


def corrupt(data: dict, path: str, value) -> dict:
    target = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is KeyError:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return data


@pytest.mark.parametrize(
    "path,value,message",
    [
        ("events.5.kind", "rumour", "events[5]: field 'kind': must be one of created"),
        ("events.3.happened_on", "30/01/2024", "events[3]: field 'happened_on'"),
        ("events.35.uuid", "not-a-uuid", "events[35]: field 'uuid'"),
        (
            "events.35.commitment_uid",
            "00000000-0000-4000-8000-000000000000",
            "events[35]: field 'commitment_uid': no commitment",
        ),  # fmt: skip
        ("events.30.party", "R U", "events[30]: field 'party': Invalid party code"),
        ("events.30.value", "many", "events[30]: field 'value': must be a number"),
        ("events.30.value", 1e400, "events[30]: field 'value'"),
        ("events.30.value", 10**400, "out of range"),
        ("events.31.color", "red", "events[31]: unknown field 'color'"),
        ("events.2.changes", {"title": "no pair"}, "events[2]: field 'changes'"),
        ("events.2.changes", "not json", "events[2]: field 'changes'"),
        ("events.31.happened_on", "2099-01-01", "in the future"),
        ("meetings.0.date", 2023, "meetings[0]: field 'date'"),
        ("meetings.0.sources", [{"url": 3}], "meetings[0]: field 'sources'"),
        ("meetings.0.sources", ["javascript:alert(1)"], "not an http(s) address"),
        ("format", "track-export/0", "is not a track export"),
    ],
)
def test_one_bad_record_and_nothing_is_imported(run, seeded, tmp_path, path, value, message):
    data = json.loads(run("export").stdout)
    target = tmp_path / "bad.json"
    text = json.dumps(corrupt(data, path, value))
    target.write_text(text.replace("Infinity", "1e400"), encoding="utf-8")
    other = tmp_path / "other.db"
    run("--db", str(other), "init", "--empty")
    before = dump(other)
    result = run("--db", str(other), "import", str(target), ok=False)
    assert_one_line_error(result, message, code=1)
    assert dump(other) == before


def test_an_imported_party_must_be_among_the_commitments(run, seeded, tmp_path):
    data = json.loads(run("export").stdout)
    bali = next(e for e in data["events"] if e["commitment"] == "BALI-1")
    data["events"].append({**bali, "uuid": "33333333-3333-4333-8333-333333333333", "kind": "note",
                           "changes": None, "party": "CN", "text": "x", "counter": 999,
                           "happened_on": "2024-01-01"})  # fmt: skip
    target = tmp_path / "p.json"
    target.write_text(json.dumps(data), encoding="utf-8")
    before = dump(seeded)
    result = run("import", str(target), ok=False)
    assert_one_line_error(result, "BALI-1 is a commitment of US only, not CN", code=1)
    assert dump(seeded) == before


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("broken.json", '{"format": "track-export/2", "events": [', "is not valid JSON"),
        ("broken.jsonl", '{"format": "track-export/2"}\n{"type": "event", ', "line 2: not valid"),
        ("wrong.jsonl", '{"format": "track-export/2"}\n{"type": "cat"}\n', "line 2: field 'type'"),
        ("headless.jsonl", '{"type": "event"}\n', "line 1: expected the header"),
        ("broken.toml", "[meeting\n", "is not valid TOML"),
        ("list.json", "[]", "is not a track export"),
        ("latin1.json", "caf\xe9", "is not UTF-8 text"),
        (
            "deep.json",
            '{"format": "track-export/2", "events": ' + "[" * 5000 + "]" * 5000 + "}",
            "nested too deeply",
        ),  # fmt: skip
        (
            "deep.jsonl",
            '{"format": "track-export/2"}\n' + "[" * 5000 + "]" * 5000 + "\n",
            "nested too deeply",
        ),  # fmt: skip
        ("nan.json", '{"format": "track-export/2", "events": [NaN]}', "NaN is not a number"),
        (
            "inf.jsonl",
            '{"format": "track-export/2"}\n{"type": "event", "value": -Infinity}\n',
            "-Infinity is not a number",
        ),  # fmt: skip
    ],
)
def test_malformed_files(run, seeded, tmp_path, name, content, message):
    target = tmp_path / name
    target.write_bytes(content.encode("latin-1") if "latin1" in name else content.encode())
    before = dump(seeded)
    assert_one_line_error(run("import", str(target), ok=False), message, code=1)
    assert dump(seeded) == before


def test_import_of_a_missing_file_or_folder(run, seeded, tmp_path):
    assert_one_line_error(run("import", str(tmp_path / "nope.json"), ok=False), "does not exist")
    assert_one_line_error(run("import", str(tmp_path), ok=False), "is a folder")


text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    max_size=80,
).filter(lambda s: s.strip())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    titles=st.lists(text, min_size=1, max_size=4),
    notes=st.lists(st.tuples(text, st.one_of(st.none(), text), st.booleans()), max_size=6),
    long_note=st.booleans(),
)
def test_round_trip_of_generated_data(titles, notes, long_note):
    with tempfile.TemporaryDirectory() as folder:
        first_path, second_path = Path(folder) / "a.db", Path(folder) / "b.db"
        seed = Path(folder) / "s.toml"
        lines = ['[meeting]\nslug = "m"\ntitle = "Summit \\"quoted\\""\ndate = 2023-11-15\n'
                 'parties = ["US", "CN"]\n']  # fmt: skip
        for i, title in enumerate(titles):
            lines.append(
                f"[[commitments]]\nid = 'T-{i}'\narea = 'area'\n"
                f"title = {json.dumps(' '.join(title.split()) or 'x')}\n"
                f"summary = {json.dumps(title * 3)}\nparties = ['US', 'CN']\n"
            )
        seed.write_text("".join(lines), encoding="utf-8")
        try:
            data = read_file(seed)
        except Exception:  # a generated title that is not one line of text: nothing to test
            return
        store, _ = create_database(first_path, seed_files=[seed], data=data)
        today = dt.date(2026, 1, 1)
        for i, (note, source, flip) in enumerate(notes):
            cid = f"T-{i % len(titles)}"
            sources = (
                [{"url": "https://example.org/x", "title": " ".join(source.split()) or "t"}]
                if source
                else []
            )
            store.add_note(cid, note, on=dt.date(2024, 1, 1 + i), today=today, author="a",
                           sources=sources)  # fmt: skip
            if flip:
                store.undo(today=today, author="a")
        if long_note:
            store.add_note("T-0", "x'\"\n" * 250_000, on=dt.date(2024, 2, 1), today=today,
                           author="a")  # fmt: skip
        exported = export_text(store, "jsonl")
        (Path(folder) / "e.jsonl").write_text(exported, encoding="utf-8")
        other, _ = create_database(second_path, seed_files=[])
        records, _legacy = read_import(Path(folder) / "e.jsonl")
        other.add_records(records, today=today)
        assert export_text(other, "jsonl") == exported
        assert export_text(other, "json") == export_text(store, "json")
        store.close()
        other.close()


def test_backup_is_a_consistent_copy(run, seeded, tmp_path):
    target = tmp_path / "copy.db"
    result = run("backup", str(target))
    assert result.stderr == f"Backed up {seeded} to {target}.\n"
    conn = sqlite3.connect(target)
    assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    assert conn.execute("select count(*) from events").fetchone() == (39,)
    assert conn.execute("pragma application_id").fetchone() != (0,)
    assert run("--db", str(target), "export").stdout == run("export").stdout


def test_backup_refuses_to_overwrite(run, seeded, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("precious")
    assert_one_line_error(run("backup", str(target), ok=False), "already exists")
    assert target.read_text() == "precious"
    missing = tmp_path / "no" / "copy.db"
    assert_one_line_error(run("backup", str(missing), ok=False), "does not exist")
