import json
import re

import pytest

from conftest import assert_one_line_error, dump


def status_of(run, cid):
    return json.loads(run("show", cid, "-f", "json").stdout)["commitment"]["status"]


def log_json(run, *args):
    return json.loads(run("log", "-f", "json", "-n", "100", *args).stdout)


def test_undo_retracts_the_latest_event_and_recomputes_the_status(run, seeded):
    run("set", "AI-1", "in-progress", "--on", "2024-05-14", "--reason", "Talks in Geneva")
    assert status_of(run, "AI-1") == "in-progress"
    result = run("undo")
    assert re.fullmatch(
        r"Retracted the status of 2024-05-14 on AI-1 \(([0-9a-f]{8})\)\. "
        r"To restore it: track undo [0-9a-f]{8}\n",
        result.stderr,
    )
    assert status_of(run, "AI-1") == "not-started"
    events = log_json(run, "AI-1")
    kinds = [(e["kind"], e["retracted"]) for e in events]
    assert ("status", True) in kinds and ("retraction", False) in kinds
    # the original row is still there, marked
    table = run("log", "AI-1").stdout
    assert "status -> in-progress (RETRACTED)" in table
    assert "retracts " in table
    # show leaves retracted events out of the timeline
    shown = json.loads(run("show", "AI-1", "-f", "json").stdout)["events"]
    assert [e["kind"] for e in shown] == ["created"]


def test_undoing_twice_retracts_two_events_and_never_resurrects(run, seeded):
    run("note", "AI-1", "first", "--on", "2024-05-01")
    run("note", "AI-1", "second", "--on", "2024-05-02")
    run("undo")
    run("undo")
    live = [e["text"] for e in log_json(run, "AI-1") if e["kind"] == "note" and not e["retracted"]]
    assert live == []
    run("undo")  # now the latest event in force is MIL-2's note of the follow-up data
    assert "2024-09-14" in [e["happened_on"] for e in log_json(run, "MIL-2") if e["retracted"]]


def test_retracting_a_retraction_restores_the_event(run, seeded):
    run("set", "AI-1", "fulfilled", "--on", "2024-05-14")
    first = run("undo").stderr
    retraction = first.split("track undo ")[1].strip()
    second = run("undo", retraction).stderr
    assert f"Retracted retraction {retraction}" in second
    assert status_of(run, "AI-1") == "fulfilled"
    # and undoing that again withdraws the event once more
    again = second.split("track undo ")[1].split("`")[0]
    run("undo", again)
    assert status_of(run, "AI-1") == "not-started"


def test_undo_a_given_event_in_the_middle(run, seeded):
    narc1 = log_json(run, "NARC-1")
    status_event = next(e for e in narc1 if e["kind"] == "status")
    run("undo", status_event["uuid"][:6], "--reason", "Source was wrong")
    assert status_of(run, "NARC-1") == "not-started"
    retraction = log_json(run, "NARC-1")[0]
    assert (retraction["kind"], retraction["text"]) == ("retraction", "Source was wrong")
    assert retraction["retracts"] == status_event["uuid"]
    report = run("report").stdout
    assert "| counternarcotics | 1 | 1 |  | 2 |" in report


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
    assert result.stderr.startswith("MIL-5: Changed title, due, parties: Narrowed (event ")
    shown = json.loads(run("show", "MIL-5", "-f", "json").stdout)
    assert (shown["commitment"]["title"], shown["commitment"]["due"]) == (
        "Defense chiefs meet",
        "2024-12-31",
    )
    assert shown["commitment"]["parties"] == ["US"]
    edit = next(e for e in log_json(run, "MIL-5") if e["kind"] == "edit")
    assert json.loads(edit["changes"]) == {
        "title": [
            "Defense ministers to meet once China names a new minister",
            "Defense chiefs meet",
        ],
        "due": [None, "2024-12-31"],
        "parties": [["US", "CN"], ["US"]],
    }
    assert "MIL-5" in run("status", "--overdue").stdout
    run("undo")
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
    run("undo", first[:8])
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
        (["edit", "AI-1"], ["Nothing to change"], 1),
        (
            ["edit", "AI-1", "--title", "Government talks on the risks of advanced AI"],
            ["already has these values"],
            1,
        ),
        (["edit", "AI-1", "--title", "  "], ["The title is empty"], 1),
        (["edit", "AI-1", "--party", "RU"], ["Unknown party 'RU'"], 1),
        (["edit", "AI-1", "--due", "2024-01-01", "--no-due"], ["--due or --no-due"], 2),
        (["edit", "AI-9", "--title", "x"], ["No commitment with ID 'AI-9'"], 1),
        (["edit", "AI-1", "--due", "soonish"], ["Cannot read date"], 2),
    ],
)
def test_bad_corrections(run, seeded, args, fragments, code):
    before = dump(seeded)
    assert_one_line_error(run(*args, ok=False), *fragments, code=code)
    assert dump(seeded) == before


def test_creation_and_already_retracted_events_cannot_be_retracted(run, seeded):
    created = log_json(run, "AI-1")[0]["uuid"]
    before = dump(seeded)
    assert_one_line_error(run("undo", created[:8], ok=False), "cannot be retracted")
    assert dump(seeded) == before
    run("note", "AI-1", "x", "--on", "2024-05-01")
    note = log_json(run, "AI-1")[0]["uuid"]
    run("undo")
    before = dump(seeded)
    assert_one_line_error(run("undo", note[:8], ok=False), "already retracted")
    assert dump(seeded) == before


def test_nothing_to_undo_on_an_empty_database(run):
    run("init", "--empty")
    assert_one_line_error(run("undo", ok=False), "Nothing to undo")
