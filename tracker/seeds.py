"""Reading meeting files (TOML) into records: a meeting with its periods, its commitments and
dated evidence and assessments. Pure: reads files, touches no database.

Everything read from a seed gets a deterministic identity (from the meeting slug, the
commitment ID or the event's key or content), so two databases loaded from the same files
hold identical records."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tracker.errors import InvalidDate, InvalidValue, SeedError
from tracker.files import FileRefused, check_input
from tracker.records import (
    Commitment,
    Event,
    Meeting,
    Period,
    a_number,
    a_ref,
    evidence_list,
    expand_parties,
    iso_date,
    line,
    list_of,
    slug,
    source,
    tag,
    text,
)
from tracker.vocabulary import check_confidence, check_party_code, check_rating, check_stance

BUNDLED = (
    "woodside-2023.toml",
    "lima-2024.toml",
    "busan-2025.toml",
    "beijing-2026.toml",
    "woodside-2023-evidence.toml",
    "woodside-2023-assessments.toml",
)
# Fixed namespace: the same seed record always gets the same UUID.
SEED_NAMESPACE = uuid.UUID("6f4f1f0e-2c1b-4f43-9d8e-5b7c1a3e0d21")
SEED_AUTHOR = "seed"
SEED_DEVICE = "seed"
# Lamport counters of seeded events, so that their order is causal: a creation (0) comes
# before the evidence on it (1), which comes before the ratings that rest on it (2).
EVIDENCE_COUNTER = 1
RATING_COUNTER = 2
MAX_SEED_BYTES = 50_000_000
# Old seed files said `kind`; it maps to a type and a formality.
LEGACY_KINDS = {
    "joint": ("action", None),
    "unilateral": ("action", None),
    "expected": ("action", "reported"),
    "principle": ("principle", None),
}


def commitment_uid(meeting: str, commitment_id: str) -> str:
    """Return the deterministic uuid of a seeded commitment's creation."""
    return str(uuid.uuid5(SEED_NAMESPACE, f"commitment/{meeting}/{commitment_id}"))


def event_uid(key: str) -> str:
    """Return the deterministic uuid of a seeded event with this key."""
    return str(uuid.uuid5(SEED_NAMESPACE, f"event/{key}"))


@dataclass
class SeedData:
    """The records read from seed files: meetings and periods as such, commitments as their
    creation events, then evidence and assessments (whose commitment_uid, when the commitment
    is not in the same files, the loader fills in from the database)."""

    meetings: list[Meeting] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # where each event came from

    def extend(self, other: SeedData) -> None:
        """Add another file's records after this one's."""
        self.meetings += other.meetings
        self.periods += other.periods
        self.events += other.events
        self.labels += other.labels

    @property
    def commitments(self) -> list[Event]:
        return [e for e in self.events if e.kind == "created"]


def bundled_paths() -> list[Path]:
    """Return the paths of the seed files shipped inside the package (as `tracker.bundled`)."""
    try:
        folder = Path(str(resources.files("tracker.bundled")))
    except ModuleNotFoundError:  # imported from a source checkout: the files are in seeds/
        folder = Path(__file__).resolve().parent.parent / "seeds"
    return [folder / name for name in BUNDLED]


def read_files(paths: Iterable[Path], *, strict: bool = True) -> SeedData:
    """Return the records of several seed files, or raise SeedError. The files' meetings are
    read first, so a file may refer to a meeting defined in a file named after it. Unless
    `strict` is False, two records with one identity (a commitment ID, an event key) are an
    error."""
    loaded = [(Path(path), load_toml(Path(path))) for path in paths]
    meetings: dict[str, Meeting] = {}
    for path, raw in loaded:
        table = raw.get("meeting")
        if isinstance(table, dict):
            try:
                found = Meeting.from_raw(table, f"{path}: [meeting]", allow={"periods"})
            except (InvalidValue, InvalidDate) as error:
                raise SeedError(str(error)) from None
            meetings[found.slug] = found
    data = SeedData()
    for path, raw in loaded:
        data.extend(_read(path, raw, meetings))
    found = duplicates(data)
    if strict and found:
        raise SeedError(found[0])
    return data


def duplicates(data: SeedData) -> list[str]:
    """Return a line for each record that repeats an earlier one's identity with other
    content (an exact repeat is harmless: it is loaded once)."""
    seen: dict[str, tuple[Event, str]] = {}
    problems = []
    for event, label in zip(data.events, data.labels, strict=True):
        earlier = seen.get(event.uuid)
        if earlier is None:
            seen[event.uuid] = (event, label)
        elif earlier[0] != event:
            what = f"commitment {event.commitment}" if event.kind == "created" else "key"
            problems.append(f"{label}: repeats the {what} of {earlier[1]}.")
    return problems


def load_toml(path: Path) -> dict[str, Any]:
    """Return a TOML file's contents, or raise SeedError saying what is wrong with it."""
    try:
        check_input(path, what="TOML file")
        if path.stat().st_size > MAX_SEED_BYTES:
            raise SeedError(f"{path} is larger than {MAX_SEED_BYTES // 1_000_000} MB.")
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileRefused as error:
        raise SeedError(str(error)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SeedError(f"{path} is not valid TOML: {error}") from None
    except RecursionError:
        raise SeedError(f"{path} is nested too deeply to read.") from None
    except OSError as error:
        raise SeedError(f"Cannot read {path}: {error.strerror}.") from None


def read_file(path: Path, *, meetings: dict[str, Meeting] | None = None) -> SeedData:
    """Return the records of one seed file, or raise SeedError naming the record and field.
    `meetings` holds the meetings read so far, by slug."""
    return _read(path, load_toml(path), meetings if meetings is not None else {})


def _read(path: Path, raw: dict[str, Any], meetings: dict[str, Meeting]) -> SeedData:
    try:
        return _Reader(path, meetings).read(raw)
    except (InvalidValue, InvalidDate) as error:
        raise SeedError(str(error)) from None
    except RecursionError:
        raise SeedError(f"{path} is nested too deeply to read.") from None


_TABLE_HEADER = re.compile(
    r"^\s*\[\[\s*(commitments|events|assessments)\s*\]\]|^\s*\[\s*(meeting)\s*\]"
)


def header_lines(path: Path) -> dict[str, list[int]]:
    """Return the line numbers of each [[commitments]], [[events]], [[assessments]] and
    [meeting] header of a TOML file, in order (for messages that point at a line)."""
    found: dict[str, list[int]] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return found
    for number, text_line in enumerate(text.splitlines(), start=1):
        match = _TABLE_HEADER.match(text_line)
        if match:
            found.setdefault(match.group(1) or match.group(2), []).append(number)
    return found


_COMMITMENT_EXTRAS = {"kind", "status"}
_EVENT_KEYS = {
    "key", "commitment", "on", "text", "source", "source_title", "sources", "party", "status",
    "rating", "period", "confidence", "evidence", "stance", "tags", "value", "coder",
}  # fmt: skip
_ASSESSMENT_KEYS = {
    "key", "commitment", "on", "party", "rating", "period", "confidence", "rationale",
    "evidence", "coder",
}  # fmt: skip


class _Reader:
    def __init__(self, path: Path, meetings: dict[str, Meeting]):
        self.path = path
        self.meetings = meetings  # by slug, across the files read together
        self.made: dict[str, tuple[str, str]] = {}  # commitment ID -> (uid, meeting date)
        self.lines = header_lines(path)

    def where(self, what: str, section: str | None = None, index: int = 0) -> str:
        """Return "file:line: what" (the line of the record's table header, where known)."""
        lines = self.lines.get(section or "", [])
        if index < len(lines):
            return f"{self.path}:{lines[index]}: {what}"
        return f"{self.path}: {what}"

    def read(self, raw: dict[str, Any]) -> SeedData:
        unknown = set(raw) - {"meeting", "commitments", "events", "assessments"}
        if unknown:
            raise SeedError(self.where(f"unknown top-level key {sorted(unknown)[0][:40]!r}"))
        data = SeedData()
        default_meeting = None
        if "meeting" in raw:
            meeting, periods = self.meeting(raw["meeting"])
            data.meetings.append(meeting)
            data.periods += periods
            self.meetings[meeting.slug] = meeting
            default_meeting = meeting.slug
        for index, record in enumerate(self.array(raw, "commitments")):
            where = self.where(f"commitments[{index}]", "commitments", index)
            event = self.commitment(record, default_meeting, where)
            data.events.append(event)
            data.labels.append(f"{where} ({event.commitment})")
        for index, record in enumerate(self.array(raw, "events")):
            where = self.where(f"events[{index}]", "events", index)
            data.events.append(self.event(record, where))
            data.labels.append(where)
        for index, record in enumerate(self.array(raw, "assessments")):
            where = self.where(f"assessments[{index}]", "assessments", index)
            data.events.append(self.assessment(record, where))
            data.labels.append(where)
        if not (data.meetings or data.events):
            raise SeedError(
                self.where("no [meeting], [[commitments]], [[events]] or [[assessments]] found")
            )
        return data

    def array(self, raw: dict[str, Any], key: str) -> list[Any]:
        value = raw.get(key, [])
        if not isinstance(value, list):
            raise SeedError(self.where(f"{key}: expected [[{key}]] entries"))
        return value

    def meeting(self, record: Any) -> tuple[Meeting, list[Period]]:
        where = self.where("[meeting]", "meeting")
        if not isinstance(record, dict):
            raise SeedError(f"{where}: expected a table")
        periods_raw = record.get("periods", [])
        meeting = Meeting.from_raw(record, where, allow={"periods"})
        if not isinstance(periods_raw, list):
            raise SeedError(f"{where}: field 'periods': expected [[meeting.periods]] entries")
        periods = [
            Period.from_raw({**p, "meeting": meeting.slug}, f"{where} periods[{i}]")
            if isinstance(p, dict)
            else Period.from_raw(p, f"{where} periods[{i}]")
            for i, p in enumerate(periods_raw)
        ]
        return meeting, periods

    def commitment(self, record: Any, default_meeting: str | None, where: str) -> Event:
        if not isinstance(record, dict):
            raise SeedError(f"{where}: expected a table")
        record = dict(record)
        if "id" in record and isinstance(record["id"], str):
            where += f" ({record['id']})"
        kind = record.pop("kind", None)
        if kind is not None:  # files written for track 0.1
            if not isinstance(kind, str) or kind not in LEGACY_KINDS:
                raise InvalidValue(
                    f"{where}: field 'kind': use 'type' ({', '.join(LEGACY_KINDS)})."
                )
            type_, formality = LEGACY_KINDS[kind]
            record.setdefault("type", type_)
            if formality:
                record.setdefault("formality", formality)
        status = record.pop("status", None)
        if status not in (None, "not-started", "not-yet-rated"):
            raise InvalidValue(
                f"{where}: field 'status': a commitment starts not yet rated; record its "
                "rating as an [[assessments]] entry instead."
            )
        record.setdefault("meeting", default_meeting)
        if record["meeting"] is None:
            raise InvalidValue(f"{where}: field 'meeting' is missing and the file has no [meeting]")
        meeting = self.meetings.get(str(record["meeting"]).strip().lower())
        if meeting is None:
            raise InvalidValue(
                f"{where}: meeting {str(record['meeting'])[:40]!r} is not defined in the files "
                "read."
            )
        if isinstance(record.get("parties"), str):
            record["parties"] = [record["parties"]]  # parties = "all"
        if isinstance(record.get("parties"), list):
            record["parties"] = _field(
                where, "parties", lambda v: expand_parties(v, meeting), record["parties"]
            )
        commitment = Commitment.from_raw(record, where)
        date = meeting.date
        uid = commitment_uid(commitment.meeting, commitment.id)
        self.made[commitment.id] = (uid, date)
        fields = {k: v for k, v in commitment.as_record().items() if v not in (None, [], False)}
        return Event(
            uuid=uid,
            commitment=commitment.id,
            commitment_uid=uid,
            kind="created",
            happened_on=date,
            recorded_at=f"{date}T00:00:00Z",
            author=SEED_AUTHOR,
            device=SEED_DEVICE,
            counter=0,
            text=None,
            changes={name: [None, value] for name, value in fields.items()},
        )

    def _common(self, record: dict[str, Any], where: str) -> dict[str, Any]:
        """The fields events and assessments share: commitment, date, party, evidence."""
        values: dict[str, Any] = {}
        ref = record.get("commitment")
        if ref is None:
            raise InvalidValue(f"{where}: field 'commitment' is missing.")
        values["commitment"] = _field(where, "commitment", a_ref, ref)
        if record.get("on") is None:
            raise InvalidValue(f"{where}: field 'on' is missing.")
        values["happened_on"] = _field(where, "on", iso_date, record["on"])
        if record.get("party") is not None:
            values["party"] = _field(where, "party", check_party_code, record["party"])
        if record.get("evidence") is not None:
            keys = _field(where, "evidence", list_of(_key), record["evidence"])
            values["evidence"] = evidence_list([event_uid(k) for k in keys])
        if record.get("confidence") is not None:
            values["confidence"] = _field(
                where, "confidence", check_confidence, record["confidence"]
            )
        if record.get("period") is not None:
            values["period"] = _field(where, "period", _slug, record["period"])
        made = self.made.get(values["commitment"])
        values["commitment_uid"] = made[0] if made else None
        return values

    def event(self, record: Any, where: str) -> Event:
        if not isinstance(record, dict):
            raise SeedError(f"{where}: expected a table")
        unknown = set(record) - _EVENT_KEYS
        if unknown:
            raise InvalidValue(f"{where}: unknown field {sorted(unknown)[0][:40]!r}")
        values = self._common(record, where)
        where += f" ({values['commitment']})"
        text = record.get("text")
        if text is None:
            raise InvalidValue(f"{where}: field 'text' is missing.")
        values["text"] = _field(where, "text", _text, text)
        sources = record.get("sources") or []
        if not isinstance(sources, list):
            raise InvalidValue(f"{where}: field 'sources': expected [[events.sources]] tables.")
        sources = list(sources)
        if record.get("source") is not None:  # the one-source form of track 0.1
            sources.insert(0, {"url": record["source"], "title": record.get("source_title")})
        elif record.get("source_title") is not None:
            sources.insert(0, {"title": record["source_title"]})
        values["sources"] = _field(where, "sources", list_of(source, limit=100), sources)
        rating = record.get("rating", record.get("status"))
        if rating is not None:
            values["status"] = _field(where, "rating", check_rating, rating)
        if record.get("stance") is not None:
            values["stance"] = _field(where, "stance", check_stance, record["stance"])
        if record.get("tags") is not None:
            values["tags"] = _field(where, "tags", list_of(tag, limit=50), record["tags"])
        if record.get("value") is not None:
            if rating is not None:
                raise InvalidValue(
                    f"{where}: a reading (value) and a rating are separate events; split them."
                )
            values["value"] = _field(where, "value", _number, record["value"])
        kind = "assessment" if rating is not None else ("measure" if "value" in values else "note")
        key = record.get("key")
        if key is not None:
            ident = event_uid(_field(where, "key", _key, key))
        else:  # without a key, the content names the event
            ident = str(
                uuid.uuid5(
                    SEED_NAMESPACE,
                    "\x1f".join(
                        [values["commitment"], values["happened_on"], kind,
                         values.get("status") or "", values.get("party") or "", values["text"]]
                        + ([repr(values["value"])] if "value" in values else [])
                    ),
                )
            )  # fmt: skip
        coder = record.get("coder")
        return Event(
            uuid=ident,
            kind=kind,
            recorded_at=f"{values['happened_on']}T00:00:00Z",
            author=_field(where, "coder", _line, coder) if coder is not None else SEED_AUTHOR,
            device=SEED_DEVICE,
            counter=EVIDENCE_COUNTER if kind != "assessment" else RATING_COUNTER,
            **values,
        )

    def assessment(self, record: Any, where: str) -> Event:
        if not isinstance(record, dict):
            raise SeedError(f"{where}: expected a table")
        unknown = set(record) - _ASSESSMENT_KEYS
        if unknown:
            raise InvalidValue(f"{where}: unknown field {sorted(unknown)[0][:40]!r}")
        values = self._common(record, where)
        where += f" ({values['commitment']})"
        for required in ("rating", "rationale"):
            if record.get(required) is None:
                raise InvalidValue(f"{where}: field {required!r} is missing.")
        values["status"] = _field(where, "rating", check_rating, record["rating"])
        values["text"] = _field(where, "rationale", _text, record["rationale"])
        coder = _field(where, "coder", _line, record.get("coder") or SEED_AUTHOR)
        key = record.get("key")
        ident = event_uid(
            _field(where, "key", _key, key)
            if key is not None
            else "assessment/" + "/".join(
                [values["commitment"], values.get("party") or "*", values.get("period") or "",
                 coder, values["happened_on"]]
            )
        )  # fmt: skip
        return Event(
            uuid=ident,
            kind="assessment",
            recorded_at=f"{values['happened_on']}T00:00:00Z",
            author=coder,
            device=SEED_DEVICE,
            counter=RATING_COUNTER,
            **values,
        )


def _field(where: str, key: str, check, value: Any) -> Any:
    try:
        return check(value)
    except (InvalidValue, InvalidDate) as error:
        raise type(error)(f"{where}: field {key!r}: {error}") from None


_key = slug
_slug = slug
_text = text
_line = line
_number = a_number


def skeleton(
    slug_text: str, *, title: str, date: dt.date, place: str | None, parties: list[str]
) -> str:
    """Return the seed file of a new meeting: the meeting and its parties, an example period
    and commitment commented out. It loads as it stands; raise InvalidValue for bad input."""
    import json

    from tracker.vocabulary import COUNTRY_NAMES

    declared: list[dict[str, str]] = []
    for item in parties:
        code, _, name = item.partition("=")
        code = code.strip().upper()
        name = name.strip() or COUNTRY_NAMES.get(code, "")
        declared.append({"code": code, "name": name} if name else {"code": code})
    raw = {"slug": slug_text, "title": title, "date": date, "place": place, "parties": declared}
    meeting = Meeting.from_raw({k: v for k, v in raw.items() if v is not None}, "new meeting")

    def q(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string

    party_lines = ",\n".join(
        f"    {{ code = {q(p)}, name = {q(meeting.party_name(p))} }}" for p in meeting.parties
    )
    lines = [
        f"# {meeting.title}, {meeting.date}: commitments to track with `track`.",
        "# Summaries, rationales and guidelines in your own words; quotes short and attributed.",
        "# Check the file with: track check THIS-FILE.toml",
        "",
        "[meeting]",
        f"slug = {q(meeting.slug)}",
        f"title = {q(meeting.title)}",
        f"date = {meeting.date}",
    ]
    if meeting.place:
        lines.append(f"place = {q(meeting.place)}")
    lines += [
        f"parties = [\n{party_lines},\n]",
        '# context = "Why the meeting mattered, in your own words."',
        "",
        "# Groups of parties, for reporting (optional):",
        "# [meeting.groups]",
        f"# EXAMPLE = [{', '.join(q(p) for p in meeting.parties[:2])}]",
        "",
        "# Compliance periods: ratings are made for one (optional; periods may not overlap).",
        "# [[meeting.periods]]",
        '# name = "interim"',
        f"# from = {meeting.date}",
        f"# to = {meeting.date.replace(meeting.date[:4], str(int(meeting.date[:4]) + 1), 1)}",
        "",
        "# [[meeting.sources]]",
        '# url = "https://..."',
        '# title = "The official readout"',
        '# class = "official"',
        "",
        "# Commitments, one [[commitments]] table each:",
        "#",
        "# [[commitments]]",
        '# id = "AREA-1"                    # letters, a dash, a number',
        '# area = "climate"',
        '# title = "Short title"',
        '# summary = "What was promised, in your own words."',
        '# parties = ["all"]                # "all", a group, or party codes',
        '# type = "action"  # action, quantified, assurance, principle, position, collective',
        '# formality = "joint-statement"  # joint-statement, both-readouts, one-readout,',
        "#                                  # reported",
        '# quote = "a short quote of the official wording"',
        '# quote_by = "Leaders\' declaration"',
        "# due = 2026-12-31",
        '# guideline = "+1: ...; 0: ...; -1: ..."',
        "",
    ]
    return "\n".join(lines)
