"""Recording: notes with several sources, stance and tags, text from stdin or an editor,
ratings with honest messages, new commitments, amendments and withdrawals."""

import datetime as dt
import json
import os
import sqlite3
import stat
import uuid

import pytest

from conftest import assert_one_line_error, dump


def events_of(path, commitment):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "select e.* from events e join commitments c on c.uid = e.commitment_uid "
        "where c.id = ? order by e.counter, e.uuid",
        [commitment],
    )
    found = []
    for r in rows:
        row = dict(r)
        for key in ("sources", "tags", "evidence", "changes"):
            if row[key] is not None:
                row[key] = json.loads(row[key])
        found.append(row)
    return found


def test_note_adds_sourced_evidence(run, seeded):
    result = run(
        "note", "narc-2", "US sanctions on pill-press sellers", "--on", "30 Jan 2024",
        "--source", "https://example.org/a", "--source-title", "Treasury press release",
        "--publisher", "US Treasury", "--source-class", "official",
        "--source", "https://example.org/b", "--source-title", "Wire story",
        "--source-class", "wire", "--party", "us", "--stance", "supports",
        "--tag", "sanctions", "--tag", "pill-presses",
    )  # fmt: skip
    assert result.stderr.startswith("Added a note to NARC-2 dated 2024-01-30 (event ")
    assert result.stdout == ""
    event = events_of(seeded, "NARC-2")[-1]
    assert {
        k: event[k]
        for k in ("kind", "happened_on", "text", "party", "status", "stance", "tags", "author")
    } == {  # fmt: skip
        "kind": "note",
        "happened_on": "2024-01-30",
        "text": "US sanctions on pill-press sellers",
        "party": "US",
        "status": None,
        "stance": "supports",
        "tags": ["sanctions", "pill-presses"],
        "author": "tester",
    }
    assert event["sources"] == [
        {"url": "https://example.org/a", "title": "Treasury press release",
         "publisher": "US Treasury", "class": "official"},
        {"url": "https://example.org/b", "title": "Wire story", "class": "wire"},
    ]  # fmt: skip
    uuid.UUID(event["uuid"])
    assert event["recorded_at"].endswith("Z")
    # a note never changes the rating
    data = json.loads(run("show", "NARC-2", "-f", "json").stdout)
    assert data["commitment"]["status"] == "in-progress"


def test_more_source_details_than_sources_is_a_usage_error(run, seeded):
    before = dump(seeded)
    result = run("note", "AI-1", "x", "--source-title", "A title", ok=False)
    assert_one_line_error(result, "more --source-title options than --source options", code=2)
    assert dump(seeded) == before


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "example.org/page",
        "https://",
        "http:// spaced.org",
    ],  # fmt: skip
)
def test_only_http_addresses_are_accepted(run, seeded, url):
    before = dump(seeded)
    result = run("note", "AI-1", "x", "--source", url, ok=False)
    assert_one_line_error(result, "not an http(s) address", code=1)
    assert dump(seeded) == before


def test_text_from_stdin(run, seeded):
    run("note", "AI-1", "-", "--on", "2024-05-14", input="Line one\nLine two\n")
    assert events_of(seeded, "AI-1")[-1]["text"] == "Line one\nLine two"
    before = dump(seeded)
    result = run("note", "AI-1", "-", input="", ok=False)
    assert_one_line_error(result, "The note text is empty", code=1)
    assert dump(seeded) == before


def test_text_from_an_editor(run, seeded, tmp_path, monkeypatch):
    editor = tmp_path / "editor.sh"
    seen = tmp_path / "template.txt"
    editor.write_text(f'#!/bin/sh\ncp "$1" {seen}\n'
                      'printf "Written in the editor\\n# a comment\\n" > "$1"\n')  # fmt: skip
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    run("note", "AI-1", "--edit", "--on", "2024-05-14")
    assert events_of(seeded, "AI-1")[-1]["text"] == "Written in the editor"
    # the editor says what the note is about
    assert "# Write the note on AI-1 (" in seen.read_text()
    empty = tmp_path / "empty.sh"
    empty.write_text('#!/bin/sh\nprintf "# nothing\\n" > "$1"\n')
    empty.chmod(empty.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(empty))
    before = dump(seeded)
    assert_one_line_error(run("note", "AI-1", "--edit", ok=False), "The note is empty", code=1)
    assert dump(seeded) == before


def test_note_defaults_to_today(run, seeded):
    run("note", "AI-1", "Something happened")
    assert events_of(seeded, "AI-1")[-1]["happened_on"] == dt.date.today().isoformat()


def test_set_rates_through_an_event(run, seeded):
    result = run("set", "AI-1", "in-progress", "--reason", "First talks held in Geneva", "--on",
                 "May 14, 2024", "--source", "https://example.org/geneva")  # fmt: skip
    assert "Recorded in-progress for AI-1 as of 2024-05-14 (period interim)" in result.stderr
    assert "AI-1 is now in-progress." in result.stderr
    event = events_of(seeded, "AI-1")[-1]
    assert (event["kind"], event["status"], event["text"], event["period"]) == (
        "status", "in-progress", "First talks held in Geneva", "interim")  # fmt: skip
    assert event["changes"] == {"status": ["not-yet-rated", "in-progress"], "saw": []}
    rows = json.loads(run("status", "--area", "ai", "-f", "json").stdout)
    # a rating is a judgement, not evidence: it moves "last update", not the evidence count
    assert (rows[0]["status"], rows[0]["last_update"], rows[0]["evidence"]) == (
        "in-progress", "2024-05-14", 0)  # fmt: skip


def test_a_backdated_rating_says_what_the_status_now_is(run, seeded):
    # MIL-1 became fulfilled on 2023-12-21; a rating dated earlier does not override it
    result = run("set", "MIL-1", "broken", "--on", "2023-12-01", "--reason", "Talks refused")
    assert "Recorded broken for MIL-1 as of 2023-12-01" in result.stderr
    assert (
        "But MIL-1 is still fulfilled: the rating that counts instead is fulfilled on 2023-12-21"
    ) in result.stderr


def test_a_backdated_rating_names_each_partys_rating_that_counts(run, seeded):
    """Whole-commitment rating outranked by party ratings: each one that counts is named."""
    run("set", "AI-1", "in-progress", "--party", "US", "--on", "2024-06-01", "--reason", "a")
    run("set", "AI-1", "stalled", "--party", "CN", "--on", "2024-06-02", "--reason", "b")
    result = run("set", "AI-1", "broken", "--on", "2024-05-20", "--reason", "c")
    assert "the ratings that count instead is US in-progress on 2024-06-01" in result.stderr
    assert "; CN stalled on 2024-06-02" in result.stderr
    assert (
        json.loads(run("show", "MIL-1", "-f", "json").stdout)["commitment"]["status"] == "fulfilled"
    )


def test_set_for_one_party(run, seeded):
    run("set", "CLIM-4", "in-progress", "--party", "CN", "--on", "2024-01-10", "--reason", "Plan")
    show = json.loads(run("show", "CLIM-4", "-f", "json").stdout)
    assert show["commitment"]["status"] == "split"
    assert {p: r["rating"] for p, r in show["party_ratings"].items()} == {
        "US": "not-yet-rated", "CN": "in-progress"}  # fmt: skip
    assert "split: US not-yet-rated / CN in-progress" in run("show", "CLIM-4").stdout


def test_the_latest_rating_covering_a_party_counts(run, seeded):
    run("set", "CLIM-4", "broken", "--party", "US", "--on", "2024-01-10", "--reason", "a")
    run("set", "CLIM-4", "fulfilled", "--on", "2024-02-10", "--reason", "both delivered")
    assert (
        json.loads(run("show", "CLIM-4", "-f", "json").stdout)["commitment"]["status"]
        == "fulfilled"
    )


def test_add_a_commitment(run, seeded):
    result = run(
        "add", "ai-2", "--title", "Talks on military use of AI", "--area", "AI", "--party", "US",
        "--party", "cn", "--type", "action", "--formality", "reported", "--due", "2025-06-30",
        "--deadline", "by mid-2025", "--summary", "Our words.", "--quote", "a quote",
        "--quote-by", "Readout", "--guideline", "+1 held; 0 agreed; -1 refused",
    )  # fmt: skip
    assert result.stderr == "Added AI-2: Talks on military use of AI.\n"
    show = json.loads(run("show", "AI-2", "-f", "json").stdout)
    c = show["commitment"]
    assert (c["id"], c["area"], c["parties"], c["type"], c["formality"], c["due"], c["status"],
            c["meeting"], c["guideline"]) == (  # fmt: skip
        "AI-2", "ai", ["US", "CN"], "action", "reported", "2025-06-30", "not-yet-rated",
        "woodside-2023", "+1 held; 0 agreed; -1 refused",
    )  # fmt: skip
    assert [e["kind"] for e in show["events"]] == ["created"]
    assert show["events"][0]["happened_on"] == "2023-11-15"
    assert show["events"][0]["author"] == "tester"


def test_titles_are_one_line(run, seeded):
    before = dump(seeded)
    result = run(
        "add", "NEW-1", "--title", "One\n# Heading", "--area", "a", "--party", "US", ok=False
    )
    assert_one_line_error(result, "field 'title'", "line break", code=1)
    result = run("edit", "AI-1", "--title", "A\u202etitle", ok=False)
    assert_one_line_error(result, "field 'title'", "control character", code=1)
    assert dump(seeded) == before


@pytest.mark.parametrize(
    "args,fragments,code",
    [
        (["note", "NARC-9", "text"], ["No commitment with ID 'NARC-9'", "NARC-1"], 1),
        (["set", "MIL-99", "fulfilled"], ["No commitment with ID 'MIL-99'", "MIL-"], 1),
        (["show", "XYZ-1"], ["No commitment with ID 'XYZ-1'", "track status"], 1),
        (["log", "NARK-1"], ["Did you mean NARC-1"], 1),
        (
            ["set", "AI-1", "done"],
            ["Unknown rating 'done'", "not-started, in-progress, stalled"],
            1,
        ),
        (["note", "AI-1", "x", "--on", "2099-01-01"], ["in the future"], 1),
        (["note", "AI-1", "x", "--on", "tomorrowish"], ["Cannot read date", "30 Jan 2024"], 1),
        (["note", "AI-1", "x", "--on", "03/04/2024"], ["Ambiguous date"], 1),
        (["set", "AI-1", "fulfilled", "--on", "1 Jan 2025 please"], ["Cannot read date"], 1),
        (["note", "AI-1", "x", "--on", "2023-11-01"], ["before AI-1 was made (2023-11-15)"], 1),
        (["log", "--since", "whenever"], ["Cannot read date"], 1),
        (["note", "AI-1", ""], ["The note text is empty"], 1),
        (["note", "AI-1", "   "], ["The note text is empty"], 1),
        (["set", "AI-1", "stalled", "--reason", " "], ["The rationale is empty"], 1),
        (
            ["note", "AI-1", "x", "--party", "RU"],
            ["AI-1 is a commitment of US, CN only, not RU"],
            1,
        ),
        (
            ["set", "BALI-1", "maintained", "--party", "CN"],
            ["BALI-1 is a commitment of US only"],
            1,
        ),
        (["note", "AI-1", "x", "--stance", "maybe"], ["'maybe' is not one of"], 1),
        (["note", "AI-1", "x", "--tag", "Not A Tag!"], ["is not a tag"], 1),
        (
            ["note", "AI-1", "x", "--source", "https://e.org", "--source-class", "blog"],
            ["'blog' is not one of"],
            1,
        ),  # fmt: skip
        (
            ["add", "NARC-1", "--title", "t", "--area", "a", "--party", "US"],
            ["A commitment with ID NARC-1 already exists"],
            1,
        ),  # fmt: skip
        (
            ["add", "NEW 1", "--title", "t", "--area", "a", "--party", "US"],
            ["Invalid commitment ID 'NEW 1'"],
            1,
        ),  # fmt: skip
        (
            ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "EU"],
            ["EU is not a party of meeting woodside-2023 (US, CN)"],
            1,
        ),  # fmt: skip
        (
            ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "US", "--type", "vague"],
            ["'vague' is not one of"],
            1,
        ),  # fmt: skip
        (
            ["add", "NEW-1", "--title", "", "--area", "a", "--party", "US"],
            ["field 'title': is empty"],
            1,
        ),  # fmt: skip
        (
            ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "US", "--meeting", "yalta"],
            ["No meeting 'yalta'"],
            1,
        ),  # fmt: skip
        (["add", "NEW-1", "--area", "a", "--party", "US"], ["Missing option '--title'"], 2),
        (["note"], ["Missing argument 'ID'", "track note --help"], 2),
        (["log", "--limit", "0"], ["0 is not in the range"], 1),
        (["frobnicate"], ["No such command 'frobnicate'"], 2),
        (["review", "AI-1", "--approve", "--reject", "--note", "x"], ["not both"], 2),
        (["review", "AI-1", "--note", "x"], ["Say --approve or --reject"], 2),
        (["set", "AI-1", "not-yet-rated", "--reason", "reset"], ["not a rating to give"], 1),
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
    assert_one_line_error(result, "no meetings yet", "load a seed file")


def test_text_is_stored_verbatim(run, seeded):
    text = 'Robert\'); DROP TABLE events;-- «引号» "quotes"\nsecond line'
    run("note", "AI-1", text, "--on", "2024-05-01")
    assert events_of(seeded, "AI-1")[-1]["text"] == text
    assert len(events_of(seeded, "NARC-1")) == 3


# --------------------------------------------------------------------------- amend


def note_ref(result) -> str:
    return result.stderr.split("(event ")[1][:8]


def test_amend_corrects_an_event_and_undo_reverses_it(run, seeded):
    ref = note_ref(run("note", "NARC-2", "China schedules three precursors", "--on", "2024-08-05",
                       "--source", "https://example.org/copy"))  # fmt: skip
    result = run("amend", ref, "--on", "2024-08-02", "--party", "CN", "--tag", "precursors",
                 "--drop-source", "https://example.org/copy",
                 "--source", "https://example.org/notice", "--source-title", "Notice",
                 "--source-class", "document", "--reason", "Date of the notice")  # fmt: skip
    assert result.stderr.startswith(f"Amended event {ref} (event ")
    assert "  date: 2024-08-05 -> 2024-08-02\n" in result.stderr
    assert "  party: (none) -> CN\n" in result.stderr
    assert (
        "  sources: removed <https://example.org/copy>; added Notice, document "
        "<https://example.org/notice>\n"
    ) in result.stderr
    assert "(AMENDED)" in run("log", "NARC-2").stdout
    events = json.loads(run("log", "NARC-2", "-f", "json").stdout)
    (amended,) = [e for e in events if e["uuid"].startswith(ref)]
    assert (amended["happened_on"], amended["party"], amended["tags"]) == (
        "2024-08-02", "CN", ["precursors"])  # fmt: skip
    assert amended["sources"] == [
        {"url": "https://example.org/notice", "title": "Notice", "class": "document"}
    ]
    amendment = next(e for e in events if e["kind"] == "amendment")
    assert amendment["changes"]["happened_on"] == ["2024-08-05", "2024-08-02"]
    page = run("show", "NARC-2").stdout
    assert "date: 2024-08-05 -> 2024-08-02" in page
    # the original row is never rewritten
    raw = next(e for e in events_of(seeded, "NARC-2") if e["uuid"].startswith(ref))
    assert (raw["happened_on"], raw["party"]) == ("2024-08-05", None)
    run("undo", "--yes")
    events = json.loads(run("log", "NARC-2", "-f", "json").stdout)
    (restored,) = [e for e in events if e["uuid"].startswith(ref)]
    assert (restored["happened_on"], restored["party"]) == ("2024-08-05", None)


def test_amend_text_from_stdin_and_bad_amendments(run, seeded):
    ref = note_ref(run("note", "AI-1", "Draft", "--on", "2024-05-14"))
    run("amend", ref, "--text", "-", input="Final wording\n")
    assert events_of(seeded, "AI-1")[-1]["changes"] == {"text": ["Draft", "Final wording"]}
    before = dump(seeded)
    for args, fragment, code in [
        ([ref, "--party", "RU"], "not RU", 1),
        ([ref, "--on", "2020-01-01"], "outside 2023-11-15", 1),
        ([ref, "--text", "Final wording"], "already has these values", 1),
        ([ref], "Nothing to change", 2),
        (["ffffffff", "--text", "x"], "No event with an ID starting 'ffffffff'", 1),
    ]:
        assert_one_line_error(run("amend", *args, ok=False), fragment, code=code)
    created = json.loads(run("log", "AI-1", "-f", "json", "--kind", "created").stdout)[0]["uuid"]
    assert_one_line_error(run("amend", created[:8], "--text", "x", ok=False),
                          "only evidence and ratings are amended", code=1)  # fmt: skip
    assert dump(seeded) == before


# --------------------------------------------------------------------------- withdraw


def test_withdraw_a_commitment_and_restore_it(run, seeded):
    run("add", "AI-3", "--title", "Added by mistake", "--area", "ai", "--party", "US")
    result = run("withdraw", "AI-3", "--reason", "Duplicate of AI-1")
    assert result.stderr.startswith("Withdrew AI-3. To restore it: track undo ")
    assert "AI-3" not in json.dumps(json.loads(run("status", "-f", "json").stdout))
    assert "AI-3" not in run("report").stdout
    assert json.loads(run("report", "-f", "json").stdout)["headline"]["commitments"] == 28
    shown = json.loads(run("show", "AI-3", "-f", "json").stdout)
    assert shown["commitment"]["withdrawn"] is True
    run("undo", result.stderr.split("track undo ")[1].strip(), "--yes")
    assert "AI-3" in {r["id"] for r in json.loads(run("status", "-f", "json").stdout)}


def test_undo_right_after_add_withdraws_that_commitment(run, seeded):
    run("edit", "AI-1", "--title", "An edit of mine")
    run("add", "AI-3", "--title", "New", "--area", "ai", "--party", "US")
    result = run("undo", "--yes")
    assert result.stderr.startswith("Withdrew AI-3 (its creation")
    assert (
        json.loads(run("show", "AI-1", "-f", "json").stdout)["commitment"]["title"]
        == "An edit of mine"
    )


def test_plain_undo_after_withdraw_restores_the_commitment_and_nothing_else(run, seeded):
    note = run("note", "AI-1", "Mine", "--on", "2024-01-02", "--source", "https://example.org/a")
    run("withdraw", "MIL-1", "--reason", "Added by mistake")
    page = run("show", "MIL-1").stdout
    assert "Withdrawn: on " in page and "Added by mistake" in page  # said at the top
    assert "withdraws the commitment" in run("log", "-n", "1").stdout
    result = run("undo", "--yes")
    assert result.stderr.startswith("Restored MIL-1: its withdrawal (")
    assert "MIL-1" in {r["id"] for r in json.loads(run("status", "-f", "json").stdout)}
    assert "Withdrawn:" not in run("show", "MIL-1").stdout
    # the note is untouched; the next undo reaches it, and an undo is never itself undone
    assert "(RETRACTED)" not in run("show", "AI-1").stdout
    assert note.stderr.split("(event ")[1][:8] in run("undo", "--yes").stderr


def test_plain_undo_after_undoing_an_add_goes_further_back(run, seeded):
    run("note", "AI-1", "Mine", "--on", "2024-01-02", "--source", "https://example.org/a")
    run("add", "AI-3", "--title", "New", "--area", "ai", "--party", "US")
    assert run("undo", "--yes").stderr.startswith("Withdrew AI-3 (its creation")
    assert run("undo", "--yes").stderr.startswith("Retracted the note of 2024-01-02 on AI-1")
    assert "AI-3" not in {r["id"] for r in json.loads(run("status", "-f", "json").stdout)}


def test_show_never_breaks_an_address(run, seeded, monkeypatch):
    long_url = "https://example.org/" + "a-very-long-path/" * 8 + "page.html"
    run("note", "AI-1", "x", "--source", long_url, "--on", "2024-05-14")
    monkeypatch.setenv("COLUMNS", "60")
    page = run("show", "AI-1").stdout
    assert f"<{long_url}>" in page


def test_read_only_files_can_be_read(run, seeded):
    os.chmod(seeded, 0o444)
    try:
        run("status")
    finally:
        os.chmod(seeded, 0o644)


def test_amend_fixes_one_source_and_keeps_the_others(run, seeded):
    ref = note_ref(run("note", "NARC-2", "Tariff notice", "--on", "2024-08-05",
                       "--source", "https://exmaple.org/notice", "--source-title", "Notice",
                       "--publisher", "The White House", "--source-class", "official",
                       "--source", "https://example.org/wire", "--source-title", "Wire story",
                       "--source-class", "wire"))  # fmt: skip
    result = run("amend", ref, "--replace-source", "https://exmaple.org/notice",
                 "https://example.org/notice")  # fmt: skip
    assert (
        "sources: <https://exmaple.org/notice> -> <https://example.org/notice>; 1 other unchanged"
        in result.stderr
    )
    (event,) = [e for e in json.loads(run("log", "NARC-2", "-f", "json").stdout)
                if e["uuid"].startswith(ref)]  # fmt: skip
    assert event["sources"] == [
        {"url": "https://example.org/notice", "title": "Notice", "publisher": "The White House",
         "class": "official"},
        {"url": "https://example.org/wire", "title": "Wire story", "class": "wire"},
    ]  # fmt: skip
    # --source with an address already cited updates that source's fields in place
    run("amend", ref, "--source", "https://example.org/wire", "--publisher", "Reuters")
    (event,) = [e for e in json.loads(run("log", "NARC-2", "-f", "json").stdout)
                if e["uuid"].startswith(ref)]  # fmt: skip
    assert event["sources"][1] == {"url": "https://example.org/wire", "title": "Wire story",
                                   "publisher": "Reuters", "class": "wire"}  # fmt: skip


@pytest.mark.parametrize(
    "args, message",
    [
        (["--drop-source", "https://example.org/absent"],
         "does not cite https://example.org/absent; its sources: https://example.org/a, "
         "https://example.org/c"),
        (["--replace-source", "https://example.org/a", "javascript:alert(1)"], "http"),
        (["--replace-source", "https://example.org/a", "https://example.org/c"],
         "same address twice"),
    ],
)  # fmt: skip
def test_amend_refuses_a_bad_source_edit_and_changes_nothing(run, seeded, args, message):
    ref = note_ref(run("note", "AI-1", "Talks", "--on", "2024-05-14", "--source",
                       "https://example.org/a", "--source", "https://example.org/c"))  # fmt: skip
    before = dump(seeded)
    assert_one_line_error(run("amend", ref, *args, ok=False), message, code=1)
    assert dump(seeded) == before


def test_note_warns_about_a_missing_or_repeated_source(run, seeded):
    result = run("note", "AI-1", "No source yet", "--on", "2024-05-14")
    assert "Warning: this note has no source" in result.stderr
    first = note_ref(run("note", "AI-1", "Talks held", "--on", "2024-05-14",
                         "--source", "https://example.org/geneva"))  # fmt: skip
    again = run("note", "AI-1", "Talks held in Geneva", "--on", "2024-05-14",
                "--source", "https://example.org/geneva")  # fmt: skip
    assert (
        f"Warning: AI-1 already has evidence of the same date citing this source: 2024-05-14, "
        f"event {first}"
    ) in again.stderr
    assert f"track undo {note_ref(again)}" in again.stderr
    # notes take the stance `supports` unless told otherwise, as in seed files
    events = json.loads(run("log", "AI-1", "--kind", "note", "-f", "json").stdout)
    assert {e["stance"] for e in events} == {"supports"}


def test_a_repeated_rating_for_the_same_period_is_refused(run, seeded):
    run("set", "NARC-1", "in-progress", "--on", "2024-03-01", "--reason", "Group launched")
    before = dump(seeded)
    result = run("set", "NARC-1", "in-progress", "--on", "2024-04-01", ok=False)
    assert_one_line_error(
        result, "NARC-1 is already in-progress for the interim period", "track note", code=1
    )
    assert dump(seeded) == before


def test_a_first_rating_for_a_new_period_is_taken_and_can_cite_evidence(run, seeded):
    """NARC-1 is fulfilled (interim); a rating dated in the successor period is that period's
    first, not a repeat, and `set` links it to the events it rests on."""
    evidence = note_ref(run("note", "NARC-1", "Working group met again", "--on", "2025-03-01",
                            "--source", "https://example.org/wg"))  # fmt: skip
    result = run("set", "NARC-1", "fulfilled", "--on", "2025-03-02", "--reason", "Met again",
                 "--evidence", evidence, "--confidence", "high")  # fmt: skip
    assert "(period successor)" in result.stderr
    ratings = json.loads(run("log", "NARC-1", "--kind", "status", "-f", "json").stdout)
    (rating,) = [e for e in ratings if e["period"] == "successor"]
    assert rating["evidence"][0].startswith(evidence) and rating["confidence"] == "high"
    assert rating["changes"]["status"] == ["not-yet-rated", "fulfilled"]
