"""Output: tables for people, JSON and CSV for programs. One set of options for every listing."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

FORMATS = ("table", "json", "csv", "markdown")
DEFAULT_TABLE_STYLE = "simple"
ELLIPSIS = "…"


def output_options(command: Callable) -> Callable:
    """Add --format and --fmt to a listing command."""
    command = click.option(
        "--fmt",
        metavar="STYLE",
        help="Table style for --format table: any tabulate format (simple, grid, github, ...).",
    )(command)
    command = click.option(
        "-f",
        "--format",
        "output_format",
        type=click.Choice(FORMATS, case_sensitive=False),
        default="table",
        show_default=True,
        help="Output format.",
    )(command)
    return command


def check_table_style(fmt: str | None) -> str:
    """Return the tabulate style to use, or raise BadParameter listing the valid ones."""
    if fmt is None:
        return DEFAULT_TABLE_STYLE
    from tabulate import tabulate_formats

    if fmt not in tabulate_formats:
        raise click.BadParameter(
            f"unknown table style {fmt!r}; choose from {', '.join(sorted(tabulate_formats))}",
            param_hint="'--fmt'",
        )
    return fmt


@dataclasses.dataclass(frozen=True)
class Column:
    """A table column: the record key, its header, and how to show a value in a table."""

    key: str
    header: str
    show: Callable[[Any], str] = lambda value: "" if value is None else str(value)
    shrink: bool = False  # the column that is shortened to fit the terminal
    whole_record: bool = False  # `show` gets the whole record, not the value of `key`


def to_json(value: Any) -> str:
    """Return stable, indented JSON for records or dataclasses."""
    import json

    return json.dumps(_plain(value), indent=2, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _value(record: Any, key: str) -> Any:
    return record[key] if isinstance(record, dict) else getattr(record, key)


def render(
    records: Sequence[Any],
    columns: Sequence[Column],
    *,
    output_format: str,
    fmt: str | None = None,
    width: int | None = None,
) -> str:
    """Return records (dicts or dataclasses) as a table, markdown, CSV or JSON.

    With `width`, a table's shrinkable column is shortened so each line fits."""
    output_format = output_format.lower()
    if output_format == "json":
        return to_json([{c.key: _plain(_value(r, c.key)) for c in columns} for r in records])
    if output_format == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([c.key for c in columns])
        for record in records:
            writer.writerow([_csv_value(_value(record, c.key)) for c in columns])
        return buffer.getvalue().rstrip("\n")
    style = "github" if output_format == "markdown" else check_table_style(fmt)
    rows = [
        [c.show(record if c.whole_record else _value(record, c.key)) for c in columns]
        for record in records
    ]
    if output_format == "table" and width:
        rows = _fit(rows, columns, width)
    headers = [c.header for c in columns]
    cells = "".join("".join(row) for row in rows)
    if style == DEFAULT_TABLE_STYLE and cells.isascii() and cells.isprintable():
        return simple_table(headers, rows)
    from tabulate import tabulate

    return tabulate(rows, headers=headers, tablefmt=style, disable_numparse=True)


def simple_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return the same text as tabulate's "simple" style for plain ASCII strings, in a
    fraction of the time (tabulate inspects every cell's type and width)."""
    rows = [[cell.strip() for cell in row] for row in rows]
    widths = [len(h) + 2 for h in headers]  # tabulate's minimum padding around headers
    for i, column in enumerate(zip(*rows, strict=True)):
        widths[i] = max(widths[i], *map(len, column))
    line = "  ".join(f"{{:<{w}}}" for w in widths).format
    out = [line(*headers).rstrip(), "  ".join("-" * w for w in widths)]
    out += [line(*row).rstrip() for row in rows]
    return "\n".join(out)


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def plural(count: int, noun: str) -> str:
    """Return '1 meeting', '2 meetings', '0 events'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def terminal_width() -> int | None:
    """Return the terminal's width when stdout is one, else None (piped output is not cut)."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


def shorten(text: str, width: int) -> str:
    """Return text cut to `width` characters, ending in an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: max(width - 1, 1)].rstrip() + ELLIPSIS


def _fit(rows: list[list[str]], columns: Sequence[Column], width: int) -> list[list[str]]:
    shrinkable = [i for i, c in enumerate(columns) if c.shrink]
    if not shrinkable or not rows:
        return rows
    index = shrinkable[0]
    others = sum(
        max(len(columns[i].header), *(len(r[i]) for r in rows)) + 2
        for i in range(len(columns))
        if i != index
    )
    room = max(width - others - 2, 20)
    for row in rows:
        row[index] = shorten(row[index], room)
    return rows
