"""The tracker's record types: meetings, commitments, events, metrics and status rows."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Meeting:
    slug: str
    title: str
    date: str
    place: str
    parties: list[str]
    context: str | None = None
    sources: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Commitment:
    id: str
    meeting: str
    area: str
    title: str
    summary: str | None
    parties: list[str]
    kind: str
    quote: str | None
    quote_by: str | None
    deadline: str | None
    due: str | None
    status: str
    created_at: str


@dataclass(slots=True)
class Event:
    uuid: str
    commitment: str
    kind: str
    happened_on: str
    recorded_at: str
    text: str | None
    source_url: str | None = None
    source_title: str | None = None
    party: str | None = None
    status: str | None = None
    value: float | None = None
    retracts: str | None = None  # for a retraction: the UUID of the event it withdraws
    changes: str | None = None  # for an edit: JSON {field: [old, new]}
    retracted: bool = False  # withdrawn by a retraction that is itself still in force
    id: int | None = None


@dataclass(frozen=True)
class Metric:
    """A quantity that shows progress: its baseline, optional target, and latest reading."""

    commitment: str
    name: str
    unit: str | None
    baseline: float
    baseline_on: str
    target: float | None = None
    latest: float | None = None
    latest_on: str | None = None

    @property
    def current(self) -> float:
        """The latest reading, or the baseline when there is none."""
        return self.baseline if self.latest is None else self.latest

    @property
    def change(self) -> float:
        return self.current - self.baseline

    @property
    def change_percent(self) -> float | None:
        return None if self.baseline == 0 else self.change / self.baseline * 100

    @property
    def progress_percent(self) -> float | None:
        """How far from baseline to target the latest reading is, in percent."""
        if self.target is None or self.target == self.baseline:
            return None
        return self.change / (self.target - self.baseline) * 100


@dataclass(slots=True)
class StatusRow:
    """One line of `track status`: a commitment with its latest activity."""

    id: str
    meeting: str
    area: str
    title: str
    parties: list[str]
    kind: str
    status: str
    party_statuses: dict[str, str]
    last_update: str
    evidence: int
    due: str | None
    overdue: bool
    due_soon: bool


def as_dict(record: Any) -> dict[str, Any]:
    """Return a record's fields as a dict (shallow, unlike dataclasses.asdict: fast)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}
