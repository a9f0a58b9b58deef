"""Output: tables for people, JSON and CSV for programs. One set of options for every listing."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

FORMATS = ("table", "json", "jsonl", "csv", "markdown")
# Statuses in colour on a terminal (never when piped or with NO_COLOR set).
STATUS_COLOURS = {
    "fulfilled": "green",
    "partial": "cyan",
    "in-progress": "blue",
    "stalled": "yellow",
    "broken": "red",
    "unclear": "magenta",
    "not-started": None,
}
DEFAULT_TABLE_STYLE = "simple"
ELLIPSIS = "…"


def output_options(command: Callable) -> Callable:
    """Add --format, --fmt and --no-headers to a listing command."""
    command = click.option(
        "--no-headers",
        is_flag=True,
        help="Leave out the header row (table and csv).",
    )(command)
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
    colour: Callable[[str], str | None] | None = None  # cell text -> colour name, on terminals


def use_colour() -> bool:
    """Return True when stdout is a terminal and NO_COLOR is not set."""
    import os

    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def status_colour(text: str) -> str | None:
    """Return the colour name for a status cell ("fulfilled", "in-progress (US)" ...)."""
    return STATUS_COLOURS.get(text.split(" ")[0])


def emit(text: str) -> None:
    """Print data to stdout, through a pager when it is longer than the terminal (like git)."""
    if sys.stdout.isatty():
        import shutil

        if text.count("\n") + 1 > shutil.get_terminal_size((80, 24)).lines - 1:
            click.echo_via_pager(text + "\n")
            return
    click.echo(text)


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
    headers: bool = True,
    colour: bool = False,
) -> str:
    """Return records (dicts or dataclasses) as a table, markdown, CSV, JSON or JSON lines.

    With `width`, a table's shrinkable column is shortened so each line fits; with `colour`,
    cells of columns that have a colour rule are coloured (plain tables only)."""
    output_format = output_format.lower()
    if output_format in ("json", "jsonl"):
        plain = [{c.key: _plain(_value(r, c.key)) for c in columns} for r in records]
        if output_format == "json":
            return to_json(plain)
        import json

        return "\n".join(json.dumps(r, ensure_ascii=False) for r in plain)
    if output_format == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if headers:
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
    titles = [c.header for c in columns] if headers or output_format == "markdown" else None
    cells = "".join("".join(row) for row in rows)
    if style == DEFAULT_TABLE_STYLE and cells.isascii() and cells.isprintable():
        colours = [c.colour if colour else None for c in columns]
        return simple_table(titles, rows, colours=colours)
    from tabulate import tabulate

    return tabulate(rows, headers=titles or (), tablefmt=style, disable_numparse=True)


def simple_table(
    headers: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    *,
    colours: Sequence[Callable[[str], str | None] | None] | None = None,
) -> str:
    """Return the same text as tabulate's "simple" style for plain ASCII strings, in a
    fraction of the time (tabulate inspects every cell's type and width). Without headers,
    no header or rule lines; with `colours`, cells are coloured after they are padded."""
    rows = [[cell.strip() for cell in row] for row in rows]
    count = len(headers) if headers is not None else (len(rows[0]) if rows else 0)
    # tabulate leaves two spaces of room around each header
    widths = [len(h) + 2 for h in headers] if headers is not None else [0] * count
    for i, column in enumerate(zip(*rows, strict=True)):
        widths[i] = max(widths[i], *map(len, column))
    line = "  ".join(f"{{:<{w}}}" for w in widths).format
    out = [line(*headers).rstrip(), "  ".join("-" * w for w in widths)] if headers else []
    if colours and any(colours):
        painters = [(i, rule) for i, rule in enumerate(colours) if rule is not None]
        for row in rows:
            cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=True)]
            for i, rule in painters:
                name = rule(row[i])
                if name:  # colour the text, not the padding
                    cells[i] = click.style(row[i], fg=name) + " " * (widths[i] - len(row[i]))
            out.append("  ".join(cells).rstrip())
    else:
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
