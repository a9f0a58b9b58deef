"""Time `track` on a G20-sized history: 20 members, 20 summits of 20 commitments each, three
compliance periods per summit, every party-item rated by two coders in every period (48,000
assessments). Targets: `status`, `report --period`, `scores export` and `agreement` each
under 1 s.

    python benchmarks/g20_bench.py [--workdir /tmp/track-g20-bench] [--runs 5]

run.py includes the section this prints (the `run` function)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracker.records import Event, Meeting, Period  # noqa: E402
from tracker.store import Store  # noqa: E402

MEMBERS = ["AR", "AU", "BR", "CA", "CN", "FR", "DE", "IN", "ID", "IT", "JP", "KR", "MX", "RU",
           "SA", "ZA", "TR", "GB", "US", "EU"]  # fmt: skip
SUMMITS, PER_SUMMIT = 20, 20
PERIODS = ("interim", "final", "successor")
CODERS = ("coder-a", "coder-b")
SCORES = {1: "fulfilled", 0: "partial", -1: "not-started"}
TRACK = str(Path(sys.executable).parent / "track")
NAMESPACE = uuid.UUID("9b1f0c5e-6a2d-4e8b-8c1d-2f4a6b8d0e11")


def build(path: Path) -> None:
    rng = random.Random(20)
    store = Store.open(path)

    def stream():
        counter = 0
        for s in range(SUMMITS):
            year = 2003 + s
            slug = f"g20-{year}"
            yield "meeting", Meeting(slug=slug, title=f"G20 summit {year}", date=f"{year}-11-15",
                                     parties=list(MEMBERS)), slug  # fmt: skip
            for p, name in enumerate(PERIODS):
                ends = None if p == 2 else f"{year + p + 1}-06-01"
                starts = f"{year + p}-{'11-15' if p == 0 else '06-01'}"
                yield "period", Period(meeting=slug, name=name, starts=starts, ends=ends), name
            for c in range(PER_SUMMIT):
                cid = f"G{year}-{c + 1}"
                uid = str(uuid.uuid5(NAMESPACE, cid))
                counter += 1
                yield "event", Event(
                    uuid=uid, commitment=cid, commitment_uid=uid, kind="created",
                    happened_on=f"{year}-11-15", recorded_at=f"{year}-11-15T00:00:00Z",
                    author="bench", device="bench", counter=counter,
                    changes={"id": [None, cid], "meeting": [None, slug],
                             "area": [None, f"area{c % 8}"], "title": [None, f"Commitment {c}"],
                             "parties": [None, list(MEMBERS)]},
                ), cid  # fmt: skip
                for p, name in enumerate(PERIODS):
                    day = f"{year + p + 1}-05-31" if p < 2 else "2026-11-01"
                    for member in MEMBERS:
                        base = rng.choice((1, 0, -1))
                        for k, coder in enumerate(CODERS):
                            value = (
                                base if k == 0 or rng.random() < 0.85 else rng.choice((1, 0, -1))
                            )
                            counter += 1
                            yield "event", Event(
                                uuid=str(uuid.uuid5(NAMESPACE, f"{cid}/{name}/{member}/{coder}")),
                                commitment=cid, commitment_uid=uid, kind="assessment",
                                happened_on=day, recorded_at=f"{day}T00:00:00Z", author=coder,
                                device="bench", counter=counter, party=member,
                                status=SCORES[value], period=name, text="Scored.",
                            ), cid  # fmt: skip

    store.add_records(stream(), today=dt.date(2026, 11, 27))
    store.close()


def timed(command: list[str], env: dict, runs: int) -> list[float]:
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode not in (0,):
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-500:]}")
        if i:
            times.append(elapsed)
    return times


def run(workdir: Path, env: dict, runs: int = 5) -> str:
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "g20.db"
    if not db.exists():
        build(db)
    env = {**env, "TRACK_DB": str(db), "TRACK_CODER": "bench"}
    one = ["--meeting", "g20-2013", "--period", "final"]
    commands = {
        "`status`": [TRACK, "status"],
        "`status --meeting --period`": [TRACK, "status", *one],
        "`report --meeting --period` (Markdown)": [TRACK, "report", *one, "-o",
                                                   str(workdir / "r.md")],
        "`scores export --meeting --period`": [TRACK, "scores", "export", *one, "-f", "csv"],
        "`agreement --meeting --period`": [TRACK, "agreement", *one],
        "`agreement` (every meeting and period)": [TRACK, "agreement"],
    }  # fmt: skip
    events = Store.open(db).conn.execute("SELECT count(*) FROM events").fetchone()[0]
    lines = [
        f"## A G20-sized history: {events:,} events",
        "",
        f"{len(MEMBERS)} members, {SUMMITS} summits of {PER_SUMMIT} commitments, "
        f"{len(PERIODS)} periods each, every party-item rated by {len(CODERS)} coders in every "
        f"period. Whole processes, median of {runs} runs after a warm-up.",
        "",
        "| Command | Median | Max | Target < 1 s |",
        "|---|---:|---:|---|",
    ]
    for label, command in commands.items():
        times = timed(command, env, runs)
        median = statistics.median(times)
        lines.append(
            f"| {label} | {median:.2f} s | {max(times):.2f} s | "
            f"{'pass' if median < 1 else 'FAIL'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/track-g20-bench"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "TRACK_DB"}
    print(run(args.workdir, env, args.runs))


if __name__ == "__main__":
    main()
