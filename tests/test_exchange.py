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

from conftest import assert_one_line_error, dump
from tracker.exchange import write_export
from tracker.seeds import SeedCommitment, SeedData, SeedMeeting, create_database
from tracker.store import Store


def export_text(store: Store, fmt: str) -> str:
    out = io.StringIO()
    write_export(store, fmt, out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_round_trip_through_an_empty_database(run, seeded, tmp_path, fmt):
    run("note", "AI-1", "Talks «held» in Geneva\nwith a second line", "--on", "2024-05-14")
    run("set", "NARC-2", "partial", "--party", "CN", "--on", "2024-09-02")
    run("measure", "TRAV-1", "150", "--on", "2024-10-27")
    run("edit", "MIL-5", "--due", "2024-12-31")
    run("undo")
    first = tmp_path / f"first.{fmt}"
    run("export", "--format", fmt, "-o", str(first))
    assert run("export", "--format", fmt).stdout == first.read_text(encoding="utf-8")
    other = tmp_path / "other.db"
    run("--db", str(other), "init", "--empty")
    result = run("--db", str(other), "import", str(first))
    assert result.stderr == f"Added 1 meeting, 28 commitments and 16 events from first.{fmt}.\n"
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
    assert result.stderr == "Added 0 meetings, 0 commitments and 0 events from e.jsonl.\n"
    assert dump(seeded) == before


def test_import_merges_new_events_from_a_colleague(run, seeded, tmp_path):
    colleague = tmp_path / "colleague.db"
    run("--db", str(colleague), "init")
    run("--db", str(colleague), "note", "AI-1", "Colleague's note", "--on", "2024-05-20")
    export = tmp_path / "c.json"
    run("--db", str(colleague), "export", "-o", str(export))
    before = dump(seeded)
    dry = run("import", str(export), "--dry-run")
    assert dry.stderr == (
        "Would add 0 meetings, 0 commitments and 1 event from c.json (nothing was changed).\n"
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
        assert "Added 0 meetings, 0 commitments and 0 events" in run("import", str(path)).stderr
    assert run("export").stdout == first


def test_csv_export_is_the_commitments_table(run, seeded):
    rows = list(csv.DictReader(io.StringIO(run("export", "-f", "csv").stdout)))
    assert len(rows) == 28
    trav = next(r for r in rows if r["id"] == "TRAV-1")
    assert (trav["status"], trav["parties"], trav["metric_baseline"], trav["metric_latest"]) == (
        "fulfilled",
        "US,CN",
        "70.0",
        "100.0",
    )


def test_json_export_shape(run, seeded):
    data = json.loads(run("export").stdout)
    assert list(data) == ["format", "meetings", "commitments", "events"]
    assert data["format"] == "track-export/1"
    assert list(data["events"][0]) == [
        "uuid",
        "commitment",
        "kind",
        "happened_on",
        "recorded_at",
        "text",
        "source_url",
        "source_title",
        "party",
        "status",
        "value",
        "retracts",
        "changes",
    ]


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
        ("events.35.commitment", "NOPE-1", "events[35]: field 'commitment': no commitment"),
        ("events.30.party", "EU", "events[30]: field 'party': Unknown party 'EU'"),
        ("events.30.value", "many", "events[30]: field 'value': must be a number"),
        ("events.31.color", "red", "events[31]: unknown field 'color'"),
        ("commitments.2.kind", "vague", "commitments[2] (BALIX-2): field 'kind'"),
        ("commitments.2.status", KeyError, "commitments[2] (BALIX-2): field 'status': missing"),
        ("meetings.0.date", 2023, "meetings[0]: field 'date'"),
        ("format", "track-export/0", "is not a track export"),
    ],
)
def test_one_bad_record_and_nothing_is_imported(run, seeded, tmp_path, path, value, message):
    data = json.loads(run("export").stdout)
    for c in data["commitments"]:
        c["id"] = c["id"].replace("-", "X-")  # all new, so a good file would add them all
    for e in data["events"]:
        e["commitment"] = e["commitment"].replace("-", "X-")
        e["uuid"] = e["uuid"][:-4] + "beef"
    target = tmp_path / "bad.json"
    target.write_text(json.dumps(corrupt(data, path, value)), encoding="utf-8")
    other = tmp_path / "other.db"
    run("--db", str(other), "init")
    before = dump(other)
    result = run("--db", str(other), "import", str(target), ok=False)
    assert_one_line_error(result, message, code=1)
    assert dump(other) == before


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("broken.json", '{"format": "track-export/1", "events": [', "is not valid JSON"),
        ("broken.jsonl", '{"format": "track-export/1"}\n{"type": "event", ', "line 2: not valid"),
        ("wrong.jsonl", '{"format": "track-export/1"}\n{"type": "cat"}\n', "line 2: field 'type'"),
        ("headless.jsonl", '{"type": "event"}\n', "line 1: expected the header"),
        ("broken.toml", "[meeting\n", "is not valid TOML"),
        ("list.json", "[]", "is not a track export"),
        ("latin1.json", "caf\xe9", "is not UTF-8 text"),
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
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
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
        store, _ = create_database(first_path, seed_files=[])
        store.load(
            SeedData(
                meetings=[
                    SeedMeeting(
                        "m",
                        'Summit "quoted" \n',
                        "2023-11-15",
                        None,
                        ["US", "CN"],
                        None,
                        [{"title": titles[0]}],
                    )
                ],
                commitments=[
                    SeedCommitment(
                        f"T-{i}",
                        "m",
                        "area",
                        t,
                        t * 3,
                        ["US", "CN"],
                        "joint",
                        t,
                        None,
                        None,
                        None,
                        "not-started",
                    )
                    for i, t in enumerate(titles)
                ],
            )
        )
        today = dt.date(2026, 1, 1)
        for i, (note, source, flip) in enumerate(notes):
            cid = f"T-{i % len(titles)}"
            store.add_note(cid, note, on=dt.date(2024, 1, 1 + i), today=today, source_title=source)
            if flip:
                store.undo(today=today)
        if long_note:
            store.add_note("T-0", "x'\"\n" * 250_000, on=dt.date(2024, 2, 1), today=today)
        exported = export_text(store, "jsonl")
        (Path(folder) / "e.jsonl").write_text(exported, encoding="utf-8")
        other, _ = create_database(second_path, seed_files=[])
        from tracker.exchange import read_import

        other.add_records(read_import(Path(folder) / "e.jsonl", other))
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
    assert run("--db", str(target), "export").stdout == run("export").stdout


def test_backup_refuses_to_overwrite(run, seeded, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("precious")
    assert_one_line_error(run("backup", str(target), ok=False), "already exists")
    assert target.read_text() == "precious"
    missing = tmp_path / "no" / "copy.db"
    assert_one_line_error(run("backup", str(missing), ok=False), "does not exist")
