"""Build a realistic synthetic tracker database through the library's own bulk path.

    python benchmarks/make_db.py --commitments 10000 --events-per 10 bench.db \\
        [--taskwarrior tasks.json]

The records are those a real desk makes (see tracker/records.py): several meetings, each with
interim, final and successor periods; commitments created by a `created` event whose changes
hold their fields ({field: [null, value]}) across 12 areas, US and CN (some one-party), of
every type (mostly actions; some quantified with a metric and readings, some assurances,
principles and positions), with due dates (some overdue); evidence notes with one to three
sources (http addresses, titles, publishers, classes), tags, parties and stances; ratings as
status and assessment events, some per party, each for the period it falls in, with a second
coder on a sample (some disagreeing, some settled by a reviewer); and a few edits, amendments,
retractions and withdrawals. Every uuid is derived from the commitment and event number
(uuid5), every counter is a Lamport clock (0 for a creation, higher for later events), and
every date falls between the meeting and --today, so two builds are identical.

The data goes in through `Store.add_records` (the path `track import` takes), a chunk of
commitments at a time, so a million events never sit in memory at once. The same data can be
written as a Taskwarrior import file (one task per commitment, one annotation per event) so
both tools are timed on the same data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.records import Event, Meeting, Period  # noqa: E402
from tracker.store import Store  # noqa: E402
from tracker.vocabulary import TYPES  # noqa: E402

NAMESPACE = uuid.UUID("6f1c0a52-2d7e-4f55-9a57-3b0f2c8e9d11")  # bench data, fixed
TODAY = dt.date(2026, 6, 30)  # the data's "now": every event is dated on or before it
FIRST_MEETING, LAST_MEETING = dt.date(2019, 1, 15), dt.date(2023, 6, 30)
AREAS = [
    "counternarcotics", "ai", "military", "travel", "climate", "dialogue", "trade", "health",
    "space", "finance", "energy", "culture",
]  # fmt: skip
PREFIX = {"counternarcotics": "NARC", "ai": "AI", "military": "MIL", "travel": "TRAV",
          "climate": "CLIM", "dialogue": "DIAL", "trade": "TRADE", "health": "HLTH",
          "space": "SPACE", "finance": "FIN", "energy": "NRG", "culture": "CULT"}  # fmt: skip
# type: weight (mostly actions)
TYPE_WEIGHTS = {"action": 70, "quantified": 8, "assurance": 10, "principle": 7, "position": 3,
                "collective": 2}  # fmt: skip
FORMALITIES = ["joint-statement", "both-readouts", "one-readout", "reported"]
SOURCE_CLASSES = ["official", "official", "wire", "press", "press", "document", "analysis",
                  "mirror"]  # fmt: skip
PUBLISHERS = [
    ("www.whitehouse.gov", "The White House"), ("www.fmprc.gov.cn", "Chinese Foreign Ministry"),
    ("www.reuters.com", "Reuters"), ("apnews.com", "AP"), ("english.news.cn", "Xinhua"),
    ("www.scmp.com", "South China Morning Post"), ("www.state.gov", "US State Department"),
    ("www.csis.org", "CSIS"), ("www.globaltimes.cn", "Global Times"), ("www.ft.com", "FT"),
]  # fmt: skip
TAGS = [
    "fentanyl",
    "precursors",
    "export-controls",
    "flights",
    "students",
    "visas",
    "methane",
    "chips",
    "tariffs",
    "dialogue",
    "military-talks",
    "soybeans",
    "rare-earths",
    "youth",
]
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
    "chiefs",
    "staff",
    "precursor",
    "chemicals",
    "customs",
    "students",
    "visas",
    "dialogue",
    "summit",
    "envoy",
    "methane",
    "tariffs",
    "purchases",
    "soybeans",
    "licences",
]
CHUNK = 2_000  # commitments per add_records call (one transaction each)


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def uid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


def meeting_plan(count: int, rng: random.Random) -> list[tuple[Meeting, list[Period]]]:
    span = (LAST_MEETING - FIRST_MEETING).days
    days = sorted(FIRST_MEETING + dt.timedelta(days=round(span * i / max(count - 1, 1)))
                  for i in range(count))  # fmt: skip
    plan = []
    for m, day in enumerate(days):
        slug = f"summit-{day.year}-{m + 1}"
        meeting = Meeting(
            slug=slug,
            title=f"Leaders' meeting {m + 1} ({day.year})",
            date=day.isoformat(),
            place=rng.choice(["Woodside, California", "Bali", "Lima", "Busan", "Beijing"]),
            parties=["US", "CN"],
            context=sentence(rng, 30),
            sources=[{"url": f"https://www.whitehouse.gov/briefing/{slug}", "title":
                      f"Readout of the {slug} meeting", "class": "official"}],
        )  # fmt: skip
        one, two = day + dt.timedelta(days=365), day + dt.timedelta(days=730)
        periods = [
            Period(slug, "interim", day.isoformat(), one.isoformat(), "To the next meeting."),
            Period(slug, "final", one.isoformat(), two.isoformat(), "To the end of the term."),
            Period(slug, "successor", two.isoformat(), None, "The successor government."),
        ]
        plan.append((meeting, periods))
    return plan


def period_of(meeting_day: dt.date, day: dt.date) -> str:
    age = (day - meeting_day).days
    return "interim" if age < 365 else "final" if age < 730 else "successor"


class Commitment:
    """One synthetic commitment: its creation and timeline, built event by event."""

    def __init__(self, c: int, meeting: Meeting, events_per: int, rng: random.Random):
        self.c, self.rng, self.meeting = c, rng, meeting
        self.made = dt.date.fromisoformat(meeting.date)
        self.area = AREAS[c % len(AREAS)]
        self.cid = f"{PREFIX[self.area]}-{c + 1}"
        self.uid = uid("commitment", c)
        self.type = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
        self.parties = ["US", "CN"] if rng.random() < 0.8 else [rng.choice(["US", "CN"])]
        self.ratings = [r for r in TYPES[self.type].ratings if r != "not-yet-rated"]
        self.events: list[Event] = []
        self.notes: list[Event] = []  # evidence that may be cited, amended or retracted
        self.cited: set[str] = set()
        self.rated: list[Event] = []
        self.last_rating: dict[str | None, str] = {}
        self.events_per = events_per
        self.fields = self._fields()

    def _fields(self) -> dict[str, Any]:
        rng = self.rng
        fields: dict[str, Any] = {
            "id": self.cid,
            "meeting": self.meeting.slug,
            "area": self.area,
            "title": sentence(rng, rng.randrange(5, 10)).rstrip("."),
            "summary": sentence(rng, rng.randrange(15, 35)),
            "parties": self.parties,
            "type": self.type,
        }
        if rng.random() < 0.5:
            fields["formality"] = rng.choice(FORMALITIES)
        if rng.random() < 0.6:
            fields["quote"] = sentence(rng, 12)
            fields["quote_by"] = rng.choice(["White House readout", "Chinese MFA readout"])
        if self.type in ("action", "quantified", "collective") and rng.random() < 0.45:
            fields["due"] = (self.made + dt.timedelta(days=rng.randrange(120, 2600))).isoformat()
            if rng.random() < 0.3:
                fields["deadline"] = "Within a year"
        if rng.random() < 0.3:
            fields["guideline"] = sentence(rng, 25)
        if self.type == "assurance" and rng.random() < 0.2:
            fields["personal"] = True
        fields["sources"] = self._sources("creation", 0, rng.randrange(1, 3))
        if self.c > 20 and rng.random() < 0.05:
            other = self.c - rng.randrange(1, 20)
            fields["links"] = [{"to": f"{PREFIX[AREAS[other % len(AREAS)]]}-{other + 1}",
                                "relation": rng.choice(["reaffirms", "extends"])}]  # fmt: skip
        if self.type == "quantified":
            baseline = float(rng.randrange(20, 200))
            fields["metric"] = {
                "name": rng.choice(["Weekly flights", "Seizures", "Students", "Purchases"]),
                "unit": rng.choice(["a week", "tonnes", "people", "USD bn"]),
                "baseline": baseline,
                "baseline_on": self.made.isoformat(),
                "target": baseline * 2,
                "target_on": (self.made + dt.timedelta(days=730)).isoformat(),
            }
        return fields

    def _sources(self, what: str, e: int, count: int, day: dt.date | None = None) -> list[dict]:
        rng = self.rng
        out = []
        for k in range(count):
            host, publisher = rng.choice(PUBLISHERS)
            source = {
                "url": f"https://{host}/{what}/{self.c}/{e}/{k}",
                "title": sentence(rng, rng.randrange(4, 9)).rstrip("."),
                "publisher": publisher,
                "class": rng.choice(SOURCE_CLASSES),
            }
            if rng.random() < 0.6:
                source["date"] = (day or self.made).isoformat()
            out.append(source)
        return out

    def _event(self, kind: str, day: dt.date, author: str, **values: Any) -> Event:
        e = len(self.events)
        event = Event(
            uuid=self.uid if kind == "created" else uid("event", self.c, e),
            commitment=self.cid,
            commitment_uid=self.uid,
            kind=kind,
            happened_on=day.isoformat(),
            recorded_at=f"{day.isoformat()}T{9 + e % 9:02d}:{e % 60:02d}:00Z",
            author=author,
            device="bench",
            counter=e,
            **values,
        )
        self.events.append(event)
        return event

    def build(self) -> list[Event]:
        rng = self.rng
        self._event("created", self.made, "desk-1",
                    changes={k: [None, v] for k, v in self.fields.items()})  # fmt: skip
        left = self.events_per - 1
        span = max((TODAY - self.made).days, left)
        days = sorted(self.made + dt.timedelta(days=rng.randrange(1, span + 1))
                      for _ in range(left))  # fmt: skip
        days = [min(d, TODAY) for d in days]
        two_coders = rng.random() < 0.12
        # one correction in a few commitments: an edit, an amendment, a retraction, or the
        # withdrawal of the whole commitment (always the last event)
        special = rng.random()
        correction = (
            "edit" if special < 0.04 else "amendment" if special < 0.06
            else "retraction" if special < 0.08 else "withdrawal" if special < 0.082 else None
        )  # fmt: skip
        at = (
            left
            if correction == "withdrawal"
            else (rng.randrange(max(left // 2, 1), left + 1) if correction else -1)
        )
        i = 0
        while i < left:
            day = days[i]
            if i + 1 == at and correction == "withdrawal":
                self._event("retraction", day, "desk-1", about=self.uid,
                            text="Withdrawn: entered twice.")  # fmt: skip
                i += 1
                continue
            if i + 1 == at and correction and self._correction(correction, day):
                i += 1
                continue
            roll = rng.random()
            if self.ratings and self.notes and roll < 0.28:
                pair = two_coders and left - i >= 2 and rng.random() < 0.5
                i += self._rating(day, pair=pair, room=left - i)
            elif self.type == "quantified" and roll < 0.55:
                self._measure(day)
                i += 1
            else:
                self._note(day)
                i += 1
        return self.events

    def _note(self, day: dt.date) -> None:
        rng = self.rng
        note = self._event(
            "note", day, rng.choice(["desk-1", "desk-2"]),
            text=sentence(rng, rng.randrange(12, 40)),
            sources=self._sources("note", len(self.events), rng.randrange(1, 4), day),
            party=rng.choice(self.parties) if rng.random() < 0.3 else None,
            stance=rng.choice(["supports"] * 6 + ["disputes", "denies"]) if rng.random() < 0.7
            else None,
            tags=rng.sample(TAGS, rng.randrange(0, 3)),
        )  # fmt: skip
        self.notes.append(note)

    def _measure(self, day: dt.date) -> None:
        rng = self.rng
        metric = self.fields["metric"]
        value = float(round(metric["baseline"] * rng.uniform(0.8, 2.2)))
        reading = self._event(
            "measure", day, "desk-1", value=value,
            text=f"{metric['name']}: {value:g}.",
            sources=self._sources("measure", len(self.events), 1, day),
            party=rng.choice(self.parties) if rng.random() < 0.5 else None,
        )  # fmt: skip
        self.notes.append(reading)

    def _rating(self, day: dt.date, *, pair: bool, room: int) -> int:
        """Add one rating (or two coders' and maybe a review); return how many events."""
        rng = self.rng
        party = (
            rng.choice(self.parties)
            if len(self.parties) > 1 and rng.random() < 0.35
            else (self.parties[0] if len(self.parties) == 1 and rng.random() < 0.5 else None)
        )
        period = period_of(self.made, day)
        rating = rng.choice(self.ratings)
        added = [self._rate(day, "coder-a", rating, party, period, assess=rng.random() < 0.6)]
        if pair:
            other = rating if rng.random() < 0.7 else rng.choice(self.ratings)
            added.append(self._rate(day, "coder-b", other, party, period, assess=True))
            if other != rating and room >= 3 and rng.random() < 0.5:
                chosen = rng.choice(added)
                self._event("approval", day, "reviewer", about=chosen.uuid,
                            party=party or self.parties[0],
                            text="Checked against the sources.")  # fmt: skip
                return 3
            return 2
        return 1

    def _rate(self, day, author, rating, party, period, *, assess: bool) -> Event:
        rng = self.rng
        seen = self.last_rating.get(party, "not-yet-rated")
        values: dict[str, Any] = {"status": rating, "party": party, "period": period,
                                  "changes": {"status": [seen, rating]}}  # fmt: skip
        if assess:
            usable = [n for n in self.notes if n.happened_on <= day.isoformat()]
            cited = rng.sample(usable, min(len(usable), rng.randrange(1, 3)))
            self.cited.update(n.uuid for n in cited)
            values.update(
                text=sentence(rng, rng.randrange(15, 40)),
                confidence=rng.choice(["high", "medium", "medium", "low"]),
                evidence=[n.uuid for n in cited],
            )
        elif rng.random() < 0.5:
            values["text"] = sentence(rng, 10)
        event = self._event("assessment" if assess else "status", day, author, **values)
        self.last_rating[party] = rating
        self.rated.append(event)
        return event

    def _correction(self, kind: str, day: dt.date) -> bool:
        rng = self.rng
        if kind == "edit":
            field = rng.choice(["title", "due"] if "due" in self.fields else ["title"])
            old = self.fields.get(field)
            if field == "title":
                new = sentence(rng, 7).rstrip(".")
            else:
                new = (dt.date.fromisoformat(old) + dt.timedelta(days=180)).isoformat()
            self.fields[field] = new
            self._event("edit", day, "desk-1", changes={field: [old, new]},
                        text=f"Changed {field}.")  # fmt: skip
            return True
        free = [n for n in self.notes if n.uuid not in self.cited and n.kind == "note"]
        if not free:
            return False
        target = rng.choice(free)
        if kind == "amendment":
            new = target.text + " (Corrected.)"
            self._event("amendment", day, "desk-1", about=target.uuid,
                        changes={"text": [target.text, new]}, text="Amended text.")  # fmt: skip
        else:
            self.notes.remove(target)
            self._event("retraction", day, "desk-2", about=target.uuid,
                        text="Retracted: the source was misread.")  # fmt: skip
        return True


def build(
    path: Path,
    commitments: int,
    events_per: int,
    *,
    seed: int = 7,
    taskwarrior: IO[str] | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Create the database at `path`; write the Taskwarrior tasks to `taskwarrior` (a JSON
    array, one task per line) when given. Return counts of what was built."""
    if events_per < 2:
        raise ValueError("--events-per must be at least 2 (a creation and one more)")
    rng = random.Random(seed)
    plan = meeting_plan(max(4, commitments // 2_000), rng)
    store = Store.open(path)
    counts = {"commitments": 0, "events": 0}
    bar = None
    if progress:
        import click

        bar = click.progressbar(length=commitments, label="Building", file=sys.stderr)
    first_task = True
    if taskwarrior is not None:
        taskwarrior.write("[\n")
    try:
        for start in range(0, commitments, CHUNK):
            tasks: list[dict] = []

            def stream(start=start, tasks=tasks) -> Iterator[tuple[str, object, str]]:
                for meeting, periods in plan:
                    yield "meeting", meeting, f"meeting {meeting.slug}"
                    for period in periods:
                        yield "period", period, f"period {meeting.slug}/{period.name}"
                for c in range(start, min(start + CHUNK, commitments)):
                    meeting = plan[c % len(plan)][0]
                    item = Commitment(c, meeting, events_per, rng)
                    events = item.build()
                    for event in events:
                        yield "event", event, f"{item.cid} event {event.counter}"
                    counts["commitments"] += 1
                    counts["events"] += len(events)
                    if taskwarrior is not None:
                        tasks.append(_task(item, events))

            store.add_records(stream(), today=TODAY)
            if taskwarrior is not None:
                for task in tasks:
                    taskwarrior.write(("" if first_task else ",\n") + json.dumps(task))
                    first_task = False
            if bar is not None:
                bar.update(min(CHUNK, commitments - start))
    finally:
        if taskwarrior is not None:
            taskwarrior.write("\n]\n")
        if bar is not None:
            bar.render_finish()
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
    return counts


def _task(item: Commitment, events: list[Event]) -> dict:
    """The commitment as a Taskwarrior task: one annotation per event (each at its own
    second, since Taskwarrior keys annotations by their time)."""
    fields = item.fields
    annotations = []
    for n, event in enumerate(events):
        day = dt.date.fromisoformat(event.happened_on)
        text = event.text or f"{event.kind}: {fields['title']}"
        if event.status:
            text = f"{event.status}: {text}"
        stamp = f"{day:%Y%m%d}T{n // 3600 % 24:02d}{n // 60 % 60:02d}{n % 60:02d}Z"
        annotations.append({"entry": stamp, "description": text})
    task = {
        "uuid": uid("task", item.c),
        "description": f"{item.cid} {fields['title']}",
        "project": item.area,
        "status": "pending",
        "entry": item.made.strftime("%Y%m%dT000000Z"),
        "tags": list(item.parties),
        "annotations": annotations,
    }
    if fields.get("due"):
        task["due"] = dt.date.fromisoformat(fields["due"]).strftime("%Y%m%dT000000Z")
    return task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commitments", type=int, required=True)
    parser.add_argument("--events-per", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--taskwarrior", type=Path, help="Also write a Taskwarrior import file.")
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    if args.path.exists():
        parser.error(f"{args.path} exists; choose a new file")
    handle = args.taskwarrior.open("w", encoding="utf-8") if args.taskwarrior else None
    try:
        counts = build(
            args.path,
            args.commitments,
            args.events_per,
            seed=args.seed,
            taskwarrior=handle,
            progress=sys.stderr.isatty(),
        )
    finally:
        if handle is not None:
            handle.close()
    print(f"{args.path}: {counts['commitments']:,} commitments, {counts['events']:,} events",
          file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    main()
