"""Time `track site` (tracker.site.build_site) on the bundled data and at 10k commitments /
100k events: a first build into an empty folder, a rebuild with nothing changed, and a rebuild
after one new note (which must rewrite only the pages that note changes). Each build runs in
its own process; the time is the whole process (start-up included) and the memory its peak
resident set.

    python benchmarks/site_bench.py [--workdir /tmp/track-bench] [--runs 3]

benchmarks/run.py calls run(workdir, env, runs) and adds the Markdown it returns to
RESULTS.md. The databases are those run.py builds in the workdir (bundled.db, 10k.db), made
here when missing (benchmarks/make_db.py, or a plain generator below if that fails); they are
never written to: the note goes into a copy.

Targets: bundled under 1 s; 10k under 60 s and 500 MB; after one note, only the pages that
show that commitment (its page, the lists it is in, its meeting and the feed) are rewritten.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
TRACK = str(Path(sys.executable).parent / "track")
TODAY = "2026-11-28"
TARGETS = {"bundled": (1.0, None), "10k": (60.0, 500 * 1024)}  # seconds, peak KB

DRIVER = r"""
import datetime as dt, json, resource, sys, time
from pathlib import Path
from tracker.site import build_site
from tracker.store import Store
start = time.perf_counter()
store = Store.open(Path(sys.argv[1]))
summary = build_site(store, Path(sys.argv[2]), today=dt.date.fromisoformat(sys.argv[3]))
store.close()
print(json.dumps({
    "inside": time.perf_counter() - start,
    "written": list(summary.written),
    "unchanged": len(summary.unchanged),
    "removed": list(summary.removed),
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def build(db: Path, folder: Path, env: dict) -> dict:
    """One build in a fresh process; its result with the whole process's wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [PY, "-c", DRIVER, str(db), str(folder), TODAY],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"build_site failed: {done.stderr[-800:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def copy_database(db: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    source.backup(copy)
    copy.close()
    source.close()
    return target


def database(name: str, workdir: Path, env: dict) -> Path:
    db = workdir / f"{name}.db"
    if db.exists():
        return db
    part = workdir / f"{name}.site-bench.part"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{part}{suffix}").unlink(missing_ok=True)
    if name == "bundled":
        subprocess.run([TRACK, "--db", str(part), "init"], check=True, capture_output=True,
                       env=env)  # fmt: skip
    else:
        made = subprocess.run(
            [PY, str(HERE / "make_db.py"), "--commitments", "10000", "--events-per", "10",
             str(part)],
            capture_output=True, text=True, env=env,
        )  # fmt: skip
        if made.returncode != 0:
            print(f"make_db.py failed ({made.stderr.strip()[-200:]}); generating here",
                  file=sys.stderr)  # fmt: skip
            for suffix in ("", "-wal", "-shm"):
                Path(f"{part}{suffix}").unlink(missing_ok=True)
            subprocess.run([PY, __file__, "--generate", str(part)], check=True, env=env)
    part.rename(db)
    return db


def generate(path: Path, commitments: int = 10_000, events_per: int = 10) -> None:
    """A plain 10k database through Store.add_records (used only if make_db.py fails)."""
    sys.path.insert(0, str(ROOT))
    from tracker.records import Event, Meeting, Period
    from tracker.store import create_database

    store, _ = create_database(path, seed_files=[])
    space = uuid.UUID("0b7c2f44-9a51-4c1e-8f0a-5d6e7f809a1b")
    start = dt.date(2023, 11, 15)
    meeting = Meeting(slug="bench", title="Bench meeting", date=start.isoformat(),
                      parties=["US", "CN"])  # fmt: skip
    periods = [
        Period(meeting="bench", name="interim", starts="2023-11-15", ends="2024-11-16"),
        Period(meeting="bench", name="final", starts="2024-11-16", ends=None),
    ]
    areas = ["ai", "climate", "military", "travel", "trade", "health", "energy", "culture"]
    ratings = ["in-progress", "fulfilled", "partial", "stalled", "not-started", "broken"]
    stamp = "2024-01-01T00:00:00Z"

    def records(first: int, last: int):
        if first == 0:
            yield "meeting", meeting, "meeting bench"
            for p in periods:
                yield "period", p, f"period {p.name}"
        counter = first * (events_per + 1) + 1
        for n in range(first, last):
            cid = f"B-{n + 1}"
            created = str(uuid.uuid5(space, cid))
            fields = {"id": cid, "meeting": "bench", "area": areas[n % len(areas)],
                      "title": f"Bench commitment {n + 1}", "parties": ["US", "CN"],
                      "type": "action", "due": "2025-06-30"}  # fmt: skip
            yield "event", Event(
                uuid=created, commitment=cid, commitment_uid=created, kind="created",
                happened_on=start.isoformat(), recorded_at=stamp, author="bench", device="bench",
                counter=counter, changes={k: [None, v] for k, v in fields.items()},
            ), cid  # fmt: skip
            counter += 1
            for i in range(events_per - 1):
                day = start + dt.timedelta(days=30 + (n * 7 + i * 61) % 900)
                rated = i == events_per - 2
                yield "event", Event(
                    uuid=str(uuid.uuid5(space, f"{cid}/{i}")), commitment=cid,
                    commitment_uid=created, kind="assessment" if rated else "note",
                    happened_on=day.isoformat(), recorded_at=stamp, author="bench",
                    device="bench", counter=counter,
                    text=f"Evidence {i} on {cid}: talks, statements and steps.",
                    status=ratings[n % len(ratings)] if rated else None,
                    period=("interim" if day.isoformat() < "2024-11-16" else "final")
                    if rated else None,
                    sources=[] if rated else [{"url": f"https://example.org/{cid}/{i}",
                                               "title": f"Story {i}", "class": "press"}],
                ), f"{cid}/{i}"  # fmt: skip
                counter += 1

    for first in range(0, commitments, 2_000):
        store.add_records(records(first, min(first + 2_000, commitments)),
                          today=dt.date(2026, 11, 28))  # fmt: skip
    store.close()


def one_note(db: Path, env: dict) -> str:
    """Add a note to a commitment in the middle of the data; return its ID."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    cid, meeting_day = conn.execute(
        "SELECT c.id, m.date FROM commitments c JOIN meetings m ON m.slug = c.meeting "
        "WHERE NOT c.withdrawn AND c.type = 'action' ORDER BY c.rowid LIMIT 1 OFFSET "
        "(SELECT count(*) / 2 FROM commitments)"
    ).fetchone()
    conn.close()
    day = max(dt.date.fromisoformat(meeting_day) + dt.timedelta(days=1), dt.date(2024, 3, 1))
    subprocess.run(
        [TRACK, "--db", str(db), "note", cid, "Benchmark: one new piece of evidence", "--on",
         day.isoformat(), "--source", "https://example.org/bench-note"],
        check=True, capture_output=True, env={**env, "TRACK_CODER": "bench"},
    )  # fmt: skip
    return cid


def measure(name: str, workdir: Path, env: dict, runs: int) -> dict:
    db = database(name, workdir, env)
    scratch = workdir / "site-bench"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    firsts, rebuilds = [], []
    for i in range(max(1, runs)):
        folder = scratch / f"first-{i}"
        firsts.append(build(db, folder, env))
        rebuilds.append(build(db, folder, env))
        if i:
            shutil.rmtree(folder)
    copy = copy_database(db, scratch / "copy.db")
    cid = one_note(copy, env)
    after = build(copy, scratch / "first-0", env)
    pages = len(firsts[0]["written"])
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM commitments), (SELECT count(*) FROM events)"
        ).fetchone()
    size = sum(p.stat().st_size for p in (scratch / "first-0").rglob("*") if p.is_file())
    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "name": name,
        "commitments": counts[0],
        "events": counts[1],
        "pages": pages,
        "megabytes": size / 1e6,
        "first": [r["wall"] for r in firsts],
        "rebuild": [r["wall"] for r in rebuilds],
        "unchanged_rebuild_written": max(len(r["written"]) for r in rebuilds),
        "peak_kb": max(r["peak_kb"] for r in firsts + rebuilds + [after]),
        "note_on": cid,
        "note_written": after["written"],
        "note_wall": after["wall"],
    }


def render(results: list[dict], runs: int) -> str:
    out = [
        "## `track site`",
        "",
        "The static site (`tracker.site.build_site`), each build a whole process (start-up "
        f"included); median of {max(1, runs)} (min–max). A first build writes every page into "
        "an empty folder; a rebuild with nothing changed writes nothing; after one new note "
        "only the pages that show that commitment are rewritten.",
        "",
        "| Data | Pages | Site | First build | Rebuild, no change | Peak memory | Target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        limit_s, limit_kb = TARGETS.get(r["name"], (None, None))
        first = statistics.median(r["first"])
        ok = limit_s is None or first < limit_s
        ok = ok and (limit_kb is None or r["peak_kb"] < limit_kb)
        target = f"< {limit_s:g} s" + (f", < {limit_kb // 1024} MB" if limit_kb else "")
        out.append(
            f"| {r['name']}: {r['commitments']:,} commitments, {r['events']:,} events "
            f"| {r['pages']:,} | {r['megabytes']:.1f} MB "
            f"| {first:.2f} s ({min(r['first']):.2f}–{max(r['first']):.2f}) "
            f"| {statistics.median(r['rebuild']):.2f} s "
            f"| {r['peak_kb'] / 1024:.0f} MB "
            f"| {target}: {'met' if ok else 'MISSED'} |"
        )
    out += ["", "After one new note:", ""]
    for r in results:
        written = r["note_written"]
        shown = ", ".join(f"`{w}`" for w in written[:12]) + (" ..." if len(written) > 12 else "")
        out.append(
            f"- {r['name']}: a note on {r['note_on']} rewrote {len(written)} of {r['pages']:,} "
            f"files in {r['note_wall']:.2f} s: {shown}. A rebuild with no change wrote "
            f"{r['unchanged_rebuild_written']}."
        )
    return "\n".join(out) + "\n"


def run(workdir: Path, env: dict, runs: int) -> str:
    """Measure and return the Markdown section for RESULTS.md."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in env.items() if k != "TRACK_DB"}
    results = []
    for name in ("bundled", "10k"):
        print(f"site_bench: {name}", file=sys.stderr, flush=True)
        results.append(measure(name, workdir, env, runs if name == "bundled" else min(runs, 3)))
    return render(results, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/track-bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate)
        return
    print(run(args.workdir.resolve(), dict(os.environ), args.runs))


if __name__ == "__main__":
    main()
