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
    (["note", "AI-1", "{text}"], "note text"),
    (["set", "AI-1", "stalled", "--reason", "{text}"], "reason"),
    (["add", "NEW-1", "--title", "{text}", "--area", "a", "--party", "US"], "title"),
    (["edit", "AI-1", "--summary", "{text}"], "summary"),
    (["note", "AI-1", "x", "--source", "{text}"], "source URL"),
    (["note", "AI-1", "x", "--title", "{text}"], "source title"),
    (["undo", "--reason", "{text}"], "reason"),
]


def fill(args, **values):
    return [a.format(**values) if "{" in a else a for a in args]


def cases():
    for args in ID_COMMANDS:
        for bad_id in ("NOPE-1", "", "'; DROP TABLE events; --", BAD_UTF8):
            yield fill(args, id=bad_id), ["No commitment with ID"]
    for args in DATE_OPTIONS:
        for bad_date, message in (
            ("31/02/2024", "Cannot read date"),
            ("03/04/2024", "Ambiguous date"),
            ("March 2024", "Incomplete"),
            ("yesterday-ish", "Cannot read date"),
        ):
            yield fill(args, date=bad_date), [message]
    for args in DATE_OPTIONS[:8]:  # evidence and reports cannot be dated in the future
        yield fill(args, date="2099-01-01"), ["in the future"]
    for args, what in TEXT_COMMANDS:
        yield fill(args, text=""), [f"The {what} is empty"]
        yield fill(args, text="  \t\n "), [f"The {what} is empty"]
        yield fill(args, text="a\x00b"), [f"The {what} contains a NUL byte"]
        yield fill(args, text=BAD_UTF8), [f"The {what} is not valid UTF-8 text"]
    for args in (["set", "AI-1", "{v}"], ["status", "--status", "{v}"]):
        yield fill(args, v="done"), ["Unknown status 'done'", "not-started"]
    for args in (
        ["note", "AI-1", "x", "--party", "{v}"],
        ["status", "--party", "{v}"],
        ["set", "AI-1", "stalled", "--party", "{v}"],
        ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "{v}"],
        ["edit", "AI-1", "--party", "{v}"],
    ):
        yield fill(args, v="RU"), ["Unknown party 'RU'", "US, CN"]
    for args in (
        ["status", "--kind", "{v}"],
        ["add", "NEW-1", "--title", "t", "--area", "a", "--party", "US", "--kind", "{v}"],
    ):
        yield fill(args, v="rumour"), ["Unknown kind 'rumour'", "joint"]
    yield ["measure", "TRAV-1", "12 flights"], ["is not a number"]
    yield ["status", "--stale", "ninety"], ["90d, 12w, 6m or 1y"]
    yield ["log", "--limit", "-1"], ["not in the range"]
    yield ["undo", "xyz!"], ["Invalid event reference"]


CASES = list(cases())


@pytest.mark.parametrize("args,fragments", CASES, ids=[" ".join(map(repr, a)) for a, _ in CASES])
def test_bad_input(run, seeded, args, fragments):
    before = dump(seeded)
    result = run(*args, ok=False)
    assert_one_line_error(result, *fragments)
    assert dump(seeded) == before


def test_sql_metacharacters_are_stored_verbatim(run, seeded):
    nasty = "Robert'); DROP TABLE events; -- \" % _ \\ ;"
    run("note", "AI-1", nasty, "--on", "2024-05-01", "--source", nasty, "--title", nasty)
    run("add", "SQL-1", "--title", nasty, "--area", nasty, "--party", "US", "--summary", nasty)
    event = json.loads(run("log", "AI-1", "-f", "json").stdout)[0]
    assert (event["text"], event["source_url"], event["source_title"]) == (nasty, nasty, nasty)
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
