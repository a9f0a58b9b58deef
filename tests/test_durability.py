"""Nothing lost: concurrent writers, a killed import, schema upgrades, locks and damaged files."""

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import assert_one_line_error, dump
from tracker import migrations
from tracker.store import create_database

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import datetime as dt, sys
from tracker.store import Store
store = Store.open(sys.argv[1])
for i in range(200):
    store.add_note("AI-1", f"writer {sys.argv[2]} note {i}", on=dt.date(2024, 5, 1),
                   today=dt.date(2026, 1, 1), author=f"writer-{sys.argv[2]}")
"""


def python(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_four_concurrent_writers_lose_nothing(seeded):
    writers = [python("-c", WRITER, str(seeded), str(n)) for n in range(4)]
    results = [(w.wait(timeout=300), w.stderr.read()) for w in writers]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    conn = sqlite3.connect(seeded)
    texts = [r[0] for r in conn.execute("select text from events where text like 'writer %'")]
    assert len(texts) == 800
    assert len(set(texts)) == 800
    assert conn.execute("pragma integrity_check").fetchone() == ("ok",)


def make_big_export(folder: Path, commitments: int, events_per: int) -> Path:
    """A large jsonl export in the format `track export` writes."""
    path = folder / "big.jsonl"
    meeting = {"type": "meeting", "slug": "big", "title": "Big summit", "date": "2023-01-01",
               "place": None, "parties": ["US", "CN"], "context": None, "sources": []}  # fmt: skip
    counter = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": "track-export/2"}) + "\n")
        out.write(json.dumps(meeting) + "\n")
        for c in range(commitments):
            cid = f"BIG-{c}"
            uid = f"00000000-0000-4000-8000-{c * events_per:012d}"
            for e in range(events_per):
                counter += 1
                event = {
                    "type": "event",
                    "uuid": f"00000000-0000-4000-8000-{c * events_per + e:012d}",
                    "commitment": cid, "commitment_uid": uid,
                    "kind": "created" if e == 0 else "note",
                    "happened_on": "2023-01-01" if e == 0 else "2024-01-01",
                    "recorded_at": "2024-01-01T00:00:00Z", "author": "big", "device": "big",
                    "counter": counter, "text": None if e == 0 else f"Event {e} " + "x" * 200,
                    "sources": [], "evidence": [], "tags": [],
                }  # fmt: skip
                if e == 0:
                    event["changes"] = {"id": [None, cid], "meeting": [None, "big"],
                                        "area": [None, f"area{c % 7}"],
                                        "title": [None, f"Commitment {c}"],
                                        "parties": [None, ["US", "CN"]]}  # fmt: skip
                out.write(json.dumps(event) + "\n")
    return path


def test_a_killed_import_leaves_all_or_nothing(tmp_path):
    big = make_big_export(tmp_path, commitments=6000, events_per=8)
    target = tmp_path / "target.db"
    create_database(target, seed_files=[])[0].close()
    wal = Path(f"{target}-wal")
    importer = python("-m", "tracker", "--db", str(target), "import", str(big))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if importer.poll() is not None:
            pytest.fail("the import finished before it could be killed: make the file bigger")
        if wal.exists() and wal.stat().st_size > 2_000_000:
            break
        time.sleep(0.01)
    importer.send_signal(signal.SIGKILL)
    importer.wait()
    assert importer.returncode == -signal.SIGKILL
    conn = sqlite3.connect(target)
    assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    events = conn.execute("select count(*) from events").fetchone()[0]
    commitments = conn.execute("select count(*) from commitments").fetchone()[0]
    assert (commitments, events) in ((0, 0), (6000, 48000))
    conn.close()
    # and the database still works: the same import now goes through in full
    done = python("-m", "tracker", "--db", str(target), "import", str(big))
    assert done.wait(timeout=300) == 0, done.stderr.read()
    conn = sqlite3.connect(target)
    assert conn.execute("select count(*) from events").fetchone() == (48000,)


def test_a_database_from_the_first_schema_is_upgraded_without_loss(run, tmp_path):
    old = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-v1.db", old)
    before = sqlite3.connect(old)
    meetings = before.execute("select * from meetings order by slug").fetchall()
    fields = "id, meeting, area, title, summary, parties, quote, quote_by, deadline, due"
    commitments = before.execute(f"select {fields} from commitments order by id").fetchall()
    kept = "id, uuid, commitment, kind, happened_on, recorded_at, text, party, status"
    events = before.execute(f"select {kept} from events order by id").fetchall()
    sources = before.execute(
        "select uuid, source_url, source_title from events where source_url is not null"
    ).fetchall()
    before.close()
    assert (len(meetings), len(commitments), len(events)) == (1, 29, 42)

    status = json.loads(run("--db", str(old), "status", "-f", "json").stdout)
    after = sqlite3.connect(old)
    names = [r[0] for r in after.execute("select name from _sqlite_migrations order by id")]
    assert names == migrations.NAMES
    width = len(meetings[0])
    assert [r[:width] for r in after.execute("select * from meetings order by slug")] == meetings

    def parsed(rows):
        return [(*r[:5], json.loads(r[5]), *r[6:]) for r in rows]

    assert parsed(after.execute(f"select {fields} from commitments order by id")) == parsed(
        commitments
    )
    # history is not rewritten: every event keeps its values
    assert after.execute(f"select {kept} from events order by id").fetchall() == events
    moved = {
        r[0]: json.loads(r[1])
        for r in after.execute("select uuid, sources from events where sources != '[]'")
    }
    assert {u: [{"url": url, "title": title}] for u, url, title in sources} == moved
    by_id = {r["id"]: r for r in status}
    assert by_id["NARC-1"]["status"] == "fulfilled"
    # what only a creation rated becomes not yet rated; real ratings stay
    assert by_id["CLIM-4"]["party_statuses"] == {"US": "not-yet-rated", "CN": "in-progress"}
    assert by_id["TRAV-2"]["status"] == "not-yet-rated"
    assert by_id["AI-2"]["due"] == "2025-06-30"
    assert by_id["AI-2"]["status"] == "not-yet-rated"
    assert by_id["PILLAR-1"]["status"] == "tracked"
    # the upgraded file takes the new kinds of event too
    note = next(e for e in json.loads(run("--db", str(old), "log", "AI-1", "-f", "json").stdout)
                if e["kind"] == "note")  # fmt: skip
    run("--db", str(old), "undo", note["uuid"][:8], "--yes")
    run("--db", str(old), "assess", "AI-2", "not-started", "--rationale", "Searched",
        "--party", "US")  # fmt: skip
    assert "AI-2" in run("--db", str(old), "status").stdout


def test_a_locked_database_is_reported_after_the_busy_timeout(run, seeded, monkeypatch):
    locker = sqlite3.connect(seeded, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        monkeypatch.setenv("TRACK_BUSY_TIMEOUT", "0.2")
        result = run("note", "AI-1", "blocked", ok=False)
        assert_one_line_error(result, "locked by another process")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert "blocked" not in dump(seeded)


def make_read_only(path: Path) -> tuple:
    """Make `path` read-only even for root (who ignores permissions): `chattr +i`."""
    if os.geteuid() != 0:
        path.chmod(stat.S_IRUSR | stat.S_IRGRP)
        return ("chmod",)
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)]).returncode == 0:
        return ("chattr",)
    pytest.skip("cannot make a file read-only for root here (no chattr +i)")


def undo_read_only(path: Path, how: tuple) -> None:
    if how == ("chattr",):
        subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_read_only_database_can_be_read_but_not_changed(run, seeded):
    run("status")  # make sure everything is migrated first
    before = dump(seeded)
    how = make_read_only(seeded)
    try:
        assert "NARC-1" in run("status").stdout
        assert_one_line_error(run("note", "AI-1", "x", ok=False), "read-only", code=1)
        assert_one_line_error(
            run("set", "AI-1", "stalled", "--reason", "x", ok=False), "read-only", code=1
        )
    finally:
        undo_read_only(seeded, how)
    assert dump(seeded) == before


def test_a_truncated_database_is_refused_untouched(run, seeded, tmp_path):
    conn = sqlite3.connect(seeded)
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.execute("pragma journal_mode=delete")
    conn.close()
    data = seeded.read_bytes()
    broken = tmp_path / "broken.db"
    broken.write_bytes(data[: len(data) // 3])
    snapshot = broken.read_bytes()
    for args in (["status"], ["note", "AI-1", "x"], ["report"]):
        result = run("--db", str(broken), *args, ok=False)
        assert_one_line_error(result)
        assert broken.read_bytes() == snapshot


def test_read_only_commands_do_not_write(run, seeded):
    run("status")
    files = [seeded, Path(f"{seeded}-wal")]
    stamps = {f: (f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.exists()}
    for args in (["status"], ["show", "NARC-1"], ["log"], ["report"], ["export"], ["path"]):
        run(*args)
    assert {f: (f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.exists()} == stamps
