"""Time sharing through git at 100,000 events: the first sync (every event written and
pushed), a clone (cloned and loaded), and an incremental sync of 100 new events, sent and
received. The target: an incremental sync does not grow with the history (under 2 s here).

    python benchmarks/sync_bench.py [--workdir /tmp/track-sync-bench] [--runs 3]

run.py includes the section this prints (the `run` function)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tracker.records import Event, Meeting  # noqa: E402
from tracker.store import Store  # noqa: E402

COMMITMENTS = 10_000
EVENTS_PER = 10
TRACK = str(Path(sys.executable).parent / "track")
NAMESPACE = uuid.UUID("0c5a0c5e-7f8d-4c1b-9a8e-3b7d5a2e1f00")


def build(path: Path) -> None:
    """A database of 10,000 commitments with 10 events each (one creation, nine notes)."""
    store = Store.open(path)
    meeting = Meeting(slug="bench", title="Bench summit", date="2022-01-01", parties=["US", "CN"])

    def stream():
        yield "meeting", meeting, "meeting"
        counter = 0
        for c in range(COMMITMENTS):
            uid = str(uuid.uuid5(NAMESPACE, f"c{c}"))
            cid = f"B-{c + 1}"
            for e in range(EVENTS_PER):
                counter += 1
                month = 1 + (c * EVENTS_PER + e) % 12
                fields = {"commitment": cid, "commitment_uid": uid, "happened_on": "2023-01-01",
                          "recorded_at": f"2024-{month:02d}-01T00:00:00Z", "author": "bench",
                          "device": f"device-{c % 4}", "counter": counter}  # fmt: skip
                if e == 0:
                    yield "event", Event(
                        uuid=uid, kind="created", **{**fields, "happened_on": "2022-01-01"},
                        changes={"id": [None, cid], "meeting": [None, "bench"],
                                 "area": [None, f"area{c % 12}"], "title": [None, f"Item {c}"],
                                 "parties": [None, ["US", "CN"]]},
                    ), cid  # fmt: skip
                else:
                    yield "event", Event(
                        uuid=str(uuid.uuid5(NAMESPACE, f"e{c}/{e}")), kind="note",
                        text=f"Note {e} on item {c}: talks held, officials met.",
                        sources=[{"url": f"https://example.org/{c}/{e}", "title": "Readout"}],
                        **fields,
                    ), cid  # fmt: skip

    store.add_records(stream(), today=dt.date(2026, 11, 27))
    store.close()


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-500:]}")
    return elapsed


def add_notes(db: Path, count: int, tag: str) -> None:
    store = Store.open(db)
    for i in range(count):
        store.add_note(f"B-{i + 1}", f"{tag} {i}", on=dt.date(2024, 5, 1),
                       today=dt.date(2026, 11, 27), author="bench")  # fmt: skip
    store.close()


def run(workdir: Path, env: dict, runs: int = 3) -> str:
    """Time the first sync, a clone and incremental syncs; return a Markdown section."""
    workdir = Path(workdir) / "sync"
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    env = {**env, "TRACK_CODER": "bench"}
    source = workdir / "a.db"
    build(source)
    bare = workdir / "shared.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    subprocess.run([TRACK, "--db", str(source), "remote", "add", str(bare)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    first = timed([TRACK, "--db", str(source), "sync"], env)
    other = workdir / "b.db"
    clone = timed([TRACK, "--db", str(other), "clone", str(bare)], env)
    sends, receives, idle = [], [], []
    for i in range(runs):
        add_notes(source, 100, f"round {i}")
        sends.append(timed([TRACK, "--db", str(source), "sync"], env))
        receives.append(timed([TRACK, "--db", str(other), "sync"], env))
        idle.append(timed([TRACK, "--db", str(other), "sync"], env))
    exports = {
        subprocess.run([TRACK, "--db", str(db), "export"], env=env, capture_output=True,
                       text=True, check=True).stdout
        for db in (source, other)
    }  # fmt: skip
    events = COMMITMENTS * EVENTS_PER + runs * 100
    send, receive = statistics.median(sends), statistics.median(receives)
    verdict = "pass" if max(send, receive) < 2 else "FAIL"
    return "\n".join(
        [
            f"## Sharing through git: {events:,} events",
            "",
            "Whole `track` processes on a local bare repository (no network), median of "
            f"{runs} rounds of 100 new notes.",
            "",
            "| Step | Time |",
            "|---|---:|",
            f"| first `sync` (write and push {COMMITMENTS * EVENTS_PER:,} events) "
            f"| {first:.1f} s |",
            f"| `clone` (clone and load every event) | {clone:.1f} s |",
            f"| incremental `sync`, sending 100 events | {send:.2f} s |",
            f"| incremental `sync`, receiving 100 events | {receive:.2f} s |",
            f"| `sync` with nothing new | {statistics.median(idle):.2f} s |",
            "",
            f"Target: an incremental sync under 2 s at 100,000 events: {verdict}. "
            f"The two databases' exports are {'identical' if len(exports) == 1 else 'DIFFERENT'}.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/track-sync-bench"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "TRACK_DB"}
    print(run(args.workdir, env, args.runs))


if __name__ == "__main__":
    main()
