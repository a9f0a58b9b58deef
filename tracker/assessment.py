"""Scoring, G7/G20 Research Group style: each commitment scored per party (+1 fulfilled,
0 partial or in progress, -1 not started, stalled or broken), averaged per party and area,
and converted to a compliance percentage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tracker.model import StatusRow
from tracker.vocabulary import percent, score

ALL = "all"


@dataclass(frozen=True)
class Average:
    """The mean of some scores, as a score in [-1, 1] and a percentage."""

    score: float | None
    percent: float | None
    scored: int

    @classmethod
    def of(cls, scores: Sequence[int]) -> Average:
        if not scores:
            return cls(None, None, 0)
        mean = sum(scores) / len(scores)
        return cls(round(mean, 4), round(percent(mean), 1), len(scores))


def party_scores(row: StatusRow) -> dict[str, int | None]:
    """Return each party's score on a commitment (None when the status or kind is unscored)."""
    return {party: score(status, row.kind) for party, status in row.party_statuses.items()}


def compliance_matrix(
    rows: Iterable[StatusRow], *, parties: Sequence[str], areas: Sequence[str]
) -> dict[str, dict[str, Average]]:
    """Return average scores by party (and ALL parties), then by area (and ALL areas)."""
    cells: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        for party, value in party_scores(row).items():
            if value is None:
                continue
            for p in (party, ALL):
                for a in (row.area, ALL):
                    cells.setdefault((p, a), []).append(value)
    return {
        p: {a: Average.of(cells.get((p, a), [])) for a in [*areas, ALL]} for p in [*parties, ALL]
    }
