import json

import pytest

from conftest import assert_one_line_error, dump
from tracker.vocabulary import SCORES, percent, score


@pytest.mark.parametrize(
    "status,kind,expected",
    [
        ("fulfilled", "joint", 1),
        ("partial", "joint", 0),
        ("in-progress", "unilateral", 0),
        ("not-started", "joint", -1),
        ("stalled", "expected", -1),
        ("broken", "joint", -1),
        ("unclear", "joint", None),
        ("fulfilled", "principle", None),
    ],
)
def test_scores(status, kind, expected):
    assert score(status, kind) == expected


def test_every_status_has_a_score_rule():
    from tracker.vocabulary import STATUSES

    assert set(SCORES) == set(STATUSES)


@pytest.mark.parametrize("average,expected", [(-1, 0), (0, 50), (1, 100), (-0.5, 25)])
def test_percent_conversion(average, expected):
    assert percent(average) == expected


def report_json(run, *args):
    return json.loads(run("report", "--format", "json", "--no-timestamp", *args).stdout)


def test_compliance_matrix_per_party_and_area(run, seeded):
    data = report_json(run, "--as-of", "2024-03-01")
    matrix = data["compliance"]["matrix"]
    # on 2024-03-01: NARC-1 fulfilled (+1 each); NARC-2 in progress for the US only (US 0, CN -1)
    assert matrix["US"]["counternarcotics"] == {"score": 0.5, "percent": 75.0, "scored": 2}
    assert matrix["CN"]["counternarcotics"] == {"score": 0.0, "percent": 50.0, "scored": 2}
    assert matrix["all"]["counternarcotics"] == {"score": 0.25, "percent": 62.5, "scored": 4}
    # Xi's pillars are principles: never scored; Biden's assurances are the US's alone
    assert matrix["CN"]["principles"]["scored"] == 0
    assert matrix["CN"]["assurances"]["scored"] == 0
    assert matrix["US"]["assurances"]["scored"] == 5
    assert data["compliance"]["parties"] == ["US", "CN"]
    headline = data["headline"]
    assert headline["scored"] == 41  # 18 joint x 2 + 5 unilateral; 5 principles not scored
    assert headline["compliance_percent"] == matrix["all"]["all"]["percent"]


def test_unclear_is_not_scored(run, seeded):
    run("set", "CLIM-2", "unclear", "--on", "2024-05-01", "--reason", "Conflicting reports")
    data = report_json(run)
    assert data["compliance"]["matrix"]["all"]["climate"]["scored"] == 10
    (clim2,) = [c for a in data["areas"] for c in a["commitments"] if c["id"] == "CLIM-2"]
    assert clim2["scores"] == {"US": None, "CN": None}


def test_party_status_overrides_the_commitment_status_for_that_party(run, seeded):
    run("set", "CLIM-4", "fulfilled", "--party", "US", "--on", "2024-04-01")
    data = report_json(run)
    (clim4,) = [c for a in data["areas"] for c in a["commitments"] if c["id"] == "CLIM-4"]
    assert clim4["party_statuses"] == {"US": "fulfilled", "CN": "not-started"}
    assert clim4["scores"] == {"US": 1, "CN": -1}
    assert clim4["status"] == "not-started"
    out = run("status", "--party", "US", "--area", "climate").stdout
    assert "CLIM-4" in out and "fulfilled" in out


# --------------------------------------------------------------------------- as of


def statuses(run, *args):
    rows = json.loads(run("status", "-f", "json", *args).stdout)
    return {r["id"]: r["status"] for r in rows}


def test_status_as_of_rebuilds_from_events(run, seeded):
    before = statuses(run, "--as-of", "2024-01-01")
    assert before["MIL-1"] == "fulfilled"  # 2023-12-21
    assert before["NARC-1"] == "not-started"  # fulfilled only on 2024-01-30
    assert before["TRAV-1"] == "not-started"
    assert statuses(run, "--as-of", "2024-01-30")["NARC-1"] == "fulfilled"
    rows = json.loads(run("status", "-f", "json", "--as-of", "2024-01-01").stdout)
    (narc1,) = [r for r in rows if r["id"] == "NARC-1"]
    assert (narc1["last_update"], narc1["evidence"]) == ("2023-11-15", 0)


def test_as_of_judges_deadlines_on_that_date(run, seeded):
    rows = json.loads(run("status", "-f", "json", "--as-of", "2024-03-15").stdout)
    (trav1,) = [r for r in rows if r["id"] == "TRAV-1"]
    assert (trav1["status"], trav1["due_soon"], trav1["overdue"]) == ("in-progress", True, False)
    assert "2024-03-31 soon" in run("status", "--as-of", "2024-03-15", "--area", "travel").stdout
    run("set", "TRAV-2", "stalled", "--on", "2024-01-05")
    assert list(statuses(run, "--due-within", "30d", "--as-of", "2024-03-15")) == ["TRAV-1"]
    assert list(statuses(run, "--due-within", "30d", "--as-of", "2024-02-15")) == []
    assert list(statuses(run, "--due-within", "2m", "--as-of", "2024-02-15")) == ["TRAV-1"]


def test_overdue_and_due_within_include_overdue(run, seeded, overdue_ai2):
    assert list(statuses(run, "--due-within", "7d")) == ["AI-2"]
    assert "2024-06-30 OVERDUE" in run("status", "--due-within", "7d").stdout


def test_show_as_of_hides_later_events(run, seeded):
    data = json.loads(run("show", "TRAV-1", "-f", "json", "--as-of", "2024-03-01").stdout)
    assert data["as_of"] == "2024-03-01"
    assert data["commitment"]["status"] == "in-progress"
    assert data["commitment"]["due_soon"] is True
    assert [e["happened_on"] for e in data["events"]] == ["2023-11-15", "2024-02-26"]
    assert data["metric"]["latest"] is None
    text = run("show", "TRAV-1", "--as-of", "2024-03-01").stdout
    assert "As of:     2024-03-01 (later events are not shown)" in text
    assert "no reading yet" in text


def test_report_is_reproducible_for_a_past_date(run, seeded):
    args = ("--as-of", "2024-06-30", "--since", "2024-01-01", "--no-timestamp")
    first = {f: run("report", "-f", f, *args).stdout for f in ("markdown", "html", "json")}
    # later evidence, recorded today, must not change a report as of an earlier date
    run("note", "AI-1", "Talks held in Geneva", "--on", "2024-07-14")
    run("set", "AI-1", "fulfilled", "--on", "2024-08-01")
    run("measure", "TRAV-1", "150", "--on", "2024-10-27")
    for f, text in first.items():
        assert run("report", "-f", f, *args).stdout == text
    assert "Generated by track" in first["markdown"]
    assert json.loads(first["json"])["generated_at"] is None


def test_report_since_window(run, seeded):
    data = report_json(run, "--as-of", "2024-06-30", "--since", "2024-01-01")
    changes = data["changes"]
    assert [(t["commitment"], t["from"], t["to"]) for t in changes["transitions"]] == [
        ("MIL-2", "not-started", "fulfilled"),
        ("NARC-1", "not-started", "fulfilled"),
        ("TRAV-1", "not-started", "in-progress"),
        ("TRAV-1", "in-progress", "fulfilled"),
        ("MIL-3", "not-started", "fulfilled"),
    ]
    assert changes["evidence"] == []  # the NARC-1 note of 2024-07-31 is after the window
    assert data["window"] == {"since": "2024-01-01", "until": "2024-06-30"}


def test_report_json_shape(run, seeded):
    data = report_json(run)
    assert list(data) == [
        "format",
        "as_of",
        "window",
        "generated_at",
        "generator",
        "database",
        "meetings",
        "headline",
        "by_area",
        "compliance",
        "overdue",
        "due_soon",
        "stale",
        "changes",
        "areas",
        "methodology",
    ]
    assert data["format"] == "track-report/1"
    assert list(data["headline"]) == [
        "commitments",
        "by_status",
        "scored",
        "score",
        "compliance_percent",
        "overdue",
        "due_soon",
        "stale",
    ]
    commitment = data["areas"][0]["commitments"][0]
    assert list(commitment) == [
        "id",
        "title",
        "summary",
        "meeting",
        "parties",
        "kind",
        "status",
        "party_statuses",
        "scores",
        "quote",
        "quote_by",
        "deadline",
        "due",
        "overdue",
        "due_soon",
        "last_update",
        "evidence",
        "metric",
        "latest_evidence",
        "events",
    ]


# --------------------------------------------------------------------------- metrics


def test_measure_records_a_reading(run, seeded):
    result = run(
        "measure", "trav-1", "150", "--on", "27 Oct 2024", "--source", "https://example.org/flights"
    )
    assert result.stderr == (
        "Recorded 150 for TRAV-1 (weekly scheduled passenger flights) on 2024-10-27.\n"
    )
    data = json.loads(run("show", "TRAV-1", "-f", "json").stdout)
    assert data["metric"] == {
        "commitment": "TRAV-1",
        "name": "weekly scheduled passenger flights",
        "unit": "flights a week",
        "baseline": 70.0,
        "baseline_on": "2023-11-09",
        "target": None,
        "latest": 150.0,
        "latest_on": "2024-10-27",
    }
    assert data["events"][-1]["kind"] == "measure"
    assert data["events"][-1]["value"] == 150.0
    report = run("report").stdout
    assert "70 on 2023-11-09 → 150 on 2024-10-27 (+80, +114%) → no target set" in report


@pytest.mark.parametrize(
    "args,fragments,code",
    [
        (["measure", "AI-1", "3"], ["AI-1 has no metric"], 1),
        (["measure", "TRAV-1", "lots"], ["'lots' is not a number"], 2),
        (["measure", "TRAV-1", "nan"], ["not a finite number"], 2),
        (["measure", "TRAV-1", "120", "--on", "2099-01-01"], ["in the future"], 2),
        (["measure", "TRAV-9", "120"], ["No commitment with ID 'TRAV-9'"], 1),
        (["status", "--party", "EU"], ["Unknown party 'EU'"], 1),
        (["set", "AI-1", "fulfilled", "--party", "UK"], ["Unknown party 'UK'"], 1),
        (["status", "--as-of", "2023-11-14"], ["before the first meeting (2023-11-15)"], 1),
        (["show", "AI-1", "--as-of", "2023-01-01"], ["before the first meeting"], 1),
        (["report", "--as-of", "2020-01-01"], ["before the first meeting"], 1),
        (
            ["report", "--as-of", "2024-03-01", "--since", "2024-06-01"],
            ["--since 2024-06-01 is after the report date 2024-03-01"],
            1,
        ),
        (["status", "--as-of", "2099-01-01"], ["in the future"], 2),
        (["status", "--due-within", "soon"], ["90d, 12w, 6m or 1y"], 2),
        (["report", "--format", "pdf"], ["'pdf' is not one of"], 2),
    ],
)
def test_bad_input(run, seeded, args, fragments, code):
    before = dump(seeded)
    result = run(*args, ok=False)
    assert_one_line_error(result, *fragments, code=code)
    assert dump(seeded) == before
