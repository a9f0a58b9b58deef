import json
import re

import pytest

from conftest import assert_one_line_error, dump


def status_of(run, cid):
    return json.loads(run("show", cid, "-f", "json").stdout)["commitment"]["status"]


def log_json(run, *args):
    return json.loads(run("log", "-f", "json", "-n", "100", *args).stdout)


def test_undo_retracts_my_latest_event_and_recomputes_the_status(run, seeded):
    run("set", "AI-1", "in-progress", "--on", "2024-05-14", "--reason", "Talks in Geneva")
    assert status_of(run, "AI-1") == "in-progress"
    result = run("undo", "--yes")
    assert re.fullmatch(
        r"Retracted the rating of 2024-05-14 on AI-1 \(([0-9a-f]{8})\)\. "
        r"To reverse this: track undo [0-9a-f]{8}\n",
        result.stderr,
    )
    assert status_of(run, "AI-1") == "not-yet-rated"
    events = log_json(run, "AI-1")
    kinds = [(e["kind"], e["retracted"]) for e in events]
    assert ("status", True) in kinds and ("retraction", False) in kinds
    # the original row is still there, marked
    table = run("log", "AI-1").stdout
    assert "status not-yet-rated -> in-progress [interim] (RETRACTED)" in table
    assert "retracts " in table
    # show leaves retracted events out of the ratings, and marks them in the timeline
    page = run("show", "AI-1").stdout
    assert "(RETRACTED)" in page


def test_undo_never_reaches_past_my_own_latest_event(run, seeded):
    run("note", "AI-1", "first", "--on", "2024-05-01")
    run("note", "AI-1", "second", "--on", "2024-05-02")
    run("undo", "--yes")
    # undo again goes one step further back (an undo is reversed by naming it)
    result = run("undo", "--yes")
    assert "Retracted the note of 2024-05-01" in result.stderr
    live = [e["text"] for e in log_json(run, "AI-1") if e["kind"] == "note" and not e["retracted"]]
    assert "second" not in live and "first" not in live
    # someone else's events are never undone without naming them
    run("undo", "--yes", "--coder", "nobody", ok=False)
    assert [e for e in log_json(run, "MIL-2") if e["retracted"]] == []


def test_retracting_a_retraction_restores_the_event(run, seeded):
    run("set", "AI-1", "fulfilled", "--on", "2024-05-14")
    first = run("undo", "--yes").stderr
    retraction = first.split("track undo ")[1].strip()
    second = run("undo", retraction, "--yes").stderr
    assert f"Retracted retraction {retraction}: event " in second
    assert "is back in force" in second
    assert status_of(run, "AI-1") == "fulfilled"
    again = second.split("track undo ")[1].strip()
    run("undo", again, "--yes")
    assert status_of(run, "AI-1") == "not-yet-rated"


def test_undo_a_given_event_in_the_middle(run, seeded):
    narc1 = log_json(run, "NARC-1")
    rating = next(e for e in narc1 if e["kind"] == "assessment")
    run("undo", rating["uuid"][:6], "--reason", "Source was wrong", "--yes")
    assert status_of(run, "NARC-1") == "not-yet-rated"
    retraction = log_json(run, "NARC-1")[0]
    assert (retraction["kind"], retraction["text"]) == ("retraction", "Source was wrong")
    assert retraction["about"] == rating["uuid"]


def test_undo_asks_on_a_terminal(seeded, tmp_path):
    import os
    import pty
    import subprocess
    import sys

    env = {**os.environ, "TRACK_DB": str(seeded), "TRACK_CODER": "tester"}
    subprocess.run([sys.executable, "-m", "tracker", "note", "AI-1", "to keep", "--on",
                    "2024-05-01"], env=env, check=True, capture_output=True)  # fmt: skip
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "undo"], env=env, stdin=terminal,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    os.write(controller, b"n\n")
    out, err = proc.communicate(timeout=60)
    os.close(controller)
    os.close(terminal)
    assert "This withdraws this event of AI-1:" in err
    assert "to keep" in err
    assert "Withdraw it? [y/N]" in err
    assert proc.returncode == 1 and "Aborted: nothing was changed." in err
    notes = [e for e in json.loads(subprocess.run(
        [sys.executable, "-m", "tracker", "log", "AI-1", "-f", "json"], env=env,
        capture_output=True, text=True, check=True).stdout) if e["kind"] == "note"]  # fmt: skip
    assert [n["retracted"] for n in notes] == [False]


def test_edit_records_old_and_new_values_and_can_be_undone(run, seeded):
    result = run(
        "edit",
        "mil-5",
        "--due",
        "2024-12-31",
        "--title",
        "Defense chiefs meet",
        "--party",
        "US",
        "--reason",
        "Narrowed",
    )
    assert result.stderr.startswith("MIL-5: Changed title, parties, due: Narrowed (event ")
    shown = json.loads(run("show", "MIL-5", "-f", "json").stdout)
    assert (shown["commitment"]["title"], shown["commitment"]["due"]) == (
        "Defense chiefs meet",
        "2024-12-31",
    )
    assert shown["commitment"]["parties"] == ["US"]
    edit = next(e for e in log_json(run, "MIL-5") if e["kind"] == "edit")
    assert edit["changes"] == {
        "title": [
            "Defense ministers to meet once China names a new minister",
            "Defense chiefs meet",
        ],
        "due": [None, "2024-12-31"],
        "parties": [["US", "CN"], ["US"]],
    }
    assert "MIL-5" in run("status", "--overdue").stdout
    assert (
        "title: Defense ministers to meet once China names a new minister -> Defense chiefs meet"
        in (run("show", "MIL-5").stdout)
    )
    run("undo", "--yes")
    shown = json.loads(run("show", "MIL-5", "-f", "json").stdout)["commitment"]
    assert (shown["title"], shown["due"], shown["parties"]) == (
        "Defense ministers to meet once China names a new minister",
        None,
        ["US", "CN"],
    )


def test_undoing_an_earlier_edit_keeps_a_later_one(run, seeded):
    run("edit", "AI-1", "--title", "Second title")
    first = log_json(run, "AI-1")[0]["uuid"]
    run("edit", "AI-1", "--due", "2025-01-31")
    run("undo", first[:8], "--yes")
    shown = json.loads(run("show", "AI-1", "-f", "json").stdout)["commitment"]
    assert (shown["title"], shown["due"]) == (
        "Government talks on the risks of advanced AI",
        "2025-01-31",
    )


def test_no_due(run, seeded):
    run("edit", "TRAV-1", "--no-due")
    assert json.loads(run("show", "TRAV-1", "-f", "json").stdout)["commitment"]["due"] is None


@pytest.mark.parametrize(
    "args,fragments,code",
    [
        (["undo", "zzzz"], ["Invalid event reference 'zzzz'"], 1),
        (["undo", "ab"], ["Invalid event reference 'ab'"], 1),
        (["undo", "0000000"], ["No event with an ID starting '0000000'"], 1),
        (["edit", "AI-1"], ["Nothing to change"], 2),
        (
            ["edit", "AI-1", "--title", "Government talks on the risks of advanced AI"],
            ["already has these values"],
            1,
        ),
        (["edit", "AI-1", "--title", "  "], ["field 'title': is empty"], 1),
        (["edit", "AI-1", "--party", "RU"], ["RU is not a party of meeting woodside-2023"], 1),
        (["edit", "AI-1", "--due", "2024-01-01", "--no-due"], ["--due or --no-due"], 2),
        (["edit", "AI-9", "--title", "x"], ["No commitment with ID 'AI-9'"], 1),
        (["edit", "AI-1", "--due", "soonish"], ["Cannot read date"], 1),
    ],
)
def test_bad_corrections(run, seeded, args, fragments, code):
    before = dump(seeded)
    assert_one_line_error(run(*args, ok=False), *fragments, code=code)
    assert dump(seeded) == before


def test_already_retracted_events_cannot_be_retracted(run, seeded):
    run("note", "AI-1", "x", "--on", "2024-05-01")
    note = log_json(run, "AI-1")[0]["uuid"]
    run("undo", "--yes")
    before = dump(seeded)
    assert_one_line_error(run("undo", note[:8], "--yes", ok=False), "already retracted")
    assert dump(seeded) == before


def test_nothing_to_undo_on_an_empty_database(run):
    run("init", "--empty")
    assert_one_line_error(run("undo", "--yes", ok=False), "Nothing to undo")
