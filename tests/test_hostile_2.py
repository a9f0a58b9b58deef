"""The second hostile review's classes, closed: files written through links and with their
permissions, databases that are empty or not ours, standard streams that are closed, full or
the database itself, text that hides or reorders what a terminal shows, races with a
database being replaced, and messages that must be true. Real processes, real files."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import assert_one_line_error, dump

ROOT = Path(__file__).resolve().parent.parent


def track(*args, env=None, timeout=120, **kwargs) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "TRACK_CODER": "tester", **(env or {})}
    return subprocess.run([sys.executable, "-m", "tracker", *args], env=full, capture_output=True,
                          text=True, timeout=timeout, **kwargs)  # fmt: skip


def raw_event(db: Path, **values) -> None:
    """Append an event the way an older or hand-made database holds it (the triggers allow
    inserts), then rebuild, so that stored text reaches every output unchecked."""
    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT commitment, commitment_uid, device, max(counter) FROM events WHERE kind = 'note'"
    ).fetchone()
    base = {"commitment": row[0], "commitment_uid": row[1], "device": row[2],
            "counter": row[3] + 1, "kind": "note", "happened_on": "2024-05-01",
            "recorded_at": "2024-05-01T00:00:00Z", "author": "tester",
            "uuid": "0badbad0-0000-4000-8000-000000000001", "sources": "[]", "tags": "[]",
            "evidence": "[]"}  # fmt: skip
    base.update(values)
    names = ", ".join(base)
    conn.execute(f"INSERT INTO events ({names}) VALUES ({', '.join('?' * len(base))})",
                 list(base.values()))  # fmt: skip
    conn.commit()
    conn.close()


# --------------------------------------------------------------------------- files


def test_output_through_a_link_writes_its_target_and_keeps_permissions(run, seeded, tmp_path):
    target = tmp_path / "2026-11.md"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "latest.md"
    link.symlink_to(target)
    run("report", "-o", str(link))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("# ")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_long_valid_file_name_is_written(run, seeded, tmp_path):
    name = "a" * 250 + ".md"
    run("report", "-o", str(tmp_path / name))
    assert (tmp_path / name).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".track-")]


def test_a_name_ending_in_a_slash_is_a_folder_not_a_file(run, seeded, tmp_path):
    result = run("report", "-o", str(tmp_path / "newdir") + "/", ok=False)
    assert_one_line_error(result, "no such folder", code=1)
    assert not (tmp_path / "newdir").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (a folder no one writes)")
@pytest.mark.parametrize(
    "args, db", [(["backup", "/proc/b.db"], None), (["status"], "/proc/t.db"),
                 (["init", "--force", "--empty"], None)],
)  # fmt: skip
def test_a_folder_that_cannot_be_written_is_one_line(seeded, args, db):
    """backup into, and first use of a database in, a folder nobody can write (even root):
    an error, never a traceback."""
    result = track(*args, env={"TRACK_DB": db or str(seeded)})
    if args[0] == "init":  # init --force writes beside the database: allowed there
        assert result.returncode == 0
        return
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: Cannot write ") and "Traceback" not in result.stderr


def test_an_empty_sqlite_file_and_a_dangling_link_are_initialised(tmp_path):
    empty = tmp_path / "uv.db"
    conn = sqlite3.connect(empty)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    result = track("status", env={"TRACK_DB": str(empty)})
    assert (
        result.returncode == 0
        and "Created" in result.stderr
        and "0 meetings" not in (result.stderr)
    )
    assert "NARC-1" in result.stdout
    target = tmp_path / "real.db"
    link = tmp_path / "link.db"
    link.symlink_to(target)
    result = track("status", env={"TRACK_DB": str(link)})
    assert result.returncode == 0 and "NARC-1" in result.stdout
    assert link.is_symlink() and target.stat().st_size > 0


def test_our_mark_on_someone_elses_tables_is_refused(tmp_path):
    from tracker import migrations

    db = tmp_path / "f.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA application_id = {migrations.APPLICATION_ID}")
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = track("status", env={"TRACK_DB": str(db)})
    assert result.returncode == 1 and "another application" in result.stderr
    assert db.read_bytes() == before


def test_another_applications_wal_database_gets_no_files_beside_it(tmp_path):
    db = tmp_path / "app.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]
    result = track("status", env={"TRACK_DB": str(db)})
    assert result.returncode == 1 and "left untouched" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_a_database_path_that_is_not_utf8_works(tmp_path):
    db = os.path.join(os.fsencode(tmp_path), b"\xff.db")
    full = {**os.environ, "PYTHONPATH": str(ROOT), "TRACK_CODER": "tester"}
    for _ in range(2):  # created, then used again
        result = subprocess.run([sys.executable, "-m", "tracker", "--db", db, "status"],
                                env=full, capture_output=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert b"NARC-1" in result.stdout


# --------------------------------------------------------------------------- streams


@pytest.mark.parametrize("args", [["status"], ["export"], ["report"], ["log"]])
def test_a_closed_standard_output_is_an_error(seeded, args):
    result = subprocess.run([sys.executable, "-m", "tracker", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, close_fds=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "TRACK_DB": str(seeded)},
                            preexec_fn=lambda: os.close(1))  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == "Error: Cannot write the output: standard output is closed.\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["status"], ["export", "-f", "jsonl"], ["report", "-f", "html"]])
def test_a_full_standard_output_is_an_error(seeded, args):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "tracker", *args], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=120,
                                env={**os.environ, "PYTHONPATH": str(ROOT),
                                     "TRACK_DB": str(seeded)})  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == "Error: Cannot write the output: No space left on device.\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_standard_error_does_not_fail_a_command_that_did_its_work(seeded):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "tracker", "note", "AI-1", "kept", "--on", "2024-05-01"],
            stderr=full, stdout=subprocess.PIPE, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT), "TRACK_DB": str(seeded),
                 "TRACK_CODER": "tester"},
        )  # fmt: skip
    assert result.returncode == 0
    assert "kept" in track("log", "AI-1", env={"TRACK_DB": str(seeded)}).stdout


@pytest.mark.parametrize("args", [["note", "AI-1", "-"], ["undo"]])
def test_a_closed_standard_input_is_an_error_or_not_a_terminal(seeded, args):
    track("note", "AI-1", "mine", "--on", "2024-05-01", env={"TRACK_DB": str(seeded)})
    before = dump(seeded)
    result = subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True,
                            text=True, timeout=120, preexec_fn=lambda: os.close(0),
                            env={**os.environ, "PYTHONPATH": str(ROOT), "TRACK_DB": str(seeded),
                                 "TRACK_CODER": "tester"})  # fmt: skip
    assert "Traceback" not in result.stderr
    if args[0] == "note":
        assert result.returncode == 1
        assert result.stderr == "Error: Cannot read standard input: standard input is closed.\n"
        assert dump(seeded) == before
    else:  # not a terminal: undo withdraws without asking, as documented
        assert result.returncode == 0 and "Retracted the note" in result.stderr


def test_an_unbalanced_quote_in_editor_or_pager_is_one_line(run, seeded, monkeypatch):
    monkeypatch.setenv("EDITOR", '"unterminated')
    before = dump(seeded)
    assert_one_line_error(run("note", "AI-1", "--edit", ok=False), "Cannot start the editor",
                          code=1)  # fmt: skip
    assert dump(seeded) == before
    from tracker import formats

    monkeypatch.setenv("PAGER", '"unterminated')
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    formats.emit("\n".join(["line"] * 500))  # falls back to printing without a pager


def test_ctrl_c_is_exit_130_interrupted(seeded):
    """Click turns Ctrl-C into Abort; track says "Interrupted" and exits 130, as shells do."""
    script = (
        "import os, signal, sys, click\n"
        "from tracker import cli\n"
        "@cli.cli.command('sleepy')\n"
        "def sleepy():\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "sys.argv = ['track', 'sleepy']\n"
        "cli.cli()\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "TRACK_DB": str(seeded)},
                            timeout=120)  # fmt: skip
    assert result.returncode == 130
    assert result.stderr.strip() == "Interrupted: nothing was changed."


def test_report_since_the_year_one_is_the_whole_record(run, seeded):
    text = run("report", "--since", "0001-01-01").stdout
    assert "**From 2023-11-15 to " in text


@pytest.mark.parametrize(
    "args",
    [["conflicts", "--fmt", "nosuch"], ["log", "--tag", "a b"], ["log", "--tag", "%"],
     ["period", "list", "--fmt", "nosuch"]],
)  # fmt: skip
def test_listing_options_are_checked_even_with_nothing_to_list(run, seeded, args):
    assert_one_line_error(run(*args, ok=False), "Invalid value for", code=1)


# --------------------------------------------------------------------------- escaping


HOSTILE = "\x1b]0;PWNED\x07\x1b]52;c;ZXZpbA==\x07\x9b31m\u202e\u061c\u200b\U000e0041"
RAW = ["\x1b", "\x07", "\x9b", "\u202e", "\u061c", "\u200b", "\U000e0041"]


def test_stored_control_characters_never_reach_a_terminal_csv_or_chart(run, seeded, tmp_path):
    raw_event(seeded, text=f"note {HOSTILE}", author=f"coder{HOSTILE}", tags='["tag"]')
    conn = sqlite3.connect(seeded)
    conn.execute("UPDATE meetings SET title = ?", [f"Meeting {HOSTILE}"])
    conn.commit()
    conn.close()
    run("rebuild")
    outputs = {
        "log": run("log", "-n", "200").stdout,
        "log csv": run("log", "-n", "200", "-f", "csv").stdout,
        "show csv": run("show", "NARC-1", "-f", "csv").stdout,
        "export csv": run("export", "-f", "csv").stdout,
        "conflicts csv": run("conflicts", "-f", "csv").stdout,
        "report": run("report").stdout,
    }
    run("report", "-f", "html", "-o", str(tmp_path / "r.html"))
    outputs["html"] = (tmp_path / "r.html").read_text()
    for name, text in outputs.items():
        for ch in RAW:
            assert ch not in text, (name, repr(ch))


def test_agreement_escapes_coder_names(run, seeded):
    for coder in (f"a{HOSTILE}", "b"):
        raw_event(seeded, kind="assessment", status="fulfilled" if coder == "b" else "broken",
                  text="r", party="US", period="interim", author=coder,
                  uuid=f"0badbad0-0000-4000-8000-00000000000{2 if coder == 'b' else 3}",
                  commitment="AI-1", commitment_uid=json.loads(
                      run("show", "AI-1", "-f", "json").stdout)["commitment"]["uid"],
                  changes='{"status": [null, "x"], "saw": []}')  # fmt: skip
    run("rebuild")
    text = run("agreement").stdout
    for ch in RAW:
        assert ch not in text


def test_file_names_in_messages_are_escaped(run, seeded, tmp_path):
    exported = tmp_path / "x.json"
    run("export", "-o", str(exported))
    odd = tmp_path / "x\x1b]0;PWNED\x07.json"
    exported.rename(odd)
    result = run("import", str(odd), "--dry-run")
    assert "\x1b" not in result.stderr and "\\x1b" in result.stderr


@pytest.mark.parametrize("ch", ["\u061c", "\u200b", "\u2060", "\ufeff", "\U000e0041", "\u3164"])
def test_invisible_and_bidi_characters_are_refused_in_titles(run, seeded, ch):
    before = dump(seeded)
    assert_one_line_error(run("edit", "AI-1", "--title", f"Pay{ch}ment", ok=False),
                          "control character", code=1)  # fmt: skip
    assert dump(seeded) == before
    # joiners that scripts and emoji need stay allowed
    run("edit", "AI-1", "--title", "Talks \u200d on AI")


def test_a_coder_name_cannot_make_markdown_bold(run, seeded):
    run("assess", "AI-1", "fulfilled", "--party", "US", "--period", "interim",
        "--rationale", "Held", "--coder", "**Approved by the State Department**")  # fmt: skip
    text = run("report").stdout
    assert "\\*\\*Approved by the State Department\\*\\*" in text


def test_a_number_at_the_start_of_a_markdown_cell_stays_text():
    from tracker.escape import markdown

    assert markdown("1986. A year") == "1986\\. A year"


# --------------------------------------------------------------------------- races, messages


def test_init_force_beside_writers_loses_nothing_a_writer_reported_saved(seeded):
    """Every note that printed "Added a note" is in the new database or in a backup."""
    env = {"TRACK_DB": str(seeded)}
    results: list[subprocess.CompletedProcess] = []

    def note(i):
        results.append(track("note", "AI-1", f"racenote-{i}", "--on", "2024-03-01", env=env))

    def init():
        results.append(track("init", "--force", "--empty", env=env))

    threads = [threading.Thread(target=init) for _ in range(3)]
    threads += [threading.Thread(target=note, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all("Traceback" not in r.stderr for r in results), [r.stderr for r in results]
    inits = [r for r in results if r.args[3:5] == ["init", "--force"]]
    assert any(r.returncode == 0 for r in inits)
    # two replacements at once: the second is told, and changes nothing
    assert all(r.returncode == 0 or "replaced" in r.stderr for r in inits), [
        r.stderr for r in inits
    ]
    saved = {r.args[5] for r in results if "Added a note" in r.stderr}
    found = set()
    for db in [seeded, *seeded.parent.glob(seeded.name + ".*.bak")]:
        conn = sqlite3.connect(db)
        found |= {t for (t,) in conn.execute("SELECT text FROM events WHERE text LIKE 'race%'")}
        conn.close()
    assert saved <= found
    refused = [r for r in results if r.returncode != 0 and r not in inits]
    # refused while replacing, or (after the new, empty contents) no such commitment
    told = ("nothing was recorded", "No commitment with ID 'AI-1'")
    assert all(any(t in r.stderr for t in told) for r in refused), [r.stderr for r in refused]


def test_a_writer_that_opened_replaced_contents_is_refused(seeded, tmp_path):
    from tracker.store import Store, replace_database

    writer = Store.open(seeded)
    replace_database(seeded, data=None, empty=True, backup=tmp_path / "b.db")
    from tracker.errors import Conflict

    with pytest.raises(Conflict, match="was replaced"), writer._writing():
        pass
    writer.close()
    assert sqlite3.connect(tmp_path / "b.db").execute("SELECT count(*) FROM events").fetchone()[0]


def test_an_interrupted_replacement_does_not_lock_writers_out(run, seeded):
    conn = sqlite3.connect(seeded)
    conn.execute("INSERT OR REPLACE INTO settings VALUES ('generation', 'replacing 999999999 x')")
    conn.commit()
    conn.close()
    run("note", "AI-1", "after a crash", "--on", "2024-05-01")


def test_a_reviewer_cannot_approve_the_same_rating_twice(run, seeded):
    run("assess", "AI-1", "fulfilled", "--party", "US", "--period", "interim", "--rationale", "x",
        "--coder", "alice")  # fmt: skip
    run("review", "AI-1", "--party", "US", "--period", "interim", "--approve", "--note", "ok",
        "--reviewer", "bob")  # fmt: skip
    before = dump(seeded)
    result = run("review", "AI-1", "--party", "US", "--period", "interim", "--approve",
                 "--note", "ok", "--reviewer", "bob", ok=False)  # fmt: skip
    assert_one_line_error(result, "bob has already approved that rating", code=1)
    assert dump(seeded) == before
