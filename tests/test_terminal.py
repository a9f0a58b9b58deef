"""Search, output options, colour, pager, completion and the database as Datasette sees it."""

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import click
import pytest
import sqlite_utils

from conftest import assert_one_line_error, dump
from tracker import formats
from tracker.formats import Column, render

# --------------------------------------------------------------------------- search


def search(run, *args):
    return json.loads(run("search", *args, "-f", "json").stdout)


def test_search_ranks_and_highlights(run, seeded):
    hits = search(run, "working group")
    assert [h["commitment"] for h in hits][:3] == ["NARC-1", "NARC-1", "NARC-1"]
    assert "**working** **group**" in hits[0]["snippet"].lower()
    assert hits == sorted(hits, key=lambda h: h["rank"])
    assert list(hits[0]) == [
        "commitment", "happened_on", "found_in", "party", "title", "area", "snippet", "rank",
        "event", "tags",
    ]  # fmt: skip
    by_date = [h for h in hits if h["happened_on"]]
    assert {h["found_in"] for h in by_date} <= {"note", "status", "assessment", "measure"}


def test_search_takes_what_people_type(run, seeded):
    # IDs, hyphens and punctuation are text, not query syntax
    assert search(run, "AI-1")[0]["commitment"] == "AI-1"
    # the commitment with that ID comes first, even when others mention it more
    run("add", "AI-9", "--area", "technology", "--title", "Follow-up of AI-1 and AI-1 and AI-1",
        "--meeting", "woodside-2023", "--party", "US")  # fmt: skip
    assert search(run, "ai-1")[0]["commitment"] == "AI-1"
    run("note", "NARC-2", "The U.S.-PRC talks went on", "--on", "2024-08-05")
    assert search(run, '"U.S.-PRC"')[0]["commitment"] == "NARC-2"
    # stemming: precursor finds precursors
    assert "NARC-2" in {h["commitment"] for h in search(run, "precursor")}
    # the boilerplate of a creation is not a result
    assert all(h["found_in"] != "created" for h in search(run, "counternarcotics"))
    # the query language stays available
    assert {h["commitment"] for h in search(run, "fentanyl OR precursor*", "--raw")} >= {"NARC-2"}


def test_search_says_when_results_are_cut_and_exits_1_on_no_match(run, seeded):
    result = run("search", "the", "-n", "3")
    assert result.stderr.startswith("Showing 3 of ")
    assert ": use -n " in result.stderr
    none = run("search", "zebrafish", ok=False)
    assert none.exit_code == 1
    assert none.stderr == "No match for 'zebrafish'.\n"
    assert none.stdout == ""


def test_new_notes_are_searchable_at_once_and_retracted_ones_disappear(run, seeded):
    assert run("search", "zebrafish", ok=False).exit_code == 1
    run("note", "AI-1", "Talks touched on zebrafish genomics", "--on", "2024-05-14")
    hits = search(run, "zebrafish")
    assert [(h["commitment"], h["happened_on"]) for h in hits] == [("AI-1", "2024-05-14")]
    run("undo", "--yes")
    assert run("search", "zebrafish", ok=False).exit_code == 1


def test_amended_text_is_searched(run, seeded):
    ref = run("note", "AI-1", "Draft about okapis", "--on", "2024-05-14").stderr.split("(event ")[
        1
    ][:8]
    run("amend", ref, "--text", "Final text about narwhals")
    assert search(run, "narwhals")[0]["commitment"] == "AI-1"
    assert run("search", "okapis", ok=False).exit_code == 1


def test_search_filters_and_table(run, seeded):
    assert {h["commitment"] for h in search(run, "talks", "--area", "military")} >= {
        "MIL-1", "MIL-2"}  # fmt: skip
    out = run("search", "precursor").stdout
    assert out.splitlines()[0].split() == ["ID", "Date", "In", "Match"]
    assert "NARC-2" in out
    run("note", "AI-1", "Tagged talks", "--on", "2024-05-14", "--tag", "geneva")
    assert [h["commitment"] for h in search(run, "talks", "--tag", "geneva")] == ["AI-1"]


@pytest.mark.parametrize(
    "args,message",
    [
        (['"unbalanced', "--raw"], "Cannot search for"),
        (["AND OR", "--raw"], "Cannot search for"),
        (["  "], "The search is empty"),
        (["!!!"], "Nothing to search for"),
    ],
)
def test_bad_search_syntax(run, seeded, args, message):
    before = dump(seeded)
    assert_one_line_error(run("search", *args, ok=False), message, code=1)
    assert dump(seeded) == before


# --------------------------------------------------------------------------- output options


@pytest.mark.parametrize("command", [["status"], ["log"], ["search", "talks"], ["show", "NARC-1"]])
def test_every_listing_speaks_jsonl_and_csv(run, seeded, command):
    lines = run(*command, "--format", "jsonl").stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert records and all(isinstance(r, dict) for r in records)
    with_headers = run(*command, "--format", "csv").stdout
    without = run(*command, "--format", "csv", "--no-headers").stdout
    assert with_headers.splitlines()[1:] == without.splitlines()
    assert len(list(csv.reader(io.StringIO(without)))) == len(records)


@pytest.mark.parametrize("command", [["status"], ["log"], ["search", "talks"]])
def test_no_headers_table_and_markdown(run, seeded, command):
    table = run(*command).stdout.splitlines()
    bare = [
        line
        for line in run(*command, "--no-headers").stdout.splitlines()
        if line and line[0] != "-"
    ]
    assert table[0].split()[0] not in " ".join(bare)
    assert [line.split()[0] for line in bare][:3] == [line.split()[0] for line in table[2:5]]
    assert run(*command, "-f", "markdown").stdout.startswith("| ")
    assert run(*command, "--fmt", "grid").stdout.startswith("+")


def test_show_formats(run, seeded):
    assert "Timeline (3 events, oldest first)" in run("show", "NARC-1").stdout
    grid = run("show", "NARC-1", "--fmt", "grid").stdout
    assert "+---" in grid and "assessed fulfilled" in grid
    md = run("show", "NARC-1", "-f", "markdown").stdout
    assert md.startswith("| uuid ") and md.count("\n") == 5  # header, rule, 3 events


def test_status_colours_only_where_asked():
    columns = [Column("id", "ID"), Column("status", "Status", colour=formats.status_colour)]
    records = [{"id": "A-1", "status": "fulfilled"}, {"id": "A-2", "status": "not-started"}]
    coloured = render(records, columns, output_format="table", colour=True)
    assert click.style("fulfilled", fg="green") in coloured
    assert click.unstyle(coloured) == render(records, columns, output_format="table")
    assert "\x1b[" not in render(records, columns, output_format="table")


@pytest.fixture
def settings():
    saved = (formats.SETTINGS.colour, formats.SETTINGS.pager)
    yield formats.SETTINGS
    formats.SETTINGS.colour, formats.SETTINGS.pager = saved


def test_colour_rules(monkeypatch, settings):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert formats.use_colour()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not formats.use_colour()
    settings.colour = "always"
    assert formats.use_colour()  # an explicit --color always wins
    settings.colour = "auto"
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert not formats.use_colour()
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert formats.use_colour()
    settings.colour = "never"
    assert not formats.use_colour()


def test_color_option_on_the_command_line(run, seeded):
    assert "\x1b[" in run("--color", "always", "status").stdout
    assert "\x1b[" not in run("--color", "never", "status").stdout
    assert "\x1b[" not in run("status").stdout  # piped: no colour


def test_pager_only_for_long_output_on_a_terminal(monkeypatch, capsys, settings):
    paged = []
    monkeypatch.setattr(click, "echo_via_pager", lambda text, color=None: paged.append(text))
    monkeypatch.setattr(
        shutil, "get_terminal_size", lambda fallback=None: os.terminal_size((80, 10))
    )
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    formats.emit("short")
    formats.emit("\n".join(["line"] * 50))
    assert len(paged) == 1 and paged[0].count("line") == 50
    for pager in ("", "cat"):  # as in git, PAGER= or PAGER=cat turn paging off
        monkeypatch.setenv("PAGER", pager)
        formats.emit("\n".join(["line"] * 50))
    monkeypatch.delenv("PAGER")
    settings.pager = False  # --no-pager
    formats.emit("\n".join(["line"] * 50))
    assert len(paged) == 1
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    settings.pager = True
    formats.emit("\n".join(["line"] * 50))
    assert len(paged) == 1
    assert capsys.readouterr().out.count("line") == 200


def test_bare_track_prints_help(run):
    result = run()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: track [OPTIONS] [COMMAND] [ARGS]...")
    assert "Commands:" in result.stdout


def test_status_fits_the_window_and_keeps_its_colour(seeded):
    import pty
    import re

    env = {**os.environ, "TRACK_DB": str(seeded), "COLUMNS": "80", "LINES": "200",
           "TRACK_CODER": "tester"}  # fmt: skip
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--no-pager", "status"], env=env,
                            stdout=terminal, stderr=subprocess.PIPE)  # fmt: skip
    os.close(terminal)
    chunks = b""
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:
            break
        if not data:
            break
        chunks += data
    proc.wait(timeout=60)
    os.close(controller)
    text = chunks.decode("utf-8")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [line for line in plain.replace("\r", "").split("\n") if line]
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert "…" in plain  # titles were shortened
    assert "\x1b[32mfulfilled" in text  # and the statuses are still coloured
    # titles keep a readable width: splits are compacted and optional columns go first
    header = lines[0]
    assert header.split()[:3] == ["ID", "Title", "Status"] and "Area" not in header, header
    assert header.index("Status") - header.index("Title") >= 32
    assert not any("split:" in line for line in lines[2:-1])


def test_fit_compacts_then_drops_then_shortens():
    from tracker.formats import Column, fit

    columns = [
        Column("id", "ID"),
        Column("title", "Title", shrink=True),
        Column("area", "Area", optional=2),
        Column("status", "Status", compact=lambda cell: cell.split(":")[0]),
        Column("n", "N", optional=1),
    ]
    row = ["AI-1", "A title forty characters long, or nearly", "technology",
           "split: US fulfilled / CN broken", "3"]  # fmt: skip
    titles = [c.header for c in columns]
    # wide enough for everything: nothing changes
    assert fit(columns, titles, [row], 200)[2] == [row]
    # a little narrower: the title shortens (to 30 or more) before anything is compacted
    _, heads, (cells,) = fit(columns, titles, [row], 90)
    assert heads == titles and cells[3] == row[3] and 30 <= len(cells[1]) < len(row[1])
    # narrower: the status is compacted, then Area goes before N, then the title shortens
    _, heads, (cells,) = fit(columns, titles, [row], 60)
    assert heads == ["ID", "Title", "Status", "N"] and cells[2] == "split"
    _, heads, (cells,) = fit(columns, titles, [row], 20)
    assert heads == ["ID", "Title", "Status"] and len(cells[1]) == 12


def test_help_examples_never_wrap_mid_command(run):
    from tracker.cli import cli

    for name, command in cli.commands.items():
        commands = command.commands if isinstance(command, click.Group) else {name: command}
        for sub in commands:
            args = [name] + ([sub] if sub != name else [])
            text = run(*args, "--help").stdout
            block = text.split("Example")[1] if "Example" in text else ""
            for line in block.splitlines()[1:]:
                if not line.strip() or line.startswith("Options"):
                    break
                stripped = line.strip()
                assert stripped.startswith(("track", "echo", "eval", "--", "sqlite3")), (args, line)


# --------------------------------------------------------------------------- completion


def complete(run, words: str, cword: int):
    result = run(
        env={"_TRACK_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    )
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


def test_completion_of_ids_statuses_areas_parties(run, seeded):
    assert complete(run, "track show NA", 2) == ["NARC-1", "NARC-2"]
    assert complete(run, "track show mil-", 2)[:2] == ["MIL-1", "MIL-2"]
    assert complete(run, "track set AI-1 in", 3) == ["in-progress"]
    assert complete(run, "track status --period i", 3) == ["interim"]
    assert complete(run, "track status --area c", 3) == ["climate", "counternarcotics"]
    assert complete(run, "track note AI-1 x --party c", 5) == ["CN"]
    assert complete(run, "track status --meeting w", 3) == ["woodside-2023"]
    assert "status" in complete(run, "track st", 1)


def test_completion_never_creates_a_database(run, db_path):
    assert complete(run, "track show NA", 2) == []
    assert not db_path.exists()


@pytest.mark.parametrize(
    "shell,marker",
    [
        ("bash", "complete -o"),
        ("zsh", "#compdef track"),
        ("fish", "complete --no-files --command track"),
    ],
)
def test_completion_scripts(run, shell, marker):
    assert marker in run("completion", shell).stdout


def test_unknown_shell(run):
    assert_one_line_error(run("completion", "tcsh", ok=False), "'bash', 'zsh', 'fish'", code=1)


# --------------------------------------------------------------------------- Datasette


def test_views_answer_the_common_questions(run, seeded, overdue_ai2):
    run("set", "CLIM-4", "in-progress", "--party", "CN", "--on", "2024-03-01", "--reason", "x")
    db = sqlite_utils.Database(seeded)
    assert {"current_status", "party_status", "timeline", "overdue", "live_events"} <= set(
        db.view_names()
    )
    current = {r["id"]: r for r in db["current_status"].rows}
    assert (current["NARC-1"]["status"], current["NARC-1"]["evidence"]) == ("fulfilled", 1)
    assert sorted(r["id"] for r in db["overdue"].rows) == ["AI-2", "TRAV-1"]
    parties = {(r["commitment"], r["party"]): r["rating"] for r in db["party_status"].rows}
    assert parties[("CLIM-4", "CN")] == "in-progress"
    assert parties[("CLIM-4", "US")] == "not-yet-rated"
    assert parties[("BALI-1", "US")] == "not-yet-rated" and ("BALI-1", "CN") not in parties
    timeline = list(db["timeline"].rows_where("commitment = ?", ["TRAV-1"], order_by="happened_on"))
    assert [r["commitment_title"] for r in timeline][0].startswith("Significantly more")
    assert [r["kind"] for r in timeline] == ["created", "assessment", "measure"]
    assert {r["retracted"] for r in timeline} == {0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_datasette_serves_the_views(run, seeded):
    pytest.importorskip("datasette")
    run("status")
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(seeded),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/{seeded.stem}/current_status.json?_shape=array&id=NARC-1"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    rows = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert rows[0]["id"] == "NARC-1" and rows[0]["status"] == "fulfilled"
    finally:
        server.terminate()
        server.wait(timeout=10)
