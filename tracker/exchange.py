"""Export and import: lossless JSON and JSON Lines (every meeting, period and event, each event
with its uuid, author, device and counter), CSV of the commitments for spreadsheets, and
reading those files (or seed TOML, or exports of track 0.1) back in.

The state is a pure function of the events, so an export holds meetings, periods and events
only; two replicas holding the same events write byte-identical exports."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from tracker import escape
from tracker.errors import InvalidDate, InvalidValue, SeedError, TrackError
from tracker.files import FileRefused, check_input
from tracker.records import (
    Commitment,
    Event,
    Meeting,
    Period,
    a_ref,
    parse_json,
    to_json,
)
from tracker.store import Store
from tracker.vocabulary import natural_key

EXPORT_FORMAT = "track-export/2"
LEGACY_FORMAT = "track-export/1"
FORMATS = ("json", "jsonl", "csv")
CSV_KEYS = (
    "id", "meeting", "area", "title", "type", "formality", "parties", "status",
    "party_ratings", "due", "deadline", "summary", "quote", "quote_by", "guideline",
    "metric", "metric_baseline", "metric_latest", "metric_target", "last_event_on",
    "evidence_count", "created_at",
)  # fmt: skip
MAX_LINE_BYTES = 50_000_000

Stream = Iterator[tuple[str, Any, str]]


class ImportError_(TrackError):
    """A file that cannot be imported; the message names the record and the field."""


# --------------------------------------------------------------------------- export


def export_records(store: Store) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ("meeting" | "period" | "event", record) for everything in the database, in a
    stable order: meetings by slug, periods by meeting and start, events by (counter, uuid)."""
    for meeting in sorted(store.meetings(), key=lambda m: m.slug):
        yield "meeting", meeting.as_file()
    for period in store.periods():
        yield "period", period.as_file()
    columns = ", ".join(Event.columns())
    cursor = store.conn.execute(f"SELECT {columns} FROM events ORDER BY counter, uuid")
    json_columns = Event.json_columns()
    for row in cursor:
        record = dict(zip(Event.columns(), row, strict=True))
        for name in json_columns:
            if record[name] is not None:
                record[name] = json.loads(record[name])
        yield "event", record


def count_records(store: Store) -> int:
    """Return how many records an export of the whole database holds."""
    return sum(
        store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("meetings", "periods", "events")
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
    counts = {"meeting": 0, "period": 0, "event": 0, "commitment": 0}
    if output_format == "csv":
        counts["commitment"] = _write_csv(store, out)
        return counts
    records = export_records(store)
    if progress is not None:
        records = _reporting(records, progress)
    if output_format == "jsonl":
        out.write(json.dumps({"format": EXPORT_FORMAT}) + "\n")
        for kind, record in records:
            counts[kind] += 1
            out.write(json.dumps({"type": kind, **record}, ensure_ascii=False) + "\n")
        return counts
    grouped: dict[str, list] = {"meeting": [], "period": [], "event": []}
    for kind, record in records:
        grouped[kind].append(record)
        counts[kind] += 1
    data = {
        "format": EXPORT_FORMAT,
        "meetings": grouped["meeting"],
        "periods": grouped["period"],
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


def _write_csv(store: Store, out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_KEYS)
    ratings: dict[str, dict[str, str]] = {}
    for uid, party, rating in store.conn.execute(
        "SELECT commitment_uid, party, rating FROM party_ratings"
    ):
        ratings.setdefault(uid, {})[party] = rating
    rows = store.conn.execute(
        "SELECT c.*, m.latest AS metric_latest FROM commitments c "
        "LEFT JOIN metrics m ON m.commitment_uid = c.uid WHERE NOT c.withdrawn"
    ).fetchall()
    count = 0
    for row in sorted(rows, key=lambda r: natural_key(r["id"])):
        metric = json.loads(row["metric"]) if row["metric"] else {}
        parties = json.loads(row["parties"])
        by_party = ratings.get(row["uid"], {})
        values = {
            **dict(row),
            "parties": ",".join(parties),
            "party_ratings": "; ".join(f"{p}={by_party.get(p, '')}" for p in parties),
            "metric": metric.get("name"),
            "metric_baseline": metric.get("baseline"),
            "metric_latest": row["metric_latest"],
            "metric_target": metric.get("target"),
        }
        writer.writerow([escape.csv_cell(values[k]) for k in CSV_KEYS])
        count += 1
    return count


# --------------------------------------------------------------------------- import


def read_import(
    path: Path, *, progress: Callable[[int], None] | None = None
) -> tuple[Stream, bool]:
    """Return (the records of a file as a stream of (table, record, label), whether it is a
    legacy export). Seed TOML, JSON and JSON Lines exports (this version's or track 0.1's) are
    read; each record is checked field by field as it is read, and a bad one raises an error
    naming it (index or line) and the field. `progress` is told the bytes read so far."""
    from tracker import seeds
    from tracker.loading import seed_stream

    try:
        check_input(path, what="file to import")
    except FileRefused as error:
        raise ImportError_(str(error)) from None
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            # as strict as `init --seed`: a key or commitment given twice is refused
            return seed_stream(seeds.read_files([path])), False
        except SeedError as error:
            raise ImportError_(str(error)) from None
    with path.open("rb") as handle:
        first_line = handle.readline(4096).strip()
    headers = {json.dumps({"format": f}).encode(): f for f in (EXPORT_FORMAT, LEGACY_FORMAT)}
    if suffix == ".jsonl" or (suffix != ".json" and first_line in headers):
        return _read_jsonl(path, progress)
    return _read_json(path)


def _loads(text: str) -> Any:
    # NaN, Infinity and 400-digit integers are refused here; 1e400 by the check of the
    # field it is in, so that the message names the record and field
    return parse_json(text, overflow=True)


def _read_json(path: Path) -> tuple[Stream, bool]:
    try:
        data = _loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ImportError_(f"{path} is not UTF-8 text: {error.reason}.") from None
    except json.JSONDecodeError as error:
        raise ImportError_(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    except RecursionError:
        raise ImportError_(f"{path} is nested too deeply to read.") from None
    except InvalidValue as error:
        raise ImportError_(f"{path}: {error}.") from None
    fmt = data.get("format") if isinstance(data, dict) else None
    if fmt not in (EXPORT_FORMAT, LEGACY_FORMAT):
        raise ImportError_(
            f'{path} is not a track export: expected an object with "format": '
            f'"{EXPORT_FORMAT}". (Seed files end in .toml.)'
        )
    keys = ("meetings", "periods", "events") if fmt == EXPORT_FORMAT else (
        "meetings", "commitments", "events"
    )  # fmt: skip
    unknown = set(data) - {"format", *keys}
    if unknown:
        raise ImportError_(f"{path}: unknown top-level key {sorted(unknown)[0][:40]!r}.")
    for key in keys:
        if not isinstance(data.get(key, []), list):
            raise ImportError_(f"{path}: {key!r} must be a list.")
    if fmt == LEGACY_FORMAT:
        return _legacy(path, _json_items(path, data, keys)), True
    return _records(_json_items(path, data, keys)), False


def _json_items(path: Path, data: dict, keys: tuple[str, ...]) -> Iterator[tuple[str, Any, str]]:
    singular = {"meetings": "meeting", "periods": "period", "commitments": "commitment",
                "events": "event"}  # fmt: skip
    for key in keys:
        for index, item in enumerate(data.get(key, [])):
            yield singular[key], item, f"{path.name}: {key}[{index}]"


def _read_jsonl(path: Path, progress: Callable[[int], None] | None) -> tuple[Stream, bool]:
    handle = path.open(encoding="utf-8", newline="\n")
    try:
        first = handle.readline(MAX_LINE_BYTES)
    except UnicodeDecodeError as error:
        handle.close()
        raise ImportError_(f"{path.name}: line 1 is not UTF-8 text: {error.reason}.") from None
    try:
        header = _loads(first) if first.strip() else None
    except (json.JSONDecodeError, RecursionError, InvalidValue):
        header = None
    formats = {EXPORT_FORMAT, LEGACY_FORMAT}
    if not isinstance(header, dict) or set(header) != {"format"} or header["format"] not in formats:
        handle.close()
        if not first.strip():
            raise ImportError_(f"{path} is empty.")
        raise ImportError_(
            f'{path.name}: line 1: expected the header {{"format": "{EXPORT_FORMAT}"}}.'
        )
    legacy = header["format"] == LEGACY_FORMAT
    items = _jsonl_items(path, handle, progress, len(first))
    return (_legacy(path, items) if legacy else _records(items)), legacy


def _jsonl_items(path, handle, progress, done: int) -> Iterator[tuple[str, Any, str]]:
    # newline="\n": only \n ends a record (\x85 and \r are text inside one)
    number = 1
    with handle:
        while True:
            where = f"{path.name}: line {number + 1}"
            try:
                line = handle.readline(MAX_LINE_BYTES)
            except UnicodeDecodeError as error:
                raise ImportError_(f"{where} is not UTF-8 text: {error.reason}.") from None
            if not line:
                break
            number += 1
            done += len(line)
            if progress is not None and number % 2000 == 0:
                progress(done)
            if not line.strip():
                continue
            try:
                item = _loads(line)
            except json.JSONDecodeError as error:
                raise ImportError_(f"{where}: not valid JSON: {error.msg}.") from None
            except RecursionError:
                raise ImportError_(f"{where}: nested too deeply to read.") from None
            except InvalidValue as error:
                raise ImportError_(f"{where}: {error}.") from None
            if not isinstance(item, dict):
                raise ImportError_(f"{where}: expected a JSON object.")
            kind = item.pop("type", None)
            if kind not in ("meeting", "period", "event", "commitment"):
                raise ImportError_(f"{where}: field 'type' must be meeting, period or event.")
            yield kind, item, where
    if progress is not None:
        progress(done)


_READERS = {"meeting": Meeting, "period": Period, "event": Event}


def _records(items: Iterator[tuple[str, Any, str]]) -> Stream:
    for kind, item, where in items:
        reader = _READERS.get(kind)
        if reader is None:
            raise ImportError_(f"{where}: a {kind} record belongs to a track 0.1 export.")
        try:
            record = reader.from_raw(item, where)
            if kind == "event":
                record.check_shape(where)
        except (InvalidValue, InvalidDate) as error:
            raise ImportError_(str(error)) from None
        yield kind, record, where


# ----------------------------------------------------------------- exports of track 0.1

_LEGACY_KINDS = {"joint": ("action", None), "unilateral": ("action", None),
                 "expected": ("action", "reported"), "principle": ("principle", None)}  # fmt: skip
_LEGACY_COMMITMENT = {
    "id", "meeting", "area", "title", "summary", "parties", "kind", "quote", "quote_by",
    "deadline", "due", "status", "created_at", "metric",
}  # fmt: skip
_LEGACY_EVENT = {
    "uuid", "commitment", "kind", "happened_on", "recorded_at", "text", "source_url",
    "source_title", "party", "status", "value", "retracts", "changes",
}  # fmt: skip


def _legacy(path: Path, items: Iterator[tuple[str, Any, str]]) -> Stream:
    """Read a track 0.1 export: commitments become creation events, events name their
    commitment by ID (the loader finds it), sources move into the list of sources."""
    commitments: dict[str, dict] = {}
    position = 0
    for kind, item, where in items:
        try:
            if kind == "meeting":
                if not isinstance(item, dict):
                    raise InvalidValue(f"{where}: expected an object.")
                item = {k: v for k, v in item.items() if v is not None}
                yield "meeting", Meeting.from_raw(item, where), where
            elif kind == "commitment":
                record = _legacy_commitment(item, where)
                commitments[record["id"]] = record
            elif kind == "event":
                position += 1
                event = _legacy_event(item, where, commitments, position)
                event.check_shape(where)
                yield "event", event, where
            else:
                raise InvalidValue(f"{where}: unknown record type {kind!r}.")
        except (InvalidValue, InvalidDate) as error:
            raise ImportError_(str(error)) from None


def _legacy_commitment(item: Any, where: str) -> dict[str, Any]:
    """Return a track 0.1 commitment as this version's fields, checked, its ID normalised."""
    if not isinstance(item, dict) or set(item) - _LEGACY_COMMITMENT:
        raise InvalidValue(f"{where}: not a track 0.1 commitment.")
    record = {k: v for k, v in item.items() if v is not None}
    kind = record.pop("kind", "joint")
    if not isinstance(kind, str) or kind not in _LEGACY_KINDS:
        raise InvalidValue(f"{where}: field 'kind': must be one of {', '.join(_LEGACY_KINDS)}.")
    type_, formality = _LEGACY_KINDS[kind]
    record["type"] = type_
    if formality:
        record["formality"] = formality
    for dropped in ("status", "created_at"):
        record.pop(dropped, None)
    metric = record.pop("metric", None)
    if metric is not None and not isinstance(metric, dict):
        raise InvalidValue(f"{where}: field 'metric': must be an object.")
    if metric:
        record["metric"] = {k: v for k, v in metric.items() if v is not None}
    record["id"] = Commitment.from_raw(record, where).id
    return record


def _legacy_event(item: Any, where: str, commitments: dict[str, dict], position: int) -> Event:
    if not isinstance(item, dict):
        raise InvalidValue(f"{where}: expected an object.")
    unknown = set(item) - _LEGACY_EVENT
    if unknown:
        raise InvalidValue(f"{where}: unknown field {sorted(unknown)[0][:40]!r}.")
    raw = {k: v for k, v in item.items() if v is not None}
    kind = raw.get("kind")
    sources = []
    if raw.get("source_url") is not None:
        sources.append({"url": raw.pop("source_url"), "title": raw.pop("source_title", None)})
    elif raw.get("source_title") is not None:
        sources.append({"title": raw.pop("source_title")})
    raw["sources"] = [{k: v for k, v in s.items() if v is not None} for s in sources]
    if "retracts" in raw:
        raw["about"] = raw.pop("retracts")
    raw.update(author="unknown", device="import", counter=position)
    if kind == "created":
        try:
            ref = a_ref(raw.get("commitment"))
        except InvalidValue as error:
            raise InvalidValue(f"{where}: field 'commitment': {error}") from None
        record = commitments.get(ref)
        if record is None:
            raise InvalidValue(f"{where}: the creation of {ref!r} has no commitment record.")
        raw["commitment"] = ref
        raw["changes"] = {k: [None, v] for k, v in record.items()}
        raw.pop("status", None)
        raw["commitment_uid"] = raw.get("uuid")
    else:
        raw["commitment_uid"] = raw.get("uuid")  # checked here, replaced by the loader
    event = Event.from_raw(raw, where)
    if kind != "created":
        event.commitment_uid = None
    return event


def export_text(store: Store, output_format: str) -> str:
    """Return a whole export as text (for tests and small databases)."""
    import io

    buffer = io.StringIO()
    write_export(store, output_format, buffer)
    return buffer.getvalue()


__all__ = ["EXPORT_FORMAT", "export_records", "read_import", "write_export", "to_json"]
