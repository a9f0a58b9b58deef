"""Build a realistic synthetic tracker database through the library's own bulk path.

    python benchmarks/make_db.py --commitments 10000 --events-per 10 bench.db \\
        [--taskwarrior tasks.json]

Several meetings, areas, parties, kinds, due dates (some overdue), statuses reached through
status events, metrics with readings, and evidence with sources, dated over two years. The
same data can be written as a Taskwarrior import file (one task per commitment, one
annotation per event) so both tools are timed on the same data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.loading import Records, utc_now  # noqa: E402
from tracker.seeds import create_database  # noqa: E402
from tracker.vocabulary import STATUSES  # noqa: E402

AREAS = ["counternarcotics", "ai", "military", "travel", "climate", "dialogue", "trade",
         "health", "space", "finance", "energy", "culture"]  # fmt: skip
KINDS = ["joint"] * 6 + ["unilateral"] * 2 + ["expected", "principle"]
WORDS = [
    "talks",
    "working",
    "group",
    "meeting",
    "agreement",
    "review",
    "announced",
    "officials",
    "delegation",
    "readout",
    "ministry",
    "statement",
    "signed",
    "framework",
    "controls",
    "visit",
    "exchange",
    "flights",
    "emissions",
    "pledge",
    "report",
    "sanctions",
    "cooperation",
]
BATCH = 5_000  # commitments per transaction


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def build(
    path: Path, commitments: int, events_per: int, *, seed: int = 7, progress: bool = True
) -> dict:
    """Create the database at `path`; return the data as Taskwarrior would take it."""
    rng = random.Random(seed)
    store, _ = create_database(path, seed_files=[])
    meetings = max(1, commitments // 2_000)
    start = dt.date(2020, 1, 1)
    meeting_dates = [start + dt.timedelta(days=rng.randrange(0, 1500)) for _ in range(meetings)]
    now = utc_now()
    records = Records(
        meetings=[
            {
                "slug": f"summit-{m}",
                "title": f"Summit {m}",
                "date": d.isoformat(),
                "place": "Somewhere",
                "parties": '["US", "CN"]',
                "context": None,
                "sources": "[]",
            }
            for m, d in enumerate(meeting_dates)
        ]
    )
    store.add_records(records)
    tasks: list[dict] = []
    statuses = [s for s in STATUSES if s != "not-started"]
    bar = None
    if progress:
        import click

        bar = click.progressbar(length=commitments, label="Building", file=sys.stderr)
    done = 0
    while done < commitments:
        batch = Records()
        for c in range(done, min(done + BATCH, commitments)):
            m = c % meetings
            made = meeting_dates[m]
            cid = f"{AREAS[c % len(AREAS)][:4].upper()}-{c + 1}"
            due = made + dt.timedelta(days=rng.randrange(60, 1500)) if rng.random() < 0.4 else None
            parties = ["US", "CN"] if rng.random() < 0.8 else [rng.choice(["US", "CN"])]
            title = sentence(rng, 6)
            batch.commitments.append(
                {
                    "id": cid,
                    "meeting": f"summit-{m}",
                    "area": AREAS[c % len(AREAS)],
                    "title": title,
                    "summary": sentence(rng, 20),
                    "parties": json.dumps(parties),
                    "kind": rng.choice(KINDS),
                    "quote": sentence(rng, 10),
                    "quote_by": "Readout",
                    "deadline": None,
                    "due": due.isoformat() if due else None,
                    "status": "not-started",
                    "created_at": now,
                }
            )
            if c % 10 == 0:
                batch.metrics.append(
                    {
                        "commitment": cid,
                        "name": "count",
                        "unit": "a week",
                        "baseline": 70.0,
                        "baseline_on": made.isoformat(),
                        "target": 150.0,
                    }
                )
            annotations = []
            day = made
            for e in range(events_per):
                kind, status, value, party = "note", None, None, None
                if e == 0:
                    kind, status = "created", "not-started"
                elif rng.random() < 0.2:
                    kind, status = "status", rng.choice(statuses)
                    party = rng.choice([None, None, *parties])
                elif c % 10 == 0 and rng.random() < 0.3:
                    kind, value = "measure", float(rng.randrange(60, 200))
                if e:
                    day = min(day + dt.timedelta(days=rng.randrange(1, 60)), dt.date(2026, 6, 1))
                text = sentence(rng, 15)
                batch.events.append(
                    {
                        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "commitment": cid,
                        "kind": kind,
                        "happened_on": day.isoformat(),
                        "recorded_at": now,
                        "text": text,
                        "source_url": f"https://example.org/{c}/{e}" if e else None,
                        "source_title": f"Source {c}-{e}" if e else None,
                        "party": party,
                        "status": status,
                        "value": value,
                        "retracts": None,
                        "changes": None,
                    }
                )
                batch.labels.append(cid)
                annotations.append({"entry": day.strftime("%Y%m%dT000000Z"), "description": text})
            task = {
                "uuid": str(uuid.uuid4()),
                "description": f"{cid} {title}",
                "project": AREAS[c % len(AREAS)],
                "status": "pending",
                "entry": made.strftime("%Y%m%dT000000Z"),
                "tags": parties,
                "annotations": annotations,
            }
            if due:
                task["due"] = due.strftime("%Y%m%dT000000Z")
            tasks.append(task)
        store.add_records(batch)
        done += len(batch.commitments)
        if bar is not None:
            bar.update(len(batch.commitments))
    if bar is not None:
        bar.render_finish()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.conn.execute("ANALYZE")
    store.close()
    return {"tasks": tasks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commitments", type=int, required=True)
    parser.add_argument("--events-per", type=int, required=True)
    parser.add_argument("--taskwarrior", type=Path, help="Also write a Taskwarrior import file.")
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    if args.path.exists():
        parser.error(f"{args.path} exists; choose a new file")
    data = build(args.path, args.commitments, args.events_per, progress=sys.stderr.isatty())
    if args.taskwarrior:
        args.taskwarrior.write_text(json.dumps(data["tasks"]), encoding="utf-8")


if __name__ == "__main__":
    main()
