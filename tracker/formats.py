"""Output: tables for people, JSON and CSV for programs. One set of options for every listing,
and every value escaped for the place it goes (terminal, Markdown, CSV, JSON)."""

from __future__ import annotations

import dataclasses
import operator
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import click

from tracker import escape

FORMATS = ("table", "json", "jsonl", "csv", "markdown")
# Ratings in colour on a terminal (never when piped, with NO_COLOR, or with --color never).
STATUS_COLOURS = {
    "fulfilled": "green",
    "maintained": "green",
    "partial": "cyan",
    "in-progress": "blue",
    "stalled": "yellow",
    "contested": "yellow",
    "broken": "red",
    "violated": "red",
    "unclear": "magenta",
    "disputed": "magenta",
    "split": "magenta",
}
DEFAULT_TABLE_STYLE = "simple"
ELLIPSIS = "…"


@dataclasses.dataclass
class Settings:
    """How output behaves, from the global options and the environment."""

    colour: str = "auto"  # auto, always, never
    pager: bool = True


SETTINGS = Settings()


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
        callback=lambda _ctx, _param, value: value and check_table_style(value),
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
            f"unknown table style {fmt!r}; choose from {', '.join(sorted(tabulate_formats))}.",
            param_hint="'--fmt'",
        )
    return fmt


@dataclasses.dataclass(frozen=True)
class Column:
    """A table column: the record key, its header, and how to show a value in a table."""

    key: str
    header: str
    show: Callable[[Any], str] = lambda value: cell_text(value)
    shrink: bool = False  # the column that is shortened to fit the terminal
    whole_record: bool = False  # `show` gets the whole record, not the value of `key`
    colour: Callable[[str], str | None] | None = None  # cell text -> colour name, on terminals
    # above 0: dropped when the table does not fit the terminal, highest first (ties: the
    # rightmost first)
    optional: int = 0
    # a shorter form of a cell, used before anything is cut or dropped
    compact: Callable[[str], str] | None = None


def use_colour() -> bool:
    """Return True when output should be coloured: --color always or FORCE_COLOR; never with
    --color never or NO_COLOR; otherwise when stdout is a terminal."""
    if SETTINGS.colour == "never":
        return False
    if SETTINGS.colour == "always":
        return True
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def status_colour(text: str) -> str | None:
    """Return the colour name for a rating cell ("fulfilled", "split: US ..." ...)."""
    return STATUS_COLOURS.get(text.split(" ")[0].rstrip(":"))


def paint(text: str, colour: str | None) -> str:
    return click.style(text, fg=colour) if colour and use_colour() else text


def pager_command() -> str | None:
    """Return the pager to use, or None for no paging: --no-pager, PAGER= or PAGER=cat turn
    it off, as in git."""
    if not SETTINGS.pager:
        return None
    pager = os.environ.get("PAGER")
    if pager is not None and pager.strip() in ("", "cat"):
        return None
    return pager or "less"


def emit(text: str) -> None:
    """Print data to stdout, through a pager when it is longer than the terminal (like git);
    a pager that cannot be started (a PAGER with an unbalanced quote) is left out."""
    if sys.stdout.isatty() and pager_command() is not None:
        import shutil

        if text.count("\n") + 1 > shutil.get_terminal_size((80, 24)).lines - 1:
            os.environ.setdefault("LESS", "FRX")
            try:
                click.echo_via_pager(text + "\n", color=use_colour())
                return
            except ValueError:  # shlex could not split $PAGER: print without it
                pass
    click.echo(text, color=use_colour())


def _json_escape(code: int) -> str:
    if code < 0x10000:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)  # JSON writes astral characters as a pair
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


_JSON_UNSAFE = str.maketrans(
    {
        code: _json_escape(code)
        for code in (*range(0x7F, 0xA0), 0x2028, 0x2029, *escape.HIDDEN_CODES)
    }
)


def to_json(value: Any, *, indent: int | None = 2) -> str:
    """Return stable JSON for records or dataclasses; characters that reorder or control a
    terminal are escaped (\\u202e), so the text is safe to print."""
    import json

    text = json.dumps(_plain(value), indent=indent, ensure_ascii=False)
    return text.translate(_JSON_UNSAFE)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
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

    With `width`, a table is fitted to it: its shrinkable column shortened, then optional
    columns dropped; with `colour`, cells of columns that have a colour rule are coloured."""
    output_format = output_format.lower()
    if output_format in ("json", "jsonl"):
        plain = [{c.key: _plain(_value(r, c.key)) for c in columns} for r in records]
        if output_format == "json":
            return to_json(plain)
        return "\n".join(to_json(r, indent=None) for r in plain)
    if output_format == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if headers:
            writer.writerow([c.key for c in columns])
        for record in records:
            writer.writerow([csv_value(_value(record, c.key)) for c in columns])
        return buffer.getvalue().rstrip("\n")
    # column by column: one getter and one show function over every record (the hot path of
    # a 10,000-row status table)
    by_column = []
    for c in columns:
        if c.whole_record:
            values = records
        elif records and isinstance(records[0], dict):
            values = [r[c.key] for r in records]
        else:
            values = list(map(operator.attrgetter(c.key), records))
        by_column.append(list(map(c.show, values)))
    cells = [list(row) for row in zip(*by_column, strict=True)] if by_column else []
    if output_format == "markdown":
        return markdown_table([c.header for c in columns], cells)
    cells = [list(row) for row in zip(*(map(_one_line, col) for col in by_column), strict=True)]
    titles = [c.header for c in columns]
    style = check_table_style(fmt)
    if width:
        columns, titles, cells = fit(columns, titles, cells, width)
    if style == DEFAULT_TABLE_STYLE:
        colours = [c.colour if colour else None for c in columns]
        return simple_table(titles if headers else None, cells, colours=colours)
    from tabulate import tabulate

    return tabulate(cells, headers=titles if headers else (), tablefmt=style, disable_numparse=True)


def cell_text(value: Any) -> str:
    """A value as the text of a table cell: nothing for None, lists joined, records as JSON
    (never a Python repr)."""
    if type(value) is str:  # the usual cell
        return value
    if value is None:
        return ""
    if isinstance(value, dict) or (
        isinstance(value, list | tuple) and any(isinstance(v, dict | list) for v in value)
    ):
        return to_json(value, indent=None)
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def _one_line(cell: str) -> str:
    """A table cell as one line of terminal text (runs of space made one, control and hidden
    characters escaped); plain printable ASCII, the usual cell, is taken as it is."""
    if cell.isascii() and cell.isprintable() and "  " not in cell and cell == cell.strip():
        return cell
    return escape.terminal(" ".join(cell.split()))


def csv_value(value: Any) -> Any:
    """A value for a CSV cell: lists joined, objects as JSON, text neutralised against
    formulas and shown without control characters (escape.csv_cell)."""
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value)
    ):
        value = to_json(value, indent=None)
    return escape.csv_cell(value)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return a GitHub-style Markdown table; every cell escaped (no HTML, pipes or breaks)."""
    out = ["| " + " | ".join(escape.markdown(h) for h in headers) + " |"]
    out.append("|" + "|".join("---" for _ in headers) + "|")
    out += ["| " + " | ".join(escape.markdown(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def display_width(text: str) -> int:
    """Return how many terminal columns text takes (wide East Asian characters take two,
    combining marks none)."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def simple_table(
    headers: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    *,
    colours: Sequence[Callable[[str], str | None] | None] | None = None,
) -> str:
    """Return the same text as tabulate's "simple" style, padded by display width (so wide
    characters line up), with cells coloured after they are padded. Written here rather than
    by tabulate because tabulate cannot colour a shortened cell and inspects every cell's type
    (slow on large tables); a test pins the output to tabulate's for plain text."""
    count = len(headers) if headers is not None else (len(rows[0]) if rows else 0)
    columns = [[cell.strip() for cell in col] for col in zip(*rows, strict=True)] if rows else []
    if not columns:
        columns = [[] for _ in range(count)]
    # tabulate leaves two spaces of room around each header
    widths = [display_width(h) + 2 for h in headers] if headers is not None else [0] * count
    padded = []
    for i, col in enumerate(columns):
        if all(map(str.isascii, col)):  # plain text: str.ljust pads it, in C
            widths[i] = max([widths[i], *map(len, col)])
            padded.append([cell.ljust(widths[i]) for cell in col])
        else:  # wide or combining characters: pad by display width
            sizes = list(map(display_width, col))
            widths[i] = max([widths[i], *sizes])
            padded.append(
                [cell + " " * (widths[i] - n) for cell, n in zip(col, sizes, strict=True)]
            )
    for i, rule in enumerate(colours or []):
        if rule is None or i >= len(columns):
            continue
        for r, cell in enumerate(columns[i]):
            name = rule(cell)
            if name:  # colour the text, not the padding
                padded[i][r] = click.style(cell, fg=name) + padded[i][r][len(cell) :]
    out = []
    if headers is not None:
        out.append(
            "  ".join(
                h + " " * (w - display_width(h)) for h, w in zip(headers, widths, strict=True)
            ).rstrip()
        )
        out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(row).rstrip() for row in zip(*padded, strict=True)]
    return "\n".join(out)


COMFORTABLE_WIDTH = 30  # the shrinkable column is kept this wide while columns can be dropped


def fit(
    columns: Sequence[Column], titles: list[str], rows: list[list[str]], width: int
) -> tuple[list[Column], list[str], list[list[str]]]:
    """Return the columns, titles and rows of a table fitted to `width` terminal columns:
    cells are put in their compact form, empty then optional columns are dropped while the
    shrinkable column would be narrower than COMFORTABLE_WIDTH, then it is shortened (to 12
    at least)."""
    columns, titles = list(columns), list(titles)
    rows = [list(r) for r in rows]
    measured: dict[int, int] = {}  # id of a column -> its natural width (measured once)

    def natural(i: int) -> int:
        key = id(columns[i])
        if key not in measured:
            measured[key] = max(
                [display_width(titles[i]) + 2, *(display_width(r[i]) for r in rows)]
            )
        return measured[key]

    def total() -> int:
        return sum(natural(i) for i in range(len(columns))) + 2 * (len(columns) - 1)

    if not rows or total() <= width:
        return columns, titles, rows
    shrink = next((i for i, c in enumerate(columns) if c.shrink), None)

    def needed() -> int:  # the width with the shrinkable column at its comfortable width
        if shrink is None:
            return total()
        return total() - natural(shrink) + min(natural(shrink), COMFORTABLE_WIDTH)

    if needed() > width:
        for i, column in enumerate(columns):
            if column.compact is not None:
                for row in rows:
                    row[i] = column.compact(row[i])
                measured.pop(id(column), None)
    while needed() > width:
        # a column with nothing in it goes first, then the optional ones
        empty = [i for i, c in enumerate(columns) if not c.shrink and not any(r[i] for r in rows)]
        optional = [(c.optional, i) for i, c in enumerate(columns) if c.optional]
        if not empty and not optional:
            break
        drop = empty[-1] if empty else max(optional)[1]
        del columns[drop], titles[drop]
        for row in rows:
            del row[drop]
        shrink = next((i for i, c in enumerate(columns) if c.shrink), None)
    if shrink is not None and total() > width:
        room = max(natural(shrink) - (total() - width), 12)
        for row in rows:
            row[shrink] = shorten(row[shrink], room)
    return columns, titles, rows


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """Return '1 meeting', '2 meetings', '0 events'."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural_form or noun + 's'}"


def terminal_width() -> int | None:
    """Return the terminal's width when stdout is one, else None (piped output is not cut)."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


def shorten(text: str, width: int) -> str:
    """Return text cut to `width` display columns, ending in an ellipsis when cut."""
    text = " ".join(text.split())
    if display_width(text) <= width:
        return text
    room = max(width - 1, 1)
    if text.isascii():
        return text[:room].rstrip() + ELLIPSIS
    out, used = "", 0
    for ch in text:
        size = display_width(ch)
        if used + size > room:
            break
        out, used = out + ch, used + size
    return out.rstrip() + ELLIPSIS
