"""`track check`: the bundled record is sound, and every kind of problem is caught, one line
each, with the file and line where it can."""

import re

import pytest

from conftest import dump
from tracker.seeds import bundled_paths

GOOD = """
[meeting]
slug = "s-2024"
title = "A summit"
date = 2024-01-10
parties = ["US", "CN"]

[[meeting.periods]]
name = "first"
from = 2024-01-10
to = 2025-01-10

[[commitments]]
id = "S-1"
area = "trade"
title = "Hold talks"
parties = ["US", "CN"]

[[commitments]]
id = "S-2"
area = "trade"
title = "Buy more goods"
parties = ["CN"]
type = "quantified"
metric = { name = "purchases", baseline = 0, baseline_on = 2024-01-10, target = 100 }

[[events]]
key = "s1-talks"
commitment = "S-1"
on = 2024-02-01
text = "Talks held."

[[events.sources]]
url = "https://example.org/talks"
"""

PROBLEMS = {
    "no_source": (
        '[[events]]\ncommitment = "S-1"\non = 2024-03-01\ntext = "Unsourced."\n'
        '[[events.sources]]\ntitle = "A paper"\n',
        "evidence on S-1 without an http(s) source",
    ),
    "before_meeting": (
        '[[events]]\ncommitment = "S-1"\non = 2023-12-01\ntext = "Too early."\n',
        "before S-1 was made (2024-01-10)",
    ),
    "future": (
        '[[events]]\ncommitment = "S-1"\non = 2099-01-01\ntext = "Too late."\n',
        "in the future",
    ),
    "party": (
        '[[events]]\ncommitment = "S-2"\non = 2024-03-01\nparty = "US"\ntext = "Not theirs."\n',
        "S-2 is a commitment of CN only, not US",
    ),
    "duplicate": (
        '[[commitments]]\nid = "S-1"\narea = "x"\ntitle = "Again"\nparties = ["US"]\n',
        "repeats the commitment S-1 of",
    ),
    "link": (
        '[[commitments]]\nid = "S-3"\narea = "x"\ntitle = "Linked"\nparties = ["US"]\n'
        'links = [{to = "NOPE-9", relation = "reaffirms"}]\n',
        "S-3: link reaffirms NOPE-9: no such commitment",
    ),
    "citation": (
        '[[assessments]]\ncommitment = "S-2"\nparty = "CN"\non = 2024-03-01\nrating = "fulfilled"\n'
        'rationale = "x"\nevidence = ["s1-talks"]\n',
        "is not evidence recorded on S-2",
    ),
    "rating": (
        '[[assessments]]\ncommitment = "S-1"\non = 2024-03-01\nrating = "maintained"\n'
        'rationale = "x"\n',
        "'maintained' is not a rating for an action",
    ),
    "period": (
        '[[assessments]]\ncommitment = "S-1"\non = 2024-03-01\nrating = "fulfilled"\n'
        'period = "later"\nrationale = "x"\n',
        "meeting s-2024 has no period 'later'",
    ),
    "metric": (
        '[[commitments]]\nid = "S-4"\narea = "x"\ntitle = "Counted"\nparties = ["US"]\n'
        'type = "quantified"\n',
        "S-4: a quantified commitment without a metric",
    ),
}


def test_the_bundled_seeds_are_sound(run):
    result = run("check", *map(str, bundled_paths()))
    assert result.stdout == ""
    assert result.stderr == "No problems in 6 files.\n"


def test_the_bundled_database_is_sound(run, db_path):
    run("status")
    assert run("check").stderr == f"No problems in {db_path}.\n"


def test_a_sound_file_passes(run, tmp_path):
    seed = tmp_path / "good.toml"
    seed.write_text(GOOD, encoding="utf-8")
    assert run("check", str(seed)).stdout == ""


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_each_kind_of_problem_is_caught(run, tmp_path, name):
    extra, fragment = PROBLEMS[name]
    seed = tmp_path / "bad.toml"
    seed.write_text(GOOD + "\n" + extra, encoding="utf-8")
    result = run("check", str(seed), ok=False)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(fragment in line for line in lines), result.stdout
    assert result.stderr.endswith("in 1 file.\n")


def test_every_problem_is_reported_at_once_with_file_and_line(run, tmp_path):
    seed = tmp_path / "bad.toml"
    seed.write_text(GOOD + "".join("\n" + extra for extra, _ in PROBLEMS.values()), "utf-8")
    result = run("check", str(seed), ok=False)
    lines = result.stdout.splitlines()
    for _name, (_extra, fragment) in PROBLEMS.items():
        assert any(fragment in line for line in lines), (fragment, result.stdout)
    located = [line for line in lines if re.match(rf"{re.escape(str(seed))}:\d+: ", line)]
    assert len(located) >= 5
    first = next(line for line in lines if "before S-1 was made" in line)
    number = int(first.split(":")[1])
    assert (seed.read_text().splitlines()[number - 1]).strip() == "[[events]]"


def test_unreadable_files_are_problems_too(run, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[meeting\n", encoding="utf-8")
    result = run("check", str(broken), str(tmp_path / "missing.toml"), ok=False)
    assert "broken.toml is not valid TOML" in result.stdout
    assert "missing.toml does not exist" in result.stdout


def test_check_reads_the_database(run, seeded):
    before = dump(seeded)
    assert run("check").stdout == ""
    assert dump(seeded) == before
