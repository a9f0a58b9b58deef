"""`track serve`: the Datasette metadata, checked against the schema and through a real
Datasette on 127.0.0.1 (its tables described, internal ones hidden, canned queries that run,
and every facet's count equal to the rows its link returns)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tracker import serve as serve_module
from tracker.errors import TrackError
from tracker.serve import FACETS, HIDDEN, metadata, metadata_json, serve
from tracker.store import Store

datasette_missing = not serve_module.datasette_installed()


def schema(db: Path) -> dict[str, tuple[str, list[str]]]:
    store = Store.open(db)
    try:
        rows = store.conn.execute(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')"
        ).fetchall()
        return {
            name: (kind, [r[1] for r in store.conn.execute(f'PRAGMA table_info("{name}")')])
            for name, kind in rows
        }
    finally:
        store.close()


def read_metadata(db: Path) -> dict:
    store = Store.open(db)
    try:
        return metadata(store)
    finally:
        store.close()


def test_every_table_view_and_column_is_described(seeded):
    meta = read_metadata(seeded)
    assert meta["title"].startswith("Commitment tracker")
    assert meta["description"] and meta["license"] and meta["source"]
    (name,) = meta["databases"]
    assert name == seeded.stem
    tables = meta["databases"][name]["tables"]
    shadows = ("_config", "_content", "_data", "_docsize", "_idx")
    for table, (kind, columns) in schema(seeded).items():
        assert tables[table].get("description"), table
        if table.endswith(shadows) or table.startswith("sqlite_"):  # SQLite's own
            assert tables[table].get("hidden"), table
            continue
        described = tables[table].get("columns", {})
        assert set(columns) == set(described), (kind, table, set(columns) ^ set(described))
    for hidden in HIDDEN:
        if hidden in tables:
            assert tables[hidden]["hidden"] is True
    assert {"_sqlite_migrations", "settings", "commitments_fts", "events_fts"} <= set(tables)
    for table in ("commitments", "events", "current_status", "party_status", "timeline"):
        assert not tables[table].get("hidden")
    assert tables["events"]["sort_desc"] == "happened_on"
    assert tables["overdue"]["sort"] == "due"
    queries = meta["databases"][name]["queries"]
    assert set(queries) == {
        "overdue", "ratings_by_party_and_area", "compliance_grid", "evidence_since", "disputed",
    }  # fmt: skip
    assert ":since" in queries["evidence_since"]["sql"]
    assert all(q["title"] and q["description"] for q in queries.values())


def test_metadata_json_is_stable_and_queries_run(seeded):
    store = Store.open(seeded)
    try:
        assert metadata_json(store) == metadata_json(store)
        meta = metadata(store)
        for query in meta["databases"][seeded.stem]["queries"].values():
            store.conn.execute(query["sql"], {"since": "2024-01-01"}).fetchall()  # runs as is
        tables = meta["databases"][seeded.stem]["tables"]
        assert all(tables[name]["hidden"] for name in HIDDEN if name in tables)
    finally:
        store.close()


def test_serve_without_datasette_says_how_to_install_it(seeded, monkeypatch):
    monkeypatch.setattr(serve_module, "datasette_installed", lambda: False)
    with pytest.raises(TrackError) as caught:
        serve(seeded, port=1)
    assert str(caught.value) == "Datasette is not installed: pip install 'track-summits[web]'"


# --------------------------------------------------------------------------- a real Datasette


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def wait_until_up(base: str, proc: subprocess.Popen) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"datasette exited: {proc.stderr.read()[-2000:]}")
        try:
            get(f"{base}/-/versions.json")
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("datasette did not start")


@pytest.fixture
def datasette(seeded, overdue_ai2, run, tmp_path):
    """Datasette on the test data, with an overdue commitment and a withdrawn event (so the
    overdue and retracted facets have both values), and the generated metadata."""
    if datasette_missing:
        pytest.skip("datasette is not installed (pip install 'track-summits[web]')")
    events = json.loads(run("log", "-f", "json", "--limit", "50").stdout)
    note = next(e for e in events if e["kind"] == "note")
    run("undo", note["uuid"][:8], "--reason", "Wrong source", "--yes")
    target = tmp_path / "metadata.json"
    store = Store.open(seeded)
    target.write_text(metadata_json(store))
    store.close()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(seeded), "--host", "127.0.0.1",
         "--port", str(port), "--metadata", str(target)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc)
        yield base, seeded.stem
    finally:
        proc.terminate()
        proc.wait(10)


def test_datasette_loads_the_metadata(datasette):
    base, db = datasette
    served = get(f"{base}/-/metadata.json")
    assert served["title"].startswith("Commitment tracker")
    listing = get(f"{base}/{db}.json")
    hidden = {t["name"] for t in listing["tables"] if t["hidden"]}
    assert {"_sqlite_migrations", "settings", "commitments_fts", "events_fts_data"} <= hidden
    shown = [t["name"] for t in listing["tables"] if not t["hidden"]]
    assert shown and not [t for t in shown if t.startswith(("_", "sqlite_")) or "_fts" in t]
    assert {"current_status", "party_status", "timeline", "overdue", "live_events"} <= {
        v["name"] for v in listing["views"]
    }
    found = get(f"{base}/{db}/commitments.json?_search=fentanyl&_shape=objects")
    assert found["rows"] and all(
        "fentanyl" in json.dumps(r).lower() or "precursor" in json.dumps(r).lower()
        for r in found["rows"]
    )


def test_canned_queries_run(datasette):
    base, db = datasette
    overdue = get(f"{base}/{db}/overdue.json?_shape=objects")
    assert "AI-2" in [r["id"] for r in overdue["rows"]]
    grid = get(f"{base}/{db}/compliance_grid.json?_shape=objects")
    assert any(r["commitment"] == "NARC-1" for r in grid["rows"])
    by_area = get(f"{base}/{db}/ratings_by_party_and_area.json?_shape=objects")
    assert {r["party"] for r in by_area["rows"]} == {"US", "CN"}
    since = get(f"{base}/{db}/evidence_since.json?_shape=objects&since=2024-01-01")
    assert since["rows"] and all(r["happened_on"] >= "2024-01-01" for r in since["rows"])
    disputed = get(f"{base}/{db}/disputed.json?_shape=objects")
    assert disputed["ok"] is True


def test_every_facet_link_returns_as_many_rows_as_it_counts(datasette):
    base, db = datasette
    checked = 0
    for view, facets in FACETS.items():
        for facet in facets:
            page = get(f"{base}/{db}/{view}.json?_facet={facet}&_size=0")
            results = page["facet_results"][facet]["results"]
            for value in results:
                url = value["toggle_url"]
                query = urllib.parse.urlsplit(url).query
                followed = get(f"{base}/{db}/{view}.json?{query}&_size=0")
                assert followed["filtered_table_rows_count"] == value["count"], (
                    view, facet, value["value"], url,
                )  # fmt: skip
                checked += 1
    both = get(f"{base}/{db}/current_status.json?_facet=overdue&_size=0")
    assert {v["value"] for v in both["facet_results"]["overdue"]["results"]} == {0, 1}
    retracted = get(f"{base}/{db}/timeline.json?_facet=retracted&_size=0")
    assert {v["value"] for v in retracted["facet_results"]["retracted"]["results"]} == {0, 1}
    assert checked > 20


def test_serve_runs_datasette_with_generated_metadata(seeded, tmp_path):
    if datasette_missing:
        pytest.skip("datasette is not installed (pip install 'track-summits[web]')")
    port = free_port()
    code = f"from tracker.serve import serve; serve({str(seeded)!r}, port={port})"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc)
        assert get(f"{base}/-/metadata.json")["title"].startswith("Commitment tracker")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(10)
