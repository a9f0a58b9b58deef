"""Scores, G7/G20 Research Group style, and the agreement between coders.

Each party's side of each commitment is a party-item. A rated party-item scores +1, 0 or -1
(see vocabulary.RATINGS); not-yet-rated, unclear, disputed and tracked items are left out of
every average, and every average says how many party-items it covers and how many it could
have covered (its coverage). Deliverables (action, quantified, collective) and assurances are
averaged separately, never pooled."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from tracker.vocabulary import (
    DISPUTED,
    NOT_YET_RATED,
    RATINGS,
    SCORE_GROUPS,
    TYPES,
    percent,
    score,
    with_article,
)

ALL = "all"


@dataclass(frozen=True)
class Average:
    """The mean of some scores as a score in [-1, 1] and a percentage, with coverage: `n`
    party-items scored out of `eligible` (those of scored types)."""

    score: float | None
    percent: float | None
    n: int
    eligible: int

    @classmethod
    def of(cls, scores: Sequence[int], *, eligible: int) -> Average:
        if not scores:
            return cls(None, None, 0, eligible)
        mean = sum(scores) / len(scores)
        return cls(round(mean, 4), round(percent(mean), 1), len(scores), eligible)

    @property
    def unrated(self) -> int:
        return self.eligible - self.n

    def coverage(self) -> str:
        """Return "31 of 43 party-items rated"."""
        return f"{self.n} of {self.eligible} party-item{'s' if self.eligible != 1 else ''} rated"

    def as_dict(self) -> dict:
        return {
            "score": self.score,
            "compliance_percent": self.percent,
            "rated": self.n,
            "unrated": self.unrated,
            "eligible": self.eligible,
        }


@dataclass(frozen=True, slots=True)
class Item:
    """One party's side of one commitment, with the rating that counts."""

    commitment: str
    party: str
    area: str
    type: str
    rating: str

    @property
    def score(self) -> int | None:
        return score(self.rating)

    @property
    def group(self) -> str | None:
        for name, types in SCORE_GROUPS.items():
            if self.type in types:
                return name
        return None


def average(items: Iterable[Item]) -> Average:
    """Return the average over items of scored types, with coverage."""
    eligible = [i for i in items if TYPES[i.type].scored]
    scores = [i.score for i in eligible if i.score is not None]
    return Average.of(scores, eligible=len(eligible))


def grouped(
    items: Sequence[Item], *, by: str, keys: Sequence[str] | None = None, group: str
) -> dict[str, Average]:
    """Return averages of one score group ("deliverables" or "assurances") by party, area or
    type, and over all of them (key ALL)."""
    mine = [i for i in items if i.group == group]
    found = keys if keys is not None else sorted({getattr(i, by) for i in mine})
    out = {key: average(i for i in mine if getattr(i, by) == key) for key in found}
    out[ALL] = average(mine)
    return out


def distribution(items: Iterable[Item], parties: Sequence[str]) -> dict[str, dict[str, int]]:
    """Return {party: {rating: count}} (PolitiFact-style counts), with ALL for every party."""
    counts: dict[str, Counter] = {p: Counter() for p in [*parties, ALL]}
    for item in items:
        if not TYPES[item.type].scored:
            continue
        counts.setdefault(item.party, Counter())[item.rating] += 1
        counts[ALL][item.rating] += 1
    order = [*RATINGS, DISPUTED]
    return {p: {r: c[r] for r in order if c[r]} for p, c in counts.items()}


# --------------------------------------------------------------------------- agreement


@dataclass(frozen=True)
class Agreement:
    """How far two coders agree on the same party-items."""

    items: int  # party-items double-coded (pairs of ratings compared)
    agreed: int
    percent: float | None
    kappa: float | None  # Cohen's kappa over the rating categories; None when undefined
    weighted_kappa: float | None  # linear weights over the -1/0/+1 scale; None when undefined
    weighted_items: int  # pairs where both ratings are scored
    coders: list[str]
    disagreements: list[dict]
    note: str | None = None

    def as_dict(self) -> dict:
        return {
            "items": self.items,
            "agreed": self.agreed,
            "percent_agreement": self.percent,
            "kappa": self.kappa,
            "weighted_kappa": self.weighted_kappa,
            "weighted_items": self.weighted_items,
            "coders": self.coders,
            "disagreements": self.disagreements,
            "note": self.note,
        }


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Return Cohen's kappa for pairs of categories, or None when it is undefined (no pairs,
    or both coders used one and the same category only, so chance agreement is 1)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def weighted_kappa(pairs: Sequence[tuple[int, int]]) -> float | None:
    """Return Cohen's weighted kappa with linear weights for pairs of scores on the -1/0/+1
    scale (full agreement weight 1, one step apart 0.5, opposite ends 0), or None when
    undefined."""
    n = len(pairs)
    if n == 0:
        return None
    levels = (-1, 0, 1)

    def weight(a: int, b: int) -> float:
        return 1 - abs(a - b) / (len(levels) - 1)

    observed = sum(weight(a, b) for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(weight(a, b) * first[a] * second[b] for a in levels for b in levels) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def agreement(codings: Iterable[tuple[str, str, str | None, str, str]]) -> Agreement:
    """Return the agreement among coders from (commitment, party, period, coder, rating) rows,
    each coder's latest rating of a party-item for a period. Every pair of coders who rated
    the same party-item for the same period is compared."""
    by_item: dict[tuple[str, str, str | None], dict[str, str]] = {}
    for commitment, party, period, coder, rating in codings:
        if rating in (NOT_YET_RATED,):
            continue
        by_item.setdefault((commitment, party, period), {})[coder] = rating
    pairs: list[tuple[str, str]] = []
    disagreements = []
    coders: set[str] = set()
    for (commitment, party, period), ratings in sorted(by_item.items(), key=lambda kv: str(kv[0])):
        if len(ratings) < 2:
            continue
        for (c1, r1), (c2, r2) in combinations(sorted(ratings.items()), 2):
            coders.update((c1, c2))
            pairs.append((r1, r2))
            if r1 != r2:
                disagreements.append(
                    {
                        "commitment": commitment,
                        "party": party,
                        "period": period,
                        "ratings": {c1: r1, c2: r2},
                    }
                )
    scored = [(score(a), score(b)) for a, b in pairs]
    scored = [(a, b) for a, b in scored if a is not None and b is not None]
    agreed = sum(a == b for a, b in pairs)
    kappa = cohen_kappa(pairs)
    note = None
    if pairs and kappa is None:
        note = "kappa is undefined: every rating fell in one category, so agreement by chance is 1"
    return Agreement(
        items=len(pairs),
        agreed=agreed,
        percent=round(agreed / len(pairs) * 100, 1) if pairs else None,
        kappa=None if kappa is None else round(kappa, 3),
        weighted_kappa=None if (wk := weighted_kappa(scored)) is None else round(wk, 3),
        weighted_items=len(scored),
        coders=sorted(coders),
        disagreements=disagreements,
        note=note,
    )


# --------------------------------------------------------------------------- score grids


@dataclass
class Grid:
    """A meeting's commitments x parties, each cell the rating that counts for a period (None
    where the party is not one of the commitment's)."""

    meeting: str
    period: str | None
    parties: list[str]
    names: dict[str, str]
    rows: list[dict]  # {id, title, area, type, cells: {party: rating or None}}

    def score(self, row: dict, party: str) -> int | None:
        rating = row["cells"].get(party)
        return None if rating is None or not TYPES[row["type"]].scored else score(rating)


@dataclass(frozen=True)
class Mean:
    """An average as the G20 Research Group publishes it: over the cells scored, blanks left
    out; the percentage from the unrounded average."""

    average: float | None
    n: int

    @classmethod
    def of(cls, scores: Sequence[int]) -> Mean:
        return cls(sum(scores) / len(scores) if scores else None, len(scores))

    @property
    def percent(self) -> float | None:
        return None if self.average is None else percent(self.average)

    def as_dict(self) -> dict:
        return {"average": self.average, "percent": self.percent, "n": self.n}

    def printed(self) -> tuple[str, str]:
        """The average and percentage as the Research Group prints them: two decimals with
        a sign (0.00 for zero), a whole percentage, halves rounded up."""
        if self.average is None:
            return ("", "")
        return (signed(self.average), str(half_up(self.percent, 0)))


def half_up(value: float, places: int):
    """Round half away from zero, as printed reports do (not Python's half to even)."""
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return int(rounded) if places == 0 else float(rounded)


def signed(average: float) -> str:
    value = half_up(average, 2)
    return "0.00" if value == 0 else f"{value:+.2f}"


def grid_means(grid: Grid) -> dict:
    """Return the per-party, per-commitment and overall means of a grid."""
    by_party: dict[str, list[int]] = {p: [] for p in grid.parties}
    by_commitment: dict[str, list[int]] = {}
    every: list[int] = []
    for row in grid.rows:
        mine = by_commitment.setdefault(row["id"], [])
        for party in grid.parties:
            value = grid.score(row, party)
            if value is None:
                continue
            by_party[party].append(value)
            mine.append(value)
            every.append(value)
    return {
        "parties": {p: Mean.of(v) for p, v in by_party.items()},
        "commitments": {c: Mean.of(v) for c, v in by_commitment.items()},
        "overall": Mean.of(every),
    }


NUMBERS = {"+1": 1, "1": 1, "0": 0, "-1": -1, "+0": 0, "-0": 0}
BLANKS = {"", "n/a", "na", "-", "—", "–"}
SKIPPED_COLUMNS = {"average", "avg", "percent", "%", "n", "score", "title"}
SKIPPED_ROWS = {"average", "percent", "overall", "final score", "n", "%"}
FROM_SCORE = {
    "assurance": {1: "maintained", 0: "contested", -1: "violated"},
    None: {1: "fulfilled", 0: "partial", -1: "not-started"},
}


def _cleaned(text: str) -> str:
    """A cell as compared: trimmed, lower case, a minus sign or en dash read as "-"."""
    return text.strip().replace("\u2212", "-").replace("\u2013", "-").lower()


def _is_number(text: str) -> bool:
    return _cleaned(text) in NUMBERS


def cell_rating(text: str, type_: str) -> str | None:
    """Return the rating a score-table cell records for a commitment of `type_` (None for a
    blank), or raise ValueError saying what is wrong with it."""
    cleaned = _cleaned(text)
    if cleaned in BLANKS:
        return None
    kind = TYPES[type_]
    if not kind.scored:
        raise ValueError(f"{with_article(type_)} is tracked, never scored")
    if cleaned in NUMBERS:
        table = FROM_SCORE.get(type_, FROM_SCORE[None])
        return table[NUMBERS[cleaned]]
    if cleaned in kind.ratings:
        return cleaned
    raise ValueError(
        f"{text.strip()[:20]!r} is not -1, 0, +1, a rating for {with_article(type_)}, or blank"
    )


def build_grid(store, *, meeting: str, period: str | None, as_of) -> Grid:
    """Return the grid of a meeting's commitments in force for a period (the ratings made
    for it, on the evidence up to `as_of`), or the current ratings when `period` is None."""
    found = store.meeting(meeting)
    uids = [
        r[0]
        for r in store.conn.execute(
            "SELECT uid FROM commitments WHERE meeting = ? AND NOT withdrawn", [found.slug]
        )
    ]
    rows = []
    for cid, state in store.iter_states(as_of=as_of, period=period, uids=uids):
        c = state.commitment
        cells = {p: (r.rating if p in c.parties else None) for p, r in state.party_ratings.items()}
        coders = {p: r.coder for p, r in state.party_ratings.items() if p in c.parties}
        rows.append(
            {"id": cid, "title": c.title, "area": c.area, "type": c.type, "cells": cells,
             "coders": coders, "parties": list(c.parties)}
        )  # fmt: skip
    from tracker.vocabulary import natural_key

    rows.sort(key=lambda r: natural_key(r["id"]))
    return Grid(
        meeting=found.slug,
        period=period,
        parties=list(found.parties),
        names={p: found.party_name(p) for p in found.parties},
        rows=rows,
    )


def read_table(path, grid: Grid) -> list[tuple[str, str, str, int, str | None]]:
    """Return (commitment, party, rating, row number, the cell's current rating when the cell
    is a number giving the score it already has, else None) for every filled cell of a score table
    (CSV: the commitment ID first, then one column per party code), or raise InvalidValue
    naming every bad cell by row and column. Columns and rows of averages are skipped."""
    import csv

    from tracker.errors import InvalidValue
    from tracker.files import check_input

    check_input(path, what="score table")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError as error:
        raise InvalidValue(f"{path.name} is not UTF-8 text: {error.reason}.") from None
    except csv.Error as error:
        raise InvalidValue(f"{path.name} is not a CSV file: {error}.") from None
    if not rows:
        raise InvalidValue(f"{path.name} is empty.")
    header = [h.strip() for h in rows[0]]
    columns: dict[int, str] = {}
    problems = []
    for index, name in enumerate(header[1:], start=1):
        if name.lower() in SKIPPED_COLUMNS or not name:
            continue
        code = name.upper()
        if code not in grid.parties:
            problems.append(f"column {name[:20]!r} is not a party of {grid.meeting}")
        elif code in columns.values():
            problems.append(f"column {code} appears twice")
        else:
            columns[index] = code
    known = {r["id"]: r for r in grid.rows}
    cells = []
    seen_rows: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip() or row[0].strip().lower() in SKIPPED_ROWS:
            continue
        cid = row[0].strip().upper()
        commitment = known.get(cid)
        if commitment is None:
            problems.append(
                f"row {number}: no commitment {row[0].strip()[:20]!r} in {grid.meeting}"
            )
            continue
        if cid in seen_rows:
            problems.append(f"row {number}: {cid} appears twice")
            continue
        seen_rows.add(cid)
        for index, party in columns.items():
            text = row[index] if index < len(row) else ""
            try:
                rating = cell_rating(text, commitment["type"])
            except ValueError as error:
                problems.append(f"row {number}, column {party}: {error}")
                continue
            if rating is None:
                continue
            if party not in commitment["parties"]:
                problems.append(f"row {number}, column {party}: {party} is not a party of {cid}")
                continue
            # a number that is the score the cell already has (in-progress and partial both
            # score 0) is read as the rating the cell has: a table exported and imported again
            # leaves every average as it was, and a second coder who gives the same score
            # agrees instead of disputing
            current = None
            if _is_number(text) and grid.score(commitment, party) == score(rating):
                current = commitment["cells"][party]
                rating = current
            cells.append((cid, party, rating, number, current))
    if problems:
        shown = "; ".join(problems[:8])
        more = f"; and {len(problems) - 8} more" if len(problems) > 8 else ""
        raise InvalidValue(f"{path.name}: {shown}{more}.")
    return cells


def import_table(
    store,
    path,
    *,
    meeting: str,
    period: str,
    coder: str,
    today,
    dry_run: bool = False,
):
    """Record every filled cell of a score table as an assessment for the period (all or
    nothing; a second import of the same table adds nothing); return the load summary."""
    import uuid

    from tracker.dates import utc_now
    from tracker.records import Event
    from tracker.seeds import SEED_NAMESPACE
    from tracker.store import last_day

    found = store.period(period, meeting=meeting)
    as_of = last_day(found, today=today)
    grid = build_grid(store, meeting=found.meeting, period=found.name, as_of=as_of)
    cells = read_table(path, grid)
    uids = dict(
        store.conn.execute(
            "SELECT id, uid FROM commitments WHERE meeting = ? AND NOT withdrawn", [found.meeting]
        )
    )
    declared = dict(store.conn.execute("SELECT uid, declared_id FROM commitments"))
    now = utc_now()
    base = store.conn.execute("SELECT coalesce(max(counter), 0) + 1 FROM events").fetchone()[0]
    events = []
    coders = {r["id"]: r.get("coders", {}) for r in grid.rows}
    for offset, (cid, party, rating, number, current) in enumerate(cells):
        if current is not None and coders[cid].get(party) == coder:
            continue  # this coder's own rating, read back: nothing new
        key = f"scores/{found.meeting}/{found.name}/{coder}/{cid}/{party}/{rating}"
        events.append(
            (
                "event",
                Event(
                    uuid=str(uuid.uuid5(SEED_NAMESPACE, key)),
                    commitment=declared[uids[cid]],
                    commitment_uid=uids[cid],
                    kind="assessment",
                    happened_on=as_of.isoformat(),
                    recorded_at=now,
                    author=coder,
                    device=store.device,
                    counter=base + offset,
                    # the same cell of the same table gives the same event, whichever file
                    # or row it came from and whoever's database imported it
                    text=f"Scored {rating} for {party} in the {found.name} score table.",
                    party=party,
                    status=rating,
                    period=found.name,
                ),
                f"{path.name}: row {number}, column {party}",
            )
        )
    return store.add_records(events, today=today, dry_run=dry_run), len(cells)


CELL_MARKS = {1: "+1", 0: "0", -1: "-1"}


def render_grid(grid: Grid, output_format: str, *, scope: str = "deliverables") -> str:
    """Return a grid as a compact table (one narrow column per party, for a terminal even at
    twenty parties), CSV (numbers, for spreadsheets) or JSON (saying which `scope` of
    commitments it holds)."""
    means = grid_means(grid)
    if output_format == "json":
        from tracker.formats import to_json

        return (
            to_json(
                {
                    "format": "track-scores/1",
                    "meeting": grid.meeting,
                    "period": grid.period,
                    "scope": scope,
                    "parties": {p: m.as_dict() for p, m in means["parties"].items()},
                    "commitments": {c: m.as_dict() for c, m in means["commitments"].items()},
                    "overall": means["overall"].as_dict(),
                    "names": grid.names,
                    "grid": {
                        r["id"]: {p: grid.score(r, p) for p in grid.parties if p in r["parties"]}
                        for r in grid.rows
                    },
                    "ratings": {r["id"]: r["cells"] for r in grid.rows},
                }
            )
            + "\n"
        )
    if output_format == "csv":
        return _grid_csv(grid, means)
    return _grid_table(grid, means, scope)


def _grid_csv(grid: Grid, means: dict) -> str:
    import csv
    import io

    from tracker.escape import csv_cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["commitment", *grid.parties, "average", "percent", "n"])
    for row in grid.rows:
        mean = means["commitments"][row["id"]]
        writer.writerow(
            [csv_cell(row["id"])]
            + ["" if grid.score(row, p) is None else grid.score(row, p) for p in grid.parties]
            + [_number(mean.average), _number(mean.percent), mean.n]
        )
    overall = means["overall"]
    parties = means["parties"]
    writer.writerow(["average", *(_number(parties[p].average) for p in grid.parties),
                     _number(overall.average), _number(overall.percent), overall.n])  # fmt: skip
    writer.writerow(["percent", *(_number(parties[p].percent) for p in grid.parties), "", "", ""])
    writer.writerow(["n", *(parties[p].n for p in grid.parties), "", "", ""])
    return out.getvalue()


def _number(value: float | None):
    return "" if value is None else round(value, 6)


def _grid_table(grid: Grid, means: dict, scope: str) -> str:
    from tracker.escape import terminal

    width = max([len(p) for p in grid.parties] + [2])
    idw = max([len(r["id"]) for r in grid.rows] + [len("Commitment")])
    head = "Commitment".ljust(idw) + " " + " ".join(p.rjust(width) for p in grid.parties)
    head += "    Avg     %   n"
    lines = [head, "-" * len(head)]
    for row in grid.rows:
        cells = []
        for party in grid.parties:
            if party not in row["parties"]:
                cells.append("".rjust(width))
                continue
            value = grid.score(row, party)
            rating = row["cells"].get(party)
            mark = (
                CELL_MARKS[value] if value is not None else ("?" if rating == "disputed" else "·")
            )
            cells.append(mark.rjust(width))
        mean = means["commitments"][row["id"]]
        average, pct = mean.printed()
        lines.append(
            terminal(row["id"]).ljust(idw) + " " + " ".join(cells)
            + f" {average:>6} {pct:>5} {mean.n:>3}"
        )  # fmt: skip
    lines.append("-" * len(head))
    parties = means["parties"]
    overall = means["overall"]
    average, pct = overall.printed()
    lines += [
        f"Overall: {average or 'n/a'}" + (f" ({pct}%)" if pct else "")
        + f" over {overall.n} cells scored. · not yet rated, ? disputed, blank: not a party.",
        "",
        "Party".ljust(max(width + 2, 7)) + "Name".ljust(24) + "   Avg     %   n",
    ]  # fmt: skip
    for p in grid.parties:
        average, pct = parties[p].printed()
        name = terminal(grid.names.get(p, p))[:23]
        lines.append(
            f"{p.ljust(max(width + 2, 7))}{name.ljust(24)}{average or 'n/a':>6} {pct:>5} "
            f"{parties[p].n:>3}"
        )
    title = f"{grid.meeting}" + (f", {grid.period} period" if grid.period else ", ratings now")
    title += f": {scope}"
    return title + "\n\n" + "\n".join(lines) + "\n"
