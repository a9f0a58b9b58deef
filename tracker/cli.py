"""The `track` command line: parses input, calls the library, formats the output.

Exit status: 0 on success; 1 when a value is refused or an operation fails; 2 for a usage
error (an unknown option, a missing argument)."""

from __future__ import annotations

import datetime as dt
import errno
import gc
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

import click

from tracker import __version__
from tracker.errors import DatabaseExists, InvalidDate, InvalidValue, NotADatabase, TrackError
from tracker.escape import terminal
from tracker.formats import (
    SETTINGS,
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
from tracker.vocabulary import (
    ACCEPTED_DATE_FORMS,
    CONFIDENCES,
    EVENT_KINDS,
    FORMALITIES,
    RATINGS,
    SCORE_GROUPS,
    SOURCE_CLASSES,
    STANCES,
    STATES,
    TYPES,
    kind_name,
    number,
)

if TYPE_CHECKING:  # the store and its dependencies load only when a command needs data
    from pathlib import Path

    from tracker.store import Store

DB_ENV = "TRACK_DB"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class TrackGroup(click.Group):
    """A click group that reports every failure as one `Error: ...` line, never a traceback,
    with one exit-status rule: 1 for a refused value or a failed operation, 2 for a usage
    error."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        # Few of track's objects form cycles; on a large database, the collector's frequent
        # passes over the many long-lived rows of a report or import cost a third of the time.
        gc.set_threshold(100_000, 50, 100)
        if sys.stdin is None:  # closed by the caller (<&-): reading it is an error, not a crash
            sys.stdin = ClosedStream("standard input")
        if sys.stdout is None:
            sys.stdout = ClosedStream("standard output")
        try:
            _refuse_output_into_database(sys.argv[1:] if args is None else list(args))
            super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            sys.stdout.flush()  # a full disk shows here, as an error, not at exit
        except click.exceptions.Exit as stop:
            sys.exit(stop.exit_code)
        except click.Abort as abort:
            if isinstance(abort.__context__, KeyboardInterrupt):  # click's form of Ctrl-C
                say("Interrupted: nothing was changed.")
                sys.exit(130)
            say("Aborted: nothing was changed.")
            sys.exit(1)
        except KeyboardInterrupt:
            say("Interrupted: nothing was changed.")
            sys.exit(130)
        except click.BadParameter as error:
            code = 2 if isinstance(error, click.MissingParameter) else 1
            _fail(_usage_message(error), code)
        except click.UsageError as error:
            _fail(_usage_message(error), 2)
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except TrackError as error:
            _fail(str(error), 1)
        except UnicodeError:
            _fail("The input is not valid UTF-8 text; nothing was changed.", 1)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(1)
        except RecursionError:
            _fail("The input is nested too deeply; nothing was changed.", 1)
        except OSError as error:  # standard output or input: full, closed, over a limit
            _quiet_stdout()
            _fail(f"Cannot {_io_verb(error)}: {error.strerror or error}.", 1)
        except Exception as error:
            sqlite3 = sys.modules.get("sqlite3")  # loaded only if a command opened the database
            if sqlite3 is None or not isinstance(error, sqlite3.Error):
                raise
            if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT:
                say("Interrupted: nothing was changed.")
                sys.exit(130)
            _fail(_database_error(error), 1)
        sys.exit(0)


class ClosedStream:
    """Standard input or output that the caller closed: any use is an OSError (EBADF)."""

    def __init__(self, name: str):
        self.name = name

    def _closed(self, *_args, **_kwargs):
        raise OSError(errno.EBADF, f"{self.name} is closed")

    read = readline = write = fileno = _closed

    @property
    def buffer(self) -> ClosedStream:
        return self

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        pass


def _io_verb(error: OSError) -> str:
    if error.filename:
        return f"use {error.filename}"
    text = str(error.strerror or "")
    return "read standard input" if "standard input" in text else "write the output"


def _quiet_stdout() -> None:
    """After stdout failed, point file descriptor 1 at /dev/null so that what is still
    buffered is dropped quietly at exit, not reported as a second error."""
    with suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)


GLOBAL_OPTIONS = {  # track's own options, as an example of each
    "--db": "--db PATH", "--color": "--color never", "--colour": "--colour never",
    "--no-pager": "--no-pager",
}  # fmt: skip


def _usage_message(error: click.UsageError) -> str:
    """The message of a usage error, with where to look for help."""
    if (
        isinstance(error, click.NoSuchOption)
        and error.option_name in GLOBAL_OPTIONS
        and error.ctx is not None
        and error.ctx.parent is not None
    ):
        return (
            f"{error.option_name} is an option of track itself: put it before the command, "
            f"as in track {GLOBAL_OPTIONS[error.option_name]} {error.ctx.info_name} ..."
        )
    message = error.format_message()
    if error.ctx is not None:
        return f"{message} See '{error.ctx.command_path} --help'."
    return message


def _database_error(error: Exception) -> str:
    import sqlite3

    code = getattr(error, "sqlite_errorcode", None)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return "The database is locked by another process; try again in a moment."
    if code == sqlite3.SQLITE_READONLY or (code is not None and code & 0xFF == 8):
        return "The database file is read-only; nothing was changed."
    if code is not None and code & 0xFF == sqlite3.SQLITE_FULL:
        return "The disk is full; nothing was changed."
    return f"Database error: {error}."


def say(message: str) -> None:
    """Tell the user something on stderr, escaped for the terminal (file names and values
    may come from anywhere). Never fails: a closed or full stderr must not turn a command
    that has done its work into an error."""
    with suppress(OSError, ValueError):
        click.echo(terminal(message, lines=True), err=True)


def _fail(message: str, code: int) -> None:
    say("Error: " + terminal(" ".join(message.split())))
    sys.exit(code)


# --------------------------------------------------------------------------- parameters


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
            return parse_date(value, today=_today(), allow_future=self.allow_future)
        except InvalidDate as error:
            self.fail(str(error), param, ctx)


class PathParam(click.ParamType):
    """A file path, as a pathlib.Path (imported only when a command takes one)."""

    name = "path"

    def convert(self, value, param, ctx):
        from pathlib import Path

        if isinstance(value, Path):
            return value
        if "\x00" in value:
            self.fail("a path cannot contain a NUL byte.", param, ctx)
        if value.endswith(("/", os.sep)) and not os.path.isdir(value):
            self.fail(f"{value} ends in a slash, but there is no such folder.", param, ctx)
        return Path(value)


class DurationParam(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx):
        from tracker.dates import parse_duration

        try:
            return parse_duration(value)
        except InvalidDate as error:
            self.fail(str(error), param, ctx)


class NumberParam(click.ParamType):
    """A number as people write it: 150, 1.5, 50,000 (not 1,2,3)."""

    name = "number"

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        from tracker.vocabulary import parse_number

        try:
            return parse_number(str(value))
        except InvalidValue as error:
            self.fail(str(error), param, ctx)


LIMIT = click.IntRange(min=1, max=1_000_000_000)


class AppState:
    """Where the database is, and the store once it has been opened."""

    def __init__(self, db_option: str | None):
        from pathlib import Path

        self.explicit = db_option is not None
        if db_option is not None and not db_option.strip():
            raise click.BadParameter("the database path is empty.", param_hint="--db/TRACK_DB")
        self.path = Path(db_option) if db_option else default_db_path()
        self._store: Store | None = None

    def store(self) -> Store:
        """Open the database, creating it with the bundled data if there is none yet."""
        from tracker.store import Store, database_state

        if self._store is None:
            if not self.explicit:
                _make_folder(self.path.parent)
            _refuse_output_into(self.path)
            state = database_state(self.path)
            if state == "new" and self.path.exists():
                _refuse_truncated(self.path)
            if state == "track":
                self._store = Store.open(self.path, busy_timeout=_busy_timeout())
            else:
                self._store = _create(self.path, seed_files=None)
        return self._store


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NotADatabase(
            f"Cannot create the folder {folder} for the database: {error.strerror}. Set "
            f"{DB_ENV} or use --db PATH."
        ) from None


def _refuse_output_into(path: Path) -> None:
    """Refuse to run with standard output or error going into the database's own files (a
    shell redirection): what is printed would overwrite it."""
    from tracker.files import FileRefused, refuse_if_database

    for stream, name in ((sys.stdout, "Standard output"), (sys.stderr, "Standard error")):
        try:
            refuse_if_database(stream, path, name)
        except FileRefused:
            if stream is sys.stderr:  # the message itself would be written into it: silence
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 2)
                os.close(null)
            if path.exists() and path.stat().st_size == 0:
                raise NotADatabase(
                    f"{name} is the database file {path}, which the shell's redirection emptied "
                    "before track started. Restore it from a backup; nothing else was changed."
                ) from None
            raise


def _refuse_output_into_database(args: list[str]) -> None:
    """Before anything runs (even --help, --version or a command that never opens the
    database): refuse if standard output or error is a regular file that is one of the
    database's files. The database is the one --db or TRACK_DB names, else the default."""
    import stat as _stat

    def regular(fd: int) -> bool:
        try:
            return _stat.S_ISREG(os.fstat(fd).st_mode)
        except (OSError, ValueError):
            return False

    if not (regular(1) or regular(2)):
        return  # a terminal or a pipe: the usual case, decided without a look at the database
    from pathlib import Path

    named = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--db" and i + 1 < len(args):
            named = args[i + 1]
        elif arg.startswith("--db="):
            named = arg[len("--db=") :]
    named = named or os.environ.get(DB_ENV)
    try:
        path = Path(named) if named and named.strip() else default_db_path()
    except NotADatabase:
        return  # the command will say so itself, if it needs the database
    _refuse_output_into(path)


def _refuse_truncated(path: Path) -> None:
    """An empty database file with a -wal file beside it was truncated (say by a shell
    redirection): refuse rather than silently start again from the bundled data."""
    from tracker.files import database_files

    wal = database_files(path)[1]
    if wal.exists() and wal.stat().st_size > 0:
        raise NotADatabase(
            f"{path} is empty but its write-ahead log {wal.name} is not: the database was "
            "probably overwritten. Restore it from a backup; nothing was changed."
        )


def _busy_timeout() -> float:
    """Seconds to wait for another writer: $TRACK_BUSY_TIMEOUT, else 10."""
    value = os.environ.get("TRACK_BUSY_TIMEOUT", "10")
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 <= seconds <= 3600:
        raise click.BadParameter(
            f"must be a number of seconds from 0 to 3600, not {value[:40]!r}.",
            param_hint="TRACK_BUSY_TIMEOUT",
        )
    return seconds


def default_db_path() -> Path:
    """Return the database path used when neither --db nor TRACK_DB is given."""
    from pathlib import Path

    try:
        folder = Path(click.get_app_dir("track"))
        if not folder.is_absolute():  # an empty or relative XDG_CONFIG_HOME is invalid
            folder = Path.home() / ".config" / "track"
    except (KeyError, RuntimeError, OSError):
        raise NotADatabase(
            f"Cannot find a home folder for the database; set {DB_ENV} or use --db PATH."
        ) from None
    return folder / "track.db"


def _create(path: Path, *, seed_files: list[Path] | None, empty: bool = False, data=None) -> Store:
    """Create a database at `path` and say on stderr what it was loaded with."""
    from tracker.store import create_database

    store, summary = create_database(
        path, seed_files=[] if empty else seed_files, data=data, busy_timeout=_busy_timeout()
    )
    if summary is not None:  # None: another process created it meanwhile
        say(_created_message(path, summary, seed_files=seed_files, empty=empty))
    return store


def _created_message(path, summary, *, seed_files, empty: bool) -> str:
    if empty:
        return f"Created {path}: an empty tracker."
    what = "the bundled data" if seed_files is None else ", ".join(f.name for f in seed_files)
    return (
        f"Created {path} with {plural(summary.meetings, 'meeting')}, "
        f"{plural(summary.commitments, 'commitment')} and "
        f"{plural(summary.events, 'event')} of evidence and ratings from {what}."
    )


def _today() -> dt.date:
    return dt.date.today()


def _state(ctx: click.Context) -> AppState:
    return ctx.find_object(AppState)


def _coder(given: str | None = None) -> str:
    from tracker.identity import coder

    return coder(given)


def _finish(store: Store) -> None:
    """Say so when a Ctrl-C arrived while the changes were being saved (they were saved)."""
    if store.interrupted:
        say("Interrupted after the changes were saved; they are in the database.")
        sys.exit(130)


# --------------------------------------------------------------------------- completion


def _completion_store(ctx: click.Context):
    """Open the database read-only for completion, never creating or changing one."""
    from pathlib import Path

    from tracker.store import Store

    root = ctx.find_root()
    option = root.params.get("db_path") or os.environ.get(DB_ENV)
    try:
        path = Path(option) if option else default_db_path()
    except TrackError:
        return None
    return Store.open_read_only(path)


def _complete_from(values, incomplete: str):
    from click.shell_completion import CompletionItem

    return [CompletionItem(v) for v in values if v.lower().startswith(incomplete.lower())]


def complete_ids(ctx, param, incomplete):
    store = _completion_store(ctx)
    return _complete_from(store.commitment_ids() if store else [], incomplete)


def complete_areas(ctx, param, incomplete):
    store = _completion_store(ctx)
    return _complete_from(store.areas() if store else [], incomplete)


def complete_meetings(ctx, param, incomplete):
    store = _completion_store(ctx)
    return _complete_from([m.slug for m in store.meetings()] if store else [], incomplete)


def complete_periods(ctx, param, incomplete):
    store = _completion_store(ctx)
    names = sorted({p.name for p in store.periods()}) if store else []
    return _complete_from(names, incomplete)


def complete_ratings(ctx, param, incomplete):
    return _complete_from([*RATINGS, *STATES], incomplete)


def complete_parties(ctx, param, incomplete):
    store = _completion_store(ctx)
    parties = list(dict.fromkeys(p for m in store.meetings() for p in m.parties)) if store else []
    return _complete_from(parties, incomplete)


def complete_types(ctx, param, incomplete):
    return _complete_from(TYPES, incomplete)


# --------------------------------------------------------------------------- the group


@click.group(name="track", cls=TrackGroup, context_settings=CONTEXT, invoke_without_command=True)
@click.version_option(__version__, prog_name="track")
@click.option(
    "--db",
    "db_path",
    envvar=DB_ENV,
    metavar="PATH",
    help=f"Database file. Default: ${DB_ENV}, else track.db in the user's app folder.",
)
@click.option(
    "--color",
    "--colour",
    "colour",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour output: on terminals (auto), always, or never. NO_COLOR and FORCE_COLOR are "
    "honoured with auto.",
)
@click.option(
    "--no-pager", is_flag=True, help="Never page long output (also: PAGER= or PAGER=cat)."
)
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, colour: str, no_pager: bool) -> None:
    """Track whether the commitments made at a diplomatic summit are kept.

    Comes loaded with the Xi–Biden meeting at Woodside, California (15 November 2023) and its
    sourced follow-up evidence and ratings. Start with `track status`.
    """
    SETTINGS.colour = colour
    SETTINGS.pager = not no_pager
    ctx.obj = AppState(db_path)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help(), color=use_colour())
        ctx.exit(0)


# --------------------------------------------------------------------------- path, init


@cli.command(context_settings=CONTEXT)
@click.pass_context
def path(ctx: click.Context) -> None:
    """Print the path of the database in use.

    \b
    Example:
      sqlite3 "$(track path)" .tables
    """
    click.echo(terminal(str(_state(ctx).path)))


@cli.command(context_settings=CONTEXT)
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

    \b
    Examples:
      track init --empty
      track init --seed my-summit.toml
    """
    from tracker import seeds
    from tracker.store import Store, database_state, replace_database

    if empty and seed_files:
        raise click.UsageError("Use --empty or --seed, not both.")
    state = _state(ctx)
    if not state.explicit:
        _make_folder(state.path.parent)
    exists = database_state(state.path) == "track"
    files = list(seed_files) or None
    # read (and check) the seed files once, before touching an existing database
    data = None if empty else seeds.read_files(files or seeds.bundled_paths())
    if not exists:
        if state.path.exists():
            _refuse_truncated(state.path)
        _create(state.path, seed_files=files, empty=empty, data=data).close()
        return
    existing = Store.open(state.path, busy_timeout=_busy_timeout())
    count = existing.count_commitments()
    existing.close()
    if not force:
        add = (
            f"To add {'these files' if len(seed_files) > 1 else seed_files[0]} to it: track "
            f"import {' '.join(shlex.quote(str(f)) for f in seed_files)}. "
            if seed_files
            else ""
        )
        raise DatabaseExists(
            f"{state.path} already exists ({plural(count, 'commitment')}). {add}"
            "Use --force to replace it with a new database (the old file is kept as a backup)."
        )
    backup = _backup_path(state.path)
    summary, backup = replace_database(
        state.path, data=data, empty=empty, backup=backup, busy_timeout=_busy_timeout()
    )
    say(f"Kept the old database ({plural(count, 'commitment')}) as {backup}.")
    say(_created_message(state.path, summary, seed_files=files, empty=empty))


def _backup_path(path: Path) -> Path:
    """A backup file's name beside `path`: NAME.<time>.bak (Store.backup takes the next free
    one, NAME.<time>-2.bak, when two runs share the second)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.name}.{stamp}.bak")


# --------------------------------------------------------------------------- status


def limit_option(what: str):
    """-n/--limit N for a listing (20 by default)."""
    return click.option(
        "--limit",
        "-n",
        type=LIMIT,
        default=20,
        show_default=True,
        help=f"At most this many {what}.",
    )


as_of_option = click.option(
    "--as-of",
    type=DateParam(allow_future=False),
    help="Show things as they stood on this date: only events dated on or before it count.",
)
period_option = click.option(
    "--period",
    shell_complete=complete_periods,
    help="Ratings made for this compliance period (interim, final, ...), as of its end.",
)


def _status_cell(row) -> str:
    from tracker.vocabulary import SPLIT

    if row.status == SPLIT:
        return "split: " + " / ".join(f"{p} {s}" for p, s in row.party_statuses.items())
    return row.status


def _compact_status(cell: str) -> str:
    """'split: US broken / CN fulfilled' -> 'split' (`track show` has the detail)."""
    return cell.split(":")[0] if cell.startswith("split: ") else cell


def _due_cell(row) -> str:
    if row.overdue:
        return f"{row.due} OVERDUE"
    if row.due_soon:
        return f"{row.due} soon"
    return row.due or ""


STATUS_COLUMNS = [
    Column("id", "ID"),
    Column("area", "Area", optional=4),
    Column("title", "Title", shrink=True),
    Column("parties", "Parties", show=lambda v: ",".join(v), optional=3),
    Column(
        "status",
        "Status",
        show=_status_cell,
        whole_record=True,
        colour=status_colour,
        compact=_compact_status,
    ),  # fmt: skip
    Column("last_update", "Updated", optional=1),
    Column("evidence", "Evidence", optional=2),
    Column("due", "Due", show=_due_cell, whole_record=True),
]
STATUS_FIELDS = (
    "id", "meeting", "area", "title", "parties", "type", "status", "party_statuses",
    "last_update", "evidence", "due", "overdue", "due_soon",
)  # fmt: skip


@cli.command(context_settings=CONTEXT)
@click.option("--area", shell_complete=complete_areas, help="Only this area (military, ...).")
@click.option(
    "--party",
    shell_complete=complete_parties,
    help="Only commitments of this party, showing its rating.",
)
@click.option(
    "--status",
    "statuses",
    shell_complete=complete_ratings,
    multiple=True,
    help="Only this rating or state (repeatable): a rating, split, disputed or tracked.",
)
@click.option("--type", "type_", shell_complete=complete_types, help="Only this type.")
@click.option(
    "--meeting", shell_complete=complete_meetings, help="Only commitments made at this meeting."
)
@click.option("--overdue", is_flag=True, help="Only open commitments past their due date.")
@click.option(
    "--due-within",
    type=DurationParam(),
    help="Only open commitments due within this long (overdue ones included).",
)
@click.option(
    "--stale",
    type=DurationParam(),
    help="Only open commitments with no event in this long: 90d, 12w, 6m, 1y.",
)
@as_of_option
@period_option
@output_options
@click.pass_context
def status(
    ctx, area, party, statuses, type_, meeting, overdue, due_within, stale, as_of, period,
    output_format, fmt, no_headers,
) -> None:  # fmt: skip
    """List commitments with their rating and due date.

    One row per commitment: its rating (or "split" when the parties are rated differently,
    "disputed" when coders disagree, "tracked" for principles and positions), latest update,
    number of evidence entries and due date (OVERDUE when passed and still open). With
    --as-of, the list as it stood on that date; with --period, the ratings made for that
    compliance period.

    \b
    Examples:
      track status --area military --status fulfilled
      track status --party CN --period final
    """
    store = _state(ctx).store()
    as_of = as_of or _today()
    period_name = None
    if period:
        found = store.period(period, meeting=meeting)
        period_name, meeting = found.name, found.meeting
        if not as_of_given(ctx):
            as_of = _period_end(found)
    rows = store.status_rows(
        as_of=as_of,
        area=area,
        party=party,
        statuses=statuses,
        type_=type_,
        meeting=meeting,
        overdue=overdue,
        due_within=due_within,
        stale_before=stale.before(as_of) if stale else None,
        period=period_name,
    )
    columns = list(STATUS_COLUMNS)
    if party:
        columns[4] = Column("status", f"Rating ({party.upper()})", colour=status_colour)
    if output_format not in ("table", "markdown"):
        columns = [Column(key, key) for key in STATUS_FIELDS]
    text = _listing(rows, columns, output_format, fmt, no_headers)
    if output_format == "table":
        text += "\n\n" + _count_line(rows)
    emit(text)


def as_of_given(ctx: click.Context) -> bool:
    source = ctx.get_parameter_source("as_of")
    return source is not None and source.name != "DEFAULT"


def _period_end(period) -> dt.date:
    """The last day of a period (periods run up to, not including, their end), or today."""
    from tracker.store import last_day

    return last_day(period, today=_today())


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


def _count_line(rows) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    order = [*RATINGS, *STATES]
    parts = [f"{counts[s]} {s}" for s in order if counts.get(s)]
    return plural(len(rows), "commitment") + (": " + ", ".join(parts) if parts else "")


# --------------------------------------------------------------------------- show


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@as_of_option
@period_option
@output_options
@click.pass_context
def show(ctx, commitment_id, as_of, period, output_format, fmt, no_headers) -> None:
    """Show one commitment: its ratings, guideline, sources and whole timeline.

    Every event is shown with its ID (for `track undo` and `track amend`), what it did, who
    recorded it, the values an edit changed and every source. json gives everything; jsonl,
    csv and markdown give the timeline, one event per row.

    \b
    Examples:
      track show narc-1
      track show TRAV-1 --as-of 2024-03-01
    """
    from tracker import pages

    store = _state(ctx).store()
    today = _today()
    uid = store.resolve(commitment_id)
    shown_id = store.resolve_id(commitment_id)
    period_name = None
    if period:
        found = store.period(period, meeting=store.commitment(shown_id).meeting)
        period_name = found.name
        if as_of is None:
            as_of = _period_end(found)
    as_of = as_of or today
    store.check_as_of(as_of)
    state = store.state(shown_id, as_of=as_of, period=period_name)
    if as_of < dt.date.fromisoformat(store.meeting(state.commitment.meeting).date):
        raise InvalidDate(
            f"{shown_id} was made on {store.meeting(state.commitment.meeting).date}, after "
            f"{as_of.isoformat()}."
        )
    starts = {p.name: p.starts for p in store.periods(state.commitment.meeting)}
    events = sorted(
        (e for e in state.events if e.happened_on <= as_of.isoformat()),
        key=lambda e: (e.happened_on, starts.get(e.period or "", ""), e.counter, e.uuid),
    )
    for e in events:
        e.commitment = shown_id
    metric = store.metric(shown_id, as_of=as_of)
    if output_format == "json":
        record = state.commitment.as_record()
        record.update(uid=uid, status=state.status, withdrawn=state.withdrawn)
        click.echo(
            to_json(
                {
                    "as_of": as_of.isoformat(),
                    "period": period_name,
                    "commitment": record,
                    "party_ratings": state.party_ratings,
                    "conflicts": state.conflicts,
                    "metric": metric,
                    "links_in": store.links_in(shown_id),
                    "events": [_event_record(e) for e in events],
                }
            )
        )
        return
    if output_format in ("jsonl", "csv", "markdown"):
        columns = [Column(k, k) for k in LOG_FIELDS]
        records = [_event_record(e) for e in events]
        emit(_listing(records, columns, output_format, fmt, no_headers))
        return
    page = pages.commitment_page(
        state,
        events=events,
        meeting=store.meeting(state.commitment.meeting),
        metric=metric,
        as_of=as_of.isoformat() if as_of != today else None,
        links_in=store.links_in(shown_id),
        period=period_name,
    )
    if fmt:
        records = [pages.log_record(e) for e in events]
        page += "\n" + _listing(records, LOG_COLUMNS, "table", fmt, no_headers)
    emit(page)


LOG_FIELDS = (
    "uuid", "happened_on", "commitment", "kind", "status", "party", "period", "value", "text",
    "sources", "stance", "tags", "confidence", "evidence", "about", "changes", "retracted",
    "amended", "author", "device", "counter", "recorded_at",
)  # fmt: skip


def _event_record(event) -> dict:
    return {name: getattr(event, name) for name in LOG_FIELDS}


# --------------------------------------------------------------------------- recording


def _text_argument(
    text: str | None, *, edit: bool, what: str, template: str = "", about: str = ""
) -> str:
    """The text of a note: as given, from stdin for "-", or from $EDITOR with --edit (`about`
    says in the editor what the text is about)."""
    if edit:
        if text not in (None, ""):
            raise click.UsageError(f"Give the {what} or --edit, not both.")
        about = f" {terminal(' '.join(about.split()))}" if about else ""
        try:
            edited = click.edit(
                template + f"\n# Write the {what}{about} above. Lines starting with # are left "
                "out; an empty text aborts.\n"
            )
        except ValueError as error:  # shlex could not split $VISUAL or $EDITOR
            raise InvalidValue(f"Cannot start the editor ($VISUAL or $EDITOR): {error}.") from None
        body = "\n".join(
            line for line in (edited or "").splitlines() if not line.startswith("#")
        ).strip()
        if not body:
            raise InvalidValue(f"The {what} is empty; nothing was recorded.")
        return body
    if text is None:
        raise click.UsageError(f"Give the {what}, - to read it from stdin, or --edit.")
    if text == "-":
        data = sys.stdin.buffer.read(2_000_000)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidValue(f"The {what} on stdin is not UTF-8 text.") from None
    return text


def source_options(command: Callable) -> Callable:
    """--source URL (repeatable) with --source-title, --publisher and --source-class, each
    applying to the --source in the same position."""
    for option in reversed(
        [
            click.option(
                "--source",
                "source_urls",
                metavar="URL",
                multiple=True,
                help="An http(s) address of the evidence (repeatable).",
            ),
            click.option(
                "--source-title",
                "source_titles",
                multiple=True,
                help="Title of the source (the first for the first --source, and so on).",
            ),
            click.option(
                "--publisher",
                "source_publishers",
                multiple=True,
                help="Publisher of the source, in the same order.",
            ),
            click.option(
                "--source-class",
                "source_classes",
                multiple=True,
                type=click.Choice(list(SOURCE_CLASSES)),
                help="Kind of source, in the same order: " + ", ".join(SOURCE_CLASSES) + ".",
            ),
        ]
    ):
        command = option(command)
    return command


def _sources(urls, titles, publishers, classes) -> list[dict]:
    for name, values in (
        ("--source-title", titles),
        ("--publisher", publishers),
        ("--source-class", classes),
    ):
        if len(values) > len(urls):
            raise click.UsageError(
                f"There are more {name} options than --source options; each belongs to the "
                "--source in the same position."
            )
    found = []
    for i, url in enumerate(urls):
        source = {"url": url}
        for key, values in (("title", titles), ("publisher", publishers), ("class", classes)):
            if i < len(values):
                source[key] = values[i]
        found.append(source)
    from tracker.records import list_of
    from tracker.records import source as check_source

    return list_of(check_source, limit=100)(found)


def _checked(values, kind: str):
    """Values of a repeatable option, each checked (and normalised) by its record check."""
    from tracker import records

    check = getattr(records, kind)
    try:
        return tuple(check(v) for v in values)
    except InvalidValue as error:
        raise click.BadParameter(str(error)) from None


def party_option(help_text: str = "The party this concerns."):
    return click.option("--party", shell_complete=complete_parties, help=help_text)


on_option = click.option(
    "--on",
    type=DateParam(allow_future=False),
    default="today",
    show_default=True,
    help=f"When it happened ({ACCEPTED_DATE_FORMS}).",
)
coder_option = click.option(
    "--coder",
    help="Who is recording this (default: $TRACK_CODER, else git's user.name, else your login).",
)
tag_option = click.option(
    "--tag",
    "tags",
    multiple=True,
    callback=lambda _ctx, _param, values: _checked(values, "tag"),
    help="A tag (repeatable): lowercase words and dashes.",
)


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.argument("text", required=False)
@click.option("--edit", "use_editor", is_flag=True, help="Write the note in $EDITOR.")
@on_option
@source_options
@party_option("The party whose act this is evidence of.")
@click.option(
    "--stance",
    type=click.Choice(list(STANCES)),
    help="supports (default), disputes (evidence against, or readouts differ) or denies.",
)
@tag_option
@coder_option
@click.pass_context
def note(
    ctx, commitment_id, text, use_editor, on, source_urls, source_titles, source_publishers,
    source_classes, party, stance, tags, coder,
) -> None:  # fmt: skip
    """Add a piece of evidence to a commitment. TEXT of - reads it from stdin.

    \b
    Examples:
      track note NARC-1 "Working group met in Vienna" --on "12 Nov 2024" \\
          --source https://example.org/readout --source-title "Readout" --source-class official
      echo "Long note" | track note NARC-1 - --tag precursors
    """
    sources = _sources(source_urls, source_titles, source_publishers, source_classes)
    store = _state(ctx).store()
    about = ""
    if use_editor:
        commitment = store.commitment(commitment_id)
        about = f"on {commitment.id} ({commitment.title})"
    body = _text_argument(text, edit=use_editor, what="note", about=about)
    event = store.add_note(
        commitment_id,
        body,
        on=on,
        today=_today(),
        author=_coder(coder),
        sources=sources,
        party=party,
        stance=stance,
        tags=tags,
    )
    cid = store.resolve_id(commitment_id)
    say(f"Added a note to {cid} dated {event.happened_on} (event {event.uuid[:8]}).")
    _warn_about_sources(store, cid, event)
    _finish(store)


def _warn_about_sources(store: Store, cid: str, event, *, what: str = "note") -> None:
    """Warn when new evidence has no source, or cites what evidence in force already cites."""
    if not event.sources:
        say(
            f"Warning: this {what} has no source; add one with `track amend {event.uuid[:8]} "
            "--source URL`."
        )
        return
    for other in store.citing(cid, [s["url"] for s in event.sources], besides=event.uuid):
        same_day = " of the same date" if other.happened_on == event.happened_on else ""
        say(
            f"Warning: {cid} already has evidence{same_day} citing this source: "
            f"{other.happened_on}, event {other.uuid[:8]}. If this {what} repeats it, withdraw it "
            f"with `track undo {event.uuid[:8]}`."
        )


def _rating_message(store, event, state, previous: str, *, short: bool) -> str:
    from tracker.derived import split_detail
    from tracker.vocabulary import SPLIT

    cid = state.commitment.id
    whose = f"{cid} ({event.party})" if event.party else cid
    now = state.party_ratings[event.party].rating if event.party else state.status
    recorded = f"Recorded {event.status} for {whose} as of {event.happened_on}"
    if event.period:
        recorded += f" (period {event.period})"
    recorded += f", event {event.uuid[:8]}."
    if now == event.status:
        message = f"{recorded} {whose} is now {now}"
        if event.party and state.status == SPLIT:
            message += f"; {cid} is split: {split_detail(state.party_ratings)}"
        return message + "."
    covered = [event.party] if event.party else state.commitment.parties
    counts = any(state.party_ratings[p].assessment == event.uuid for p in covered)
    if now == SPLIT and counts:
        return f"{recorded} {cid} is now split: {split_detail(state.party_ratings)}."
    rating = state.party_ratings[event.party] if event.party else None
    if rating is not None and rating.candidates:
        others = "; ".join(f"{c} {r}" for c, r, _u in rating.candidates)
        return f"{recorded} {whose} is disputed between coders ({others}); see `track conflicts`."
    # the ratings that count instead of this one, party by party
    by_uuid = {e.uuid: e for e in state.live}
    counting = []
    for p in covered:
        uid = state.party_ratings[p].assessment
        if uid and uid != event.uuid and uid in by_uuid:
            counting.append((p, by_uuid[uid]))
    if counting:
        grouped: dict[str, list[str]] = {}  # event uuid -> the parties it counts for
        for p, e in counting:
            grouped.setdefault(e.uuid, []).append(p)
        whole = len(grouped) == 1 and (event.party or len(counting) == len(state.party_ratings))
        which = "; ".join(
            ("" if whole else f"{', '.join(parties)} ")
            + f"{by_uuid[uid].status} on {by_uuid[uid].happened_on}, event {uid[:8]}"
            for uid, parties in grouped.items()
        )
        what = "the rating that counts" if len(grouped) == 1 else "the ratings that count"
        return f"{recorded} But {whose} is still {now}: {what} instead is {which}."
    return f"{recorded} {whose} is {now}."


confidence_option = click.option(
    "--confidence", type=click.Choice(list(CONFIDENCES)), help="high, medium or low."
)
evidence_option = click.option(
    "--evidence",
    "evidence",
    multiple=True,
    metavar="EVENT",
    help="An event this rating rests on (repeatable; IDs from `track show`).",
)


@cli.command(name="set", context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.argument("new_status", metavar="RATING", shell_complete=complete_ratings)
@click.option("--reason", help="Why: the rationale (a rating without one gets a warning).")
@on_option
@source_options
@party_option("Rate only this party's side.")
@period_option
@confidence_option
@evidence_option
@coder_option
@click.pass_context
def set_(
    ctx, commitment_id, new_status, reason, on, source_urls, source_titles, source_publishers,
    source_classes, party, period, confidence, evidence, coder,
) -> None:  # fmt: skip
    """Rate a commitment (the short form of `track assess`), recorded as an event.

    Without --party the rating covers every party; without --period, the meeting's period
    that contains the date. RATING depends on the commitment's type: not-started,
    in-progress, stalled, partial, fulfilled, broken or unclear for actions; maintained,
    contested or violated for assurances.

    \b
    Example:
      track set AI-1 in-progress --reason "First talks in Geneva" --on 2024-05-14
    """
    from tracker.store import UNSET

    sources = _sources(source_urls, source_titles, source_publishers, source_classes)
    store = _state(ctx).store()
    event, state, previous = store.rate(
        commitment_id,
        new_status,
        on=on,
        today=_today(),
        author=_coder(coder),
        party=party,
        period=period if period else UNSET,
        rationale=reason,
        confidence=confidence,
        evidence=evidence,
        sources=sources,
        short=True,
    )
    say(_rating_message(store, event, state, previous, short=True))
    if not reason and not sources:
        say(
            "Warning: this rating has no reason and no source; add them with "
            f"`track amend {event.uuid[:8]} --source URL` or rate with --reason."
        )
    _finish(store)


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.argument("rating", metavar="RATING", shell_complete=complete_ratings)
@party_option("The party whose side is rated (all parties when left out).")
@click.option("--rationale", help="Why this rating, citing the evidence (required; - for stdin).")
@period_option
@confidence_option
@evidence_option
@on_option
@source_options
@coder_option
@click.pass_context
def assess(
    ctx, commitment_id, rating, party, rationale, period, confidence, evidence, on,
    source_urls, source_titles, source_publishers, source_classes, coder,
) -> None:  # fmt: skip
    """Record an assessment: a rating with its rationale, coder, confidence and evidence.

    Two coders may assess the same party-item for the same period independently; `track
    agreement` measures how far they agree, and a reviewer settles a disagreement.

    \b
    Example:
      track assess AI-1 fulfilled --party US --period interim --confidence high \\
          --rationale "Dialogue held in Geneva, 14 May 2024" --evidence 3f2a9c1e
    """
    from tracker.store import UNSET

    if rationale is None:
        raise click.UsageError("Give the --rationale: why this rating, citing the evidence.")
    if rationale == "-":
        rationale = _text_argument("-", edit=False, what="rationale")
    sources = _sources(source_urls, source_titles, source_publishers, source_classes)
    store = _state(ctx).store()
    event, state, previous = store.rate(
        commitment_id,
        rating,
        on=on,
        today=_today(),
        author=_coder(coder),
        party=party,
        period=period if period else UNSET,
        rationale=rationale,
        confidence=confidence,
        evidence=evidence,
        sources=sources,
    )
    say(_rating_message(store, event, state, previous, short=False))
    _finish(store)


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@party_option("The party whose rating is reviewed (needed when there are several).")
@period_option
@click.option("--approve", is_flag=True, help="Sign the rating off.")
@click.option("--reject", is_flag=True, help="Send the rating back.")
@click.option("--note", "note_text", required=True, help="What the reviewer found.")
@click.option("--reviewer", help="Who reviews (default: as for --coder).")
@click.option("--assessment", metavar="EVENT", help="The rating to review, when coders disagree.")
@click.pass_context
def review(
    ctx, commitment_id, party, period, approve, reject, note_text, reviewer, assessment
) -> None:
    """Sign off a rating, or send it back. A reviewer cannot review their own rating.

    \b
    Example:
      track review AI-1 --party US --approve --note "Checked against the readout"
    """
    if approve == reject:
        raise click.UsageError(
            "Say --approve or --reject." if not approve else "Give --approve or --reject, not both."
        )
    decision = "approve" if approve else "reject"
    store = _state(ctx).store()
    event = store.review(
        commitment_id,
        approve=decision == "approve",
        note=note_text,
        reviewer=_coder(reviewer),
        today=_today(),
        party=party,
        period=period,
        assessment=assessment,
    )
    verb = "Approved" if decision == "approve" else "Sent back"
    say(
        f"{verb} rating {event.about[:8]} of {store.resolve_id(commitment_id)} "
        f"({event.party}) (event {event.uuid[:8]})."
    )
    _finish(store)


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.argument("value", type=NumberParam())
@on_option
@source_options
@click.option("--note", "text", help="What the reading is, in words (default: the metric's name).")
@party_option("The party whose figure this is.")
@coder_option
@click.pass_context
def measure(
    ctx, commitment_id, value, on, source_urls, source_titles, source_publishers, source_classes,
    text, party, coder,
) -> None:  # fmt: skip
    """Record a reading of a commitment's metric (its quantitative target).

    \b
    Example:
      track measure TRAV-3 36,000 --on 2025-09-23 --source https://example.org/moe
    """
    sources = _sources(source_urls, source_titles, source_publishers, source_classes)
    store = _state(ctx).store()
    event = store.add_measure(
        commitment_id,
        value,
        on=on,
        today=_today(),
        author=_coder(coder),
        text=text,
        sources=sources,
        party=party,
    )
    metric = store.metric(commitment_id)
    cid = store.resolve_id(commitment_id)
    say(
        f"Recorded {number(value)} for {cid} ({metric.name}) on "
        f"{event.happened_on} (event {event.uuid[:8]})."
    )
    _warn_about_sources(store, cid, event, what="reading")
    _finish(store)


COMMITMENT_OPTIONS = [
    click.option("--summary", help="What was promised, in your own words."),
    click.option(
        "--type",
        "type_",
        type=click.Choice(list(TYPES)),
        help="action, quantified, assurance, principle, position or collective.",
    ),
    click.option(
        "--formality",
        type=click.Choice(list(FORMALITIES)),
        help="How it was announced: " + ", ".join(FORMALITIES) + ".",
    ),
    click.option("--due", type=DateParam(), help="Due date, if the commitment has one."),
    click.option("--deadline", help='The deadline in the sources\' words, e.g. "early 2024".'),
    click.option("--quote", help="A short quote of the official wording."),
    click.option("--quote-by", help='Who said the quote, e.g. "White House readout".'),
    click.option(
        "--guideline", help="What earns +1, 0 and -1 (or, untracked types, what to watch)."
    ),
]


def commitment_options(command: Callable) -> Callable:
    for option in reversed(COMMITMENT_OPTIONS):
        command = option(command)
    return command


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.option("--title", required=True, help="Short title of the commitment.")
@click.option("--area", required=True, help="Area, such as climate or military.")
@click.option(
    "--party", "parties", multiple=True, required=True, help="A party that committed (repeatable)."
)
@commitment_options
@click.option(
    "--meeting",
    shell_complete=complete_meetings,
    help="Meeting slug (needed when there is more than one meeting).",
)
@coder_option
@click.pass_context
def add(
    ctx, commitment_id, title, area, parties, summary, type_, formality, due, deadline, quote,
    quote_by, guideline, meeting, coder,
) -> None:  # fmt: skip
    """Add a new commitment, made at a meeting, not yet rated.

    \b
    Example:
      track add AI-2 --title "Expert talks on military AI" --area ai --party US --party CN
    """
    store = _state(ctx).store()
    commitment = store.add_commitment(
        commitment_id,
        today=_today(),
        author=_coder(coder),
        title=title,
        area=area,
        parties=parties,
        meeting=meeting,
        summary=summary,
        type=type_,
        formality=formality,
        due=due.isoformat() if due else None,
        deadline=deadline,
        quote=quote,
        quote_by=quote_by,
        guideline=guideline,
    )
    say(f"Added {commitment.id}: {commitment.title}.")
    _finish(store)


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.option("--title", help="New title.")
@click.option("--area", help="New area.")
@click.option("--no-due", is_flag=True, help="Remove the due date.")
@click.option(
    "--party", "parties", multiple=True, help="New parties, replacing the old (repeatable)."
)
@commitment_options
@click.option("--reason", help="Why the record changed.")
@coder_option
@click.pass_context
def edit(
    ctx, commitment_id, title, area, no_due, parties, summary, type_, formality, due, deadline,
    quote, quote_by, guideline, reason, coder,
) -> None:  # fmt: skip
    """Correct a commitment's fields: title, summary, area, type, due date, guideline, ...

    The old and new values are kept in an edit event, so `track undo` can reverse it.

    \b
    Example:
      track edit MIL-5 --due 2024-12-31 --reason "Date announced"
    """
    if due is not None and no_due:
        raise click.UsageError("Use --due or --no-due, not both.")
    wanted = {
        "title": title,
        "area": area,
        "summary": summary,
        "type": type_,
        "formality": formality,
        "deadline": deadline,
        "quote": quote,
        "quote_by": quote_by,
        "guideline": guideline,
        "parties": list(parties) or None,
        "due": due.isoformat() if due else None,
    }
    wanted = {k: v for k, v in wanted.items() if v is not None}
    if no_due:
        wanted["due"] = None
    if not wanted:
        raise click.UsageError(
            "Nothing to change: give --title, --summary, --due, --guideline, ..."
        )
    store = _state(ctx).store()
    event = store.edit(commitment_id, today=_today(), author=_coder(coder), reason=reason, **wanted)
    say(f"{store.resolve_id(commitment_id)}: {event.text} (event {event.uuid[:8]})")
    _finish(store)


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.argument("new_id", metavar="NEW_ID")
@coder_option
@click.pass_context
def rename(ctx, commitment_id, new_id, coder) -> None:
    """Give a commitment a new ID (two that share an ID are shown as ID~xxxx until one is
    renamed).

    \b
    Example:
      track rename NEW-1~3f2a NEW-2
    """
    store = _state(ctx).store()
    old = store.resolve_id(commitment_id)
    event = store.rename(commitment_id, new_id, today=_today(), author=_coder(coder))
    say(f"Renamed {old} to {new_id.strip().upper()} (event {event.uuid[:8]}).")
    _finish(store)


@cli.command(context_settings=CONTEXT)
@click.argument("event_ref", metavar="EVENT")
@click.option("--text", help="New text (- reads it from stdin).")
@click.option("--edit", "use_editor", is_flag=True, help="Rewrite the text in $EDITOR.")
@click.option("--on", type=DateParam(allow_future=False), help="New date it happened.")
@party_option("New party.")
@click.option("--no-party", is_flag=True, help="The event concerns no one party.")
@tag_option
@click.option("--no-tags", is_flag=True, help="Remove every tag.")
@click.option("--stance", type=click.Choice(list(STANCES)), help="New stance.")
@source_options
@click.option(
    "--replace-source",
    "replaced",
    nargs=2,
    multiple=True,
    metavar="OLD NEW",
    help="Change a source's address, keeping its title, publisher and class (repeatable).",
)
@click.option("--drop-source", "dropped", multiple=True, metavar="URL", help="Remove a source.")
@click.option("--no-sources", is_flag=True, help="Remove every source (then --source adds).")
@click.option("--reason", help="Why the event is corrected.")
@coder_option
@click.pass_context
def amend(
    ctx, event_ref, text, use_editor, on, party, no_party, tags, no_tags, stance, source_urls,
    source_titles, source_publishers, source_classes, replaced, dropped, no_sources, reason,
    coder,
) -> None:  # fmt: skip
    """Correct a piece of evidence: its text, sources, date, party, tags or stance.

    Recorded as an amendment with the old and new values; the event itself is never
    rewritten, and `track undo` reverses the amendment. The other sources are kept: --source
    adds one (or, with an address the event cites, updates its title, publisher or class),
    --replace-source fixes an address, --drop-source removes one.

    \b
    Examples:
      track amend 3f2a9c1e --on 2024-08-02 --party CN --reason "Date of the notice"
      track amend 3f2a9c1e --replace-source https://exmaple.org/a https://example.org/a
      track amend 3f2a9c1e --source https://example.org/b --source-class wire
    """
    from tracker.store import SourceEdits

    store = _state(ctx).store()
    wanted: dict = {}
    if use_editor or text is not None:
        current = store.find_event(event_ref)
        wanted["text"] = _text_argument(
            text if not use_editor else None, edit=use_editor, what="text",
            template=current.text or "",
        )  # fmt: skip
    if on is not None:
        wanted["happened_on"] = on.isoformat()
    if party and no_party:
        raise click.UsageError("Use --party or --no-party, not both.")
    if party or no_party:
        wanted["party"] = party.strip().upper() if party else None
    if tags or no_tags:
        from tracker.records import list_of, tag

        wanted["tags"] = [] if no_tags else list_of(tag, limit=50)(list(tags))
    if stance:
        wanted["stance"] = stance
    if no_sources:
        wanted["sources"] = []
    edits = SourceEdits(
        drop=tuple(dropped),
        replace=tuple(replaced),
        add=tuple(_sources(source_urls, source_titles, source_publishers, source_classes)),
    )
    if not wanted and not edits:
        raise click.UsageError("Nothing to change: give --text, --on, --party, --source, ...")
    event = store.amend(
        event_ref, today=_today(), author=_coder(coder), reason=reason, source_edits=edits,
        **wanted,
    )  # fmt: skip
    say(f"Amended event {event.about[:8]} (event {event.uuid[:8]}):")
    from tracker.pages import change_lines

    for line in change_lines(event.changes):
        say(f"  {terminal(line)}")
    _finish(store)


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_id", metavar="ID", shell_complete=complete_ids)
@click.option("--reason", required=True, help="Why it is withdrawn (e.g. added by mistake).")
@coder_option
@click.pass_context
def withdraw(ctx, commitment_id, reason, coder) -> None:
    """Withdraw a commitment added by mistake: kept and marked, left out of every list and
    score. `track undo` restores it.

    \b
    Example:
      track withdraw AI-3 --reason "Added twice"
    """
    store = _state(ctx).store()
    shown = store.resolve_id(commitment_id)
    event = store.withdraw(commitment_id, reason=reason, today=_today(), author=_coder(coder))
    say(f"Withdrew {shown}. To restore it: track undo {event.uuid[:8]}")
    _finish(store)


@cli.command(context_settings=CONTEXT)
@click.argument("event_ref", metavar="[EVENT]", required=False)
@click.option("--reason", help="Why the event is withdrawn.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@coder_option
@click.pass_context
def undo(ctx, event_ref, reason, yes, coder) -> None:
    """Withdraw an event: your own latest one, or EVENT (an ID from `track log`).

    Nothing is deleted: a retraction is added, and ratings and reports are recomputed as if
    the event never happened. Without EVENT, undo takes your own latest event still in
    force, other than your undos (run it again to go one step further back), never anyone
    else's. Undo a retraction (name it) to restore its event; undo a commitment's creation to
    withdraw it. On a terminal, undo shows what it will withdraw and asks first.

    \b
    Examples:
      track undo
      track undo 3f2a9c1e --reason "Wrong source"
    """
    from tracker.pages import event_block
    from tracker.vocabulary import check_text

    if reason is not None:
        reason = check_text(reason, "reason")
    store = _state(ctx).store()
    author = _coder(coder)
    target = store.undo_target(event_ref, author=author)
    expected = None  # without a question, the target is found inside the write transaction
    if not yes and sys.stdin.isatty():
        say(f"This withdraws this event of {target.commitment}:")
        with suppress(OSError, ValueError):  # a block of the event, already escaped
            click.echo(event_block(target), err=True)
        click.confirm("Withdraw it?", abort=True, err=True)
        expected = target.uuid  # what was shown is what is withdrawn, or nothing
    retraction, target, after = store.undo(
        event_ref, today=_today(), author=author, reason=reason, expected=expected
    )
    shown = after.commitment.id
    if target.withdraws_commitment:
        message = (
            f"Restored {shown}: its withdrawal ({target.uuid[:8]}) is retracted."
            if not after.withdrawn
            else f"Retracted withdrawal {target.uuid[:8]}, but {shown} is still withdrawn by "
            "another retraction."
        )
    elif target.kind == "retraction":
        back = next((e for e in after.events if e.uuid == target.about), None)
        if back is not None and not back.retracted:
            message = (
                f"Retracted retraction {target.uuid[:8]}: event {target.about[:8]} is back in "
                "force."
            )
        else:
            message = (
                f"Retracted retraction {target.uuid[:8]}, but event {target.about[:8]} is still "
                "withdrawn by another retraction."
            )
    elif target.kind == "created":
        message = f"Withdrew {shown} (its creation, {target.uuid[:8]})."
    else:
        message = (
            f"Retracted the {kind_name(target.kind)} of {target.happened_on} "
            f"on {shown} ({target.uuid[:8]})."
        )
    say(f"{message} To reverse this: track undo {retraction.uuid[:8]}")
    _finish(store)


# --------------------------------------------------------------------------- periods


@cli.group(context_settings=CONTEXT)
def period() -> None:
    """Compliance periods: the windows ratings are made for (interim, final, ...)."""


@period.command(name="list", context_settings=CONTEXT)
@click.option("--meeting", shell_complete=complete_meetings, help="Only this meeting's periods.")
@output_options
@click.pass_context
def period_list(ctx, meeting, output_format, fmt, no_headers) -> None:
    """List the compliance periods.

    \b
    Example:
      track period list --meeting woodside-2023
    """
    store = _state(ctx).store()
    rows = [p.as_record() for p in store.periods(meeting)]
    columns = [Column(k, k.capitalize() if k != "starts" else "From") for k in
               ("meeting", "name", "starts", "ends", "description")]  # fmt: skip
    if output_format == "table":
        columns[3] = Column("ends", "Until (not incl.)", show=lambda v: v or "open")
    emit(_listing(rows, columns, output_format, fmt, no_headers))


@period.command(name="add", context_settings=CONTEXT)
@click.argument("name")
@click.option("--meeting", required=True, shell_complete=complete_meetings, help="Meeting slug.")
@click.option("--from", "starts", type=DateParam(), required=True, help="First day.")
@click.option(
    "--to",
    "ends",
    type=DateParam(),
    help="The day it ends, not included: the next period may start that day "
    "(left out: still open).",
)
@click.option("--description", help="What the period is.")
@click.pass_context
def period_add(ctx, name, meeting, starts, ends, description) -> None:
    """Define a compliance period of a meeting.

    \b
    Example:
      track period add interim --meeting woodside-2023 --from 2023-11-15 --to 2024-11-16
    """
    store = _state(ctx).store()
    found = store.add_period(name, meeting=meeting, starts=starts, ends=ends,
                             description=description)  # fmt: skip
    say(f"Added period {found.name} of {found.meeting}: {found.starts} to {found.ends or 'open'}.")


# --------------------------------------------------------------------------- log


def _brief_what(text: str) -> str:
    """A rating's What in a narrow terminal: 'rated partial [successor]' for 'assessed
    fulfilled -> partial [successor]' (the old rating is on the event's own page)."""
    kind, _, rest = text.partition(" ")
    if kind not in ("assessed", "status"):
        return text
    return "rated " + rest.split(" -> ")[-1]


LOG_COLUMNS = [
    Column("ref", "Event"),
    Column("happened_on", "Date"),
    Column("commitment", "ID"),
    Column(
        "what",
        "What",
        colour=lambda text: status_colour(text.split(" ")[-1]),
        compact=lambda text: _brief_what(text),
    ),  # fmt: skip
    Column("party", "Party", optional=True),
    Column("author", "By", optional=True),
    Column("text", "Text", shrink=True),
]


@cli.command(context_settings=CONTEXT)
@click.argument("commitment_ids", metavar="[ID]...", nargs=-1, shell_complete=complete_ids)
@click.option(
    "--since", type=DateParam(allow_future=False), help="Only events on or after this date."
)
@click.option("--until", type=DateParam(), help="Only events on or before this date.")
@click.option("--area", shell_complete=complete_areas, help="Only commitments of this area.")
@party_option("Only events about this party.")
@click.option(
    "--kind", "kinds", multiple=True, type=click.Choice(list(EVENT_KINDS)),
    help="Only events of this kind (repeatable).",
)  # fmt: skip
@tag_option
@click.option("--coder", help="Only events recorded by this coder.")
@limit_option("events")
@output_options
@click.pass_context
def log(
    ctx, commitment_ids, since, until, area, party, kinds, tags, coder, limit, output_format, fmt,
    no_headers,
) -> None:  # fmt: skip
    """List recent events, newest first, for all commitments or some.

    Retracted events are marked (RETRACTED), corrected ones (AMENDED); retractions,
    amendments and reviews name the event they act on. The Event column is the start of each
    event's ID, for `track undo` and `track amend`.

    \b
    Examples:
      track log MIL-2 --since 2024-01-01
      track log --tag precursors --kind note --coder alice
    """
    store = _state(ctx).store()
    events = store.events(
        list(commitment_ids) or None,
        since=since,
        until=until,
        area=area,
        party=party,
        kinds=kinds,
        tags=tags,
        coder=coder,
        limit=limit,
        include_retracted=True,
    )
    if output_format in ("table", "markdown"):
        from tracker.pages import log_record

        emit(_listing([log_record(e) for e in events], LOG_COLUMNS, output_format, fmt, no_headers))
    else:
        columns = [Column(k, k) for k in LOG_FIELDS]
        emit(_listing([_event_record(e) for e in events], columns, output_format, fmt, no_headers))


# --------------------------------------------------------------------------- conflicts


@cli.command(context_settings=CONTEXT)
@output_options
@click.pass_context
def conflicts(ctx, output_format, fmt, no_headers) -> None:
    """List what needs a person's decision: fields two edits set differently, ratings two
    coders disagree on, and IDs two commitments share.

    A later change made after seeing both settles a field or a rating; a reviewer's approval
    settles a rating; `track rename` settles a shared ID.

    \b
    Example:
      track conflicts
    """
    store = _state(ctx).store()
    found = store.conflicts()
    if output_format == "table" and not found:
        say("No conflicts.")
        return
    columns = [
        Column("id", "ID"),
        Column("kind", "Kind"),
        Column("what", "What"),
        Column("values", "Values", show=lambda v: " | ".join(map(str, v)), shrink=True),
    ]
    emit(_listing(found, columns, output_format, fmt, no_headers))


@cli.command(context_settings=CONTEXT)
@click.option(
    "--from-repository",
    is_flag=True,
    help="Start the database again from the shared repository's files (keeps a backup).",
)
@click.pass_context
def rebuild(ctx, from_repository) -> None:
    """Recompute every derived table (ratings, statuses, search) from the events; or, with
    --from-repository, rebuild the whole database from the shared git repository.

    \b
    Examples:
      track rebuild
      track rebuild --from-repository
    """
    store = _state(ctx).store()
    if not from_repository:
        store.rebuild()
        say(f"Rebuilt {store.path} from its events.")
        _finish(store)
        return
    from tracker import sync

    folder = sync.repository(store)
    waiting = sync.unsynced(store)
    if waiting:
        raise click.ClickException(
            f"{plural(waiting, 'event')} of this database {'is' if waiting == 1 else 'are'} not in "
            "the shared repository yet; run `track sync` first, so nothing is lost."
        )
    backup = _backup_path(store.path)
    count, backup = sync.rebuild_from(folder, store, backup=backup, today=_today())
    store.close()
    say(
        f"Rebuilt {store.path} from {folder}: {plural(count, 'event')}. The old database is "
        f"kept as {backup}."
    )


# --------------------------------------------------------------------------- sharing


@cli.group(invoke_without_command=True, context_settings=CONTEXT)
@click.pass_context
def remote(ctx) -> None:
    """The shared git repository this database syncs with (shows it when run alone)."""
    if ctx.invoked_subcommand is None:
        from tracker import sync

        store = _state(ctx).store()
        folder = sync.repository(store)
        url = sync.git(folder, "remote", "get-url", "origin", check=False).strip()
        click.echo(terminal(f"Shared repository: {url}"))
        click.echo(terminal(f"Local clone:       {folder}"))
        click.echo(f"Not yet synced:    {plural(sync.unsynced(store), 'event')}")


@remote.command(name="add", context_settings=CONTEXT)
@click.argument("url")
@click.option("--dir", "folder", type=PathParam(), help="Where to keep the local clone.")
@click.pass_context
def remote_add(ctx, url, folder) -> None:
    """Share this database through a git repository (a URL or path git can push to).

    The repository is cloned beside the database (or into --dir); an empty one is started.
    Then `track sync` sends this database's events and brings others'.

    \b
    Example:
      track remote add git@github.com:our-desk/woodside-record.git
    """
    from tracker import sync

    store = _state(ctx).store()
    where = sync.add_remote(store, url, folder=folder)
    say(f"Shares through {url} (local clone {where}); run `track sync`.")


@cli.command(name="clone", context_settings=CONTEXT)
@click.argument("url")
@click.option("--dir", "folder", type=PathParam(), help="Where to keep the local clone.")
@click.pass_context
def clone_(ctx, url, folder) -> None:
    """Start a database from a shared git repository: everyone's events, loaded.

    \b
    Example:
      track --db desk.db clone git@github.com:our-desk/woodside-record.git
    """
    from tracker import sync
    from tracker.store import database_state

    state = _state(ctx)
    if not state.explicit:
        _make_folder(state.path.parent)
    if database_state(state.path) == "track":
        raise DatabaseExists(
            f"{state.path} already exists; clone into a new database with --db, or add the "
            "repository to this one with `track remote add`."
        )
    store = sync.clone(url, state.path, today=_today(), folder=folder)
    say(
        f"Cloned {url} into {state.path}: {plural(store.count_commitments(), 'commitment')}, "
        f"{plural(store.conn.execute('SELECT count(*) FROM events').fetchone()[0], 'event')}."
    )


@cli.command(name="sync", context_settings=CONTEXT)
@coder_option
@click.pass_context
def sync_(ctx, coder) -> None:
    """Share through git: send this database's new events, bring everyone else's.

    Writes the events the shared repository lacks to this device's files, commits, pulls,
    checks and loads what others added, and pushes (again, when someone pushed first). An
    up-to-date sync makes no commit. A malformed line in the repository stops the sync with
    its file and line: nothing is loaded from it and nothing is pushed.

    \b
    Example:
      track sync
    """
    from tracker import sync

    store = _state(ctx).store()
    summary = sync.sync(store, today=_today(), author=_coder(coder))
    if not (summary.written or summary.loaded or summary.pushed):
        say("Already up to date.")
    else:
        say(
            f"Sent {plural(summary.written, 'event')}, received {plural(summary.loaded, 'event')}"
            + (" (pushed)." if summary.pushed else ".")
        )
    conflicts = store.conflicts()
    if conflicts:
        say(f"{plural(len(conflicts), 'conflict')} to settle: see `track conflicts`.")
    _finish(store)


# --------------------------------------------------------------------------- meetings


@cli.group(context_settings=CONTEXT)
def meeting() -> None:
    """Meetings: list them, or start the seed file of a new one."""


@meeting.command(name="list", context_settings=CONTEXT)
@output_options
@click.pass_context
def meeting_list(ctx, output_format, fmt, no_headers) -> None:
    """List the meetings with their parties.

    \b
    Example:
      track meeting list
    """
    store = _state(ctx).store()
    rows = [
        {**m.as_record(), "commitments": store.conn.execute(
            "SELECT count(*) FROM commitments WHERE meeting = ? AND NOT withdrawn", [m.slug]
        ).fetchone()[0]}
        for m in store.meetings()
    ]  # fmt: skip
    columns = [
        Column("slug", "Meeting"),
        Column("date", "Date"),
        Column("title", "Title", shrink=True),
        Column(
            "parties", "Parties", show=lambda v: ",".join(v) if len(v) <= 6 else f"{len(v)} parties"
        ),
        Column("commitments", "Commitments"),
    ]
    if output_format not in ("table", "markdown"):
        columns = [Column(k, k) for k in ("slug", "title", "date", "place", "parties",
                                          "party_names", "groups", "commitments")]  # fmt: skip
    emit(_listing(rows, columns, output_format, fmt, no_headers))


@meeting.command(name="new", context_settings=CONTEXT)
@click.argument("slug")
@click.option("--title", required=True, help="The meeting's title.")
@click.option(
    "--date",
    "date_",
    type=DateParam(allow_future=False),
    required=True,
    help="The day it took place (commitments are tracked once made).",
)
@click.option("--place", help="Where it took place.")
@click.option(
    "--party",
    "parties",
    multiple=True,
    required=True,
    metavar="CODE=Name",
    help="A party: its code and name (repeatable), e.g. --party FR=France; a known code alone "
    "(FR) takes its usual name.",
)
@click.option("-o", "--output", type=PathParam(), help="Write the file here (a new file).")
@click.pass_context
def meeting_new(ctx, slug, title, date_, place, parties, output) -> None:
    """Write the seed file of a new meeting, to start tracking a summit from.

    The file declares the meeting and its parties, with an example compliance period and an
    example commitment commented out; it loads with `track init --seed` or `track import` as
    it stands. Add commitments below it in the same [[commitments]] form.

    \b
    Example:
      track meeting new g7-2026 --title "G7 Evian summit" --date 2026-06-15 \\
          --party CA --party FR --party DE --party IT --party JP --party GB --party US \\
          --party EU -o g7-2026.toml
    """
    from tracker.seeds import skeleton

    text = skeleton(slug, title=title, date=date_, place=place, parties=list(parties))
    if output is None:
        click.echo(text, nl=False)
        return
    from tracker.files import atomic_write

    if output.exists():
        raise InvalidValue(f"{output} already exists; choose a new file.")
    database = _state(ctx).path
    with atomic_write(output, database=database) as handle:
        handle.write(text)
    say(
        f"Wrote the seed file of {slug} to {output}. Add commitments to it, check it with "
        f"`track check {shlex.quote(str(output))}`, then add it to the database with "
        f"`track import {shlex.quote(str(output))}`."
    )


# --------------------------------------------------------------------------- scores


@cli.group(context_settings=CONTEXT)
def scores() -> None:
    """Score tables: a meeting's commitments x parties, out (as the G7/G20 Research Groups
    publish them) and in (recorded as assessments)."""


@scores.command(name="export", context_settings=CONTEXT)
@click.option("--meeting", shell_complete=complete_meetings, help="The meeting (slug).")
@period_option
@click.option(
    "--party",
    "parties",
    multiple=True,
    help="Only these parties' columns (repeatable): codes, a group such as G7, or all.",
)
@click.option(
    "-f", "--format", "output_format", type=click.Choice(["table", "csv", "json"]),
    default="table", show_default=True, help="A table to read, CSV for spreadsheets, JSON.",
)  # fmt: skip
@click.option(
    "--scope", type=click.Choice(["deliverables", "assurances"]), default="deliverables",
    show_default=True,
    help="Which commitments: deliverables (actions, quantified, collective) or assurances; "
    "the two are averaged apart, never pooled.",
)  # fmt: skip
@click.option("-o", "--output", type=PathParam(), help="Write to this file instead of stdout.")
@click.pass_context
def scores_export(ctx, meeting, period, parties, output_format, scope, output) -> None:
    """The commitment x party grid of scores, with per-party, per-commitment and overall
    averages and percentages: of the deliverables, or with --scope assurances of the
    assurances (never the two pooled; principles and positions are never scored).

    Cells are +1, 0 or -1 (the score of the rating that counts for the period); unrated,
    unclear and disputed cells are left out of every average, never counted as 0. Averages are
    means over the cells scored; percentages are (average + 1) / 2 x 100 from the unrounded
    average.

    \b
    Examples:
      track scores export --meeting woodside-2023 --period final
      track scores export --meeting g20-2024 --period final -f csv -o scores.csv
    """
    from tracker import scores as scoring

    store = _state(ctx).store()
    period_record = store.period(period, meeting=meeting) if period else None
    slug = period_record.meeting if period_record else _one_meeting(store, meeting)
    as_of = _period_end(period_record) if period_record else _today()
    grid = scoring.build_grid(
        store, meeting=slug, period=period_record.name if period_record else None, as_of=as_of
    )
    grid.rows = [r for r in grid.rows if r["type"] in SCORE_GROUPS[scope]]
    if parties:
        from tracker.records import expand_parties

        grid.parties = expand_parties(list(parties), store.meeting(slug))
    text = scoring.render_grid(grid, output_format, scope=scope)
    if output is None:
        if output_format == "table":
            emit(text.rstrip("\n"))
        else:
            click.echo(text, nl=False)
        return
    from tracker.files import atomic_write

    with atomic_write(output, database=store.path) as handle:
        handle.write(text)
    say(f"Wrote the {output_format} score table of {slug} to {output}.")


def _one_meeting(store: Store, meeting: str | None) -> str:
    if meeting is not None:
        return store.meeting(meeting).slug
    known = store.meetings()
    if len(known) == 1:
        return known[0].slug
    raise click.UsageError(
        "Say which meeting with --meeting: " + ", ".join(m.slug for m in known) + "."
    )


@scores.command(name="import", context_settings=CONTEXT)
@click.argument("file", type=PathParam())
@click.option("--meeting", shell_complete=complete_meetings, help="The meeting (slug).")
@click.option("--period", required=True, shell_complete=complete_periods, help="The period scored.")
@click.option("--coder", required=True, help="Who scored the table.")
@click.option("--dry-run", is_flag=True, help="Check the table and say what would be added.")
@click.pass_context
def scores_import(ctx, file, meeting, period, coder, dry_run) -> None:
    """Record a score table (CSV) as assessments: one per filled cell.

    The first column is the commitment ID, then one column per party code; a cell is -1, 0 or
    +1 (also written with a minus sign), a rating name, or blank or n/a for not assessed.
    Columns and rows of averages are skipped. All or nothing: every bad cell is named by row
    and column; importing the same table again adds nothing.

    \b
    Example:
      track scores import rio-final.csv --meeting g20-2024 --period final --coder "G20 RG"
    """
    from tracker import scores as scoring
    from tracker.identity import coder as check_coder

    store = _state(ctx).store()
    summary, cells = scoring.import_table(
        store, file, meeting=meeting, period=period, coder=check_coder(coder), today=_today(),
        dry_run=dry_run,
    )  # fmt: skip
    verb = "Would record" if dry_run else "Recorded"
    say(
        f"{verb} {plural(summary.events, 'assessment')} from {plural(cells, 'filled cell')} of "
        f"{file.name}" + (" (nothing was changed)." if dry_run else ".")
    )
    _finish(store)


# --------------------------------------------------------------------------- check


@cli.command(context_settings=CONTEXT)
@click.argument("files", metavar="[FILE]...", nargs=-1, type=PathParam())
@click.pass_context
def check(ctx, files) -> None:
    """Check seed files (read together), or the database: one line per problem.

    Every record must load (the same checks as an import), every piece of evidence needs an
    http(s) source, dates must fall between the meeting and today, parties must be the
    commitment's, IDs must be unique, links must resolve, and assessments must cite evidence
    in force on the same commitment. Exits 1 when there is any problem.

    \b
    Examples:
      track check seeds/*.toml
      track check
    """
    from tracker.check import check_database, check_files

    if files:
        problems = check_files(list(files), today=_today())
        what = plural(len(files), "file")
    else:
        store = _state(ctx).store()
        problems = check_database(store, today=_today())
        what = str(store.path)
    for problem in problems:
        click.echo(_escape_line(problem))
    if problems:
        say(f"{plural(len(problems), 'problem')} in {what}.")
        sys.exit(1)
    say(f"No problems in {what}.")


def _escape_line(text: str) -> str:
    return terminal(" ".join(text.split()))


# --------------------------------------------------------------------------- agreement


@cli.command(context_settings=CONTEXT)
@period_option
@click.option("--meeting", shell_complete=complete_meetings, help="Only this meeting.")
@click.option("-f", "--format", "output_format", type=click.Choice(["table", "json"]),
              default="table", show_default=True, help="Output format.")  # fmt: skip
@click.pass_context
def agreement(ctx, period, meeting, output_format) -> None:
    """Measure how far coders agree: items double-coded, percent agreement, Cohen's kappa
    (and weighted kappa over the -1/0/+1 scale), and every disagreement.

    \b
    Example:
      track agreement --period interim
    """
    from tracker.scores import agreement as measure_agreement

    store = _state(ctx).store()
    period_name = store.period(period, meeting=meeting).name if period else None
    result = measure_agreement(store.codings(meeting=meeting, period=period_name))
    if output_format == "json":
        click.echo(to_json(result.as_dict()))
        return
    if not result.items:
        say("No party-item has been rated by two coders yet.")
        return
    lines = [
        f"Coders:            {', '.join(result.coders)}",
        f"Items double-coded: {result.items}",
        f"Agreement:         {result.agreed} of {result.items} ({result.percent:.0f}%)",
        f"Cohen's kappa:     {_kappa(result.kappa)}",
        f"Weighted kappa:    {_kappa(result.weighted_kappa)} (over {result.weighted_items} "
        "scored pairs, linear weights)",
    ]
    if result.note:
        lines.append(f"Note: {result.note}.")
    if result.disagreements:
        lines += ["", "Disagreements:"]
        for d in result.disagreements:
            ratings = ", ".join(f"{c} {r}" for c, r in d["ratings"].items())
            period_text = f" [{d['period']}]" if d["period"] else ""
            lines.append(f"  {d['commitment']} ({d['party']}){period_text}: {ratings}")
    emit(terminal("\n".join(lines), lines=True))


def _kappa(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


# --------------------------------------------------------------------------- export, import


@cli.command(name="export", context_settings=CONTEXT)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["json", "jsonl", "csv"], case_sensitive=False),
    default="json",
    show_default=True,
    help="json and jsonl hold everything (lossless); csv is the commitments table.",
)
@click.option("-o", "--output", type=PathParam(), help="Write to this file instead of stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def export_(ctx, output_format, output, quiet) -> None:
    """Export the whole database: meetings, periods and every event with its ID.

    Two exports of the same events are identical files, whichever database wrote them;
    `track import` reads json and jsonl back without loss.

    \b
    Example:
      track export --format jsonl -o tracker.jsonl
    """
    from tracker.exchange import count_records, write_export
    from tracker.files import atomic_write

    store = _state(ctx).store()
    output_format = output_format.lower()
    if output is None:
        write_export(store, output_format, sys.stdout)
        return
    total = 0 if quiet or not sys.stderr.isatty() else count_records(store)
    with (
        atomic_write(output, database=store.path) as handle,
        _bar(total, f"Writing {output.name}") as advance,
    ):
        counts = write_export(store, output_format, handle, progress=advance)
    what = (
        plural(counts["commitment"], "commitment")
        if output_format == "csv"
        else f"{plural(counts['meeting'], 'meeting')}, {plural(counts['period'], 'period')} and "
        f"{plural(counts['event'], 'event')}"
    )
    say(f"Exported {what} to {output}.")


@cli.command(name="import", context_settings=CONTEXT)
@click.argument("file", type=PathParam())
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be added.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def import_(ctx, file, dry_run, quiet) -> None:
    """Import a seed TOML file or a json/jsonl export.

    Records already present (meetings by slug, events by ID) are left as they are, so
    importing a file twice adds nothing the second time. One bad record and nothing is
    imported; the error names the record and the field. A commitment created elsewhere with
    an ID this database already uses is kept beside it (shown as ID~xxxx; see `track
    conflicts`); one of another meeting with the same ID is refused.

    \b
    Example:
      track import colleague.jsonl --dry-run
    """
    from tracker.exchange import ImportError_, read_import
    from tracker.files import FileRefused, check_input

    try:
        check_input(file, what="file to import")
    except FileRefused as error:
        raise ImportError_(str(error)) from None
    store = _state(ctx).store()
    with _progress(file, quiet=quiet) as advance:
        records, legacy = read_import(file, progress=advance)
        summary = store.add_records(records, today=_today(), dry_run=dry_run, legacy=legacy)
    verb = "Would add" if dry_run else "Added"
    say(
        f"{verb} {plural(summary.meetings, 'meeting')}, {plural(summary.periods, 'period')}, "
        f"{plural(summary.commitments, 'commitment')} and {plural(summary.events, 'event')} "
        f"from {file.name}" + (" (nothing was changed)." if dry_run else ".")
    )
    if summary.duplicates:
        say(
            f"Warning: {', '.join(summary.duplicates)} "
            f"{'is' if len(summary.duplicates) == 1 else 'are'} now held by two commitments "
            "each; see `track conflicts` and `track rename`."
        )
    _finish(store)


@contextmanager
def _progress(file: Path, *, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for reading a large file, when stderr is a terminal."""
    try:
        size = file.stat().st_size if file.is_file() else 0
    except OSError:
        size = 0
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


@cli.command(context_settings=CONTEXT)
@click.argument("file", type=PathParam())
@click.pass_context
def backup(ctx, file) -> None:
    """Write a consistent copy of the database to FILE, safe while others are writing.

    \b
    Example:
      track backup ~/backups/track-$(date +%F).db
    """
    store = _state(ctx).store()
    store.backup(file)
    say(f"Backed up {store.path} to {file}.")


# --------------------------------------------------------------------------- search

SEARCH_COLUMNS = [
    Column("commitment", "ID"),
    Column("happened_on", "Date"),
    Column(
        "found_in", "In", optional=True, whole_record=True,
        show=lambda hit: hit["found_in"] + (f" ({hit['party']})" if hit["party"] else ""),
    ),
    Column("snippet", "Match", shrink=True),
]  # fmt: skip
SEARCH_FIELDS = (
    "commitment", "happened_on", "found_in", "party", "title", "area", "snippet", "rank", "event",
    "tags",
)  # fmt: skip


@cli.command(context_settings=CONTEXT)
@click.argument("query")
@click.option("--area", shell_complete=complete_areas, help="Only commitments of this area.")
@tag_option
@click.option("--raw", is_flag=True, help="QUERY is SQLite FTS5 syntax (AND, OR, NOT, prefix*).")
@limit_option("results")
@output_options
@click.pass_context
def search(ctx, query, area, tags, raw, limit, output_format, fmt, no_headers) -> None:
    """Search commitments and evidence, best matches first.

    QUERY is searched as you type it: words (all must match, with regular endings: precursor
    finds precursors, withdraw finds withdrawal), IDs such as AI-1 and punctuation included.
    With --raw, QUERY is SQLite full-text syntax. Matched words are marked **like this**;
    retracted evidence is left out. Exits 1 when nothing matches, like grep.

    \b
    Examples:
      track search "working group" --area counternarcotics
      track search 'fentanyl OR precursor*' --raw
    """
    store = _state(ctx).store()
    hits, total = store.search(query, area=area, tags=tags, limit=limit, raw=raw)
    if not hits:
        say(f"No match for {query!r}.")
        sys.exit(1)
    columns = (
        SEARCH_COLUMNS
        if output_format in ("table", "markdown")
        else [Column(k, k) for k in SEARCH_FIELDS]
    )
    emit(_listing(hits, columns, output_format, fmt, no_headers))
    if total > len(hits):
        say(f"Showing {len(hits)} of {total}: use -n {total} to see them all.")


@cli.command(context_settings=CONTEXT)
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]), metavar="SHELL")
def completion(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Completes commands, options, commitment IDs, ratings, areas, parties, periods and
    meetings.

    \b
    Example:
      eval "$(track completion bash)"      # in ~/.bashrc
    """
    from click.shell_completion import get_completion_class

    complete = get_completion_class(shell)(cli, {}, "track", "_TRACK_COMPLETE")
    click.echo(complete.source())


# --------------------------------------------------------------------------- report

REPORT_FORMATS = ("markdown", "html", "json")


@cli.command(context_settings=CONTEXT)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(REPORT_FORMATS, case_sensitive=False),
    default="markdown",
    show_default=True,
    help="Markdown for editing, HTML (one self-contained file with charts), JSON for programs.",
)
@click.option("-o", "--output", type=PathParam(), help="Write the report to this file.")
@as_of_option
@period_option
@click.option("--meeting", shell_complete=complete_meetings, help="Only this meeting.")
@click.option("--area", shell_complete=complete_areas, help="Only this area.")
@tag_option
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
    help="Call out open commitments with no event in this long.",
)
@click.option("--no-timestamp", is_flag=True, help="Leave the generation time out of the footer.")
@click.pass_context
def report(
    ctx, output_format, output, as_of, period, meeting, area, tags, since, stale, no_timestamp
) -> None:
    """Print the follow-up report.

    The distribution of ratings per party, compliance with its coverage (deliverables and
    assurances apart), the commitment x party grid with each rating's coder and review, coder
    agreement, what is overdue or quiet, what changed since a date, and every commitment with
    its guideline, ratings and the evidence they rest on. With --period, the ratings made for
    that compliance period, as of its end. The same database and options always give the same
    report (with --no-timestamp, byte for byte).

    \b
    Examples:
      track report --period final -o final.md
      track report --since 2024-06-01 --format html -o report.html
    """
    from tracker.report import build_report, iter_markdown

    store = _state(ctx).store()
    output_format = output_format.lower()
    data = build_report(
        store,
        as_of=as_of,
        today=_today(),
        period=period,
        meeting=meeting,
        area=area,
        tags=tags,
        since=since,
        stale=stale,
        generated_at=None if no_timestamp else dt.datetime.now().isoformat(timespec="seconds"),
        stream=output_format == "markdown",
    )
    gc.freeze()  # what the report holds lives to the end: no collection need look at it again
    if output_format == "json":
        chunks = iter([to_json(data) + "\n"])
    elif output_format == "html":
        from tracker.html import render_html

        chunks = iter([render_html(data)])
    else:
        chunks = iter_markdown(data)
    if output is None:
        for chunk in chunks:
            click.echo(chunk, nl=False)
        return
    from tracker.files import atomic_write

    with atomic_write(output, database=store.path) as handle:
        for chunk in chunks:
            handle.write(chunk)
    say(f"Wrote the {output_format} report to {output}.")


# --------------------------------------------------------------------------- publishing


@cli.command(context_settings=CONTEXT)
@click.argument("folder")
@click.option(
    "--no-timestamp",
    is_flag=True,
    help="Leave the build time out: the same data gives the same bytes.",
)
@click.option("--title", help="The site's title (default: from the meetings).")
@click.option(
    "--base-url",
    metavar="URL",
    help="The http(s) address the site is published at (makes the feed's links absolute).",
)
@click.option(
    "--meeting", shell_complete=complete_meetings,
    help="Only this meeting's commitments (default: every meeting's).",
)  # fmt: skip
@click.pass_context
def site(ctx, folder, no_timestamp, title, base_url, meeting) -> None:
    """Write the tracker as a static website into FOLDER: an index with every commitment's
    rating, filters by area, party, type and rating, a page per commitment, party and
    meeting, a methodology page and an Atom feed of new evidence.

    Links are relative, so the folder works from disk, any web server or GitHub Pages, and
    no page loads anything from elsewhere. Only pages whose content changed are rewritten;
    a folder holding files track did not make is refused.

    \b
    Examples:
      track site public --no-timestamp
      track site public --base-url https://our-desk.github.io/woodside/
      track site g7-site --meeting g7-2026
    """
    from pathlib import Path

    from tracker.site import build_site
    from tracker.vocabulary import check_text, check_url

    if "\x00" in folder:
        raise click.BadParameter("a path cannot contain a NUL byte.", param_hint="FOLDER")
    folder = Path(folder)
    if title is not None:
        title = check_text(title, "title", line=True)
    if base_url is not None:
        base_url = check_url(base_url, "base URL")
    store = _state(ctx).store()
    summary = build_site(
        store,
        folder,
        today=_today(),
        generated_at=None if no_timestamp else dt.datetime.now().isoformat(timespec="seconds"),
        title=title,
        base_url=base_url,
        meeting=meeting,
    )
    if summary.written or summary.removed:
        say(
            f"Wrote {plural(len(summary.written), 'file')} to {folder} "
            f"({len(summary.unchanged)} unchanged, {len(summary.removed)} removed)."
        )
    else:
        say(f"The site in {folder} is up to date: {plural(summary.files, 'file')} unchanged.")


def _host(_ctx, _param, value: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9._:\[\]-]{1,253}", value or ""):
        raise click.BadParameter(f"{value[:40]!r} is not a host name or address.")
    return value


@cli.command(context_settings=CONTEXT)
@click.option(
    "--host", default="127.0.0.1", show_default=True, callback=_host,
    help="The address to listen on.",
)  # fmt: skip
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8001, show_default=True, help="The port."
)
@click.option(
    "--metadata",
    "print_metadata",
    is_flag=True,
    help="Print the Datasette metadata (for `datasette publish`) and exit.",
)
@click.pass_context
def serve(ctx, host, port, print_metadata) -> None:
    """Browse and query the database in Datasette, with every table, view and column
    described, faceted, searchable and with canned queries (overdue items, ratings by party
    and area, the compliance grid, evidence since a date, disputed items).

    Needs the web extra: pip install 'track-summits[web]'. The metadata alone (--metadata)
    does not.

    \b
    Examples:
      track serve
      track serve --metadata > metadata.json
    """
    from tracker import serve as serving

    store = _state(ctx).store()
    if print_metadata:
        click.echo(serving.metadata_json(store), nl=False)
        return
    path = store.path
    store.close()
    ctx.exit(serving.serve(path, host=host, port=port))
