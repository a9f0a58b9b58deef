import json
import re

from conftest import assert_one_line_error


def test_show_prints_the_commitment_and_its_timeline(run, seeded):
    out = run("show", "trav-1").stdout
    lines = out.splitlines()
    assert lines[0] == "TRAV-1  Significantly more scheduled passenger flights early next year"
    assert "Status:    in-progress (In the Works)" in lines
    assert "Parties:   US, CN (action, both-readouts)" in lines
    assert "Meeting:   Xi–Biden meeting at the Filoli Estate, 2023-11-15 (woodside-2023)" in lines
    assert 'Deadline:  "early next year (early 2024)", due 2024-03-31' in lines
    assert "Timeline (3 events, oldest first)" in lines
    # every event shows its ID, so undo and amend can name it
    heads = [line for line in lines if re.match(r"[0-9a-f]{8}  20\d\d-", line)]
    assert [h[10:20] for h in heads] == ["2023-11-15", "2024-02-26", "2024-03-31"]
    assert any("measure = 100" in h and h.endswith("by seed") for h in heads)
    assert (
        "Metric:    weekly scheduled passenger flights (flights a week): 70 on 2023-11-09 → 100 "
        "on 2024-03-31"
    ) in out
    assert "<https://www.urdupoint.com/" in out


def test_show_json(run, seeded):
    data = json.loads(run("show", "NARC-1", "--format", "json").stdout)
    assert list(data) == [
        "as_of", "period", "commitment", "party_ratings", "conflicts", "metric", "links_in",
        "events",
    ]  # fmt: skip
    assert data["metric"] is None
    assert list(data["commitment"])[:6] == ["id", "meeting", "area", "title", "summary", "parties"]
    assert {p: r["rating"] for p, r in data["party_ratings"].items()} == {
        "US": "fulfilled", "CN": "fulfilled"}  # fmt: skip
    assert [(e["happened_on"], e["kind"], e["status"]) for e in data["events"]] == [
        ("2023-11-15", "created", None),
        ("2024-01-30", "assessment", "fulfilled"),
        ("2024-07-31", "note", None),
    ]
    created = data["events"][0]
    assert isinstance(created["changes"], dict)  # nested values stay JSON, not a string
    assert isinstance(created["sources"], list)
    assert created["changes"]["title"] == [None, "Set up a counternarcotics working group"]


def test_log_newest_first_with_filters(run, seeded):
    rows = json.loads(run("log", "-f", "json").stdout)
    dates = [r["happened_on"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    assert len(rows) == 20  # the default limit
    assert [r["happened_on"] for r in json.loads(run("log", "-n", "2", "-f", "json").stdout)] == [
        "2024-09-14",
        "2024-09-09",
    ]
    mil2 = json.loads(run("log", "mil-2", "-f", "json").stdout)
    assert [(r["happened_on"], r["kind"]) for r in mil2] == [
        ("2024-09-14", "note"),
        ("2024-01-08", "assessment"),
        ("2023-11-15", "created"),
    ]
    since = json.loads(run("log", "--since", "2024-08-01", "-f", "json").stdout)
    assert [r["commitment"] for r in since] == ["MIL-2", "MIL-4", "NARC-2"]


def test_log_filters(run, seeded):
    run("note", "NARC-2", "tagged", "--on", "2024-08-03", "--tag", "precursors", "--party", "CN")
    run("note", "NARC-1", "by ann", "--on", "2024-08-04", "--coder", "ann")

    def refs(*args):
        return [(r["commitment"], r["text"][:12]) for r in
                json.loads(run("log", "-f", "json", *args).stdout)]  # fmt: skip

    assert refs("--tag", "precursors") == [("NARC-2", "tagged")]
    assert refs("--coder", "ann") == [("NARC-1", "by ann")]
    assert refs("--party", "CN", "--since", "2024-08-01") == [("NARC-2", "tagged")]
    assert [r[0] for r in refs("--until", "2023-12-31", "--kind", "assessment")] == [
        "MIL-1",
        "NARC-2",
    ]
    assert {r[0] for r in refs("NARC-1", "NARC-2", "--since", "2024-07-01")} == {"NARC-1", "NARC-2"}
    assert [r[0] for r in refs("--area", "military", "--kind", "note")] == ["MIL-2"]


def test_log_table(run, seeded):
    out = run("log", "-n", "3").stdout.splitlines()
    assert out[0].split() == ["Event", "Date", "ID", "What", "Party", "By", "Text"]
    assert re.match(r"[0-9a-f]{8}  2024-09-14  MIL-2   note", out[2])
    assert "assessed fulfilled" in out[3]
    assert "[China, U.S. hold 18th defense policy coordination talks in Beijing (CGTN)]" in out[2]


def test_report_markdown(run, seeded):
    out = run("report", "--no-timestamp").stdout
    assert out.startswith("# Follow-up report: Xi–Biden meeting at the Filoli Estate, 2023-11-15\n")
    for heading in (
        "## Ratings by party",
        "## Compliance, with coverage",
        "## Commitments by party",
        "## Overdue",
        "## No news in 90 days",
        "## Commitments by area",
        "### Counternarcotics",
        "#### NARC-1: ",
    ):
        assert f"\n{heading}" in out
    assert "## What changed since" not in out
    assert ("- 2024-07-31 `") in out
    assert (
        "The working group held a senior-official meeting in Washington, DC. ([Readout of the"
        in out
    )
    assert out.rstrip().endswith("`.")
    assert "Generated by track" in out


def test_report_since_lists_transitions_and_new_evidence(run, seeded):
    out = run("report", "--since", "2024-08-01").stdout
    section = out.split("## What changed since 2024-08-01")[1].split("## Commitments")[0]
    assert "- **MIL-4** (US) not-yet-rated → fulfilled" in section
    assert "- 2024-09-14 **MIL-2**: The 18th Defense Policy" in section
    assert "2024-07-31" not in section


def test_report_overdue_and_party_transition(run, seeded, overdue_ai2):
    run("set", "AI-2", "stalled", "--party", "US", "--on", "2024-07-01", "--reason", "x")
    out = run("report", "--since", "2024-06-01").stdout
    assert "- **AI-2** Second round: OVERDUE since 2024-06-30, split" in out
    assert "- **AI-2** (US) not-yet-rated → stalled" in out
    assert "### Became overdue\n\n- **AI-2** Second round: due 2024-06-30" in out


def test_report_to_a_file(run, seeded, tmp_path):
    target = tmp_path / "report.md"
    result = run("report", "-o", str(target), "--no-timestamp")
    assert result.stdout == ""
    assert result.stderr == f"Wrote the markdown report to {target}.\n"
    assert target.read_text(encoding="utf-8") == run("report", "--no-timestamp").stdout


def test_report_bad_input(run, seeded, tmp_path):
    assert_one_line_error(run("report", "--since", "2099-01-01", ok=False), "in the future", code=1)
    assert_one_line_error(run("report", "--stale", "forever", ok=False), "90d", code=1)
    missing = tmp_path / "no" / "such" / "r.md"
    assert_one_line_error(run("report", "-o", str(missing), ok=False), "Cannot write")


def test_json_report_fields_keep_their_type_on_every_path(run, seeded):
    """The report read from the derived tables (now) and the one folded from the events (an
    earlier --as-of) give the same JSON types: flags are true/false, never 0/1."""
    import re

    now = run("report", "-f", "json").stdout
    earlier = run("report", "-f", "json", "--as-of", "2024-01-01").stdout
    for text in (now, earlier):
        flags = set(re.findall(r'"(?:personal|withdrawn)": ([^,}\s]+)', text))
        assert flags and flags <= {"true", "false"}, flags
