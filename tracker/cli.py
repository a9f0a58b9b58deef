"""The `track` command line: parses input, calls the library, formats the output."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from tracker import __version__
from tracker.errors import DatabaseExists, InvalidDate, TrackError
from tracker.formats import (
    Column,
    emit,
    output_options,
    plural,
    render,
    status_colour,
    terminal_width,
    to_json,
    use_colour,
)
from tracker.vocabulary import ACCEPTED_DATE_FORMS, KINDS, PARTIES, STATUSES, number

if TYPE_CHECKING:  # the store and its dependencies load only when a command needs data
    from pathlib import Path

    from tracker.model import StatusRow
    from tracker.store import Store

DB_ENV = "TRACK_DB"


class TrackGroup(click.Group):
    """A click group that reports every failure as one `Error: ...` line, never a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as stop:
            sys.exit(stop.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except click.UsageError as error:
            hint = ""
            if error.ctx is not None:
                hint = f" See '{error.ctx.command_path} --help'."
            _fail(error.format_message() + hint, error.exit_code)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except TrackError as error:
            _fail(str(error), 1)
        except UnicodeError:
            _fail("The input is not valid UTF-8 text; nothing was changed.", 1)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(1)
        except Exception as error:
            sqlite3 = sys.modules.get("sqlite3")  # loaded only if a command opened the database
            if sqlite3 is None or not isinstance(error, sqlite3.Error):
                raise
            _fail(_database_error(error), 1)
        sys.exit(0)


def _database_error(error: Exception) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return "The database is locked by another process; try again in a moment."
    if "readonly" in text:
        return "The database file is read-only; nothing was changed."
    return f"Database error: {text}."


def _fail(message: str, code: int) -> None:
    click.echo("Error: " + " ".join(message.split()), err=True)
    sys.exit(code)


class DateParam(click.ParamType):
    """A date typed by a user: ISO, written forms, today, yesterday, N days ago."""

    name = "date"

    def __init__(self, *, allow_future: bool = True):
        self.allow_future = allow_future

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        from tracker.dates import parse_date

        try:
            return parse_date(value, today=dt.date.today(), allow_future=self.allow_future)
        except InvalidDate as error:
            self.fail(str(error), param, ctx)


class PathParam(click.ParamType):
    """A file path, as a pathlib.Path (imported only when a command takes one)."""

    name = "path"

    def convert(self, value, param, ctx):
        from pathlib import Path

        return Path(value)


class DurationParam(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx):
        from tracker.dates import parse_duration

        try:
            return parse_duration(value)
        except InvalidDate as error:
            self.fail(str(error), param, ctx)


class AppState:
    """Where the database is, and the store once it has been opened."""

    def __init__(self, db_option: str | None):
        self.explicit = db_option is not None
        from pathlib import Path

        self.path = Path(db_option) if db_option else default_db_path()
        self._store: Store | None = None

    def store(self) -> Store:
        """Open the database, creating it with the bundled data if there is none yet."""
        from tracker.store import Store, check_database_file

        if self._store is None:
            if not self.explicit:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            if check_database_file(self.path):
                self._store = Store.open(self.path, busy_timeout=_busy_timeout())
            else:
                self._store = _create(self.path, seed_files=None)
        return self._store


def _busy_timeout() -> float:
    """Seconds to wait for another writer: $TRACK_BUSY_TIMEOUT, else 10."""
    value = os.environ.get("TRACK_BUSY_TIMEOUT", "10")
    try:
        seconds = float(value)
    except ValueError:
        raise click.UsageError(
            f"TRACK_BUSY_TIMEOUT must be a number of seconds, not {value!r}."
        ) from None
    return max(seconds, 0.0)


# --------------------------------------------------------------------------- completion


def _completion_store(ctx: click.Context):
    """Open the database for completion, never creating one; None if there is none."""
    from tracker.store import Store, check_database_file

    root = ctx.find_root()
    option = root.params.get("db_path") or os.environ.get(DB_ENV)
    from pathlib import Path

    path = Path(option) if option else default_db_path()
    try:
        return Store.open(path) if check_database_file(path) else None
    except TrackError:
        return None


def _complete_from(values, incomplete: str, *, upper: bool = False):
    from click.shell_completion import CompletionItem

    prefix = incomplete.upper() if upper else incomplete.lower()
    return [
        CompletionItem(v)
        for v in values
        if v.upper().startswith(incomplete.upper()) or v.startswith(prefix)
    ]


def complete_ids(ctx, param, incomplete):
    """Commitment IDs from the database."""
    store = _completion_store(ctx)
    return _complete_from(store.commitment_ids() if store else [], incomplete, upper=True)


def complete_areas(ctx, param, incomplete):
    store = _completion_store(ctx)
    return _complete_from(store.areas() if store else [], incomplete)


def complete_meetings(ctx, param, incomplete):
    store = _completion_store(ctx)
    return _complete_from([m.slug for m in store.meetings()] if store else [], incomplete)


def complete_statuses(ctx, param, incomplete):
    return _complete_from(STATUSES, incomplete)


def complete_parties(ctx, param, incomplete):
    return _complete_from(PARTIES, incomplete, upper=True)


def complete_kinds(ctx, param, incomplete):
    return _complete_from(KINDS, incomplete)


def default_db_path() -> Path:
    """Return the database path used when neither --db nor TRACK_DB is given."""
    from pathlib import Path

    folder = Path(click.get_app_dir("track"))
    if not folder.is_absolute():  # an empty or relative XDG_CONFIG_HOME is invalid: ignore it
        folder = Path.home() / ".config" / "track"
    return folder / "track.db"


def _create(path: Path, *, seed_files: list[Path] | None, empty: bool = False, data=None) -> Store:
    """Create a database at `path` and say on stderr what it was loaded with."""
    from tracker.seeds import create_database

    store, summary = create_database(
        path, seed_files=[] if empty else seed_files, data=data, busy_timeout=_busy_timeout()
    )
    if empty:
        click.echo(f"Created {path}: an empty tracker.", err=True)
    else:
        what = (
            "the bundled Woodside 2023 data"
            if seed_files is None
            else ", ".join(f.name for f in seed_files)
        )
        click.echo(
            f"Created {path} with {plural(summary.commitments, 'commitment')} and "
            f"{plural(summary.events, 'evidence event')} from {what}.",
            err=True,
        )
    return store


def _today() -> dt.date:
    return dt.date.today()


@click.group(name="track", cls=TrackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="track")
@click.option(
    "--db",
    "db_path",
    envvar=DB_ENV,
    metavar="PATH",
    help=f"Database file. Default: ${DB_ENV}, else track.db in the user's app folder.",
)
@click.pass_context
def cli(ctx: click.Context, db_path: str | None) -> None:
    """Track whether the commitments made at a diplomatic summit are kept.

    Comes loaded with the Xi–Biden meeting at Woodside, California (15 November 2023)
    and its verified follow-up evidence. Start with `track status`.
    """
    ctx.obj = AppState(db_path)


def _state(ctx: click.Context) -> AppState:
    return ctx.find_object(AppState)


# --------------------------------------------------------------------------- path, init


@cli.command()
@click.pass_context
def path(ctx: click.Context) -> None:
    """Print the path of the database in use.

    Example: sqlite3 "$(track path)" .tables
    """
    click.echo(str(_state(ctx).path))


@cli.command()
@click.option("--empty", is_flag=True, help="Create a database with no meetings or commitments.")
@click.option(
    "--seed",
    "seed_files",
    multiple=True,
    type=PathParam(),
    help="Load this meeting file instead of the bundled data (repeatable).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Start again even if the database exists; the old file is kept as a backup.",
)
@click.pass_context
def init(ctx: click.Context, empty: bool, seed_files: tuple[Path, ...], force: bool) -> None:
    """Create the database, from the bundled data or your own files.

    Example: track init --empty, or track init --seed my-summit.toml
    """
    from tracker import seeds
    from tracker.store import Store, check_database_file

    if empty and seed_files:
        raise click.UsageError("Use --empty or --seed, not both.")
    state = _state(ctx)
    if not state.explicit:
        state.path.parent.mkdir(parents=True, exist_ok=True)
    exists = check_database_file(state.path)
    files = list(seed_files) or None
    # read (and check) the seed files once, before touching an existing database
    data = seeds.read_files(files) if files else None
    if exists:
        existing = Store.open(state.path)
        count = existing.count_commitments()
        if not force:
            existing.close()
            raise DatabaseExists(
                f"{state.path} already exists ({count} commitments). "
                "Use --force to start again; the old file is kept as a backup."
            )
        backup = _backup_path(state.path)
        existing.backup(backup)
        existing.close()
        for suffix in ("", "-wal", "-shm"):
            state.path.with_name(state.path.name + suffix).unlink(missing_ok=True)
        click.echo(f"Kept the old database ({count} commitments) as {backup}.", err=True)
    _create(state.path, seed_files=files, empty=empty, data=data).close()


def _backup_path(path: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.{stamp}.bak")
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{stamp}-{counter}.bak")
        counter += 1
    return candidate


# --------------------------------------------------------------------------- status


def limit_option(what: str):
    """-n/--limit N for a listing (20 by default)."""
    return click.option(
        "--limit",
        "-n",
        type=click.IntRange(min=1),
        default=20,
        show_default=True,
        help=f"At most this many {what}.",
    )


as_of_option = click.option(
    "--as-of",
    type=DateParam(allow_future=False),
    help="Show things as they stood on this date: only events dated on or before it count.",
)

STATUS_COLUMNS = [
    Column("id", "ID"),
    Column("area", "Area"),
    Column("title", "Title", shrink=True),
    Column("parties", "Parties", show=lambda v: ",".join(v)),
    Column("status", "Status", colour=status_colour),
    Column("last_update", "Updated"),
    Column("evidence", "Evidence"),
    Column("due", "Due", show=lambda row: _due_cell(row), whole_record=True),
]


@cli.command()
@click.option(
    "--area",
    shell_complete=complete_areas,
    help="Only this area (counternarcotics, military, ...).",
)
@click.option(
    "--party",
    shell_complete=complete_parties,
    help="Only commitments of this party (US or CN), showing its status.",
)
@click.option(
    "--status",
    "statuses",
    shell_complete=complete_statuses,
    multiple=True,
    help="Only this status (repeatable): " + ", ".join(STATUSES) + ".",
)
@click.option(
    "--kind", shell_complete=complete_kinds, help="Only this kind: " + ", ".join(KINDS) + "."
)
@click.option(
    "--meeting",
    shell_complete=complete_meetings,
    help="Only commitments made at this meeting (slug).",
)
@click.option(
    "--overdue", is_flag=True, help="Only commitments past their due date, not fulfilled."
)
@click.option(
    "--due-within",
    type=DurationParam(),
    help="Only commitments not fulfilled and due within this long (overdue ones included).",
)
@click.option(
    "--stale",
    type=DurationParam(),
    help="Only commitments with no event in this long: 90d, 12w, 6m, 1y.",
)
@as_of_option
@output_options
@click.pass_context
def status(
    ctx: click.Context,
    area: str | None,
    party: str | None,
    statuses: tuple[str, ...],
    kind: str | None,
    meeting: str | None,
    overdue: bool,
    due_within,
    stale,
    as_of: dt.date | None,
    output_format: str,
    fmt: str | None,
    no_headers: bool,
) -> None:
    """List commitments with their status and due date.

    One row per commitment: latest update, number of evidence entries, due date (marked
    OVERDUE when it has passed and the commitment is not fulfilled, "soon" within 30 days),
    and a count per status. With --as-of, the list as it stood on that date.

    Example: track status --area military --status fulfilled
    """
    as_of = as_of or _today()
    store = _state(ctx).store()
    rows = store.status_rows(
        as_of=as_of,
        area=area,
        party=party,
        statuses=statuses,
        kind=kind,
        meeting=meeting,
        overdue=overdue,
        due_within=due_within,
        stale_before=stale.before(as_of) if stale else None,
    )
    columns = list(STATUS_COLUMNS)
    if party:
        columns[4] = Column("status", f"Status ({party.upper()})", colour=status_colour)
    if output_format not in ("table", "markdown"):
        from tracker.model import StatusRow

        columns = [Column(key, key) for key in StatusRow.__dataclass_fields__]
    text = _listing(rows, columns, output_format, fmt, no_headers)
    if output_format in ("table", "markdown"):
        text += "\n\n" + _count_line(rows)
    emit(text)


def _listing(records, columns, output_format: str, fmt: str | None, no_headers: bool) -> str:
    """Render a listing with the shared output options, fitted and coloured on a terminal."""
    return render(
        records,
        columns,
        output_format=output_format,
        fmt=fmt,
        width=terminal_width() if output_format == "table" else None,
        headers=not no_headers,
        colour=use_colour(),
    )


def _due_cell(row: StatusRow) -> str:
    if row.overdue:
        return f"{row.due} OVERDUE"
    if row.due_soon:
        return f"{row.due} soon"
    return row.due or ""


def _count_line(rows) -> str:
    counts = {s: 0 for s in STATUSES}
    for r in rows:
        counts[r.status] += 1
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    noun = "commitment" if len(rows) == 1 else "commitments"
    return f"{len(rows)} {noun}" + (": " + ", ".join(parts) if parts else "")


# --------------------------------------------------------------------------- show


@cli.command()
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@as_of_option
@output_options
@click.pass_context
def show(
    ctx: click.Context,
    commitment_id: str,
    as_of: dt.date | None,
    output_format: str,
    fmt: str | None,
    no_headers: bool,
) -> None:
    """Show one commitment and its whole timeline, oldest first.

    The table format gives the details and the timeline for reading (with --fmt, the
    timeline as a table in that style); json gives everything; jsonl, csv and markdown give
    the timeline, one event per row.

    Example: track show narc-1, or track show TRAV-1 --as-of 2024-03-01
    """
    store = _state(ctx).store()
    as_of = as_of or _today()
    commitment = store.commitment(commitment_id)
    state = store.state(commitment.id, as_of=as_of)
    events = store.events(commitment.id, until=as_of, newest_first=False)
    metric = store.metric(commitment.id, as_of=as_of)
    if output_format == "json":
        details = {
            **commitment.__dict__,
            "status": state.status,
            "overdue": state.overdue,
            "due_soon": state.due_soon,
        }
        click.echo(
            to_json(
                {
                    "as_of": as_of.isoformat(),
                    "commitment": details,
                    "party_statuses": state.party_statuses,
                    "metric": metric,
                    "events": events,
                }
            )
        )
        return
    if output_format in ("jsonl", "csv", "markdown"):
        from tracker.model import as_dict

        columns = [Column(k, k) for k in LOG_FIELDS]
        records = [as_dict(e) for e in events]
        emit(_listing(records, columns, output_format, fmt, no_headers))
        return
    meeting = store.meeting(commitment.meeting)
    label = lambda name: click.style(f"{name + ':':<10}", bold=True)  # noqa: E731
    lines = [click.style(f"{commitment.id}  {commitment.title}", bold=True), ""]
    if as_of != _today():
        lines += [f"{label('As of')} {as_of.isoformat()} (later events are not shown)"]
    lines.append(f"{label('Status')} {_paint(state.status)}")
    if any(s != state.status for s in state.party_statuses.values()):
        lines.append(
            f"{label('By party')} " + ", ".join(f"{p} {s}" for p, s in state.party_statuses.items())
        )
    lines.append(f"{label('Parties')} {', '.join(commitment.parties)} ({commitment.kind})")
    lines.append(f"{label('Area')} {commitment.area}")
    lines.append(f"{label('Meeting')} {meeting.title}, {meeting.date} ({meeting.slug})")
    if commitment.deadline or commitment.due:
        due = f"due {commitment.due}" if commitment.due else "no date"
        if state.overdue:
            due += " (OVERDUE)"
        elif state.due_soon:
            due += " (due soon)"
        words = f'"{commitment.deadline}", ' if commitment.deadline else ""
        lines.append(f"{label('Deadline')} {words}{due}")
    if metric is not None:
        from tracker.report import metric_data, metric_line

        lines.append(_wrapped(label("Metric"), metric_line(metric_data(metric))))
    if commitment.summary:
        lines.append(_wrapped(label("Summary"), commitment.summary))
    if commitment.quote or commitment.quote_by:
        quote = f'"{commitment.quote}"' if commitment.quote else ""
        by = f" ({commitment.quote_by})" if commitment.quote_by else ""
        lines.append(_wrapped(label("Source"), (quote + by).strip()))
    lines += ["", click.style(f"Timeline ({len(events)} events, oldest first)", bold=True)]
    if fmt:
        records = [{**_log_record(e), "ref": e.uuid[:8]} for e in events]
        lines.append(_listing(records, LOG_COLUMNS, "table", fmt, no_headers))
    else:
        lines += [_event_line(event) for event in events]
    emit("\n".join(lines))


def _paint(status: str) -> str:
    """Return a status in its colour on a terminal, plain otherwise."""
    name = status_colour(status)
    return click.style(status, fg=name) if name and use_colour() else status


def _wrapped(prefix: str, text: str, *, indent: int = 11) -> str:
    import textwrap

    width = max(min(_width(), 100) - indent, 30)
    body = textwrap.wrap(text, width) or [""]
    return prefix + " " + ("\n" + " " * indent).join(body)


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _event_line(event) -> str:
    what = event.kind
    if event.status:
        what = (
            f"{event.kind} -> {event.status}"
            if event.kind == "status"
            else (f"{event.kind} ({event.status})")
        )
    if event.value is not None:
        what += f" = {number(event.value)}"
    party = f" [{event.party}]" if event.party else ""
    head = f"{event.happened_on}  {what}{party}"
    out = [head]
    if event.text:
        out.append(_wrapped(" " * 10, event.text))
    if event.source_url or event.source_title:
        source = " ".join(
            filter(
                None, [event.source_title, f"<{event.source_url}>" if event.source_url else None]
            )
        )
        out.append(_wrapped(" " * 10, "Source: " + source))
    return "\n".join(out)


# --------------------------------------------------------------------------- note, set, add

source_option = click.option("--source", "source_url", metavar="URL", help="Where the evidence is.")
title_option = click.option("--title", "source_title", help="Title of the source.")
party_option = click.option(
    "--party",
    shell_complete=complete_parties,
    help="The party this concerns: " + " or ".join(PARTIES) + ".",
)
on_option = click.option(
    "--on",
    type=DateParam(allow_future=False),
    default="today",
    show_default=True,
    help=f"When it happened ({ACCEPTED_DATE_FORMS}).",
)


@cli.command()
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.argument("text")
@on_option
@source_option
@title_option
@party_option
@click.pass_context
def note(ctx, commitment_id, text, on, source_url, source_title, party) -> None:
    """Add a piece of evidence or a progress note to a commitment.

    Example: track note NARC-1 "Working group met in Vienna" --on "12 Nov 2024" --source URL
    """
    store = _state(ctx).store()
    event = store.add_note(
        commitment_id,
        text,
        on=on,
        today=_today(),
        source_url=source_url,
        source_title=source_title,
        party=party,
    )
    click.echo(f"Added a note to {event.commitment} dated {event.happened_on}.", err=True)


@cli.command(name="set")
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.argument("new_status", metavar="STATUS", shell_complete=complete_statuses)
@click.option("--reason", help="Why the status changed.")
@on_option
@source_option
@title_option
@party_option
@click.pass_context
def set_(ctx, commitment_id, new_status, reason, on, source_url, source_title, party) -> None:
    """Change a commitment's status, recorded as an event.

    With --party, only that party's side of a joint commitment changes.

    STATUS is one of: not-started, in-progress, stalled, partial, fulfilled, broken, unclear.

    Example: track set AI-1 in-progress --reason "First talks in Geneva" --on 2024-05-14
    """
    store = _state(ctx).store()
    event = store.set_status(
        commitment_id,
        new_status,
        on=on,
        today=_today(),
        reason=reason,
        source_url=source_url,
        source_title=source_title,
        party=party,
    )
    whose = f"{event.commitment} ({event.party})" if event.party else event.commitment
    click.echo(f"{whose} is now {event.status}, as of {event.happened_on}.", err=True)


class NumberParam(click.ParamType):
    name = "number"

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        try:
            number_ = float(str(value).replace(",", "").strip())
        except ValueError:
            self.fail(f"{value!r} is not a number.", param, ctx)
        if number_ != number_ or number_ in (float("inf"), float("-inf")):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number_


@cli.command()
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.argument("value", type=NumberParam())
@on_option
@source_option
@title_option
@click.option("--note", "text", help="What the reading is, in words (default: the metric's name).")
@click.pass_context
def measure(ctx, commitment_id, value, on, source_url, source_title, text) -> None:
    """Record a reading of a commitment's metric (its quantitative target).

    Example: track measure TRAV-1 150 --on 2024-10-27 --source URL
    """
    store = _state(ctx).store()
    event = store.add_measure(
        commitment_id,
        value,
        on=on,
        today=_today(),
        text=text,
        source_url=source_url,
        source_title=source_title,
    )
    metric = store.metric(event.commitment)
    click.echo(
        f"Recorded {number(value)} for {event.commitment} ({metric.name}) on {event.happened_on}.",
        err=True,
    )


@cli.command()
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.option("--title", required=True, help="Short title of the commitment.")
@click.option("--area", required=True, help="Area, such as climate or military.")
@click.option("--party", "parties", multiple=True, required=True, help="US or CN (repeatable).")
@click.option(
    "--kind",
    default="joint",
    show_default=True,
    help="One of: " + ", ".join(KINDS) + ".",
)
@click.option("--due", type=DateParam(), help="Due date, if the commitment has one.")
@click.option("--deadline", help='The deadline in the sources\' words, e.g. "early 2024".')
@click.option("--summary", help="What was promised, in your own words.")
@click.option("--quote", help="A short quote of the official wording.")
@click.option("--quote-by", help='Who said the quote, e.g. "White House readout".')
@click.option(
    "--meeting",
    shell_complete=complete_meetings,
    help="Meeting slug (needed when there is more than one meeting).",
)
@click.pass_context
def add(
    ctx, commitment_id, title, area, parties, kind, due, deadline, summary, quote, quote_by, meeting
) -> None:
    """Add a new commitment, made at a meeting, starting as not-started.

    Example: track add AI-2 --title "Expert talks on military AI" --area ai --party US --party CN
    """
    store = _state(ctx).store()
    commitment = store.add_commitment(
        commitment_id,
        title=title,
        area=area,
        parties=parties,
        kind=kind,
        due=due,
        deadline=deadline,
        summary=summary,
        quote=quote,
        quote_by=quote_by,
        meeting=meeting,
    )
    click.echo(f"Added {commitment.id}: {commitment.title}.", err=True)


# --------------------------------------------------------------------------- log, report

LOG_COLUMNS = [
    Column("ref", "Event"),
    Column("happened_on", "Date"),
    Column("commitment", "ID"),
    Column("what", "What", colour=lambda text: status_colour(text.split("-> ")[-1])),
    Column("party", "Party"),
    Column("text", "Text", shrink=True),
]
LOG_FIELDS = (
    "uuid", "happened_on", "commitment", "kind", "status", "party", "value", "text",
    "source_url", "source_title", "retracts", "changes", "retracted", "recorded_at",
)  # fmt: skip


def _log_record(event) -> dict:
    """An event as a row of `track log`: its short ID, what happened, text with source."""
    from tracker.model import as_dict

    source = event.source_title or event.source_url
    text = " ".join(filter(None, [event.text, f"[{source}]" if source else None]))
    return {**as_dict(event), "ref": event.uuid[:8], "what": _what(event), "text": text}


def _what(event) -> str:
    if event.kind == "status":
        what = f"status -> {event.status}"
    elif event.kind == "retraction":
        what = f"retracts {event.retracts[:8]}"
    elif event.kind == "measure":
        what = f"measure = {number(event.value)}"
    else:
        what = event.kind
    return what + (" (RETRACTED)" if event.retracted else "")


@cli.command()
@click.argument("commitment_id", metavar="[ID]", required=False, shell_complete=complete_ids)
@click.option(
    "--since", type=DateParam(allow_future=False), help="Only events on or after this date."
)
@limit_option("events")
@output_options
@click.pass_context
def log(ctx, commitment_id, since, limit, output_format, fmt, no_headers) -> None:
    """List recent events, newest first, for all commitments or one.

    Retracted events are marked (RETRACTED); retractions name the event they withdraw. The
    Event column is the start of each event's ID, for `track undo`.

    Example: track log MIL-2 --since 2024-01-01
    """
    store = _state(ctx).store()
    events = store.events(commitment_id, since=since, limit=limit, include_retracted=True)
    if output_format in ("table", "markdown"):
        records = [_log_record(e) for e in events]
        emit(_listing(records, LOG_COLUMNS, output_format, fmt, no_headers))
    else:
        columns = [Column(k, k) for k in LOG_FIELDS]
        records = [{k: getattr(e, k) for k in LOG_FIELDS} for e in events]
        emit(_listing(records, columns, output_format, fmt, no_headers))


@cli.command()
@click.argument("event_ref", metavar="[EVENT]", required=False)
@click.option("--reason", help="Why the event is withdrawn.")
@click.pass_context
def undo(ctx, event_ref, reason) -> None:
    """Retract an event: the latest one recorded, or EVENT (an ID from `track log`).

    Nothing is deleted: a retraction is added, and statuses and reports are recomputed as if
    the event never happened. Undo a retraction to restore its event.

    Example: track undo, or track undo 3f2a9c1e --reason "Wrong source"
    """
    store = _state(ctx).store()
    retraction, target = store.undo(event_ref, today=_today(), reason=reason)
    what = f"{target.kind} of {target.happened_on} on {target.commitment}"
    if target.kind == "retraction":
        click.echo(
            f"Retracted retraction {target.uuid[:8]}: event {target.retracts[:8]} is back in "
            f"force. (Undo this with `track undo {retraction.uuid[:8]}`.)",
            err=True,
        )
    else:
        click.echo(
            f"Retracted the {what} ({target.uuid[:8]}). "
            f"To restore it: track undo {retraction.uuid[:8]}",
            err=True,
        )


@cli.command()
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.option("--title", help="New title.")
@click.option("--summary", help="New summary, in your own words.")
@click.option("--area", help="New area.")
@click.option("--deadline", help="New deadline wording.")
@click.option("--due", type=DateParam(), help="New due date.")
@click.option("--no-due", is_flag=True, help="Remove the due date.")
@click.option(
    "--party", "parties", multiple=True, help="New parties, replacing the old (repeatable)."
)
@click.option("--reason", help="Why the record changed.")
@click.pass_context
def edit(ctx, commitment_id, title, summary, area, deadline, due, no_due, parties, reason) -> None:
    """Correct a commitment's title, summary, area, deadline, due date or parties.

    The old and new values are kept in an edit event, so `track undo` can reverse it.

    Example: track edit MIL-5 --due 2024-12-31 --reason "Date announced"
    """
    from tracker.store import UNSET

    if due is not None and no_due:
        raise click.UsageError("Use --due or --no-due, not both.")
    store = _state(ctx).store()
    event = store.edit(
        commitment_id,
        today=_today(),
        title=title,
        summary=summary,
        area=area,
        deadline=deadline,
        due=None if no_due else (due or UNSET),
        parties=parties or None,
        reason=reason,
    )
    click.echo(f"{event.commitment}: {event.text} (event {event.uuid[:8]})", err=True)


@cli.command(name="export")
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["json", "jsonl", "csv"], case_sensitive=False),
    default="json",
    show_default=True,
    help="json and jsonl hold everything (lossless); csv is the commitments table.",
)
@click.option(
    "-o",
    "--output",
    type=PathParam(),
    help="Write to this file instead of stdout.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def export_(ctx, output_format, output, quiet) -> None:
    """Export the whole database: meetings, commitments, every event with its UUID.

    Two exports of the same data are identical files; `track import` reads json and jsonl
    back without loss.

    Example: track export --format jsonl -o tracker.jsonl
    """
    from tracker.exchange import count_records, write_export

    store = _state(ctx).store()
    output_format = output_format.lower()
    if output is None:
        write_export(store, output_format, sys.stdout)
        return
    total = 0 if quiet or not sys.stderr.isatty() else count_records(store)
    try:
        with (
            output.open("w", encoding="utf-8", newline="") as handle,
            _bar(total, f"Writing {output.name}") as advance,
        ):
            counts = write_export(store, output_format, handle, progress=advance)
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error.strerror}.") from None
    click.echo(
        f"Exported {plural(counts['meeting'], 'meeting')}, "
        f"{plural(counts['commitment'], 'commitment')} and {plural(counts['event'], 'event')} "
        f"to {output}.",
        err=True,
    )


@cli.command(name="import")
@click.argument("file", type=PathParam())
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be added.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def import_(ctx, file, dry_run, quiet) -> None:
    """Import a seed TOML file or a json/jsonl export.

    Records already present (meetings by slug, commitments by ID, events by UUID) are left
    as they are, so importing a file twice adds nothing the second time. One bad record and
    nothing is imported; the error names the record and the field.

    Example: track import colleague.jsonl --dry-run
    """
    from tracker.exchange import read_import

    store = _state(ctx).store()
    with _progress(file, quiet=quiet) as advance:
        records = read_import(file, store, progress=advance)
        if dry_run:
            summary = store.preview_records(records)
            verb = "Would add"
        else:
            summary = store.add_records(records)
            verb = "Added"
    click.echo(
        f"{verb} {plural(summary.meetings, 'meeting')}, "
        f"{plural(summary.commitments, 'commitment')} and {plural(summary.events, 'event')} "
        f"from {file.name}" + (" (nothing was changed)." if dry_run else "."),
        err=True,
    )


@contextmanager
def _progress(file: Path, *, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for reading a large file, when stderr is a terminal."""
    size = file.stat().st_size if file.is_file() else 0
    if quiet or size < 1_000_000 or not sys.stderr.isatty():
        yield None
        return
    with _bar(size, f"Reading {file.name}") as advance:
        yield advance


@contextmanager
def _bar(
    total: int, label: str, *, at_least: int = 5_000
) -> Iterator[Callable[[int], None] | None]:
    """Click's progress bar on stderr, for `total` units of work (none for small jobs);
    yields a function to call with how many are done so far."""
    if total < at_least:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        seen = [0]

        def advance(done: int) -> None:
            bar.update(done - seen[0])
            seen[0] = done

        yield advance


@cli.command()
@click.argument("file", type=PathParam())
@click.pass_context
def backup(ctx, file) -> None:
    """Write a consistent copy of the database to FILE, safe while others are writing.

    Example: track backup ~/backups/track-$(date +%F).db
    """
    store = _state(ctx).store()
    store.backup(file)
    click.echo(f"Backed up {store.path} to {file}.", err=True)


SEARCH_COLUMNS = [
    Column("commitment", "ID"),
    Column("happened_on", "Date"),
    Column("found_in", "In"),
    Column("snippet", "Match", shrink=True),
]


@cli.command()
@click.argument("query")
@click.option("--area", shell_complete=complete_areas, help="Only commitments of this area.")
@limit_option("results")
@output_options
@click.pass_context
def search(ctx, query, area, limit, output_format, fmt, no_headers) -> None:
    """Search commitments and evidence, best matches first.

    QUERY is SQLite full-text syntax: words (all must match), "a phrase", prefix*, OR, NOT
    and parentheses. Matched words are marked **like this**; retracted evidence is left out.

    Example: track search "working group" --area counternarcotics
    """
    store = _state(ctx).store()
    hits = store.search(query, area=area, limit=limit)
    if output_format in ("table", "markdown") and not hits:
        click.echo(f"No match for {query!r}.", err=True)
        return
    emit(
        _listing(
            hits,
            SEARCH_COLUMNS
            if output_format in ("table", "markdown")
            else [
                Column(k, k)
                for k in (
                    "commitment",
                    "happened_on",
                    "found_in",
                    "title",
                    "area",
                    "snippet",
                    "rank",
                    "event",
                )
            ],
            output_format,
            fmt,
            no_headers,
        )
    )


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]), metavar="SHELL")
def completion(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Completes commands, options, commitment IDs, statuses, areas, parties and meetings.

    Example: eval "$(track completion bash)"   (add it to ~/.bashrc)
    """
    from click.shell_completion import get_completion_class

    complete = get_completion_class(shell)(cli, {}, "track", "_TRACK_COMPLETE")
    click.echo(complete.source())


REPORT_FORMATS = ("markdown", "html", "json")


@cli.command()
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(REPORT_FORMATS, case_sensitive=False),
    default="markdown",
    show_default=True,
    help="Markdown for editing, HTML (one self-contained file with charts), JSON for programs.",
)
@click.option(
    "-o",
    "--output",
    type=PathParam(),
    help="Write the report to this file instead of printing it.",
)
@as_of_option
@click.option(
    "--since",
    type=DateParam(allow_future=False),
    help="Add a section on what changed between this date and the report date.",
)
@click.option(
    "--stale",
    type=DurationParam(),
    default="90d",
    show_default=True,
    help="Call out commitments with no event in this long.",
)
@click.option("--no-timestamp", is_flag=True, help="Leave the generation time out of the footer.")
@click.pass_context
def report(ctx, output_format, output, as_of, since, stale, no_timestamp) -> None:
    """Print the follow-up report.

    Headline and compliance per party and area (G7/G20 style scores and percentages), what
    is overdue or due soon, what has gone quiet, what changed since a date, and every
    commitment with its latest evidence and sources. The same database and --as-of always
    give the same report (with --no-timestamp, byte for byte).

    Example: track report --since 2024-06-01 --format html -o report.html
    """
    from tracker.report import build_report, iter_markdown

    store = _state(ctx).store()
    output_format = output_format.lower()
    data = build_report(
        store,
        as_of=as_of or _today(),
        since=since,
        stale=stale,
        generated_at=None if no_timestamp else dt.datetime.now().isoformat(timespec="seconds"),
        timelines=output_format != "markdown",
        stream=output_format == "markdown",
    )
    if output_format == "json":
        chunks = iter([to_json(data) + "\n"])
    elif output_format == "html":
        from tracker.html import render_html

        chunks = iter([render_html(data)])
    else:
        chunks = iter_markdown(data)  # written an area at a time: large reports stay small
    if output is None:
        for chunk in chunks:
            click.echo(chunk, nl=False)
        return
    try:
        with output.open("w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(chunk)
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error.strerror}.") from None
    click.echo(f"Wrote the {output_format} report to {output}.", err=True)
