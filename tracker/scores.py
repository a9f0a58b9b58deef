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


@dataclass(frozen=True)
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
