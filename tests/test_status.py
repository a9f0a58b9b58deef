import csv
import io
import json

import pytest

from conftest import assert_one_line_error, dump

ALL_IDS = [
    "AI-1",
    "BALI-1",
    "BALI-2",
    "BALI-3",
    "BALI-4",
    "BALI-5",
    "CLIM-1",
    "CLIM-2",
    "CLIM-3",
    "CLIM-4",
    "CLIM-5",
    "CLIM-6",
    "DIAL-1",
    "DIAL-2",
    "MIL-1",
    "MIL-2",
    "MIL-3",
    "MIL-4",
    "MIL-5",
    "NARC-1",
    "NARC-2",
    "PILLAR-1",
    "PILLAR-2",
    "PILLAR-3",
    "PILLAR-4",
    "PILLAR-5",
    "TRAV-1",
    "TRAV-2",
]


def ids(result) -> list[str]:
    return [row["id"] for row in json.loads(result.stdout)]


def test_status_table_lists_every_commitment_with_a_footer(run, seeded):
    out = run("status").stdout
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "Area",
        "Title",
        "Parties",
        "Status",
        "Updated",
        "Evidence",
        "Due",
    ]
    assert lines[-1] == "28 commitments: 16 not-yet-rated, 2 in-progress, 5 fulfilled, 5 tracked"
    narc1 = next(line for line in lines if line.startswith("NARC-1 "))
    assert narc1.split() == [
        "NARC-1",
        "counternarcotics",
        "Set",
        "up",
        "a",
        "counternarcotics",
        "working",
        "group",
        "US,CN",
        "fulfilled",
        "2024-07-31",
        "1",
    ]
    trav1 = next(line for line in lines if line.startswith("TRAV-1 "))
    assert trav1.rstrip().endswith("2024-03-31  1           2024-03-31 OVERDUE")


def test_status_json_shape_and_natural_order(run, seeded):
    rows = json.loads(run("status", "--format", "json").stdout)
    assert [r["id"] for r in rows] == ALL_IDS
    assert rows[ALL_IDS.index("TRAV-1")] == {
        "id": "TRAV-1",
        "meeting": "woodside-2023",
        "area": "travel",
        "title": "Significantly more scheduled passenger flights early next year",
        "parties": ["US", "CN"],
        "type": "action",
        "status": "in-progress",
        "party_statuses": {"US": "in-progress", "CN": "in-progress"},
        "last_update": "2024-03-31",
        "evidence": 1,
        "due": "2024-03-31",
        "overdue": True,
        "due_soon": False,
    }


def test_natural_order_puts_2_before_10(run, seeded):
    for n in (10, 21, 9):
        run("add", f"MIL-{n}", "--title", f"Extra {n}", "--area", "military", "--party", "US")
    out = ids(run("status", "--area", "military", "-f", "json"))
    assert out == ["MIL-1", "MIL-2", "MIL-3", "MIL-4", "MIL-5", "MIL-9", "MIL-10", "MIL-21"]


def test_status_csv(run, seeded):
    out = run("status", "--format", "csv", "--area", "travel").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["TRAV-1", "TRAV-2"]
    assert rows[0]["parties"] == "US,CN"
    assert rows[0]["overdue"] == "true"
    assert json.loads(rows[0]["party_statuses"]) == {"US": "in-progress", "CN": "in-progress"}
    assert rows[1]["due"] == ""


def test_status_markdown_and_fmt(run, seeded):
    md = run("status", "--format", "markdown", "--area", "ai").stdout
    assert md.splitlines()[0].startswith("| ID ")
    assert "| AI-1 " in md
    grid = run("status", "--fmt", "grid", "--area", "ai").stdout
    assert grid.startswith("+--")


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--area", "military"], ["MIL-1", "MIL-2", "MIL-3", "MIL-4", "MIL-5"]),
        (["--area", "TRAVEL"], ["TRAV-1", "TRAV-2"]),
        (["--status", "fulfilled"], ["MIL-1", "MIL-2", "MIL-3", "MIL-4", "NARC-1"]),
        (
            ["--status", "in-progress", "--status", "FULFILLED", "--area", "counternarcotics"],
            ["NARC-1", "NARC-2"],
        ),
        (["--type", "assurance"], ["BALI-1", "BALI-2", "BALI-3", "BALI-4", "BALI-5"]),
        (
            ["--party", "cn", "--type", "principle"],
            ["PILLAR-1", "PILLAR-2", "PILLAR-3", "PILLAR-4", "PILLAR-5"],
        ),
        (
            ["--status", "tracked", "--area", "principles"],
            ["PILLAR-1", "PILLAR-2", "PILLAR-3", "PILLAR-4", "PILLAR-5"],
        ),  # fmt: skip
        (["--meeting", "woodside-2023", "--area", "ai"], ["AI-1"]),
        (["--overdue"], ["TRAV-1"]),
        (["--stale", "90d", "--area", "travel"], ["TRAV-1", "TRAV-2"]),
        (["--stale", "90d", "--area", "military"], ["MIL-5"]),
    ],
)
def test_status_filters(run, seeded, args, expected):
    assert ids(run("status", *args, "-f", "json")) == expected


def test_party_filter_shows_that_partys_status(run, seeded):
    rows = json.loads(
        run("status", "--party", "US", "--area", "counternarcotics", "-f", "json").stdout
    )
    assert [(r["id"], r["status"]) for r in rows] == [
        ("NARC-1", "fulfilled"),
        ("NARC-2", "in-progress"),
    ]
    run("set", "NARC-2", "partial", "--party", "CN", "--on", "2024-09-01", "--reason", "x")
    cn = json.loads(
        run("status", "--party", "CN", "--area", "counternarcotics", "-f", "json").stdout
    )
    assert [(r["id"], r["status"]) for r in cn] == [("NARC-1", "fulfilled"), ("NARC-2", "partial")]
    assert "Rating (CN)" in run("status", "--party", "CN").stdout
    # the filter --status applies to the party's status
    assert ids(run("status", "--party", "CN", "--status", "partial", "-f", "json")) == ["NARC-2"]


def test_overdue_is_computed_and_marked(run, seeded, overdue_ai2):
    assert ids(run("status", "--overdue", "-f", "json")) == ["AI-2", "TRAV-1"]
    assert "2024-06-30 OVERDUE" in run("status", "--area", "ai").stdout
    run("set", "AI-2", "fulfilled", "--on", "2024-07-02")
    run("set", "TRAV-1", "broken", "--on", "2024-07-02", "--reason", "Cap frozen")
    assert ids(run("status", "--overdue", "-f", "json")) == []


def test_stale_counts_from_the_latest_event(run, seeded):
    run("note", "AI-1", "Talks announced", "--on", "today")
    stale = ids(run("status", "--stale", "12w", "-f", "json"))
    assert "AI-1" not in stale and "TRAV-2" in stale


@pytest.mark.parametrize(
    "args,fragments,code",
    [
        (["--area", "space"], ["Unknown area 'space'", "counternarcotics"], 1),
        (["--party", "RU"], ["Unknown party 'RU'", "US, CN"], 1),
        (["--status", "done"], ["Unknown status 'done'", "not-started, in-progress"], 1),
        (["--type", "vague"], ["Unknown type 'vague'", "action, quantified"], 1),
        (["--kind", "joint"], ["No such option '--kind'"], 2),
        (["--meeting", "yalta"], ["No meeting 'yalta'", "woodside-2023"], 1),
        (["--stale", "soon"], ["90d, 12w, 6m or 1y"], 1),
        (["--stale", "99999999999y"], ["too long"], 1),
        (["--due-within", "9999999999999d"], ["too long"], 1),
        (["--format", "xml"], ["'xml' is not one of"], 1),
        (["--fmt", "fancy"], ["unknown table style 'fancy'", "grid"], 1),
    ],
)
def test_status_bad_filters(run, seeded, args, fragments, code):
    before = dump(seeded)
    result = run("status", *args, ok=False)
    assert_one_line_error(result, *fragments, code=code)
    assert dump(seeded) == before


def test_a_split_with_every_side_closed_is_not_open(run, seeded):
    """US broken / CN fulfilled: nothing left to watch, so neither stale nor overdue."""
    run("edit", "MIL-1", "--due", "2024-03-01")
    run("set", "MIL-1", "broken", "--party", "US", "--on", "2024-01-02", "--reason", "r")
    run("set", "MIL-1", "fulfilled", "--party", "CN", "--on", "2024-01-02", "--reason", "r")
    assert "split" in run("status", "--area", "military").stdout
    assert "MIL-1" not in run("status", "--stale", "90d").stdout
    assert "MIL-1" not in run("status", "--overdue").stdout
    run("set", "MIL-1", "in-progress", "--party", "CN", "--on", "2024-01-03", "--reason", "r")
    assert "MIL-1" in run("status", "--overdue").stdout


def test_a_split_of_many_parties_is_grouped_by_rating():
    from tracker.derived import PartyRating, split_detail

    ratings = {p: PartyRating("not-yet-rated") for p in ("CA", "FR", "DE", "IT", "JP", "GB")}
    ratings["CA"] = ratings["FR"] = PartyRating("fulfilled")
    assert split_detail(ratings) == "fulfilled CA, FR · not-yet-rated DE, IT, JP, GB"
    two = {"US": PartyRating("broken"), "CN": PartyRating("fulfilled")}
    assert split_detail(two) == "US broken / CN fulfilled"
