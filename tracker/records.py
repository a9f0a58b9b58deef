"""The tracker's records, each shape defined once: meetings, periods, commitments, metrics and
events. Each field carries the check that turns a raw value (from a seed file, an import or the
command line) into the stored one, so reading, loading, export/import and output all follow
the same definition. Adding a field is one edit here, plus a migration."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import uuid as uuid_module
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from tracker.errors import InvalidDate, InvalidValue
from tracker.vocabulary import (
    COUNTRY_NAMES,
    EVENT_KINDS,
    RATING_KINDS,
    RATINGS,
    STATES,
    check_confidence,
    check_formality,
    check_new_id,
    check_number,
    check_party_code,
    check_rating,
    check_relation,
    check_source_class,
    check_stance,
    check_text,
    check_type,
    check_url,
)

Check = Callable[[Any], Any]


# --------------------------------------------------------------------------- value checks
# Each takes a raw value (str, number, list, date...) and returns the stored form, or raises
# InvalidValue / InvalidDate with a message that reads after "field 'x': ".


def line(value: Any) -> str:
    """One line of text (a title, a name): no line breaks or control characters."""
    return check_text(value, "", line=True)


def text(value: Any) -> str:
    """Text that may run over several lines."""
    return check_text(value, "")


def lower_line(value: Any) -> str:
    return line(value).lower()


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")


def slug(value: Any) -> str:
    cleaned = line(value).lower()
    if not _SLUG.match(cleaned):
        raise InvalidValue(
            f"{cleaned[:40]!r} is not a slug: use lowercase letters, digits and dashes."
        )
    return cleaned


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(value: Any) -> str:
    """A calendar date, as a TOML date or ISO text (2024-01-30): never a time, a number, or
    the other forms Python reads (20240130, 2024-W05-1)."""
    if isinstance(value, dt.datetime):
        raise InvalidDate("must be a date like 2024-01-30, without a time.")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise InvalidDate("must be a date like 2024-01-30.")


def timestamp(value: Any) -> str:
    """A UTC time, ISO 8601 (2024-01-30T10:00:00Z)."""
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidDate("must be a time like 2024-01-30T10:00:00Z.")
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidDate("must be a time like 2024-01-30T10:00:00Z.") from None
    return value


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def a_uuid(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidValue("must be a UUID.")
    if _CANONICAL_UUID.fullmatch(value):  # already in the form stored (the usual case)
        return value
    try:
        return str(uuid_module.UUID(value))
    except ValueError:
        raise InvalidValue("must be a UUID.") from None


def counter(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**62:
        raise InvalidValue("must be a whole number from 0.")
    return value


def a_number(value: Any) -> float:
    return check_number(value)


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue("must be true or false.")
    return value


def commitment_id(value: Any) -> str:
    return check_new_id(value)


def a_ref(value: Any) -> str:
    """A commitment ID as shown, possibly with a ~suffix that tells duplicates apart."""
    if not isinstance(value, str):
        raise InvalidValue("must be a commitment ID.")
    head, tilde, tail = value.strip().partition("~")
    cleaned = check_new_id(head)
    if tilde:
        if not re.fullmatch(r"[0-9a-f]{4,36}", tail):
            raise InvalidValue(f"{value[:40]!r} is not a commitment ID.")
        cleaned += "~" + tail
    return cleaned


def list_of(check: Check, *, unique: bool = True, limit: int = 1000) -> Check:
    def checked(value: Any) -> list:
        if not isinstance(value, list | tuple):
            raise InvalidValue("must be a list.")
        if len(value) > limit:
            raise InvalidValue(f"has more than {limit} items.")
        items = [check(item) for item in value]
        if not unique:
            return items
        found: list = []
        for item in items:  # keep the first of equal items (dicts are not hashable)
            if item not in found:
                found.append(item)
        return found

    return checked


def parties(value: Any) -> list[str]:
    found = list_of(check_party_code, limit=300)(value)
    if not found:
        raise InvalidValue('must be a non-empty list such as ["US", "CN"].')
    return found


def declared_parties(value: Any) -> list[str]:
    """A meeting's parties: codes ("US") or tables ({code = "XA", name = "African Union"});
    return the codes, refusing a code declared twice."""
    if not isinstance(value, list | tuple) or not value:
        raise InvalidValue('must be a non-empty list such as ["US", "CN"].')
    if len(value) > 300:
        raise InvalidValue("has more than 300 parties.")
    codes = []
    for item in value:
        code = check_party_code(item.get("code") if isinstance(item, dict) else item)
        if code in codes:
            raise InvalidValue(f"party {code} is declared twice.")
        codes.append(code)
    return codes


def party_names(value: Any) -> dict[str, str]:
    """{code: name} of a meeting's parties."""
    if not isinstance(value, dict):
        raise InvalidValue('must be a table such as {US = "United States"}.')
    return {check_party_code(code): check_text(name, "", line=True) for code, name in value.items()}


def party_groups(value: Any) -> dict[str, list[str]]:
    """{group: [codes]} for reporting (G7, BRICS...)."""
    if not isinstance(value, dict):
        raise InvalidValue('must be a table such as {G7 = ["CA", "FR"]}.')
    if len(value) > 50:
        raise InvalidValue("has more than 50 groups.")
    return {check_party_code(name): parties(members) for name, members in value.items()}


ALL_PARTIES = ("ALL", "*")


def expand_parties(requested: list[str], meeting: Meeting) -> list[str]:
    """Return party codes from what a user or file wrote: codes, a group's name, or "all"
    (every party of the meeting), in that order, each once; raise InvalidValue for a code the
    meeting does not have."""
    found: list[str] = []
    for item in requested:
        word = str(item).strip().upper()
        if word in ALL_PARTIES:
            codes = list(meeting.parties)
        elif word in meeting.groups:
            codes = list(meeting.groups[word])
        else:
            codes = [check_party_code(item)]
        for code in codes:
            if code not in meeting.parties:
                raise InvalidValue(
                    f"{code} is not a party of meeting {meeting.slug} "
                    f"({', '.join(meeting.parties)})."
                )
            if code not in found:
                found.append(code)
    if not found:
        raise InvalidValue("give at least one party.")
    return found


_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def tag(value: Any) -> str:
    if not isinstance(value, str) or not _TAG.match(value.strip().lower()):
        raise InvalidValue(
            f"{str(value)[:40]!r} is not a tag: use lowercase letters, digits and dashes."
        )
    return value.strip().lower()


def rating(value: Any) -> str:
    return check_rating(value)


SOURCE_KEYS = ("url", "title", "publisher", "author", "date", "class", "note")


def source(value: Any) -> dict[str, str]:
    """One source: {url, title, publisher, author, date, class, note}. Its url, when it has
    one, must be an http(s) address; a source without one needs a title (`track check`
    reports evidence without an address)."""
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        raise InvalidValue("a source must be a table with a url.")
    unknown = set(value) - set(SOURCE_KEYS)
    if unknown:
        raise InvalidValue(f"unknown source field {sorted(map(str, unknown))[0][:40]!r}.")
    if value.get("url") is None and value.get("title") is None:
        raise InvalidValue("a source needs a url (or at least a title).")
    out = {}
    for key in SOURCE_KEYS:
        raw = value.get(key)
        if raw is None:
            continue
        if key == "url":
            out[key] = check_url(raw)
        elif key == "date":
            out[key] = iso_date(raw)
        elif key == "class":
            out[key] = check_source_class(raw)
        else:
            out[key] = check_text(raw, f"source {key}", line=True)
    return out


def link(value: Any) -> dict[str, str]:
    """A link to a commitment of another meeting: {to, relation}."""
    if not isinstance(value, dict) or set(value) - {"to", "relation"}:
        raise InvalidValue('a link is {to = "NARC-2", relation = "reaffirms"}.')
    return {"to": commitment_id(value.get("to")), "relation": check_relation(value.get("relation"))}


def metric(value: Any) -> dict[str, Any]:
    return Metric.from_raw(value, "metric").as_record()


def evidence_list(value: Any) -> list[str]:
    return list_of(a_uuid, limit=200)(value)


# --------------------------------------------------------------------------- field tables


def spec(
    check: Check,
    *,
    required: bool = False,
    default: Any = None,
    key: str | None = None,
    stored: str = "column",
) -> Any:
    """A record field: its check, whether it is required, its key in seed files when that
    differs from its name, and how it is stored (column, json or derived: not stored)."""
    meta = {"check": check, "required": required, "key": key, "stored": stored}
    if isinstance(default, list | dict):
        factory = list if isinstance(default, list) else dict
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


class Record:
    """Shared behaviour of the record dataclasses: reading raw input, and the field lists."""

    # The field lists below are computed once per class (they are read for every record
    # loaded or folded): a record class's fields never change after it is defined.

    @classmethod
    @functools.cache
    def specs(cls) -> tuple:
        return tuple(f for f in fields(cls) if f.metadata.get("stored") != "derived")

    @classmethod
    @functools.cache
    def keys(cls) -> tuple[str, ...]:
        """The record's keys in files (seed files, exports), in order."""
        return tuple(f.metadata.get("key") or f.name for f in cls.specs())

    @classmethod
    @functools.cache
    def columns(cls) -> tuple[str, ...]:
        """The record's stored columns, in order."""
        return tuple(f.name for f in cls.specs())

    @classmethod
    @functools.cache
    def json_columns(cls) -> frozenset[str]:
        return frozenset(f.name for f in cls.specs() if f.metadata.get("stored") == "json")

    @classmethod
    def from_raw(cls, raw: Any, where: str, *, allow: Iterable[str] = ()):
        """Return the record from a dict read from a file, checking every field; raise
        InvalidValue naming `where` and the field."""
        if not isinstance(raw, dict):
            raise InvalidValue(f"{where}: expected a table of fields.")
        known, plan = cls._plan()
        if not known.issuperset(raw):
            unknown = set(raw) - known - set(allow)
            if unknown:
                name = sorted(map(str, unknown))[0]
                raise InvalidValue(f"{where}: unknown field {name[:40]!r}.")
        values = {}
        for name, key, check, required in plan:
            value = raw.get(key)
            if value is None:
                if required:
                    raise InvalidValue(f"{where}: field {key!r} is missing.")
                continue
            try:
                values[name] = check(value)
            except (InvalidValue, InvalidDate) as error:
                raise type(error)(f"{where}: field {key!r}: {error}") from None
            except RecursionError:
                raise InvalidValue(f"{where}: field {key!r} is nested too deeply.") from None
        return cls(**values)

    @classmethod
    @functools.cache
    def _plan(cls) -> tuple[frozenset[str], tuple[tuple[str, str, Check, bool], ...]]:
        """The keys a record may have, and (name, key, check, required) of each field."""
        plan = tuple(
            (f.name, f.metadata.get("key") or f.name, f.metadata["check"], f.metadata["required"])
            for f in cls.specs()
        )
        return frozenset(cls.keys()), plan

    def as_record(self) -> dict[str, Any]:
        """Return the stored fields as plain values (lists and dicts as such, not JSON)."""
        return {f.name: getattr(self, f.name) for f in self.specs()}

    def as_file(self) -> dict[str, Any]:
        """Return the stored fields under their keys in files (seed files, exports)."""
        return {(f.metadata.get("key") or f.name): getattr(self, f.name) for f in self.specs()}

    def as_row(self) -> dict[str, Any]:
        """Return the stored fields as SQLite values (JSON fields as JSON text)."""
        json_columns = self.json_columns()
        return {
            name: (to_json(value) if name in json_columns and value is not None else value)
            for name, value in self.as_record().items()
        }

    @classmethod
    def from_row(cls, row: Any):
        """Return the record from an SQLite row (JSON columns parsed)."""
        json_columns = cls.json_columns()
        values = {}
        for f in fields(cls):
            try:
                value = row[f.name]
            except (IndexError, KeyError):
                continue
            if f.name in json_columns and isinstance(value, str):
                value = json.loads(value)
            elif f.type == "bool" and isinstance(value, int):  # SQLite stores 0 and 1
                value = bool(value)
            values[f.name] = value
        return cls(**values)


def to_json(value: Any) -> str:
    """Compact, stable JSON for a stored value."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


MAX_INT_DIGITS = 19


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise InvalidValue(f"a number of {len(text)} digits is out of range")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity, which JSON cannot write back
        raise InvalidValue(f"{text[:40]} is out of range")
    return value


def _parse_constant(name: str) -> float:
    raise InvalidValue(f"{name} is not a number")


def parse_json(text: str, *, overflow: bool = False) -> Any:
    """Return the value of JSON text, refusing numbers that JSON cannot carry back out: NaN,
    Infinity, integers of more than 19 digits and, unless `overflow`, numbers that overflow
    to infinity (1e400). With `overflow` those are read as infinities, for the field checks
    to refuse naming the record and field (every field's check refuses a non-finite number).
    Raises InvalidValue for those, ValueError for text that is not JSON."""
    return json.loads(
        text,
        parse_int=_parse_int,
        parse_float=float if overflow else _parse_float,
        parse_constant=_parse_constant,
    )


@dataclass
class Period(Record):
    """A named compliance period of a meeting: interim, final, successor."""

    meeting: str = spec(slug, required=True)
    name: str = spec(slug, required=True)
    starts: str = spec(iso_date, required=True, key="from")
    ends: str | None = spec(iso_date, key="to")
    description: str | None = spec(line)


@dataclass
class Meeting(Record):
    slug: str = spec(slug, required=True)
    title: str = spec(line, required=True)
    date: str = spec(iso_date, required=True)
    place: str | None = spec(line)
    parties: list[str] = spec(declared_parties, required=True, stored="json")
    party_names: dict[str, str] = spec(party_names, default={}, stored="json")
    groups: dict[str, list[str]] = spec(party_groups, default={}, stored="json")
    context: str | None = spec(text)
    sources: list[dict] = spec(list_of(source, limit=100), default=[], stored="json")

    @classmethod
    def from_raw(cls, raw: Any, where: str, *, allow=()):
        """As Record.from_raw; parties may be given as tables with their names, and every
        named or grouped party must be declared."""
        if isinstance(raw, dict) and isinstance(raw.get("parties"), list):
            names = {
                str(p.get("code", "")).strip().upper(): p.get("name")
                for p in raw["parties"]
                if isinstance(p, dict) and p.get("name") is not None
            }
            extra = {p.get("code") for p in raw["parties"] if isinstance(p, dict)} - {None}
            for item in raw["parties"]:
                if isinstance(item, dict) and set(item) - {"code", "name"}:
                    raise InvalidValue(f"{where}: field 'parties': a party is {{code, name}}.")
            if names or extra:
                raw = {**raw, "party_names": {**names, **(raw.get("party_names") or {})}}
        meeting = super().from_raw(raw, where, allow=allow)
        for code in meeting.party_names:
            if code not in meeting.parties:
                raise InvalidValue(f"{where}: field 'party_names': {code} is not a declared party.")
        for group, members in meeting.groups.items():
            if group in meeting.parties:
                raise InvalidValue(f"{where}: field 'groups': {group} is also a party's code.")
            for code in members:
                if code not in meeting.parties:
                    raise InvalidValue(
                        f"{where}: field 'groups': {code} (in {group}) is not a declared party."
                    )
        return meeting

    def party_name(self, code: str) -> str:
        """Return a party's name: as declared, else the ISO name where known, else the code."""
        return self.party_names.get(code) or COUNTRY_NAMES.get(code, code)


@dataclass
class Metric(Record):
    """A quantity that shows progress: baseline, optional target and reference, readings."""

    name: str = spec(line, required=True)
    unit: str | None = spec(line)
    baseline: float = spec(a_number, required=True)
    baseline_on: str = spec(iso_date, required=True)
    target: float | None = spec(a_number)
    target_on: str | None = spec(iso_date)
    reference: float | None = spec(a_number)
    reference_note: str | None = spec(line)
    latest: float | None = spec(a_number, stored="derived")
    latest_on: str | None = spec(iso_date, stored="derived")

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


# The fields of a commitment that its creation sets and edits may change, in order.
@dataclass
class Commitment(Record):
    id: str = spec(commitment_id, required=True)
    meeting: str = spec(slug, required=True)
    area: str = spec(lower_line, required=True)
    title: str = spec(line, required=True)
    summary: str | None = spec(text)
    parties: list[str] = spec(parties, required=True, stored="json")
    type: str = spec(check_type, default="action")
    formality: str | None = spec(check_formality)
    quote: str | None = spec(text)
    quote_by: str | None = spec(line)
    deadline: str | None = spec(line)
    due: str | None = spec(iso_date)
    guideline: str | None = spec(text)
    personal: bool = spec(flag, default=False)
    sources: list[dict] = spec(list_of(source, limit=100), default=[], stored="json")
    links: list[dict] = spec(list_of(link, limit=100), default=[], stored="json")
    metric: dict | None = spec(metric, stored="json")
    # Derived from the events (see derived.py), never set directly.
    uid: str | None = spec(a_uuid, stored="derived")
    status: str | None = spec(line, stored="derived")
    created_at: str | None = spec(timestamp, stored="derived")
    withdrawn: bool = spec(flag, default=False, stored="derived")


# Fields an edit may change: every commitment field except the meeting it was made at.
EDITABLE = tuple(name for name in Commitment.columns() if name != "meeting")


def changes(value: Any) -> dict[str, list]:
    """An edit's or amendment's changes: {field: [old, new]} (as JSON text or a dict)."""
    if isinstance(value, str):
        try:
            value = parse_json(value)
        except InvalidValue as error:
            raise InvalidValue(f"{error}.") from None
        except (ValueError, RecursionError):
            raise InvalidValue("must be a JSON object {field: [old, new]}.") from None
    if not isinstance(value, dict) or not value:
        raise InvalidValue("must be a non-empty object {field: [old, new]}.")
    for name, pair in value.items():
        if name == "saw":  # a rating's list of the ratings it saw as current
            if not isinstance(pair, list) or len(pair) > 1000:
                raise InvalidValue("'saw' must list the ratings seen.")
            for uuid in pair:
                a_uuid(uuid)
            continue
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidValue(f"{str(name)[:40]!r} must map to [old, new].")
    return value


@dataclass(slots=True)
class Event(Record):
    """One immutable entry in a commitment's history."""

    uuid: str = spec(a_uuid, required=True)
    commitment: str = spec(a_ref, required=True)  # the ID as it was when recorded
    commitment_uid: str = spec(a_uuid, required=True)  # uuid of the commitment's creation
    kind: str = spec(lambda v: _kind(v), required=True)
    happened_on: str = spec(iso_date, required=True, key="happened_on")
    recorded_at: str = spec(timestamp, required=True)  # wall clock, for display only
    author: str = spec(line, required=True)
    device: str = spec(line, required=True)
    counter: int = spec(counter, required=True)  # Lamport clock: one more than any seen
    text: str | None = spec(text)
    sources: list[dict] = spec(list_of(source, limit=100), default=[], stored="json")
    party: str | None = spec(check_party_code)
    status: str | None = spec(rating)  # a rating, for status and assessment events
    period: str | None = spec(slug)
    confidence: str | None = spec(check_confidence)
    evidence: list[str] = spec(evidence_list, default=[], stored="json")
    stance: str | None = spec(check_stance)
    tags: list[str] = spec(list_of(tag, limit=50), default=[], stored="json")
    value: float | None = spec(a_number)
    about: str | None = spec(a_uuid)  # the event a retraction, amendment or review acts on
    changes: dict | None = spec(changes, stored="json")
    # Local and derived: the row number, whether a retraction in force withdraws it, and
    # whether an amendment in force corrects it.
    id: int | None = spec(counter, stored="derived")
    retracted: bool = spec(flag, default=False, stored="derived")
    amended: bool = spec(flag, default=False, stored="derived")

    @property
    def withdraws_commitment(self) -> bool:
        """A retraction of its commitment's creation: the commitment is withdrawn."""
        return self.kind == "retraction" and self.about == self.commitment_uid

    def check_shape(self, where: str) -> None:
        """Raise InvalidValue if the fields do not fit the event's kind."""
        # field: (kinds that must have it, kinds that may have it)
        rules = {
            "about": (("retraction", "amendment", "approval", "rejection"), ()),
            "changes": (("created", "edit", "amendment"), RATING_KINDS),
            "status": (RATING_KINDS, ("created",)),  # a creation of track 0.1 carried one
            "value": (("measure",), ()),
        }
        for name, (must, may) in rules.items():
            present = getattr(self, name) is not None
            if present and self.kind not in must and self.kind not in may:
                raise InvalidValue(f"{where}: field {name!r}: a {self.kind} event has none.")
            if not present and self.kind in must:
                raise InvalidValue(
                    f"{where}: field {name!r}: missing; a {self.kind} event has one."
                )
        if self.kind == "created" and self.uuid != self.commitment_uid:
            raise InvalidValue(
                f"{where}: field 'commitment_uid': a creation is its commitment's own uuid."
            )


def _kind(value: Any) -> str:
    if value not in EVENT_KINDS:
        raise InvalidValue(f"must be one of {', '.join(EVENT_KINDS)}.")
    return value


# Event fields an amendment may change.
AMENDABLE = ("text", "sources", "happened_on", "party", "tags", "stance")
# Commitment fields an edit may not empty, and event fields an amendment may.
_REQUIRED_ON_EDIT = ("id", "area", "title", "parties", "type")
_CLEARABLE_ON_AMEND = ("party", "stance")


def rating_or_state(value: Any) -> str:
    """What a rating replaced: a rating, or a commitment's state (split, disputed, tracked)."""
    cleaned = value.strip().lower() if isinstance(value, str) else None
    if cleaned not in RATINGS and cleaned not in STATES:
        raise InvalidValue(f"must be a rating or one of {', '.join(STATES)}.")
    return cleaned


@functools.cache
def _field_check(record_type: type, name: str) -> Check:
    return next(f.metadata["check"] for f in fields(record_type) if f.name == name)


def _checked(check: Check, value: Any, where: str, name: str, which: str) -> Any:
    try:
        return check(value)
    except (InvalidValue, InvalidDate) as error:
        raise type(error)(f"{where}: field 'changes.{name}': {which} value: {error}") from None
    except RecursionError:
        raise InvalidValue(f"{where}: field 'changes.{name}' is nested too deeply.") from None


def check_changes(event: Event, where: str) -> dict | None:
    """Return an event's changes with every value, old and new, checked for its kind and in
    its stored form, as the command line writes them: a creation's fields ([null, value]),
    an edit's commitment fields, an amendment's event fields, a rating's
    {"status": [what it replaced, its own rating], "saw": [uuids]}. Raise InvalidValue
    naming `where` and the field."""
    changes = event.changes
    if changes is None:
        return None
    out: dict[str, list] = {}
    if event.kind in RATING_KINDS:
        for name, pair in changes.items():
            if name == "saw":
                out[name] = _checked(list_of(a_uuid), pair, where, name, "the")
            elif name == "status":
                old, new = pair
                old = None if old is None else _checked(rating_or_state, old, where, name, "old")
                new = _checked(rating, new, where, name, "new")
                if new != event.status:
                    raise InvalidValue(
                        f"{where}: field 'changes.status': new value: {str(new)[:40]!r} is not "
                        f"this event's rating ({event.status})."
                    )
                out[name] = [old, new]
            else:
                raise InvalidValue(f"{where}: field 'changes': a rating records only status, saw.")
        return out
    if event.kind == "created":
        names = Commitment.columns()
        for name, pair in changes.items():
            if name not in names:
                raise InvalidValue(f"{where}: field 'changes': {str(name)[:40]!r} is not a field.")
            old, new = pair
            if old is not None:
                raise InvalidValue(
                    f"{where}: field 'changes.{name}': a creation's old values are null."
                )
            if new is not None:
                new = _checked(_field_check(Commitment, name), new, where, name, "new")
            out[name] = [None, new]
        for f in Commitment.specs():
            if f.metadata["required"] and out.get(f.name, [None, None])[1] is None:
                raise InvalidValue(f"{where}: field 'changes.{f.name}' is missing.")
        if out["id"][1] != event.commitment:
            raise InvalidValue(
                f"{where}: field 'commitment': the creation of {out['id'][1]} names "
                f"{event.commitment}."
            )
        return out
    if event.kind == "edit":
        record_type, allowed, verb, required = Commitment, EDITABLE, "edited", _REQUIRED_ON_EDIT
    elif event.kind == "amendment":
        required = tuple(n for n in AMENDABLE if n not in _CLEARABLE_ON_AMEND)
        record_type, allowed, verb = Event, AMENDABLE, "amended"
    else:
        raise InvalidValue(f"{where}: field 'changes': a {event.kind} event has none.")
    for name in changes:
        if name not in allowed:
            raise InvalidValue(f"{where}: field 'changes': {str(name)[:40]!r} cannot be {verb}.")
    for name, (old, new) in changes.items():
        check = _field_check(record_type, name)
        if old is not None:
            old = _checked(check, old, where, name, "old")
        if new is not None:
            new = _checked(check, new, where, name, "new")
        elif name in required:
            raise InvalidValue(f"{where}: field 'changes.{name}': cannot be emptied.")
        out[name] = [old, new]
    return out


def field_default(record_type: type, name: str) -> Any:
    """Return a field's default value (a fresh list or dict for those)."""
    for f in fields(record_type):
        if f.name == name:
            if f.default_factory is not MISSING:
                return f.default_factory()
            return None if f.default is MISSING else f.default
    raise KeyError(name)
