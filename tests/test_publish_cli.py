"""`track site` and `track serve` through the command line (the library is tested in
test_site.py and test_serve.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from conftest import assert_one_line_error, dump


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_site_builds_then_says_it_is_up_to_date(run, seeded, tmp_path):
    folder = tmp_path / "public"
    first = run("site", str(folder), "--no-timestamp")
    assert first.stderr.startswith("Wrote ") and f"to {folder} (0 unchanged, 0 removed)" in (
        first.stderr
    )
    built = fingerprint(folder)
    assert "index.html" in built and "commitments/narc-1/index.html" in built
    second = run("site", str(folder), "--no-timestamp")
    assert second.stderr.startswith(f"The site in {folder} is up to date: ")
    assert fingerprint(folder) == built
    # one note rewrites its commitment's page, not the whole site
    run("note", "NARC-1", "Met again", "--on", "2024-08-01")
    third = run("site", str(folder), "--no-timestamp")
    written = int(third.stderr.split("Wrote ")[1].split(" ")[0])
    assert 0 < written < len(built) / 2


def test_site_refuses_a_folder_it_did_not_make(run, seeded, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    before = dump(seeded)
    assert_one_line_error(run("site", str(tmp_path), ok=False), "holds no site made by track",
                          code=1)  # fmt: skip
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not (tmp_path / "index.html").exists()
    assert dump(seeded) == before


def test_site_takes_only_an_http_base_url(run, seeded, tmp_path):
    result = run("site", str(tmp_path / "s"), "--base-url", "javascript:alert(1)", ok=False)
    assert_one_line_error(result, "http", code=1)
    assert not (tmp_path / "s").exists()
    run("site", str(tmp_path / "s"), "--base-url", "https://desk.example.org/woodside")
    feed = (tmp_path / "s" / "feed.xml").read_text()
    assert "https://desk.example.org/woodside/" in feed


def test_serve_metadata_describes_every_table_without_datasette_running(run, seeded):
    data = json.loads(run("serve", "--metadata").stdout)
    (database,) = data["databases"].values()
    assert {"events", "commitments", "party_ratings"} <= set(database["tables"])
    assert set(database["queries"]) >= {"overdue", "compliance_grid", "disputed"}
    assert data["title"] and data["license"]
