import datetime as dt
import json
import sqlite3
import uuid

import pytest

from conftest import assert_one_line_error, dump


def events_of(path, commitment):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return [
        dict(r)
        for r in conn.execute("select * from events where commitment = ? order by id", [commitment])
    ]


def test_note_adds_sourced_evidence(run, seeded):
    result = run(
        "note",
        "narc-2",
        "US sanctions on pill-press sellers",
        "--on",
        "30 Jan 2024",
        "--source",
        "https://example.org/a",
        "--title",
        "Treasury press release",
        "--party",
        "us",
    )
    assert result.stderr == "Added a note to NARC-2 dated 2024-01-30.\n"
    assert result.stdout == ""
    event = events_of(seeded, "NARC-2")[-1]
    assert {
        k: event[k]
        for k in ("kind", "happened_on", "text", "source_url", "source_title", "party", "status")
    } == {
        "kind": "note",
        "happened_on": "2024-01-30",
        "text": "US sanctions on pill-press sellers",
        "source_url": "https://example.org/a",
        "source_title": "Treasury press release",
        "party": "US",
        "status": None,
    }
    uuid.UUID(event["uuid"])
    assert event["recorded_at"].endswith("Z")
    # a note never changes the status
    status = json.loads(run("show", "NARC-2", "-f", "json").stdout)["commitment"]["status"]
    assert status == "in-progress"


def test_note_defaults_to_today(run, seeded):
    run("note", "AI-1", "Something happened")
    assert events_of(seeded, "AI-1")[-1]["happened_on"] == dt.date.today().isoformat()


def test_set_changes_status_through_an_event(run, seeded):
    result = run(
        "set",
        "AI-1",
        "in-progress",
        "--reason",
        "First talks held in Geneva",
        "--on",
        "May 14, 2024",
        "--source",
        "https://example.org/geneva",
    )
    assert result.stderr == "AI-1 is now in-progress, as of 2024-05-14.\n"
    event = events_of(seeded, "AI-1")[-1]
    assert (event["kind"], event["status"], event["text"]) == (
        "status",
        "in-progress",
        "First talks held in Geneva",
    )
    rows = json.loads(run("status", "--area", "ai", "-f", "json").stdout)
    assert (rows[0]["status"], rows[0]["last_update"], rows[0]["evidence"]) == (
        "in-progress",
        "2024-05-14",
        1,
    )


def test_backdated_status_does_not_override_a_later_one(run, seeded):
    # MIL-1 became fulfilled on 2023-12-21; evidence of an earlier step must not undo that
    run("set", "MIL-1", "in-progress", "--on", "2023-12-01")
    show = json.loads(run("show", "MIL-1", "-f", "json").stdout)
    assert show["commitment"]["status"] == "fulfilled"


def test_set_for_one_party(run, seeded):
    run("set", "CLIM-4", "in-progress", "--party", "CN", "--on", "2024-01-10")
    show = json.loads(run("show", "CLIM-4", "-f", "json").stdout)
    assert show["commitment"]["status"] == "not-started"
    assert show["party_statuses"] == {"US": "not-started", "CN": "in-progress"}
    assert "By party:  US not-started, CN in-progress" in run("show", "CLIM-4").stdout


def test_add_a_commitment(run, seeded):
    result = run(
        "add",
        "ai-2",
        "--title",
        "Talks on military use of AI",
        "--area",
        "AI",
        "--party",
        "US",
        "--party",
        "cn",
        "--kind",
        "expected",
        "--due",
        "2025-06-30",
        "--deadline",
        "by mid-2025",
        "--summary",
        "Our words.",
        "--quote",
        "a quote",
        "--quote-by",
        "Readout",
    )
    assert result.stderr == "Added AI-2: Talks on military use of AI.\n"
    show = json.loads(run("show", "AI-2", "-f", "json").stdout)
    c = show["commitment"]
    assert (c["id"], c["area"], c["parties"], c["kind"], c["due"], c["status"], c["meeting"]) == (
        "AI-2",
        "ai",
        ["US", "CN"],
        "expected",
        "2025-06-30",
        "not-started",
        "woodside-2023",
    )
    assert [e["kind"] for e in show["events"]] == ["created"]
    assert show["events"][0]["happened_on"] == "2023-11-15"


@pytest.mark.parametrize(
    "args,fragments,code",
    [
        # unknown IDs, with suggestions
        (["note", "NARC-9", "text"], ["No commitment with ID 'NARC-9'", "NARC-1"], 1),
        (["set", "MIL-99", "fulfilled"], ["No commitment with ID 'MIL-99'", "MIL-"], 1),
        (["show", "XYZ-1"], ["No commitment with ID 'XYZ-1'", "track status"], 1),
        (["log", "NARK-1"], ["Did you mean NARC-1"], 1),
        # statuses
        (
            ["set", "AI-1", "done"],
            ["Unknown status 'done'", "not-started, in-progress, stalled"],
            1,
        ),
        (["set", "NARC-1", "fulfilled"], ["NARC-1 is already fulfilled", "track note"], 1),
        # dates
        (["note", "AI-1", "x", "--on", "2099-01-01"], ["in the future"], 2),
        (["note", "AI-1", "x", "--on", "tomorrowish"], ["Cannot read date", "30 Jan 2024"], 2),
        (["note", "AI-1", "x", "--on", "03/04/2024"], ["Ambiguous date"], 2),
        (["set", "AI-1", "fulfilled", "--on", "1 Jan 2025 please"], ["Cannot read date"], 2),
        (["note", "AI-1", "x", "--on", "2023-11-01"], ["before AI-1 was made (2023-11-15)"], 1),
        (["log", "--since", "whenever"], ["Cannot read date"], 2),
        # text
        (["note", "AI-1", ""], ["The note text is empty"], 1),
        (["note", "AI-1", "   "], ["The note text is empty"], 1),
        (["set", "AI-1", "stalled", "--reason", " "], ["The reason is empty"], 1),
        # parties
        (["note", "AI-1", "x", "--party", "RU"], ["Unknown party 'RU'", "US, CN"], 1),
        (["set", "BALI-1", "fulfilled", "--party", "CN"], ["BALI-1 is a commitment of US only"], 1),
        # add
        (
            ["add", "NARC-1", "--title", "t", "--area", "a", "--party", "US"],
            ["A commitment with ID NARC-1 already exists"],
            1,
        ),
        (
            ["add", "NEW 1", "--title", "t", "--area", "a", "--party", "US"],
            ["Invalid commitment ID 'NEW 1'"],
            1,
        ),
        (
            ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "EU"],
            ["Unknown party 'EU'"],
            1,
        ),
        (
            ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "US", "--kind", "vague"],
            ["Unknown kind 'vague'"],
            1,
        ),
        (
            ["add", "NEW-1", "--title", "", "--area", "a", "--party", "US"],
            ["The title is empty"],
            1,
        ),
        (
            ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "US", "--meeting", "yalta"],
            ["No meeting 'yalta'"],
            1,
        ),
        (["add", "NEW-1", "--area", "a", "--party", "US"], ["Missing option '--title'"], 2),
        # usage
        (["note", "AI-1"], ["Missing argument 'TEXT'", "track note --help"], 2),
        (["log", "--limit", "0"], ["0 is not in the range x>=1"], 2),
        (["frobnicate"], ["No such command 'frobnicate'"], 2),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(run, seeded, args, fragments, code):
    before = dump(seeded)
    result = run(*args, ok=False)
    assert_one_line_error(result, *fragments, code=code)
    assert dump(seeded) == before


def test_add_needs_a_meeting_on_an_empty_database(run):
    run("init", "--empty")
    result = run("add", "X-1", "--title", "t", "--area", "a", "--party", "US", ok=False)
    assert_one_line_error(result, "no meetings yet", "track init --seed")


def test_text_is_stored_verbatim(run, seeded):
    text = 'Robert\'); DROP TABLE events;-- «引号» "quotes"\nsecond line'
    run("note", "AI-1", text, "--on", "2024-05-01")
    assert events_of(seeded, "AI-1")[-1]["text"] == text
    assert len(events_of(seeded, "NARC-1")) == 3
