"""A hostile user, file or environment: nothing lost, nothing injected, no traceback.

Each class of defect found by the November 2026 review has tests here that close the class,
not just the example: every path that writes a file, every sink that prints data, every
read-check-write, every option with extreme values."""

import csv
import io
import json
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TEST_SEEDS, assert_one_line_error, dump, plant
from tracker import derived, escape
from tracker.cli import cli
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent


def track(*args, env=None, timeout=120, **kwargs) -> subprocess.CompletedProcess:
    """Run track in a real process."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), "TRACK_CODER": "tester", **(env or {})}
    return subprocess.run([sys.executable, "-m", "tracker", *args], env=full, capture_output=True,
                          text=True, timeout=timeout, **kwargs)  # fmt: skip


# --------------------------------------------------------------------------- data loss


def writers(tmp_path: Path) -> list[list[str]]:
    """Every command that writes a file it is given, with {out} for the file."""
    return [
        ["export", "-o", "{out}"],
        ["export", "-f", "jsonl", "-o", "{out}"],
        ["export", "-f", "csv", "-o", "{out}"],
        ["report", "-o", "{out}"],
        ["report", "-f", "html", "-o", "{out}"],
        ["report", "-f", "json", "-o", "{out}"],
        ["backup", "{out}"],
    ]


def aliases(db: Path, tmp_path: Path) -> list[Path]:
    """The live database and its -wal/-shm files, by other paths: relative, symlink, hard
    link, with ./ and ../ in it."""
    link = tmp_path / "link.db"
    link.symlink_to(db)
    hard = tmp_path / "hard.db"
    os.link(db, hard)
    wal_link = tmp_path / "wal-link"
    wal_link.symlink_to(Path(f"{db}-wal"))
    return [db, link, hard, wal_link, Path(f"{db}-wal"), Path(f"{db}-shm"),
            tmp_path / "." / ".." / tmp_path.name / db.name]  # fmt: skip


def test_no_output_is_ever_written_over_the_live_database(run, seeded, tmp_path):
    run("note", "NARC-1", "my evidence", "--on", "2024-05-01")
    before = dump(seeded)
    for target in aliases(seeded, tmp_path):
        for args in writers(tmp_path):
            filled = [a.replace("{out}", str(target)) for a in args]
            result = run(*filled, ok=False)
            assert result.exit_code == 1, (filled, result.output)
            assert "database in use" in result.stderr or "already exists" in result.stderr
    assert dump(seeded) == before
    assert "my evidence" in run("log", "NARC-1").stdout


@pytest.mark.parametrize(
    "args",
    [["export"], ["report"], ["status", "-f", "json"], ["log", "-n", "5"], ["show", "AI-1"],
     ["search", "fentanyl"], ["period", "list"], ["agreement"], ["conflicts"],
     # and those that never open the database
     ["path"], ["--help"], ["--version"], ["completion", "bash"],
     ["meeting", "new", "g7", "--title", "G7", "--date", "2024-06-13", "--party", "FR=France"]],
    ids=lambda a: " ".join(a[:2]),
)  # fmt: skip
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_output_redirected_into_the_database_is_refused(seeded, args, stream):
    """Every command, not only those that write files: standard output or error opened on
    the database (a shell's 1<> or 2>>) is refused before anything is written to it."""
    assert track("status", env={"TRACK_DB": str(seeded)}).returncode == 0
    before = dump(seeded)
    with open(seeded, "r+b") as handle:  # a shell would truncate; r+ keeps the file as it is
        streams = {"stdout": handle, "stderr": subprocess.PIPE}
        if stream == "stderr":
            streams = {"stdout": subprocess.PIPE, "stderr": handle}
        result = subprocess.run([sys.executable, "-m", "tracker", *args], **streams,
                                env={**os.environ, "PYTHONPATH": str(ROOT),
                                     "TRACK_DB": str(seeded)})  # fmt: skip
    assert result.returncode == 1
    if stream == "stdout":
        assert b"Standard output is the database file in use" in result.stderr
    assert dump(seeded) == before


def test_a_database_emptied_by_a_redirection_is_not_started_again(seeded, tmp_path):
    """`track export > "$(track path)"`: the shell empties the file before track starts."""
    with open(seeded, "wb") as handle:
        result = subprocess.run([sys.executable, "-m", "tracker", "export"], stdout=handle,
                                stderr=subprocess.PIPE, text=True, env={**os.environ,
                                "PYTHONPATH": str(ROOT), "TRACK_DB": str(seeded)})  # fmt: skip
    assert result.returncode == 1
    assert "which the shell's redirection emptied" in result.stderr
    assert seeded.read_bytes() == b""  # not silently filled with the bundled data


def test_the_real_files_of_a_database_reached_through_a_link_are_protected(run, seeded, tmp_path):
    """SQLite names the -wal and -shm after the resolved path: those are protected too."""
    link = tmp_path / "link.db"
    link.symlink_to(seeded)
    run("--db", str(link), "note", "AI-1", "x", "--on", "2024-05-14")
    before = dump(seeded)
    for name in (seeded.name, seeded.name + "-wal", seeded.name + "-shm"):
        result = run("--db", str(link), "report", "-o", str(seeded.with_name(name)), ok=False)
        assert_one_line_error(result, "is the database in use", code=1)
    assert dump(seeded) == before


def test_a_truncated_database_is_not_silently_recreated(run, seeded):
    run("note", "NARC-1", "my evidence", "--on", "2024-05-01")
    seeded.write_bytes(b"")  # what `track export > "$(track path)"` does, through the shell
    result = run("status", ok=False)
    assert_one_line_error(result, "the database was probably overwritten", code=1)
    assert seeded.read_bytes() == b""


def limited(max_bytes: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


@pytest.mark.parametrize(
    "args",
    [["export"], ["export", "-f", "jsonl"], ["report"], ["report", "-f", "html"]],
    ids=lambda a: " ".join(a),
)
def test_a_full_disk_leaves_the_previous_file_whole(seeded, tmp_path, args):
    """Writes past a file-size limit fail as on a full disk: the file being replaced stays
    whole and no temporary file is left."""
    target = tmp_path / "out.txt"
    good = track(*args, "-o", str(target), env={"TRACK_DB": str(seeded)})
    assert good.returncode == 0, good.stderr
    original = target.read_bytes()
    track("note", "AI-1", "-", env={"TRACK_DB": str(seeded)}, input="x" * 200_000)
    result = track(*args, "-o", str(target), env={"TRACK_DB": str(seeded)},
                   preexec_fn=limited(len(original) + 100_000))  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Cannot write") and "Traceback" not in result.stderr
    assert target.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_init_force_on_a_full_disk_keeps_the_old_database(seeded, tmp_path):
    track("note", "AI-1", "precious", "--on", "2024-05-01", env={"TRACK_DB": str(seeded)})
    before = dump(seeded)
    size = seeded.stat().st_size
    result = track("init", "--force", env={"TRACK_DB": str(seeded)},
                   preexec_fn=limited(size + 4096))  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert dump(seeded) == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".new.db"))]


def foreign_database(path: Path) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos (name) VALUES ('holiday.jpg')")
    conn.commit()
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("args", [["status"], ["note", "AI-1", "x"], ["init", "--force"],
                                  ["export"], ["report"]])  # fmt: skip
def test_another_applications_database_is_never_written(run, tmp_path, args):
    other = tmp_path / "photos.db"
    original = foreign_database(other)
    result = run("--db", str(other), *args, ok=False)
    assert_one_line_error(result, "another application", "left untouched", code=1)
    assert other.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos.db"]


def test_completion_never_writes_to_another_database(run, tmp_path):
    other = tmp_path / "photos.db"
    original = foreign_database(other)
    result = run(env={"_TRACK_COMPLETE": "bash_complete", "COMP_WORDS": "track show N",
                      "COMP_CWORD": "2", "TRACK_DB": str(other)})  # fmt: skip
    assert result.stdout.strip() == ""
    assert other.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos.db"]


def test_an_empty_sqlite_database_is_initialised(run, tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    run("--db", str(empty), "status")
    assert "NARC-1" in run("--db", str(empty), "status").stdout


def test_fifos_sockets_and_devices_are_refused_without_opening(tmp_path):
    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    sock_path = tmp_path / "s.db"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        for path in (fifo, sock_path, Path("/dev/null")):
            for args in (["status"], ["note", "AI-1", "x"]):
                result = track("--db", str(path), *args, timeout=20)
                assert result.returncode == 1, (path, result.stderr)
                assert "not a regular file" in result.stderr
    finally:
        server.close()
    for args in (["import", str(fifo)], ["init", "--seed", str(fifo)]):
        result = track(*args, env={"TRACK_DB": str(tmp_path / "t.db")}, timeout=20)
        assert result.returncode == 1 and "not a regular file" in result.stderr


class CommitInterrupted(Store):
    """A store whose commit receives a Ctrl-C while SQLite is committing (from SQLite's
    progress handler, which runs inside the COMMIT statement)."""

    def _commit(self):
        self.conn.set_progress_handler(lambda: os.kill(os.getpid(), signal.SIGINT) or 0, 1)
        try:
            super()._commit()
        finally:
            self.conn.set_progress_handler(None, 0)


def test_ctrl_c_during_a_commit_is_reported_as_what_happened(seeded):
    import datetime as dt

    store = CommitInterrupted.open(seeded)
    event = store.add_note("AI-1", "saved", on=dt.date(2024, 5, 1), today=dt.date(2026, 1, 1),
                           author="tester")  # fmt: skip
    assert store.interrupted
    store.close()
    assert "saved" in dump(seeded)
    assert event.uuid in dump(seeded)


def test_ctrl_c_before_the_commit_changes_nothing(seeded):
    import datetime as dt

    store = Store.open(seeded)
    before = dump(seeded)
    store.conn.set_progress_handler(lambda: os.kill(os.getpid(), signal.SIGINT) or 0, 1)
    with pytest.raises((KeyboardInterrupt, sqlite3.OperationalError)):
        store.add_note("AI-1", "lost", on=dt.date(2024, 5, 1), today=dt.date(2026, 1, 1),
                       author="tester")  # fmt: skip
    store.conn.set_progress_handler(None, 0)
    store.close()
    assert dump(seeded) == before


# --------------------------------------------------------------------------- injection


def test_an_edit_cannot_choose_a_column(run, seeded, tmp_path):
    """An imported edit whose changes name a column that is not a field is refused; and even
    one written straight into the table changes nothing when the state is rebuilt."""
    data = json.loads(run("export").stdout)
    created = next(e for e in data["events"] if e["commitment"] == "AI-1")
    evil = "title = 'PWNED', status = 'fulfilled' --"
    data["events"].append({**created, "uuid": "44444444-4444-4444-8444-444444444444",
                           "kind": "edit", "counter": 99, "happened_on": "2024-01-01",
                           "changes": {evil: ["a", "b"]}})  # fmt: skip
    target = tmp_path / "evil.json"
    target.write_text(json.dumps(data), encoding="utf-8")
    before = dump(seeded)
    result = run("import", str(target), ok=False)
    assert_one_line_error(result, "cannot be edited", code=1)
    assert dump(seeded) == before
    conn = sqlite3.connect(seeded)
    uid = conn.execute("SELECT uid FROM commitments WHERE id = 'AI-1'").fetchone()[0]
    conn.execute(
        "INSERT INTO events (uuid, commitment, commitment_uid, kind, happened_on, recorded_at, "
        "author, device, counter, changes) VALUES ('x', 'AI-1', ?, 'edit', '2024-01-01', 'x', "
        "'x', 'x', 99, ?)",
        [uid, json.dumps({evil: ["a", "b"], "status": ["x", "fulfilled"]})],
    )
    conn.commit()
    conn.close()
    run("rebuild")
    run("undo", "--yes", ok=False)
    titles = {r["id"]: r["title"] for r in json.loads(run("status", "-f", "json").stdout)}
    assert "PWNED" not in json.dumps(titles)
    assert (
        json.loads(run("show", "AI-1", "-f", "json").stdout)["commitment"]["status"]
        == "not-yet-rated"
    )


HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>x</script>",
    "file:///etc/passwd",
    "vbscript:x",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_only_http_addresses_become_links(run, seeded, url):
    plant(seeded, text="note", url=url, title="Click me")
    run("rebuild")
    html = run("report", "-f", "html").stdout
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith(("http://", "https://", "#")) for h in hrefs), hrefs
    md = run("report").stdout
    links = re.findall(r"\]\(([^)]*)\)", md)
    assert all(link.startswith(("http://", "https://")) for link in links), links


MARKDOWN_ATTACKS = [
    "<script>alert(1)</script>",
    "text\n# Heading injected",
    "a | b | c",
    "[link](javascript:alert(1))",
    "![img](http://evil/x.png)",
    "**bold** _em_ `code`",
]


@pytest.mark.parametrize("attack", MARKDOWN_ATTACKS)
def test_data_cannot_inject_markdown(run, seeded, attack):
    run("edit", "AI-1", "--summary", attack)
    run("note", "AI-1", attack, "--on", "2024-05-01")
    md = run("report").stdout
    assert "<script>" not in md
    assert "\n# Heading injected" not in md
    for line in md.splitlines():
        if line.startswith("| **AI-1**"):
            assert line.count(" | ") == 3  # commitment, type, US, CN: the title adds no cell
    assert not re.search(r"(?<!\\)\]\(javascript:", md)
    assert not re.search(r"(?<!\\)!\[img(?<!\\)\]\(", md)
    table = run("status", "-f", "markdown").stdout
    assert "<script>" not in table
    assert all(line.count("|") == 9 for line in table.splitlines())


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
)
def test_csv_cells_are_neutralised_everywhere(run, seeded, value):
    run("add", "CSV-1", "--title", f"{value}".replace("\t", " ").replace("\r", " ").strip() or "x",
        "--area", "a", "--party", "US", "--summary", value)  # fmt: skip
    run("note", "CSV-1", "--on", "2024-05-01", "--", value)
    outputs = [
        run("export", "-f", "csv").stdout,
        run("status", "-f", "csv").stdout,
        run("log", "CSV-1", "-f", "csv").stdout,
        run("show", "CSV-1", "-f", "csv").stdout,
    ]
    for text in outputs:
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert (
                    not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                    or cell.lstrip("-").replace(".", "").isdigit()
                ), (cell, text[:200])


CONTROLS = ["\x1b[31mred", "\x1b]0;pwned\x07", "bell\x07", "rtl\u202eevil", "iso\u2066x\u2069",
            "c1\x9bx"]  # fmt: skip


@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_never_reach_the_terminal(run, seeded, control):
    plant(seeded, text=f"text {control}", url="https://example.org", title=f"title {control}")
    run("rebuild")
    commands = [
        ["show", "AI-1"], ["log"], ["log", "-f", "csv"], ["log", "-f", "json"],
        ["search", "text"], ["status"], ["report"], ["show", "AI-1", "-f", "json"],
    ]  # fmt: skip
    for args in commands:
        out = run(*args).stdout
        bad = re.findall(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)
        assert not bad, (args, bad)


def test_escape_functions():
    assert escape.terminal("a\x1bb\u202ec") == "a\\x1bb\\u202ec"
    assert escape.terminal("a\nb") == "a\\x0ab"
    assert escape.terminal("a\nb", lines=True) == "a\nb"
    assert escape.csv_cell("=1+1") == "'=1+1" and escape.csv_cell(-1) == -1
    assert escape.html_link("javascript:x", "t") == "t"
    assert escape.html_link("https://e.org/?a=1&b=2", "<t>") == (
        '<a href="https://e.org/?a=1&amp;b=2" rel="noopener noreferrer">&lt;t&gt;</a>'
    )
    assert escape.markdown("# x") == "\\# x"
    assert escape.markdown("a|b") == "a\\|b"
    assert escape.markdown_link("https://e.org/a)b", "t") == "[t](https://e.org/a%29b)"


# --------------------------------------------------------------------------- races


def test_concurrent_undos_each_withdraw_a_different_event_and_say_true_things(seeded):
    env = {"TRACK_DB": str(seeded)}
    for i in range(8):
        track("note", "AI-1", f"note {i}", "--on", "2024-05-01", env=env)
    barrier = threading.Barrier(8)
    results = []

    def undo():
        barrier.wait()
        results.append(track("undo", "--yes", env=env))

    threads = [threading.Thread(target=undo) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    events = json.loads(track("log", "AI-1", "-f", "json", "-n", "100", env=env).stdout)
    notes = {e["uuid"] for e in events if e["kind"] == "note" and e["text"].startswith("note ")}
    retractions = [e for e in events if e["kind"] == "retraction"]
    # eight undos withdrew the eight notes: each a different one, none undoing an undo
    assert len(retractions) == 8 and {e["about"] for e in retractions} == notes
    withdrawn = {e["uuid"] for e in events if e["retracted"]}
    assert notes <= withdrawn
    said = sorted(r.stderr.split("(")[1][:8] for r in results)
    assert said == sorted(u[:8] for u in notes)  # each said truly which one it withdrew


def test_undo_after_undo_goes_further_back_and_an_undo_is_reversed_by_naming_it(run, seeded):
    first = run("note", "AI-1", "first", "--on", "2024-05-01").stderr.split("(event ")[1][:8]
    second = run("note", "AI-1", "second", "--on", "2024-05-02").stderr.split("(event ")[1][:8]
    undone = run("undo", "--yes").stderr
    assert f"({second})" in undone
    assert f"({first})" in run("undo", "--yes").stderr
    reverse = undone.split("track undo ")[1][:8]
    assert "is back in force" in run("undo", reverse, "--yes").stderr
    texts = {e["text"] for e in json.loads(run("log", "AI-1", "-f", "json").stdout)
             if not e["retracted"]}  # fmt: skip
    assert "second" in texts and "first" not in texts


def test_concurrent_identical_ratings_record_one(seeded):
    env = {"TRACK_DB": str(seeded)}
    barrier = threading.Barrier(8)
    results = []

    def rate():
        barrier.wait()
        results.append(track("set", "NARC-2", "fulfilled", "--on", "2024-09-01", "--reason",
                             "x", env=env))  # fmt: skip

    threads = [threading.Thread(target=rate) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.returncode for r in results) == [0] + [1] * 7
    assert all("already fulfilled" in r.stderr for r in results if r.returncode)
    events = json.loads(track("log", "NARC-2", "-f", "json", env=env).stdout)
    assert len([e for e in events if e["status"] == "fulfilled"]) == 1


# --------------------------------------------------------------------------- environment


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e999", "ten", "", "99999"])
def test_a_bad_busy_timeout_is_one_line(run, seeded, monkeypatch, value):
    monkeypatch.setenv("TRACK_BUSY_TIMEOUT", value)
    assert_one_line_error(run("status", ok=False), "TRACK_BUSY_TIMEOUT", code=1)


def test_a_home_that_is_a_file_or_unreadable(run, tmp_path, monkeypatch):
    monkeypatch.delenv("TRACK_DB")
    a_file = tmp_path / "home-file"
    a_file.write_text("x")
    for name in ("HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
        if name == "HOME":
            monkeypatch.delenv("XDG_CONFIG_HOME")
        monkeypatch.setenv(name, str(a_file))
        assert_one_line_error(run("status", ok=False), "Cannot create the folder", code=1)
    assert a_file.read_text() == "x"


def test_a_bad_coder_name(run, seeded, monkeypatch):
    monkeypatch.setenv("TRACK_CODER", "ann\x1b[2J")
    before = dump(seeded)
    assert_one_line_error(run("note", "AI-1", "x", ok=False), "TRACK_CODER", code=1)
    assert dump(seeded) == before


# --------------------------------------------------------------------------- every option

EXTREME = [
    "", " ", "-1", "0", "99999999999999999999", "1e400", "-Infinity", "NaN", "nan",
    "9" * 400, "99999999999y", "9999999999999d", "2099-01-01", "0000-00-00", "31/02/2024",
    "x" * 5000, "a\x00b", "\x1b[2J", "\u202e", "NARC-1", "narc-1~zz", "../../etc/passwd",
    "%s%n", "'; DROP TABLE events; --", "{}", "[]", "-", "--", "US", "ZZ", "fulfilled",
    "caf\udce9",
]  # fmt: skip


def command_options() -> list[tuple[list[str], str]]:
    """(command path, option) for every option of every command."""
    found = []

    def walk(command, path):
        import click

        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
            return
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag and param.opts[-1] != "--help":
                found.append((path, param.opts[-1]))

    walk(cli, [])
    return found


REQUIRED = {
    ("note",): ["AI-1", "x"], ("set",): ["AI-1", "stalled"], ("assess",): ["AI-1", "stalled"],
    ("review",): ["AI-1", "--approve"], ("measure",): ["TRAV-1", "1"], ("show",): ["AI-1"],
    ("edit",): ["AI-1"], ("rename",): ["AI-1", "AI-9"], ("amend",): ["0000"],
    ("withdraw",): ["AI-1"], ("add",): ["NEW-1"], ("import",): ["nope.json"],
    ("backup",): ["b.db"], ("search",): ["talks"], ("completion",): ["bash"],
    ("period", "add"): ["p"],
    ("serve",): ["--metadata"],  # every option checked, then no server left running
}  # fmt: skip
OPTIONS = command_options()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(choice=st.sampled_from(OPTIONS), value=st.sampled_from(EXTREME))
def test_every_option_with_extreme_values(seeded_template, tmp_path_factory, choice, value):
    path, option = choice
    folder = tmp_path_factory.mktemp("extreme")
    db = folder / "track.db"
    db.write_bytes(seeded_template.read_bytes())
    before = dump(db)
    args = [*path, *REQUIRED.get(tuple(path), []), option, value]
    env = {"TRACK_DB": str(db), "EDITOR": "true", "VISUAL": "true", "TRACK_CODER": "tester"}
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(cli, args, env=env, prog_name="track", catch_exceptions=True)
    finally:
        os.chdir(cwd)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception))  # fmt: skip
    assert result.exit_code in (0, 1, 2), args
    if result.exit_code == 1 and path == ["search"] and result.stderr.startswith("No match"):
        return  # search exits 1 when nothing matches, like grep
    if result.exit_code != 0:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (args, result.stderr)
        assert "Traceback" not in result.output
        assert dump(db) == before, args


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory) -> Path:
    from tracker.store import create_database

    path = tmp_path_factory.mktemp("template") / "track.db"
    store, _ = create_database(path, seed_files=TEST_SEEDS)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("PRAGMA journal_mode = DELETE")
    store.close()
    return path


def test_derived_state_ignores_unknown_fields():
    from tracker.records import Event

    created = Event(uuid="00000000-0000-4000-8000-000000000001", commitment="X-1",
                    commitment_uid="00000000-0000-4000-8000-000000000001", kind="created",
                    happened_on="2024-01-01", recorded_at="2024-01-01T00:00:00Z", author="a",
                    device="d", counter=0,
                    changes={"id": [None, "X-1"], "meeting": [None, "m"], "area": [None, "a"],
                             "title": [None, "t"], "parties": [None, ["US"]],
                             "evil; DROP": [None, "x"]})  # fmt: skip
    state = derived.fold([created])
    assert state.commitment.title == "t"
