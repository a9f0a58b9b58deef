"""Every command, fed its bad inputs: a one-line `Error:`, a non-zero exit code, and a
database exactly as it was (compared by a full dump)."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import assert_one_line_error, dump
from tracker.errors import InvalidValue, UnknownCommitment
from tracker.store import Store
from tracker.vocabulary import check_new_id

BAD_UTF8 = b"caf\xe9".decode("utf-8", "surrogateescape")  # as Python gets it from a shell
ID_COMMANDS = [
    ["show", "{id}"],
    ["note", "{id}", "text"],
    ["set", "{id}", "stalled"],
    ["measure", "{id}", "1"],
    ["edit", "{id}", "--title", "t"],
    ["log", "{id}"],
]
DATE_OPTIONS = [
    ["note", "AI-1", "text", "--on", "{date}"],
    ["set", "AI-1", "stalled", "--on", "{date}"],
    ["measure", "TRAV-1", "120", "--on", "{date}"],
    ["status", "--as-of", "{date}"],
    ["show", "AI-1", "--as-of", "{date}"],
    ["report", "--as-of", "{date}"],
    ["report", "--since", "{date}"],
    ["log", "--since", "{date}"],
    ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "US", "--due", "{date}"],
    ["edit", "AI-1", "--due", "{date}"],
]
TEXT_COMMANDS = [
    (["note", "AI-1", "{text}"], "The note text"),
    (["set", "AI-1", "stalled", "--reason", "{text}"], "The rationale"),
    (["add", "NEW-1", "--title", "{text}", "--area", "a", "--party", "US"], "field 'title':"),
    (["edit", "AI-1", "--summary", "{text}"], "field 'summary':"),
    (["note", "AI-1", "x", "--source", "{text}"], "The source address"),
    (
        ["note", "AI-1", "x", "--source", "https://e.org", "--source-title", "{text}"],
        "The source title",
    ),  # fmt: skip
    (["undo", "--reason", "{text}", "--yes"], "The reason"),
]


def fill(args, **values):
    return [a.format(**values) if "{" in a else a for a in args]


def cases():
    for args in ID_COMMANDS:
        for bad_id in ("NOPE-1", "", "'; DROP TABLE events; --", BAD_UTF8):
            yield fill(args, id=bad_id), ["No commitment with ID"], 1
    for args in DATE_OPTIONS:
        for bad_date, message in (
            ("31/02/2024", "Cannot read date"),
            ("03/04/2024", "Ambiguous date"),
            ("March 2024", "Incomplete"),
            ("yesterday-ish", "Cannot read date"),
            ("99999999999 days ago", "too far back"),
        ):
            yield fill(args, date=bad_date), [message], 1
    for args in DATE_OPTIONS[:8]:  # evidence and reports cannot be dated in the future
        yield fill(args, date="2099-01-01"), ["in the future"], 1
    for args, what in TEXT_COMMANDS:
        yield fill(args, text=""), [what, "is empty"], 1
        yield fill(args, text="  \t\n "), [what, "is empty"], 1
        yield fill(args, text="a\x00b"), [what, "control character"], 1
        yield fill(args, text=BAD_UTF8), [what, "is not valid UTF-8 text"], 1
    yield ["set", "AI-1", "done"], ["Unknown rating 'done'", "not-started"], 1
    yield ["status", "--status", "done"], ["Unknown status 'done'", "not-yet-rated"], 1
    for args in (
        ["note", "AI-1", "x", "--party", "{v}"],
        ["status", "--party", "{v}"],
        ["set", "AI-1", "stalled", "--party", "{v}"],
        ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "{v}"],
        ["edit", "AI-1", "--party", "{v}"],
    ):
        yield fill(args, v="RU"), ["RU", "US, CN"], 1
    yield ["status", "--type", "rumour"], ["Unknown type 'rumour'", "action"], 1
    yield ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "US", "--type", "rumour"], [
        "'rumour' is not one of"], 1  # fmt: skip
    yield ["measure", "TRAV-1", "12 flights"], ["is not a number"], 1
    yield ["status", "--stale", "ninety"], ["90d, 12w, 6m or 1y"], 1
    yield ["log", "--limit", "-1"], ["not in the range"], 1
    yield ["undo", "xyz!"], ["Invalid event reference"], 1
    # usage errors: exit 2
    yield ["note"], ["Missing argument 'ID'"], 2
    yield ["status", "--bogus"], ["No such option '--bogus'"], 2
    yield ["status", "--no-pager"], ["--no-pager is an option of track itself",
                                     "track --no-pager status"], 2  # fmt: skip
    yield ["note", "AI-1"], ["Give the note, - to read it from stdin, or --edit"], 2


CASES = list(cases())


@pytest.mark.parametrize(
    "args,fragments,code", CASES, ids=[" ".join(map(repr, a)) for a, _, _ in CASES]
)
def test_bad_input(run, seeded, args, fragments, code):
    before = dump(seeded)
    result = run(*args, ok=False)
    assert_one_line_error(result, *fragments, code=code)
    assert dump(seeded) == before


def test_sql_metacharacters_are_stored_verbatim(run, seeded):
    nasty = "Robert'); DROP TABLE events; -- \" % _ \\ ;"
    url = "https://example.org/?q=');DROP%20TABLE%20events;--\"'"
    run("note", "AI-1", nasty, "--on", "2024-05-01", "--source", url, "--source-title", nasty)
    run("add", "SQL-1", "--title", nasty, "--area", nasty, "--party", "US", "--summary", nasty)
    event = json.loads(run("log", "AI-1", "-f", "json").stdout)[0]
    assert (event["text"], event["sources"]) == (nasty, [{"url": url, "title": nasty}])
    shown = json.loads(run("show", "SQL-1", "-f", "json").stdout)["commitment"]
    assert (shown["title"], shown["summary"]) == (nasty, nasty)
    assert len(json.loads(run("status", "-f", "json").stdout)) == 29


def test_a_one_megabyte_note_is_kept_whole(run, seeded):
    big = ("Long excerpt « » 引用 " * 60_000)[:1_000_000]
    run("note", "AI-1", big, "--on", "2024-05-01")
    event = json.loads(run("log", "AI-1", "-f", "json", "-n", "1").stdout)[0]
    assert event["text"] == big.strip()
    assert "Long excerpt" in run("show", "AI-1").stdout
    assert "Long excerpt" in run("report").stdout


@given(st.text())
def test_the_id_parser_only_returns_a_value_or_a_clean_error(text):
    try:
        value = check_new_id(text)
    except InvalidValue as error:
        assert str(error).startswith("Invalid commitment ID")
    else:
        assert value == text.strip().upper() and "-" in value


def test_resolving_random_ids_never_crashes(seeded):
    store = Store.open(seeded)

    @given(st.text())
    def check(text):
        try:
            assert store.resolve_id(text) in store.commitment_ids()
        except UnknownCommitment as error:
            assert str(error).startswith("No commitment with ID")

    check()
    store.close()
