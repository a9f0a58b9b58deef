"""Any summit: parties as data, multilateral meetings, score tables in and out, and the G20
Research Group's own published numbers reproduced."""

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import FIXTURES, assert_one_line_error, dump
from tracker.scores import half_up, signed

RIO = FIXTURES / "g20-2024-rio"


@pytest.fixture
def rio(run, db_path) -> Path:
    """The G20 Rio summit of 2024, with the Research Group's final scores imported."""
    run("init", "--seed", str(RIO / "g20-2024-rio.toml"))
    run("scores", "import", str(RIO / "scores.csv"), "--period", "final", "--coder",
        "G20 Research Group")  # fmt: skip
    return db_path


def export_json(run, *args) -> dict:
    return json.loads(run("scores", "export", "-f", "json", *args).stdout)


# --------------------------------------------------------------------------- the reference


def test_the_g20_research_groups_published_averages_are_reproduced(run, rio):
    data = export_json(run, "--period", "final")
    published = list(csv.DictReader((RIO / "published-averages.csv").open(encoding="utf-8")))
    assert len(published) == 21 + 13 + 1
    mismatches = []
    for row in published:
        if row["kind"] == "overall":
            mine = data["overall"]
        elif row["kind"] == "member":
            mine = data["parties"][row["key"]]
        else:
            mine = data["commitments"][row["key"]]
        printed = (signed(mine["average"]), str(half_up(mine["percent"], 0)))
        if printed != (row["average"], row["percent"]):
            mismatches.append((row, printed))
    assert mismatches == []
    assert data["overall"]["n"] == 272  # 273 cells, one n/a left out
    assert data["parties"]["XA"]["n"] == 12
    assert data["commitments"]["RIO-2"]["n"] == 20


def test_the_percentage_comes_from_the_unrounded_average(run, rio):
    data = export_json(run, "--period", "final")
    argentina = data["parties"]["AR"]
    assert argentina["average"] == pytest.approx(-2 / 13)
    assert half_up(argentina["percent"], 0) == 42  # from the printed -0.15 it would be 43
    assert half_up(data["commitments"]["RIO-2"]["percent"], 0) == 63  # exactly 62.5: up


def test_reimporting_the_table_adds_nothing(run, rio):
    before = dump(rio)
    result = run("scores", "import", str(RIO / "scores.csv"), "--period", "final", "--coder",
                 "G20 Research Group")  # fmt: skip
    assert result.stderr.startswith("Recorded 0 assessments from 272 filled cells")
    assert dump(rio) == before


def test_a_grid_exported_and_imported_again_changes_no_average(run, rio, tmp_path):
    """A cell scored 0 is in-progress or partial alike: a number that gives a cell the score it
    has is read as the rating it has. Imported back by its own coder it adds nothing; by a
    second coder it is a second coding that agrees, never a dispute."""
    run("set", "RIO-1", "in-progress", "--party", "US", "--period", "final", "--on",
        "2024-12-01", "--reason", "under way", "--coder", "G20 Research Group")  # fmt: skip
    before = export_json(run, "--period", "final")
    listed = run("status", "--meeting", "g20-2024", "-f", "json").stdout
    table = tmp_path / "grid.csv"
    table.write_text(run("scores", "export", "--period", "final", "-f", "csv").stdout)
    again = run("scores", "import", str(table), "--period", "final", "--coder",
                "G20 Research Group")  # fmt: skip
    assert again.stderr.startswith("Recorded 0 assessments")
    second = run("scores", "import", str(table), "--period", "final", "--coder", "other")
    assert second.stderr.startswith("Recorded 272 assessments")
    assert export_json(run, "--period", "final") == before
    assert run("status", "--meeting", "g20-2024", "-f", "json").stdout == listed
    agreement = json.loads(run("agreement", "--period", "final", "-f", "json").stdout)
    assert agreement["items"] == agreement["agreed"] == 272


def test_the_same_table_under_another_name_adds_nothing(run, rio, tmp_path):
    """The same cells are the same assessments, whatever the file is called (so two analysts
    who import one table converge instead of conflicting)."""
    copy = tmp_path / "rio-final-v2.csv"
    copy.write_bytes((RIO / "scores.csv").read_bytes())
    before = dump(rio)
    result = run("scores", "import", str(copy), "--period", "final", "--coder",
                 "G20 Research Group")  # fmt: skip
    assert result.stderr.startswith("Recorded 0 assessments from 272 filled cells")
    assert dump(rio) == before


def test_the_grid_stays_readable_at_twenty_one_parties(run, rio):
    table = run("scores", "export", "--period", "final").stdout
    grid = table.split("\n\n")[1].splitlines()
    assert max(len(line) for line in grid) <= 100
    assert grid[0].split()[:4] == ["Commitment", "AR", "AU", "BR"]
    assert (
        "RIO-2       0  0  0  0 +1 +1  0 +1  0 +1  0  0  0  0  0  0  0 +1  0  ·  0  +0.25    63  20"
        in table
    )
    assert "XA     African Union            +0.17    58  12" in table
    narrowed = run("scores", "export", "--period", "final", "--party", "G7").stdout
    assert narrowed.splitlines()[2].split() == ["Commitment", "CA", "FR", "DE", "IT", "JP",
                                                "GB", "US", "Avg", "%", "n"]  # fmt: skip


def test_the_csv_grid_has_numbers_and_averages(run, rio):
    rows = list(csv.reader(io.StringIO(run("scores", "export", "--period", "final", "-f",
                                           "csv").stdout)))  # fmt: skip
    assert rows[0][:3] == ["commitment", "AR", "AU"] and rows[0][-3:] == ["average", "percent", "n"]
    assert rows[1][:3] == ["RIO-1", "0", "1"]
    assert [r[0] for r in rows[-3:]] == ["average", "percent", "n"]
    assert float(rows[-3][-3]) == pytest.approx(110 / 272, abs=1e-6)


def test_a_report_for_twenty_one_parties(run, rio):
    data = json.loads(run("report", "--period", "final", "-f", "json").stdout)
    assert data["compliance"]["parties"][:3] == ["AR", "AU", "BR"]
    assert len(data["headline"]["parties"]) == 21
    assert data["headline"]["rated"] == 272 and data["headline"]["eligible"] == 273
    md = run("report", "--period", "final").stdout
    assert "| **RIO-1** " in md


# --------------------------------------------------------------------------- parties as data


def test_parties_are_declared_by_each_meeting(run, rio):
    shown = json.loads(run("meeting", "list", "-f", "json").stdout)[0]
    assert shown["parties"][-2:] == ["XA", "EU"]
    assert shown["party_names"]["XA"] == "African Union"
    assert shown["groups"]["G7"] == ["CA", "FR", "DE", "IT", "JP", "GB", "US"]
    # a party of this meeting works everywhere a party is named
    run("note", "RIO-1", "France published its plan", "--party", "FR", "--on", "2025-03-01")
    assert "FR" in run("status", "--party", "FR").stdout
    before = dump(rio)
    result = run("note", "RIO-1", "x", "--party", "NO", ok=False)
    assert_one_line_error(result, "RIO-1 is a commitment of AR, AU", "not NO", code=1)
    assert dump(rio) == before


def test_all_members_and_groups_are_written_once(run, rio):
    run("add", "RIO-14", "--title", "A G7 pledge", "--area", "x", "--party", "G7",
        "--meeting", "g20-2024")  # fmt: skip
    run("add", "RIO-15", "--title", "Everyone", "--area", "x", "--party", "all",
        "--meeting", "g20-2024")  # fmt: skip
    shown = {r["id"]: r["parties"] for r in json.loads(run("status", "-f", "json").stdout)}
    assert shown["RIO-14"] == ["CA", "FR", "DE", "IT", "JP", "GB", "US"]
    assert len(shown["RIO-15"]) == 21


def test_a_woodside_party_check_is_against_its_own_meeting(run, seeded):
    before = dump(seeded)
    result = run("add", "NEW-1", "--title", "t", "--area", "a", "--party", "FR", ok=False)
    assert_one_line_error(result, "FR is not a party of meeting woodside-2023 (US, CN)", code=1)
    assert dump(seeded) == before


# --------------------------------------------------------------------------- meeting new


def test_meeting_new_writes_a_skeleton_that_loads(run, db_path, tmp_path):
    target = tmp_path / "g7.toml"
    run("meeting", "new", "g7-2026", "--title", 'G7 "Evian" summit', "--date", "2026-06-15",
        "--place", "Évian-les-Bains", "--party", "CA", "--party", "FR=France",
        "--party", "XE=Some body", "-o", str(target))  # fmt: skip
    text = target.read_text(encoding="utf-8")
    assert 'title = "G7 \\"Evian\\" summit"' in text
    assert '{ code = "CA", name = "Canada" }' in text
    assert "# [[commitments]]" in text
    run("init", "--seed", str(target))
    (meeting,) = json.loads(run("meeting", "list", "-f", "json").stdout)
    assert (meeting["slug"], meeting["parties"]) == ("g7-2026", ["CA", "FR", "XE"])
    # commitments appended below it load too
    target.write_text(text + '\n[[commitments]]\nid = "G7-1"\narea = "trade"\ntitle = "A '
                      'pledge"\nparties = "all"\n', encoding="utf-8")  # fmt: skip
    assert run("check", str(target)).stdout == ""
    stdout = run("meeting", "new", "x-1", "--title", "X", "--date", "2020-01-01", "--party", "US")
    assert stdout.stdout.startswith("# X, 2020-01-01")


@pytest.mark.parametrize(
    "args,fragment,code",
    [
        (["--party", "US", "--party", "US"], "party US is declared twice", 1),
        (["--party", "u s"], "Invalid party code 'U S'", 1),
        (["--slug-is-wrong"], "No such option", 2),
        ([], "Missing option '--party'", 2),
    ],
)
def test_meeting_new_bad_input(run, tmp_path, args, fragment, code):
    result = run("meeting", "new", "m-1", "--title", "T", "--date", "2020-01-01", *args, ok=False)
    assert_one_line_error(result, fragment, code=code)


def test_meeting_new_never_overwrites(run, tmp_path, db_path):
    target = tmp_path / "exists.toml"
    target.write_text("mine", encoding="utf-8")
    result = run("meeting", "new", "m-1", "--title", "T", "--date", "2020-01-01", "--party",
                 "US", "-o", str(target), ok=False)  # fmt: skip
    assert_one_line_error(result, "already exists", code=1)
    assert target.read_text() == "mine"


# --------------------------------------------------------------------------- bad input


SEED_HEAD = """[meeting]
slug = "m-2020"
title = "M"
date = 2020-01-01
"""


@pytest.mark.parametrize(
    "body,fragment",
    [
        ('parties = ["US", "FR", "US"]\n', "party US is declared twice"),
        (
            'parties = ["US"]\n[[commitments]]\nid = "M-1"\narea = "a"\ntitle = "t"\n'
            'parties = ["FR"]\n',
            "FR is not a party of meeting m-2020 (US)",
        ),  # fmt: skip
        ('parties = ["US"]\ngroups = {G7 = ["FR"]}\n', "FR (in G7) is not a declared party"),
        ('parties = ["US"]\ngroups = {US = ["US"]}\n', "US is also a party's code"),
        ('parties = [{code = "US", name = "A", extra = 1}]\n', "a party is {code, name}"),
    ],
)
def test_undeclared_and_duplicate_parties_in_seed_files(run, tmp_path, db_path, body, fragment):
    seed = tmp_path / "m.toml"
    seed.write_text(SEED_HEAD + body, encoding="utf-8")
    assert_one_line_error(run("init", "--seed", str(seed), ok=False), fragment, code=1)
    assert not db_path.exists()


def write_table(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "table.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


@pytest.mark.parametrize(
    "rows,fragments",
    [
        ([["id", "US", "ZZ"], ["RIO-1", "1", "1"]], ["column 'ZZ' is not a party of g20-2024"]),
        ([["id", "US"], ["RIO-99", "1"]], ["row 2: no commitment 'RIO-99' in g20-2024"]),
        (
            [["id", "US", "CN"], ["RIO-1", "2", "1"], ["RIO-3", "x", "maybe"]],
            ["row 2, column US: '2' is not -1, 0, +1", "row 3, column US", "row 3, column CN"],
        ),  # fmt: skip
        (
            [["id", "US"], ["RIO-1", "maintained"]],
            ["'maintained' is not -1, 0, +1, a rating for an action"],
        ),
        ([["id", "US", "US"], ["RIO-1", "1", "1"]], ["column US appears twice"]),
        ([["id", "US"], ["RIO-1", "1"], ["RIO-1", "0"]], ["row 3: RIO-1 appears twice"]),
    ],
)
def test_a_bad_score_table_names_every_bad_cell_and_adds_nothing(
    run, rio, tmp_path, rows, fragments
):
    before = dump(rio)
    result = run("scores", "import", str(write_table(tmp_path, rows)), "--period", "final",
                 "--coder", "me", ok=False)  # fmt: skip
    assert_one_line_error(result, "table.csv", *fragments, code=1)
    assert dump(rio) == before


def test_score_cells_take_signs_ratings_and_blanks(run, rio, tmp_path):
    rows = [
        ["commitment", "US", "CN", "FR", "average"],
        ["RIO-1", "\u22121", "fulfilled", "n/a", "0.5"],
        ["average", "", "", "", ""],
    ]
    path = write_table(tmp_path, rows)
    dry = run("scores", "import", str(path), "--period", "final", "--coder", "me", "--dry-run")
    assert dry.stderr == (
        "Would record 2 assessments from 2 filled cells of table.csv (nothing was changed).\n"
    )
    run("scores", "import", str(path), "--period", "final", "--coder", "me")
    mine = [e for e in json.loads(run("log", "RIO-1", "-f", "json", "--coder", "me").stdout)]
    assert sorted((e["party"], e["status"]) for e in mine) == [
        ("CN", "fulfilled"),
        ("US", "not-started"),
    ]
    assert "Scored not-started for US in the final score table." in [e["text"] for e in mine]
    # the Research Group scored both +1: CN agrees, US is now disputed between two coders
    ratings = json.loads(run("show", "RIO-1", "-f", "json").stdout)["party_ratings"]
    assert (ratings["US"]["rating"], ratings["CN"]["rating"]) == ("disputed", "fulfilled")
    assert sorted(c[:2] for c in ratings["US"]["candidates"]) == [
        ["G20 Research Group", "fulfilled"],
        ["me", "not-started"],
    ]


def test_a_period_of_another_meeting_is_refused(run, rio, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(SEED_HEAD + 'parties = ["US"]\n[[meeting.periods]]\nname = "later"\n'
                     "from = 2020-01-01\n", encoding="utf-8")  # fmt: skip
    run("import", str(other))
    path = write_table(tmp_path, [["id", "US"], ["RIO-1", "1"]])
    before = dump(rio)
    result = run("scores", "import", str(path), "--meeting", "g20-2024", "--period", "later",
                 "--coder", "me", ok=False)  # fmt: skip
    assert_one_line_error(result, "No period 'later'", code=1)
    assert dump(rio) == before


def test_an_imported_party_must_be_the_meetings(run, rio, tmp_path):
    data = json.loads(run("export").stdout)
    rio1 = next(e for e in data["events"] if e["commitment"] == "RIO-1")
    data["events"].append({**rio1, "uuid": "66666666-6666-4666-8666-666666666666", "kind": "note",
                           "changes": None, "party": "NO", "text": "x", "counter": 9999,
                           "happened_on": "2025-01-01"})  # fmt: skip
    target = tmp_path / "p.json"
    target.write_text(json.dumps(data), encoding="utf-8")
    before = dump(rio)
    assert_one_line_error(run("import", str(target), ok=False), "not NO", code=1)
    assert dump(rio) == before


def test_assurances_and_deliverables_are_scored_apart(run, seeded):
    run("set", "BALI-1", "maintained", "--on", "2024-01-02", "--reason", "kept")
    run("set", "NARC-1", "fulfilled", "--on", "2024-01-02", "--reason", "held")
    deliverables = export_json(run, "--meeting", "woodside-2023")
    assurances = export_json(run, "--meeting", "woodside-2023", "--scope", "assurances")
    assert (deliverables["scope"], assurances["scope"]) == ("deliverables", "assurances")
    assert "BALI-1" not in deliverables["grid"] and "NARC-1" in deliverables["grid"]
    assert set(assurances["grid"]) == {f"BALI-{n}" for n in range(1, 6)}
    assert assurances["overall"] == {"average": 1.0, "percent": 100.0, "n": 1}
