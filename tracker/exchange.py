"""Export and import: lossless JSON and JSON Lines (every meeting, commitment and event, with
UUIDs and recorded times), CSV of the commitments for spreadsheets, and reading those files
(or seed TOML) back in."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from tracker.errors import InvalidDate, InvalidValue, SeedError, TrackError
from tracker.loading import COMMITMENT_COLUMNS, EVENT_COLUMNS
from tracker.store import Store
from tracker.vocabulary import (
    EVENT_KINDS,
    STATUSES,
    check_kind,
    check_new_id,
    check_party,
    check_status,
    natural_key,
)

EXPORT_FORMAT = "track-export/1"
FORMATS = ("json", "jsonl", "csv")

MEETING_KEYS = ("slug", "title", "date", "place", "parties", "context", "sources")
# An export holds the same columns as the tables the loader writes (plus each metric).
COMMITMENT_KEYS = (*COMMITMENT_COLUMNS, "metric")
METRIC_KEYS = ("name", "unit", "baseline", "baseline_on", "target")
EVENT_KEYS = EVENT_COLUMNS
CSV_KEYS = (
    "id", "meeting", "area", "title", "parties", "kind", "status", "due", "deadline",
    "summary", "quote", "quote_by", "metric", "metric_baseline", "metric_latest",
    "metric_target", "created_at",
)  # fmt: skip


class ImportError_(TrackError):
    """A file that cannot be imported; the message names the record and the field."""


# --------------------------------------------------------------------------- export


def export_records(store: Store) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ("meeting" | "commitment" | "event", record) for everything in the database, in a
    stable order: meetings by slug, commitments in natural ID order, events as recorded."""
    for row in store.conn.execute(f"SELECT {', '.join(MEETING_KEYS)} FROM meetings ORDER BY slug"):
        record = dict(row)
        record["parties"] = json.loads(record["parties"] or "[]")
        record["sources"] = json.loads(record["sources"] or "[]")
        yield "meeting", record
    metrics = {
        row["commitment"]: {k: row[k] for k in METRIC_KEYS}
        for row in store.conn.execute("SELECT * FROM metrics")
    }
    columns = ", ".join(k for k in COMMITMENT_KEYS if k != "metric")
    rows = store.conn.execute(f"SELECT {columns} FROM commitments").fetchall()
    for row in sorted(rows, key=lambda r: natural_key(r["id"])):
        record = dict(row)
        record["parties"] = json.loads(record["parties"])
        record["metric"] = metrics.get(record["id"])
        yield "commitment", record
    for row in store.conn.execute(f"SELECT {', '.join(EVENT_KEYS)} FROM events ORDER BY id"):
        yield "event", dict(row)


def count_records(store: Store) -> int:
    """Return how many records an export of the whole database holds."""
    return sum(
        store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("meetings", "commitments", "events")
    )


def write_export(
    store: Store,
    output_format: str,
    out: TextIO,
    *,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write the export to `out`; return how many records of each type were written.
    `progress` is told how many records have been written, every few thousand."""
    counts = {"meeting": 0, "commitment": 0, "event": 0}
    if output_format == "csv":
        return _write_csv(store, out)
    records = export_records(store)
    if progress is not None:
        records = _reporting(records, progress)
    if output_format == "jsonl":
        out.write(json.dumps({"format": EXPORT_FORMAT}) + "\n")
        for kind, record in records:
            counts[kind] += 1
            out.write(json.dumps({"type": kind, **record}, ensure_ascii=False) + "\n")
        return counts
    grouped: dict[str, list] = {"meeting": [], "commitment": [], "event": []}
    for kind, record in records:
        grouped[kind].append(record)
        counts[kind] += 1
    data = {
        "format": EXPORT_FORMAT,
        "meetings": grouped["meeting"],
        "commitments": grouped["commitment"],
        "events": grouped["event"],
    }
    out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return counts


def _reporting(records, progress: Callable[[int], None]):
    done = 0
    for item in records:
        yield item
        done += 1
        if done % 5000 == 0:
            progress(done)
    progress(done)


def _write_csv(store: Store, out: TextIO) -> dict[str, int]:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_KEYS)
    metrics = store.metrics()
    count = 0
    for kind, record in export_records(store):
        if kind != "commitment":
            continue
        metric = metrics.get(record["id"])
        row = {
            **record,
            "parties": ",".join(record["parties"]),
            "metric": metric.name if metric else None,
            "metric_baseline": metric.baseline if metric else None,
            "metric_latest": metric.latest if metric else None,
            "metric_target": metric.target if metric else None,
        }
        writer.writerow(["" if row[k] is None else row[k] for k in CSV_KEYS])
        count += 1
    return {"meeting": 0, "commitment": count, "event": 0}


# --------------------------------------------------------------------------- import


Stream = Iterator[tuple[str, dict, str]]


def read_import(
    path: Path, store: Store, *, progress: Callable[[int], None] | None = None
) -> Stream:
    """Return the records of a seed TOML, JSON export or JSON Lines export as a stream of
    (table, row, label), each checked field by field as it is read; a bad record raises an
    error naming it (index or line) and the field. `progress` is told the bytes read so far."""
    from tracker.loading import seed_records
    from tracker.seeds import read_file

    if path.is_dir():
        raise ImportError_(f"{path} is a folder, not a file to import.")
    if not path.exists():
        raise ImportError_(f"{path} does not exist.")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            return seed_records(read_file(path), store).stream()
        except SeedError as error:
            raise ImportError_(str(error)) from None
    with path.open("rb") as handle:
        first_line = handle.readline().strip()
    if suffix == ".jsonl" or (
        suffix != ".json" and first_line == json.dumps({"format": EXPORT_FORMAT}).encode()
    ):
        return _read_jsonl(path, progress)
    return _read_json(path)


def _decode_error(path: Path, error: UnicodeDecodeError, where: str = "") -> ImportError_:
    return ImportError_(f"{where or path} is not UTF-8 text: {error.reason}.")


def _read_json(path: Path) -> Stream:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise _decode_error(path, error) from None
    except json.JSONDecodeError as error:
        raise ImportError_(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ImportError_(
            f'{path} is not a track export: expected an object with "format": '
            f'"{EXPORT_FORMAT}". (Seed files end in .toml.)'
        )
    unknown = set(data) - {"format", "meetings", "commitments", "events"}
    if unknown:
        raise ImportError_(f"{path}: unknown top-level key {sorted(unknown)[0]!r}.")
    for key in ("meetings", "commitments", "events"):
        if not isinstance(data.get(key, []), list):
            raise ImportError_(f"{path}: {key!r} must be a list.")
    return _json_records(path, data)


def _json_records(path: Path, data: dict) -> Stream:
    for key, rows_of in (("meetings", _meeting), ("commitments", _commitment), ("events", _event)):
        for index, item in enumerate(data.get(key, [])):
            where = f"{path.name}: {key}[{index}]"
            for table, row in rows_of(item, where):
                yield table, row, where


def _read_jsonl(path: Path, progress: Callable[[int], None] | None) -> Stream:
    readers = {"meeting": _meeting, "commitment": _commitment, "event": _event}
    seen_header = False
    done = 0
    # newline="\n": only \n ends a record (\x85 and \r are text inside one)
    with path.open(encoding="utf-8", newline="\n") as handle:
        number = 0
        while True:
            where = f"{path.name}: line {number + 1}"
            try:
                line = handle.readline()
            except UnicodeDecodeError as error:
                raise _decode_error(path, error, where) from None
            if not line:
                break
            number += 1
            done += len(line)
            if progress is not None and number % 2000 == 0:
                progress(done)
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise ImportError_(f"{where}: not valid JSON: {error.msg}.") from None
            if not isinstance(item, dict):
                raise ImportError_(f"{where}: expected a JSON object.")
            if not seen_header:
                if item != {"format": EXPORT_FORMAT}:
                    raise ImportError_(
                        f'{where}: expected the header {{"format": "{EXPORT_FORMAT}"}}.'
                    )
                seen_header = True
                continue
            kind = item.pop("type", None)
            if kind not in readers:
                raise ImportError_(f"{where}: field 'type' must be meeting, commitment or event.")
            for table, row in readers[kind](item, where):
                yield table, row, where
    if not seen_header:
        raise ImportError_(f"{path} is empty.")
    if progress is not None:
        progress(done)


class _Fields:
    """Checks one record's fields against what the export writes."""

    def __init__(self, item: Any, where: str, keys: tuple[str, ...]):
        if not isinstance(item, dict):
            raise ImportError_(f"{where}: expected an object.")
        unknown = set(item) - set(keys)
        if unknown:
            raise ImportError_(f"{where}: unknown field {sorted(unknown)[0]!r}.")
        self.item, self.where = item, where

    def fail(self, key: str, message: str) -> None:
        raise ImportError_(f"{self.where}: field {key!r}: {message}")

    def get(self, key: str, check: Callable[[Any], Any] | None = None, *, required: bool = False):
        value = self.item.get(key)
        if value is None:
            if required:
                self.fail(key, "missing.")
            return None
        if check is None:
            check = _text
        try:
            return check(value)
        except (InvalidValue, InvalidDate, ValueError, TypeError) as error:
            self.fail(key, str(error) or "invalid value.")

    def text(self, key: str, *, required: bool = False) -> str | None:
        return self.get(key, _text, required=required)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValue("must be a string.")
    if "\x00" in value:
        raise InvalidValue("contains a NUL byte.")
    return value


def _date(value: Any) -> str:
    return dt.date.fromisoformat(_text(value)).isoformat()


def _timestamp(value: Any) -> str:
    text = _text(value)
    dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return text


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidValue("must be a number.")
    return float(value)


def _parties(value: Any) -> str:
    if not isinstance(value, list) or not value:
        raise InvalidValue('must be a non-empty list such as ["US", "CN"].')
    return json.dumps([check_party(_text(p)) for p in value])


def _uuid(value: Any) -> str:
    return str(uuid.UUID(_text(value)))


def _meeting(item: Any, where: str) -> list[tuple[str, dict]]:
    f = _Fields(item, where, MEETING_KEYS)
    sources = item.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        f.fail("sources", "must be a list of objects.")
    row = {
        "slug": f.text("slug", required=True),
        "title": f.text("title", required=True),
        "date": f.get("date", _date, required=True),
        "place": f.text("place"),
        "parties": f.get("parties", _parties, required=True),
        "context": f.text("context"),
        "sources": json.dumps(sources, ensure_ascii=False),
    }
    return [("meeting", row)]


def _commitment(item: Any, where: str) -> list[tuple[str, dict]]:
    f = _Fields(item, where, COMMITMENT_KEYS)
    commitment_id = f.get("id", check_new_id, required=True)
    f.where = f"{where} ({commitment_id})"
    row = {
        "id": commitment_id,
        "meeting": f.text("meeting", required=True),
        "area": f.text("area", required=True),
        "title": f.text("title", required=True),
        "summary": f.text("summary"),
        "parties": f.get("parties", _parties, required=True),
        "kind": f.get("kind", check_kind, required=True),
        "quote": f.text("quote"),
        "quote_by": f.text("quote_by"),
        "deadline": f.text("deadline"),
        "due": f.get("due", _date),
        "status": f.get("status", check_status, required=True),
        "created_at": f.get("created_at", _timestamp, required=True),
    }
    rows = [("commitment", row)]
    metric = item.get("metric")
    if metric is not None:
        m = _Fields(metric, f"{f.where}: metric", METRIC_KEYS)
        rows.append(
            (
                "metric",
                {
                    "commitment": commitment_id,
                    "name": m.text("name", required=True),
                    "unit": m.text("unit"),
                    "baseline": m.get("baseline", _number, required=True),
                    "baseline_on": m.get("baseline_on", _date, required=True),
                    "target": m.get("target", _number),
                },
            )
        )
    return rows


def _kind(value: Any) -> str:
    if value not in EVENT_KINDS:
        raise InvalidValue(f"must be one of {', '.join(EVENT_KINDS)}.")
    return value


def _changes(value: Any) -> str:
    parsed = json.loads(_text(value))
    if not isinstance(parsed, dict):
        raise InvalidValue("must be a JSON object.")
    return value


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TEXT_FIELDS = ("commitment", "text", "source_url", "source_title", "recorded_at")
_EVENT_KEY_SET = frozenset(EVENT_KEYS)


def _event(item: Any, where: str) -> list[tuple[str, dict]]:
    return [("event", _event_fast(item) or _event_checked(item, where))]


def _event_fast(item: Any) -> dict | None:
    """Return the row for an event exactly as `track export` writes it, or None to have
    `_event_checked` look at it field by field (and name what is wrong)."""
    if type(item) is not dict or not item.keys() <= _EVENT_KEY_SET:
        return None
    get = item.get
    for key in _TEXT_FIELDS:
        value = get(key)
        if value is not None and (type(value) is not str or "\x00" in value):
            return None
    uuid_, kind, status, party, value = (
        get("uuid"),
        get("kind"),
        get("status"),
        get("party"),
        get("value"),
    )
    if type(uuid_) is not str or not _UUID.fullmatch(uuid_) or kind not in EVENT_KINDS:
        return None
    if get("commitment") is None or get("recorded_at") is None:
        return None
    if (status is not None and status not in STATUSES) or party not in (None, "US", "CN"):
        return None
    if (status is None and kind in ("created", "status")) or (
        value is not None and (type(value) not in (int, float) or value != value)
    ):
        return None
    retracts = get("retracts")
    if (retracts is None) == (kind == "retraction"):
        return None
    if retracts is not None and (type(retracts) is not str or not _UUID.fullmatch(retracts)):
        return None
    if get("changes") is not None:
        return None  # edits are rare: check their JSON the slow way
    try:
        if dt.date.fromisoformat(get("happened_on")).isoformat() != get("happened_on"):
            return None
    except (TypeError, ValueError):
        return None
    if value is not None:
        item["value"] = float(value)
    return item  # the loader reads the columns it needs; missing keys are None


def _event_checked(item: Any, where: str) -> dict:
    f = _Fields(item, where, EVENT_KEYS)
    row = {
        "uuid": f.get("uuid", _uuid, required=True),
        "commitment": f.text("commitment", required=True),
        "kind": f.get("kind", _kind, required=True),
        "happened_on": f.get("happened_on", _date, required=True),
        "recorded_at": f.get("recorded_at", _timestamp, required=True),
        "text": f.text("text"),
        "source_url": f.text("source_url"),
        "source_title": f.text("source_title"),
        "party": f.get("party", check_party),
        "status": f.get("status", check_status),
        "value": f.get("value", _number),
        "retracts": f.get("retracts", _uuid),
        "changes": f.get("changes", _changes),
    }
    if row["kind"] in ("created", "status") and row["status"] is None:
        f.fail("status", f"missing; a {row['kind']} event carries the status.")
    if row["kind"] == "retraction" and row["retracts"] is None:
        f.fail("retracts", "missing; a retraction names the event it withdraws.")
    return row
