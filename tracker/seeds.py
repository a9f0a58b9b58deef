"""Reading meeting files (TOML): a meeting, its commitments, and dated evidence."""

from __future__ import annotations

import datetime as dt
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.errors import InvalidDate, InvalidValue, SeedError
from tracker.vocabulary import check_kind, check_new_id, check_party, check_status, check_text

if TYPE_CHECKING:
    from tracker.loading import LoadSummary
    from tracker.store import Store

BUNDLED = ("woodside-2023.toml", "woodside-2023-followup.toml")
# Fixed namespace so the same seed event always gets the same UUID (imports stay idempotent).
SEED_NAMESPACE = uuid.UUID("6f4f1f0e-2c1b-4f43-9d8e-5b7c1a3e0d21")


@dataclass
class SeedMeeting:
    slug: str
    title: str
    date: str
    place: str | None
    parties: list[str]
    context: str | None
    sources: list[dict[str, str]]


@dataclass
class SeedCommitment:
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
    metric: SeedMetric | None = None


@dataclass
class SeedMetric:
    name: str
    unit: str | None
    baseline: float
    baseline_on: str
    target: float | None


@dataclass
class SeedEvent:
    uuid: str
    commitment: str
    kind: str
    happened_on: str
    text: str
    source_url: str | None
    source_title: str | None
    party: str | None
    status: str | None
    value: float | None = None


@dataclass
class SeedData:
    meetings: list[SeedMeeting] = field(default_factory=list)
    commitments: list[SeedCommitment] = field(default_factory=list)
    events: list[SeedEvent] = field(default_factory=list)

    def extend(self, other: SeedData) -> None:
        """Add another file's records after this one's."""
        self.meetings += other.meetings
        self.commitments += other.commitments
        self.events += other.events


def bundled_paths() -> list[Path]:
    """Return the paths of the seed files shipped inside the package (as `tracker.bundled`)."""
    try:
        folder = Path(str(resources.files("tracker.bundled")))
    except ModuleNotFoundError:  # imported from a source checkout: the files are in seeds/
        folder = Path(__file__).resolve().parent.parent / "seeds"
    return [folder / name for name in BUNDLED]


def create_database(
    path: Path,
    *,
    seed_files: list[Path] | None = None,
    data: SeedData | None = None,
    busy_timeout: float = 10.0,
) -> tuple[Store, LoadSummary]:
    """Create the database at `path` loaded with seed files: the bundled ones when None, none
    when empty. The files are read and checked (unless `data`, already read from them, is
    given) before anything is created."""
    from tracker.loading import LoadSummary
    from tracker.store import Store

    files = bundled_paths() if seed_files is None else list(seed_files)
    if data is None:
        data = read_files(files)
    store = Store.open(path, busy_timeout=busy_timeout)
    # skip_existing: a process that created the same new file a moment earlier has loaded it
    summary = store.load(data, skip_existing=True) if files else LoadSummary(0, 0, 0)
    return store, summary


def read_files(paths: Iterable[Path]) -> SeedData:
    """Return the records of several seed files, in order, or raise SeedError."""
    data = SeedData()
    for path in paths:
        data.extend(read_file(Path(path)))
    return data


def read_file(path: Path) -> SeedData:
    """Return the records of one seed file, or raise SeedError naming the record and field."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise SeedError(f"Seed file {path} does not exist.") from None
    except IsADirectoryError:
        raise SeedError(f"Seed file {path} is a folder, not a TOML file.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SeedError(f"{path} is not valid TOML: {error}") from None
    return _Reader(path).read(raw)


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.where = str(path)

    def read(self, raw: dict[str, Any]) -> SeedData:
        unknown = set(raw) - {"meeting", "commitments", "events"}
        if unknown:
            self.fail(f"unknown top-level key {sorted(unknown)[0]!r}")
        data = SeedData()
        default_meeting = None
        if "meeting" in raw:
            self.where = f"{self.path}: [meeting]"
            meeting = self.meeting(self.table(raw["meeting"]))
            data.meetings.append(meeting)
            default_meeting = meeting.slug
        for index, record in enumerate(self.array(raw, "commitments")):
            self.where = f"{self.path}: commitments[{index}]"
            data.commitments.append(self.commitment(self.table(record), default_meeting))
        for index, record in enumerate(self.array(raw, "events")):
            self.where = f"{self.path}: events[{index}]"
            data.events.append(self.event(self.table(record)))
        if not (data.meetings or data.commitments or data.events):
            self.where = str(self.path)
            self.fail("no [meeting], [[commitments]] or [[events]] found")
        return data

    def fail(self, message: str) -> None:
        raise SeedError(f"{self.where}: {message}")

    def table(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail("expected a table")
        return value

    def array(self, raw: dict[str, Any], key: str) -> list[Any]:
        value = raw.get(key, [])
        if not isinstance(value, list):
            self.where = f"{self.path}: {key}"
            self.fail(f"expected [[{key}]] entries")
        return value

    def field(self, record: dict[str, Any], key: str, *, required: bool = False) -> str | None:
        value = record.get(key)
        if value is None:
            if required:
                self.fail(f"field {key!r} is missing")
            return None
        if not isinstance(value, str):
            self.fail(f"field {key!r} must be a string")
        try:
            return check_text(value, f"field {key!r}")
        except InvalidValue as error:
            if required:
                self.fail(str(error))
            return None

    def checked(self, key: str, check, value: Any) -> Any:
        try:
            return check(value)
        except (InvalidValue, InvalidDate) as error:
            self.fail(f"field {key!r}: {error}")

    def date(self, record: dict[str, Any], key: str, *, required: bool = False) -> str | None:
        value = record.get(key)
        if value is None:
            if required:
                self.fail(f"field {key!r} is missing")
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        self.fail(f"field {key!r} must be a date like 2024-01-30")
        return None

    def parties(self, record: dict[str, Any]) -> list[str]:
        value = record.get("parties")
        if not isinstance(value, list) or not value:
            self.fail('field \'parties\' must be a non-empty list such as ["US", "CN"]')
        parties = [self.checked("parties", check_party, str(item)) for item in value]
        return list(dict.fromkeys(parties))

    def known_keys(self, record: dict[str, Any], keys: set[str]) -> None:
        unknown = set(record) - keys
        if unknown:
            self.fail(f"unknown field {sorted(unknown)[0]!r}")

    def meeting(self, record: dict[str, Any]) -> SeedMeeting:
        self.known_keys(record, {"slug", "title", "date", "place", "parties", "context", "sources"})
        sources = record.get("sources", [])
        if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
            self.fail("field 'sources' must be [[meeting.sources]] tables")
        return SeedMeeting(
            slug=self.field(record, "slug", required=True).lower(),
            title=self.field(record, "title", required=True),
            date=self.date(record, "date", required=True),
            place=self.field(record, "place"),
            parties=self.parties(record),
            context=self.field(record, "context"),
            sources=[{k: str(v) for k, v in source.items()} for source in sources],
        )

    def commitment(self, record: dict[str, Any], default_meeting: str | None) -> SeedCommitment:
        commitment_id = self.checked("id", check_new_id, self.field(record, "id", required=True))
        self.where += f" ({commitment_id})"
        self.known_keys(
            record,
            {
                "id",
                "meeting",
                "area",
                "title",
                "summary",
                "parties",
                "kind",
                "quote",
                "quote_by",
                "deadline",
                "due",
                "status",
                "metric",
            },
        )
        meeting = self.field(record, "meeting") or default_meeting
        if meeting is None:
            self.fail("field 'meeting' is missing and the file has no [meeting]")
        return SeedCommitment(
            id=commitment_id,
            meeting=meeting.lower(),
            area=self.field(record, "area", required=True).lower(),
            title=self.field(record, "title", required=True),
            summary=self.field(record, "summary"),
            parties=self.parties(record),
            kind=self.checked("kind", check_kind, self.field(record, "kind") or "joint"),
            quote=self.field(record, "quote"),
            quote_by=self.field(record, "quote_by"),
            deadline=self.field(record, "deadline"),
            due=self.date(record, "due"),
            status=self.checked(
                "status", check_status, self.field(record, "status") or "not-started"
            ),
            metric=self.metric(record["metric"]) if "metric" in record else None,
        )

    def metric(self, value: Any) -> SeedMetric:
        self.where += ": metric"
        record = self.table(value)
        self.known_keys(record, {"name", "unit", "baseline", "baseline_on", "target"})
        return SeedMetric(
            name=self.field(record, "name", required=True),
            unit=self.field(record, "unit"),
            baseline=self.number(record, "baseline", required=True),
            baseline_on=self.date(record, "baseline_on", required=True),
            target=self.number(record, "target"),
        )

    def number(self, record: dict[str, Any], key: str, *, required: bool = False) -> float | None:
        value = record.get(key)
        if value is None:
            if required:
                self.fail(f"field {key!r} is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            self.fail(f"field {key!r} must be a number")
        return float(value)

    def event(self, record: dict[str, Any]) -> SeedEvent:
        self.known_keys(
            record,
            {
                "uuid",
                "commitment",
                "on",
                "text",
                "source",
                "source_title",
                "party",
                "status",
                "value",
            },
        )
        commitment = self.field(record, "commitment", required=True).upper()
        self.where += f" ({commitment})"
        happened_on = self.date(record, "on", required=True)
        text = self.field(record, "text", required=True)
        status = record.get("status")
        if status is not None:
            status = self.checked("status", check_status, str(status))
        party = record.get("party")
        if party is not None:
            party = self.checked("party", check_party, str(party))
        source_url = self.field(record, "source")
        value = self.number(record, "value")
        kind = "status" if status else ("measure" if value is not None else "note")
        event_uuid = self.field(record, "uuid") or str(
            uuid.uuid5(
                SEED_NAMESPACE,
                "\x1f".join(
                    [commitment, happened_on, kind, status or "", party or "", text]
                    + ([repr(value)] if value is not None else [])
                ),
            )
        )
        return SeedEvent(
            uuid=event_uuid,
            commitment=commitment,
            kind=kind,
            happened_on=happened_on,
            text=text,
            source_url=source_url,
            source_title=self.field(record, "source_title"),
            party=party,
            status=status,
            value=value,
        )
