"""The compliance method: not yet rated, types and their ratings, assessments with coder and
review, compliance periods, coverage beside every figure, and agreement between coders."""

import json
import subprocess

import pytest

from conftest import assert_one_line_error, dump
from tracker.scores import Item, agreement, average, cohen_kappa, weighted_kappa
from tracker.vocabulary import RATINGS, TYPES, percent, score


def report_json(run, *args):
    return json.loads(run("report", "--format", "json", "--no-timestamp", *args).stdout)


def statuses(run, *args):
    rows = json.loads(run("status", "-f", "json", *args).stdout)
    return {r["id"]: r["status"] for r in rows}


def party_statuses(run, cid, *args):
    rows = json.loads(run("status", "-f", "json", *args).stdout)
    return next(r["party_statuses"] for r in rows if r["id"] == cid)


# --------------------------------------------------------------------------- the scale


@pytest.mark.parametrize(
    "rating,expected",
    [
        ("fulfilled", 1),
        ("partial", 0),
        ("in-progress", 0),
        ("not-started", -1),
        ("stalled", -1),
        ("broken", -1),
        ("unclear", None),
        ("not-yet-rated", None),
        ("maintained", 1),
        ("contested", 0),
        ("violated", -1),
        ("disputed", None),
        ("tracked", None),
    ],
)
def test_scores(rating, expected):
    assert score(rating) == expected


def test_every_type_has_its_ratings():
    assert TYPES["action"].ratings == TYPES["quantified"].ratings == TYPES["collective"].ratings
    assert set(TYPES["assurance"].ratings) == {"not-yet-rated", "maintained", "contested",
                                               "violated", "unclear"}  # fmt: skip
    assert TYPES["principle"].ratings == TYPES["position"].ratings == ()
    for kind in TYPES.values():
        assert set(kind.ratings) <= set(RATINGS)


def test_politifact_labels():
    labels = {name: r.label for name, r in RATINGS.items()}
    assert labels["fulfilled"] == "Promise Kept"
    assert labels["partial"] == "Compromise"
    assert labels["in-progress"] == "In the Works"
    assert labels["stalled"] == "Stalled"
    assert labels["broken"] == "Promise Broken"
    assert labels["not-yet-rated"] == "Not Yet Rated"


@pytest.mark.parametrize("mean,expected", [(-1, 0), (0, 50), (1, 100), (-0.5, 25)])
def test_percent_conversion(mean, expected):
    assert percent(mean) == expected


def test_average_leaves_out_unrated_and_says_so():
    items = [
        Item("A-1", "US", "x", "action", "fulfilled"),
        Item("A-2", "US", "x", "action", "not-yet-rated"),
        Item("A-3", "US", "x", "action", "unclear"),
        Item("A-4", "US", "x", "action", "broken"),
        Item("P-1", "US", "x", "principle", "tracked"),
    ]
    avg = average(items)
    assert (avg.score, avg.percent, avg.n, avg.eligible) == (0.0, 50.0, 2, 4)
    assert avg.coverage() == "2 of 4 party-items rated"


# --------------------------------------------------------------------------- not yet rated


def test_everything_starts_not_yet_rated_and_pulls_nothing_down(run, seeded):
    data = report_json(run, "--as-of", "2023-11-15")
    headline = data["headline"]
    assert headline["rated"] == 0
    assert headline["compliance_percent"] is None
    assert headline["eligible"] == 36  # 18 joint actions x 2 parties
    assert headline["assurances"]["eligible"] == 5  # Biden's five, the US's alone
    assert "not-started" not in data["distribution"]["US"]
    md = run("report", "--as-of", "2023-11-15").stdout
    assert (
        "**Deliverables compliance** (action, quantified, collective): "
        "**n/a (0 of 36 party-items rated)**" in md
    )


def test_headline_covers_only_what_was_rated(run, seeded):
    data = report_json(run)
    h = data["headline"]
    # the test data's 11 events rate 7 joint actions: 14 party-items of 36
    assert (h["rated"], h["unrated"], h["eligible"]) == (14, 22, 36)
    assert h["compliance_percent"] == 85.7  # 5 fulfilled (+1), 2 in progress (0): 10/14 -> 0.714
    assert h["parties"]["US"]["rated"] == 7
    assert h["assurances"]["rated"] == 0


def test_not_started_is_a_finding(run, seeded):
    run(
        "set",
        "DIAL-1",
        "not-started",
        "--reason",
        "Searched: no consultation held",
        "--on",
        "2024-01-31",
    )
    data = report_json(run)
    assert data["headline"]["rated"] == 16
    assert data["distribution"]["US"]["not-started"] == 1


# --------------------------------------------------------------------------- types


def test_assurances_take_their_own_ratings(run, seeded):
    rationale = "Fact sheet wording changed; China reads a breach, the US does not"
    run("assess", "BALI-4", "contested", "--party", "US", "--on", "2025-02-13",
        "--rationale", rationale)  # fmt: skip
    assert statuses(run)["BALI-4"] == "contested"
    data = report_json(run)
    assert data["headline"]["assurances"]["rated"] == 1
    assert data["headline"]["assurances"]["compliance_percent"] == 50.0
    # never pooled with the deliverables
    assert data["headline"]["rated"] == 14


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["set", "BALI-1", "fulfilled"], "'fulfilled' is not a rating for BALI-1, an assurance"),
        (["set", "AI-1", "maintained"], "'maintained' is not a rating for AI-1, an action"),
        (["set", "PILLAR-1", "fulfilled"], "PILLAR-1 is a principle: tracked with evidence"),
        (["assess", "AI-1", "done", "--rationale", "x"], "Unknown rating 'done'"),
    ],
)
def test_ratings_must_fit_the_type(run, seeded, args, fragment):
    before = dump(seeded)
    assert_one_line_error(run(*args, ok=False), fragment, code=1)
    assert dump(seeded) == before


def test_principles_and_positions_are_tracked_not_rated(run, seeded):
    run("note", "PILLAR-1", "Restated in the 2 April call", "--on", "2024-04-02")
    assert statuses(run)["PILLAR-1"] == "tracked"
    data = report_json(run)
    for row in data["grid"]:
        if row["type"] == "principle":
            assert {c["rating"] for c in row["cells"].values()} == {"tracked"}
    assert data["headline"]["eligible"] == 36


def test_type_can_be_corrected_by_edit(run, seeded):
    run("edit", "TRAV-2", "--type", "collective", "--formality", "one-readout")
    data = json.loads(run("show", "TRAV-2", "-f", "json").stdout)
    assert data["commitment"]["type"] == "collective"
    assert data["commitment"]["formality"] == "one-readout"


# --------------------------------------------------------------------------- assessments


def test_assess_records_rationale_coder_confidence_and_evidence(run, seeded):
    note = run("note", "AI-1", "First dialogue held in Geneva", "--on", "2024-05-14",
               "--source", "https://example.org/geneva")  # fmt: skip
    ref = note.stderr.split("(event ")[1][:8]
    result = run("assess", "AI-1", "fulfilled", "--party", "US", "--period", "interim",
                 "--confidence", "high", "--evidence", ref, "--coder", "alice",
                 "--rationale", "Held on 14 May 2024", "--on", "2024-05-14")  # fmt: skip
    assert "Recorded fulfilled for AI-1 (US) as of 2024-05-14 (period interim)" in result.stderr
    assert (
        "AI-1 (US) is now fulfilled; AI-1 is split: US fulfilled / CN not-yet-rated"
        in result.stderr
    )
    data = json.loads(run("show", "AI-1", "-f", "json").stdout)
    assessment = data["events"][-1]
    assert assessment["kind"] == "assessment"
    assert (assessment["author"], assessment["confidence"], assessment["period"]) == (
        "alice", "high", "interim")  # fmt: skip
    assert assessment["evidence"][0].startswith(ref)
    us = data["party_ratings"]["US"]
    assert (us["rating"], us["coder"], us["review"]) == ("fulfilled", "alice", None)
    text = run("show", "AI-1").stdout
    assert "split: US fulfilled / CN not-yet-rated" in text
    assert "fulfilled (Promise Kept), by alice on 2024-05-14, not reviewed [interim]" in text


def test_split_is_shown_everywhere(run, seeded):
    run("set", "CLIM-2", "broken", "--party", "US", "--reason", "Withdrawal", "--on", "2024-06-01")
    run("set", "CLIM-2", "fulfilled", "--party", "CN", "--reason", "NDC", "--on", "2024-06-01")
    assert statuses(run)["CLIM-2"] == "split"
    assert "split: US broken / CN fulfilled" in run("status", "--area", "climate").stdout
    report = report_json(run)
    (clim2,) = [c for a in report["areas"] for c in a["commitments"] if c["id"] == "CLIM-2"]
    assert clim2["status_detail"] == "US broken / CN fulfilled"
    assert "split: US broken / CN fulfilled" in run("report").stdout


def test_a_rating_without_a_reason_warns(run, seeded):
    result = run("set", "MIL-5", "fulfilled", "--on", "2024-05-31")
    assert "Warning: this rating has no reason and no source" in result.stderr
    quiet = run(
        "set", "MIL-5", "in-progress", "--on", "2024-05-31", "--reason", "Met at Shangri-La"
    )
    assert "Warning" not in quiet.stderr


def test_assess_needs_a_rationale(run, seeded):
    before = dump(seeded)
    assert_one_line_error(run("assess", "AI-1", "fulfilled", ok=False), "--rationale", code=2)
    assert_one_line_error(
        run("assess", "AI-1", "fulfilled", "--rationale", "  ", ok=False),
        "rationale is empty",
        code=1,
    )
    assert dump(seeded) == before


def test_the_coder_comes_from_option_env_git_or_login(run, seeded, tmp_path, monkeypatch):
    run("note", "AI-1", "one", "--coder", "carol")
    run("note", "AI-1", "two")  # TRACK_CODER=tester (conftest)
    monkeypatch.delenv("TRACK_CODER")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    subprocess.run(["git", "config", "--global", "user.name", "Dana Git"], check=True,
                   env={"HOME": str(home), "PATH": "/usr/bin:/bin"})  # fmt: skip
    run("note", "AI-1", "three")
    monkeypatch.setenv("HOME", str(tmp_path / "nohome"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nohome"))
    run("note", "AI-1", "four")
    authors = [e["author"] for e in json.loads(run("log", "AI-1", "-f", "json").stdout)]
    import getpass

    assert authors[:4] == [getpass.getuser(), "Dana Git", "tester", "carol"]


# --------------------------------------------------------------------------- review


def test_review_signs_off_and_refuses_self_review(run, seeded):
    run("assess", "AI-1", "fulfilled", "--party", "US", "--rationale", "Geneva", "--on",
        "2024-05-14", "--coder", "alice")  # fmt: skip
    before = dump(seeded)
    result = run("review", "AI-1", "--party", "US", "--approve", "--note", "ok", "--reviewer",
                 "alice", ok=False)  # fmt: skip
    assert_one_line_error(result, "alice made that rating and cannot review it", code=1)
    assert dump(seeded) == before
    run("review", "AI-1", "--party", "US", "--approve", "--note", "Checked", "--reviewer", "bob")
    cell = report_json(run)["grid"][0]["cells"]["US"]
    assert (cell["rating"], cell["coder"], cell["review"]) == ("fulfilled", "alice", "approved")
    assert "fulfilled (+1) · alice · reviewed" in run("report").stdout
    assert "not reviewed" in run("report").stdout  # the other ratings are not


def test_a_rating_sent_back_no_longer_counts(run, seeded):
    run("assess", "MIL-5", "fulfilled", "--party", "US", "--rationale", "Met", "--on",
        "2024-05-31", "--coder", "alice")  # fmt: skip
    run("review", "MIL-5", "--party", "US", "--reject", "--note", "Met, but not yet the "
        "promised regular talks", "--reviewer", "bob")  # fmt: skip
    assert party_statuses(run, "MIL-5")["US"] == "not-yet-rated"


# --------------------------------------------------------------------------- guidelines


def test_guideline_is_shown_in_show_and_report(run, seeded):
    run("edit", "AI-1", "--guideline", "+1 dialogue held; 0 agreed, not held; -1 refused")
    assert (
        "Guideline: +1 dialogue held; 0 agreed, not held; -1 refused" in run("show", "AI-1").stdout
    )
    assert (
        "**Guideline:** \\+1 dialogue held; 0 agreed, not held; -1 refused" in run("report").stdout
    )


# --------------------------------------------------------------------------- periods


def test_periods_from_the_seed_file(run, seeded):
    rows = json.loads(run("period", "list", "-f", "json").stdout)
    assert [(r["name"], r["starts"], r["ends"]) for r in rows] == [
        ("interim", "2023-11-15", "2024-11-16"),
        ("final", "2024-11-16", "2025-01-20"),
        ("successor", "2025-01-20", None),
    ]


def test_set_takes_the_period_of_its_date(run, seeded):
    run("set", "DIAL-2", "in-progress", "--reason", "Call", "--on", "2024-04-02")
    run("set", "DIAL-2", "fulfilled", "--reason", "Lima", "--on", "2024-11-16")
    events = json.loads(run("log", "DIAL-2", "-f", "json").stdout)
    assert [e["period"] for e in events if e["kind"] == "status"] == ["final", "interim"]


def test_a_period_report_is_frozen_until_recalibrated(run, seeded):
    run("assess", "MIL-5", "in-progress", "--party", "US", "--period", "interim", "--on",
        "2024-05-31", "--rationale", "Ministers met once")  # fmt: skip
    first = run("report", "--period", "interim", "-f", "json", "--no-timestamp").stdout
    data = json.loads(first)
    assert data["as_of"] == "2024-11-15"  # the day before the next period starts
    assert data["period"]["name"] == "interim"
    # later evidence and a rating for another period do not move it
    run("note", "MIL-5", "Met again", "--on", "2025-10-31")
    run("assess", "MIL-5", "fulfilled", "--party", "US", "--period", "successor", "--on",
        "2025-10-31", "--rationale", "Met again")  # fmt: skip
    assert run("report", "--period", "interim", "-f", "json", "--no-timestamp").stdout == first
    # a new rating for the period (a recalibration) moves it, and says so
    run("assess", "MIL-5", "fulfilled", "--party", "US", "--period", "interim", "--on",
        "2024-05-31", "--rationale", "On review, the meeting was the commitment")  # fmt: skip
    data = report_json(run, "--period", "interim")
    (row,) = [r for r in data["grid"] if r["id"] == "MIL-5"]
    assert row["cells"]["US"]["rating"] == "fulfilled"
    assert row["cells"]["US"]["recalibrated"] is True
    assert data["headline"]["recalibrated"] == 1
    assert "recalibrated" in run("report", "--period", "interim").stdout
    assert party_statuses(run, "MIL-5", "--period", "interim")["US"] == "fulfilled"


def test_period_add_and_its_checks(run, db_path, tmp_path):
    run("init", "--empty")
    seed = tmp_path / "summit.toml"
    seed.write_text('[meeting]\nslug = "s-2020"\ntitle = "A summit"\ndate = 2020-03-01\n'
                    'parties = ["US", "CN"]\n', encoding="utf-8")  # fmt: skip
    run("import", str(seed))
    run("period", "add", "interim", "--meeting", "s-2020", "--from", "2020-03-01", "--to",
        "2021-03-01", "--description", "First year")  # fmt: skip
    listed = [line.split() for line in run("period", "list").stdout.splitlines()]
    assert ["s-2020", "interim", "2020-03-01", "2021-03-01", "First", "year"] in listed
    before = dump(db_path)
    for args, fragment in [
        (["--from", "2019-01-01", "--to", "2019-06-01"], "before meeting s-2020"),
        (["--from", "2021-01-01", "--to", "2021-06-01"], "overlaps period interim"),
        (["--from", "2024-01-01", "--to", "2023-01-01"], "not after it starts"),
    ]:
        result = run("period", "add", "bad", "--meeting", "s-2020", *args, ok=False)
        assert_one_line_error(result, fragment, code=1)
    assert_one_line_error(
        run("period", "add", "interim", "--meeting", "s-2020", "--from", "2030-01-01", ok=False),
        "already has a period interim",
    )
    assert_one_line_error(
        run("period", "add", "x", "--meeting", "nowhere", "--from", "2030-01-01", ok=False),
        "No meeting 'nowhere'",
    )
    assert dump(db_path) == before


# --------------------------------------------------------------------------- two coders


def test_kappa_by_hand():
    # 10 items: both say yes on 4, both no on 3, A yes/B no on 2, A no/B yes on 1.
    # p_o = 0.7; A yes 0.6, B yes 0.5: p_e = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = 0.2/0.5 = 0.4
    pairs = [("y", "y")] * 4 + [("n", "n")] * 3 + [("y", "n")] * 2 + [("n", "y")]
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_kappa_degenerate_cases():
    assert cohen_kappa([]) is None
    # everyone agrees and only one category is used: chance agreement is 1, kappa undefined
    assert cohen_kappa([("fulfilled", "fulfilled")] * 5) is None
    # all agree over two categories: kappa is 1
    assert cohen_kappa([("a", "a"), ("b", "b")]) == 1.0
    # always disagree, two categories evenly: kappa -1
    assert cohen_kappa([("a", "b"), ("b", "a")]) == -1.0


def test_weighted_kappa_by_hand():
    # pairs of scores: (1,1), (1,0), (0,0), (-1,1)
    # weights: 1, .5, 1, 0 -> p_o = 2.5/4 = .625
    # A: 1 x2, 0 x1, -1 x1; B: 1 x2, 0 x2
    # p_e = sum w(a,b) pA(a) pB(b) = [w(1,1)*.5*.5 + w(1,0)*.5*.5 + w(0,1)*.25*.5 + w(0,0)*.25*.5
    #        + w(-1,1)*.25*.5 + w(-1,0)*.25*.5] = .25 + .125 + .0625 + .125 + 0 + .0625 = .625
    assert weighted_kappa([(1, 1), (1, 0), (0, 0), (-1, 1)]) == pytest.approx(0.0)
    assert weighted_kappa([(1, 1), (-1, -1)]) == pytest.approx(1.0)
    assert weighted_kappa([(1, 1), (1, 1)]) is None


def test_agreement_from_codings():
    rows = [
        ("A-1", "US", "final", "ann", "fulfilled"),
        ("A-1", "US", "final", "ben", "fulfilled"),
        ("A-2", "US", "final", "ann", "partial"),
        ("A-2", "US", "final", "ben", "broken"),
        ("A-3", "US", "final", "ann", "broken"),  # coded once: not compared
    ]
    result = agreement(rows)
    assert (result.items, result.agreed, result.percent) == (2, 1, 50.0)
    assert result.coders == ["ann", "ben"]
    assert result.disagreements == [
        {"commitment": "A-2", "party": "US", "period": "final",
         "ratings": {"ann": "partial", "ben": "broken"}}
    ]  # fmt: skip
    # categories: fulfilled both once, ann partial/ben broken: p_o .5, p_e .25, kappa 1/3
    assert result.kappa == pytest.approx(0.333, abs=1e-3)


def test_two_coders_disagree_until_reviewed(run, seeded):
    for coder, rating in (("ann", "fulfilled"), ("ben", "partial")):
        run("assess", "MIL-5", rating, "--party", "US", "--period", "final", "--coder", coder,
            "--on", "2024-12-01", "--rationale", f"{coder}'s reading")  # fmt: skip
    assert party_statuses(run, "MIL-5")["US"] == "disputed"
    data = report_json(run)
    assert data["headline"]["disputed"] == 1
    assert data["headline"]["parties"]["US"]["rated"] == 7  # the disputed item is left out
    agreement_out = run("agreement").stdout
    assert "Items double-coded: 1" in agreement_out
    assert "Agreement:         0 of 1 (0%)" in agreement_out
    assert "MIL-5 (US) [final]: ann fulfilled, ben partial" in agreement_out
    assert data["agreement"]["items"] == 1
    conflicts = run("conflicts").stdout
    assert "MIL-5" in conflicts and "ann: fulfilled" in conflicts
    before = dump(seeded)
    result = run("review", "MIL-5", "--party", "US", "--approve", "--note", "x",
                 "--reviewer", "cho", ok=False)  # fmt: skip
    assert_one_line_error(result, "Coders disagree on MIL-5 (US)", code=1)
    assert dump(seeded) == before
    ann = next(e["uuid"] for e in json.loads(run("log", "MIL-5", "-f", "json").stdout)
               if e["author"] == "ann")  # fmt: skip
    run("review", "MIL-5", "--party", "US", "--approve", "--assessment", ann[:8], "--note",
        "The meeting took place", "--reviewer", "cho")  # fmt: skip
    assert party_statuses(run, "MIL-5")["US"] == "fulfilled"
    # agreement still reports the original double coding
    assert json.loads(run("agreement", "-f", "json").stdout)["agreed"] == 0


def test_a_later_rating_made_over_a_dispute_settles_it(run, seeded):
    for coder, rating in (("ann", "fulfilled"), ("ben", "partial")):
        run("assess", "MIL-5", rating, "--party", "US", "--coder", coder, "--on", "2024-06-01",
            "--rationale", "reading")  # fmt: skip
    assert party_statuses(run, "MIL-5")["US"] == "disputed"
    run("assess", "MIL-5", "partial", "--party", "US", "--coder", "ann", "--on", "2024-06-01",
        "--rationale", "Agreed with ben after discussion")  # fmt: skip
    assert party_statuses(run, "MIL-5")["US"] == "partial"


def test_an_update_over_another_coders_rating_is_not_a_second_coding(run, seeded):
    """`track set` by a second analyst, after seeing the first's rating, updates it (status
    shows it recalibrated); agreement counts only independent codings, so it is left out."""
    run("assess", "MIL-5", "in-progress", "--party", "US", "--coder", "ann", "--on",
        "2024-06-01", "--rationale", "agreed, not yet held")  # fmt: skip
    run("set", "MIL-5", "fulfilled", "--party", "US", "--coder", "ben", "--on", "2024-06-02",
        "--reason", "held")  # fmt: skip
    assert party_statuses(run, "MIL-5")["US"] == "fulfilled"
    assert "No party-item has been rated by two coders yet." in run("agreement").stderr


def test_agreement_with_no_double_coding(run, seeded):
    result = run("agreement")
    assert "No party-item has been rated by two coders yet." in result.stderr


# --------------------------------------------------------------------------- the report


def test_report_leads_with_distribution_then_coverage_then_grid(run, seeded):
    md = run("report").stdout
    order = [md.index(h) for h in ("## Ratings by party", "## Compliance, with coverage",
                                   "## Commitments by party", "## Commitments by area",
                                   "## Methodology")]  # fmt: skip
    assert order == sorted(order)
    assert "| Party | Not Yet Rated | In the Works | Promise Kept |" in md
    assert "| US | 16 | 2 | 5 |" in md
    assert (
        "| **all parties** | n/a (0 of 2) | n/a (0 of 12) | 75% (4 of 4) | n/a (0 of 4) | "
        "100% (8 of 10) | 50% (2 of 4) | 86% (14 of 36) |"
    ) in md
    assert (
        "- **Deliverables compliance** (action, quantified, collective): "
        "**86% (14 of 36 party-items rated)**" in md
    )


def test_every_commitment_lists_its_evidence_with_sources(run, seeded):
    run("note", "NARC-1", "Second meeting", "--on", "2024-07-31", "--party", "CN",
        "--source", "https://example.org/b", "--source-title", "Second",
        "--source-class", "wire")  # fmt: skip
    data = report_json(run)
    (narc1,) = [c for a in data["areas"] for c in a["commitments"] if c["id"] == "NARC-1"]
    texts = [e["text"] for e in narc1["evidence"]]
    assert len(texts) == 3
    assert narc1["evidence"][-1]["sources"] == [
        {"url": "https://example.org/b", "title": "Second", "class": "wire"}
    ]
    assert "[Second](https://example.org/b) (wire)" in run("report").stdout


def test_no_news_lists_only_open_items_and_edits_are_not_evidence(run, seeded):
    run("edit", "AI-1", "--title", "Talks on the risks of advanced AI")
    data = report_json(run, "--as-of", "2024-12-31")
    stale = [c["id"] for c in data["stale"]["commitments"]]
    assert "MIL-1" not in stale  # fulfilled: closed
    assert "AI-1" in stale  # the edit is a correction, not news
    (ai1,) = [c for a in data["areas"] for c in a["commitments"] if c["id"] == "AI-1"]
    assert ai1["evidence"] == []


def test_report_filters(run, seeded):
    data = report_json(run, "--area", "military")
    assert {c["id"] for a in data["areas"] for c in a["commitments"]} == {
        "MIL-1", "MIL-2", "MIL-3", "MIL-4", "MIL-5"}  # fmt: skip
    assert data["filters"]["area"] == "military"
    assert report_json(run, "--meeting", "woodside-2023")["headline"]["commitments"] == 28
    run("note", "NARC-2", "Tagged", "--on", "2024-08-02", "--tag", "precursors")
    tagged = report_json(run, "--tag", "precursors")
    assert [c["id"] for a in tagged["areas"] for c in a["commitments"]] == ["NARC-2"]


def test_methodology_is_in_every_report(run, seeded):
    md = run("report").stdout
    for phrase in ("**Succession.** States are scored, not leaders",
                   "**Disputes.**", "not yet rated", "(score + 1) / 2"):  # fmt: skip
        assert phrase in md.replace("\\", "")
    html = run("report", "-f", "html").stdout
    assert "<strong>Succession.</strong> States are scored" in html


def test_report_json_shape(run, seeded):
    data = report_json(run)
    assert data["format"] == "track-report/2"
    assert list(data["headline"])[:8] == [
        "commitments", "by_type", "covers", "rated", "unrated", "eligible", "score",
        "compliance_percent",
    ]  # fmt: skip
    entry = data["areas"][0]["commitments"][0]
    for key in ("guideline", "ratings", "evidence", "status_detail", "type", "formality"):
        assert key in entry


# --------------------------------------------------------------------------- as of, metrics


def test_status_as_of_rebuilds_from_events(run, seeded):
    before = statuses(run, "--as-of", "2024-01-01")
    assert before["MIL-1"] == "fulfilled"  # 2023-12-21
    assert before["NARC-1"] == "not-yet-rated"  # fulfilled only on 2024-01-30
    assert statuses(run, "--as-of", "2024-01-30")["NARC-1"] == "fulfilled"


def test_as_of_judges_deadlines_on_that_date(run, seeded):
    rows = json.loads(run("status", "-f", "json", "--as-of", "2024-03-15").stdout)
    (trav1,) = [r for r in rows if r["id"] == "TRAV-1"]
    assert (trav1["status"], trav1["due_soon"], trav1["overdue"]) == ("in-progress", True, False)


def test_overdue_and_due_within_include_overdue(run, seeded, overdue_ai2):
    assert "AI-2" in statuses(run, "--due-within", "7d")
    assert "2024-06-30 OVERDUE" in run("status", "--due-within", "7d").stdout


def test_report_is_reproducible_for_a_past_date(run, seeded):
    args = ("--as-of", "2024-06-30", "--since", "2024-01-01", "--no-timestamp")
    first = {f: run("report", "-f", f, *args).stdout for f in ("markdown", "html", "json")}
    run("note", "AI-1", "Talks held in Geneva", "--on", "2024-07-14")
    run("set", "AI-1", "fulfilled", "--on", "2024-08-01")
    run("measure", "TRAV-1", "150", "--on", "2024-10-27")
    for f, text in first.items():
        assert run("report", "-f", f, *args).stdout == text


def test_report_since_window(run, seeded):
    data = report_json(run, "--as-of", "2024-06-30", "--since", "2024-01-01")
    assert [(t["id"], t["party"], t["from"], t["to"]) for t in data["changes"]["transitions"]][
        :4
    ] == [
        ("MIL-2", "US", "not-yet-rated", "fulfilled"),
        ("MIL-2", "CN", "not-yet-rated", "fulfilled"),
        ("MIL-3", "US", "not-yet-rated", "fulfilled"),
        ("MIL-3", "CN", "not-yet-rated", "fulfilled"),
    ]
    assert data["window"] == {"since": "2024-01-01", "until": "2024-06-30"}


def test_measure_records_a_reading(run, seeded):
    result = run("measure", "trav-1", "150", "--on", "27 Oct 2024", "--source",
                 "https://example.org/flights")  # fmt: skip
    assert result.stderr.startswith(
        "Recorded 150 for TRAV-1 (weekly scheduled passenger flights) on 2024-10-27 (event "
    )
    data = json.loads(run("show", "TRAV-1", "-f", "json").stdout)
    assert data["metric"]["latest"] == 150.0
    assert data["metric"]["latest_on"] == "2024-10-27"
    assert (
        "70 on 2023-11-09 → 150 on 2024-10-27 (+80, +114%) → no target set" in run("report").stdout
    )


@pytest.mark.parametrize(
    "args,fragments,code",
    [
        (["measure", "AI-1", "3"], ["AI-1 has no metric"], 1),
        (["measure", "TRAV-1", "lots"], ["'lots' is not a number"], 1),
        (["measure", "TRAV-1", "nan"], ["'nan' is not a number"], 1),
        (["measure", "TRAV-1", "1,2,3"], ["'1,2,3' is not a number"], 1),
        (["measure", "TRAV-1", "1e400"], ["not a finite number"], 1),
        (["measure", "TRAV-1", "120", "--on", "2099-01-01"], ["in the future"], 1),
        (["measure", "TRAV-9", "120"], ["No commitment with ID 'TRAV-9'"], 1),
        (["status", "--party", "EU"], ["Unknown party 'EU'"], 1),
        (["set", "AI-1", "fulfilled", "--party", "UK"], ["not UK"], 1),
        (["note", "NARC-2", "x", "--party", "RU"], ["not RU"], 1),
        (["status", "--as-of", "2023-11-14"], ["before the first meeting (2023-11-15)"], 1),
        (["report", "--as-of", "2020-01-01"], ["before the first meeting"], 1),
        (
            ["report", "--as-of", "2024-03-01", "--since", "2024-06-01"],
            ["2024-06-01 is after the report date 2024-03-01"],
            1,
        ),  # fmt: skip
        (["status", "--as-of", "2099-01-01"], ["in the future"], 1),
        (["status", "--due-within", "soon"], ["90d, 12w, 6m or 1y"], 1),
        (["report", "--format", "pdf"], ["'pdf' is not one of"], 1),
        (["report", "--period", "sometime"], ["No period 'sometime'"], 1),
        (["status", "--period", "sometime"], ["No period 'sometime'"], 1),
        (
            ["assess", "AI-1", "fulfilled", "--rationale", "x", "--period", "nope"],
            ["No period 'nope'"],
            1,
        ),  # fmt: skip
        (
            ["assess", "AI-1", "fulfilled", "--rationale", "x", "--evidence", "ffffffff"],
            ["No event with an ID starting 'ffffffff'"],
            1,
        ),  # fmt: skip
        (
            ["review", "AI-1", "--party", "US", "--approve", "--note", "x"],
            ["AI-1 (US) has no rating to review yet"],
            1,
        ),  # fmt: skip
        (["review", "AI-1", "--note", "x"], ["--approve or --reject"], 2),
    ],
)
def test_bad_input(run, seeded, args, fragments, code):
    before = dump(seeded)
    result = run(*args, ok=False)
    assert_one_line_error(result, *fragments, code=code)
    assert dump(seeded) == before


def test_evidence_must_be_of_the_same_commitment_and_in_force(run, seeded):
    other = run("note", "NARC-1", "elsewhere").stderr.split("(event ")[1][:8]
    mine = run("note", "AI-1", "here").stderr.split("(event ")[1][:8]
    run("undo", mine, "--yes")
    before = dump(seeded)
    for ref, fragment in ((other, "is not evidence recorded on AI-1"), (mine, "is retracted")):
        result = run("assess", "AI-1", "fulfilled", "--rationale", "x", "--evidence", ref, ok=False)
        assert_one_line_error(result, fragment, code=1)
    assert dump(seeded) == before


def test_a_rating_dated_before_its_period_is_refused_in_a_seed_file(run, tmp_path, db_path):
    """The same rule from seed files as from the command line: a rating for a period is
    never dated before the period begins."""
    seed = tmp_path / "s.toml"
    seed.write_text(
        '[meeting]\nslug = "s-2020"\ntitle = "A summit"\ndate = 2020-03-01\n'
        'parties = ["US", "CN"]\n'
        '[[meeting.periods]]\nname = "interim"\nfrom = 2020-03-01\nto = 2021-03-01\n'
        '[[meeting.periods]]\nname = "final"\nfrom = 2021-03-01\n'
        '[[commitments]]\nid = "S-1"\narea = "x"\ntitle = "Do it"\nparties = ["US"]\n'
        '[[assessments]]\ncommitment = "S-1"\nparty = "US"\nperiod = "final"\n'
        'rating = "fulfilled"\non = 2020-06-01\ncoder = "a"\nrationale = "done"\n',
        encoding="utf-8",
    )
    result = run("init", "--seed", str(seed), ok=False)
    assert_one_line_error(result, "final period is dated 2020-06-01", "(2021-03-01)", code=1)
    assert not db_path.exists()
