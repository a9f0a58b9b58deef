"""Sharing one record through git. The shared repository holds the events as JSON lines, one
file per device and month (`events/YYYY-MM/<device>.jsonl`), appended only by that device,
and the meetings and periods likewise (`meetings/<device>.jsonl`); `.gitattributes` merges
those files as a union, so two analysts' additions never conflict. The SQLite database stays
a local cache: `track sync` writes the events this database has that the repository lacks,
commits, pulls, checks and loads what others added, and pushes.

The git command line does the work (through subprocess, so it uses the analyst's own
credentials, SSH keys and configuration); every other command keeps working offline."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import InvalidDate, InvalidValue, TrackError
from tracker.files import atomic_write
from tracker.loading import LoadSummary
from tracker.records import Event, Meeting, Period, parse_json
from tracker.store import Store

BRANCH = "main"
SETTING_REPO = "sync_repository"
GITATTRIBUTES = "events/**/*.jsonl merge=union\nmeetings/*.jsonl merge=union\n"
README = """# A track record

This repository is the shared record of a desk using `track`
(https://github.com/): meetings, periods and every event, as JSON lines.

- `events/YYYY-MM/<device>.jsonl`: the events made on one device in one month, appended
  only by that device.
- `meetings/<device>.jsonl`: the meetings and periods that device added.

Never edit or reorder lines: add new events with `track`, and share them with `track sync`.
`track check` validates the record; the SQLite database is a local cache, rebuilt from here
with `track clone URL` or `track rebuild --from-repository`.
"""
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MONTH = re.compile(r"^\d{4}-\d{2}")
RETRIES = 5
# Dates from another time zone may be a day ahead of ours.
TIME_ZONE_SLACK = dt.timedelta(days=1)


class SyncError(TrackError):
    """Git or the shared repository refused; nothing local was lost."""


@dataclass
class SyncSummary:
    written: int = 0  # events written to the repository from this database
    loaded: int = 0  # events loaded from the repository
    committed: bool = False
    pushed: bool = False
    retries: int = 0
    duplicates: list[str] | None = None


# --------------------------------------------------------------------------- git


def git(folder: Path, *args: str, check: bool = True, what: str = "") -> str:
    """Run a git command in `folder`; return its stdout, or raise SyncError with git's own
    last line of complaint."""
    exe = shutil.which("git")
    if exe is None:
        raise SyncError("git is not installed; sharing through git needs the git command.")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            [exe, *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise SyncError(f"git {args[0]} failed: {error}.") from None
    if check and done.returncode != 0:
        complaint = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SyncError(f"{what or 'git ' + args[0]} failed: {complaint}")
    return done.stdout


def _identity(folder: Path, author: str) -> list[str]:
    """-c options giving git a committer when the analyst has configured none."""
    name = git(folder, "config", "user.name", check=False).strip()
    email = git(folder, "config", "user.email", check=False).strip()
    options = []
    if not name:
        options += ["-c", f"user.name={author}"]
    if not email:
        options += ["-c", "user.email=track@localhost"]
    return options


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One sync at a time on a local repository."""
    with open(folder / ".git" / "track-sync.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def repository(store: Store) -> Path:
    """Return the local clone of the shared repository, or raise SyncError if there is none."""
    folder = store.setting(SETTING_REPO)
    if not folder:
        raise SyncError(
            "This database shares with no repository yet: `track remote add URL` (or start "
            "from one with `track clone URL`)."
        )
    path = Path(folder)
    if not (path / ".git").is_dir():
        raise SyncError(f"The local repository {path} is missing; add the remote again.")
    return path


def default_folder(database: Path) -> Path:
    """Where the local clone of the shared repository goes: beside the database."""
    return database.with_name(database.name + ".repo")


# --------------------------------------------------------------------------- set up


def add_remote(store: Store, url: str, *, folder: Path | None = None) -> Path:
    """Share this database through the git repository at `url`: clone it beside the
    database (starting it if it is empty) and remember it. Return the local clone."""
    url = _check_url(url)
    folder = Path(folder) if folder else default_folder(store.path)
    if folder.exists() and any(folder.iterdir()):
        if not (folder / ".git").is_dir():
            raise SyncError(f"{folder} exists and is not a git repository; choose another folder.")
        origin = git(folder, "remote", "get-url", "origin", check=False).strip()
        if origin != url:
            raise SyncError(f"{folder} is a clone of {origin or 'nothing'}, not {url}.")
    else:
        _clone(url, folder)
    _start(folder, author="track")
    store.set_settings({SETTING_REPO: str(folder.resolve())})
    return folder


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url or "\n" in url or url.startswith("-"):
        raise InvalidValue(f"{url[:60]!r} is not a repository address.")
    return url


def _clone(url: str, folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    # core.symlinks=false: a link committed to the shared repository is checked out as a
    # plain file holding its target's name, never as a link to follow
    git(folder.parent, "clone", "--quiet", "--config", "core.symlinks=false", "--", url,
        str(folder), what=f"Cloning {url}")  # fmt: skip


def _refuse_links(folder: Path) -> None:
    """Raise SyncError if the record files of the repository, or their folders, hold a
    symbolic link: track reads and writes only plain files there (a link committed by anyone
    could make a sync write outside the repository)."""
    for line in git(folder, "ls-files", "--stage", "--", "meetings", "events").splitlines():
        mode, _, rest = line.partition(" ")
        if mode == "120000":  # committed as a link, whatever core.symlinks made of it
            raise SyncError(_LINK.format(name=rest.partition("\t")[2]))
    for top in ("meetings", "events"):
        root = folder / top
        if root.is_symlink():
            raise SyncError(_LINK.format(name=top))
        for path, folders, files in os.walk(root):
            for name in folders + files:
                if os.path.islink(os.path.join(path, name)):
                    shown = os.path.relpath(os.path.join(path, name), folder)
                    raise SyncError(_LINK.format(name=shown))


_LINK = (
    "{name} in the shared repository is a symbolic link; track reads and writes only plain "
    "files there. Remove it from the repository (git rm), then sync again."
)


def _start(folder: Path, *, author: str) -> None:
    """Give an empty clone its first commit: .gitattributes and a README, on `main`."""
    if git(folder, "rev-parse", "--verify", "--quiet", "HEAD", check=False).strip():
        return
    if git(folder, "rev-parse", "--verify", "--quiet", f"origin/{BRANCH}", check=False).strip():
        # a shared repository whose default branch git did not check out
        git(folder, "checkout", "--quiet", "-B", BRANCH, f"origin/{BRANCH}")
        return
    git(folder, "checkout", "--quiet", "-B", BRANCH)
    (folder / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    (folder / "README.md").write_text(README, encoding="utf-8")
    git(folder, "add", ".gitattributes", "README.md")
    git(folder, *_identity(folder, author), "commit", "--quiet", "-m", "Start a track record")


def clone(url: str, database: Path, *, today: dt.date, folder: Path | None = None) -> Store:
    """Start a database from a shared repository: clone it and load everything in it."""
    url = _check_url(url)
    folder = Path(folder) if folder else default_folder(database)
    if folder.exists() and any(folder.iterdir()):
        raise SyncError(f"{folder} already exists; remove it or choose another folder.")
    _clone(url, folder)
    _start(folder, author="track")
    _refuse_links(folder)
    store = Store.open(database)
    records = list(_read_files(folder, sorted(_record_files(folder))))
    store.add_records(
        records, today=today + TIME_ZONE_SLACK,
        settings={SETTING_REPO: str(folder.resolve())}, synced=True,
    )  # fmt: skip
    return store


# --------------------------------------------------------------------------- sync


def sync(store: Store, *, today: dt.date, author: str) -> SyncSummary:
    """Write what the repository lacks, commit, pull, check and load what others added, and
    push (again after pulling, when someone pushed first). Nothing is committed when there is
    nothing new."""
    folder = repository(store)
    summary = SyncSummary()
    with _locked(folder):
        _refuse_links(folder)
        summary.written, ids = write_new(store, folder)
        if git(folder, "status", "--porcelain", "--", "events", "meetings").strip():
            git(folder, "add", "--", "events", "meetings")
            git(folder, *_identity(folder, author), "commit", "--quiet", "-m",
                f"track: {summary.written} events from {store.device[:8]}")  # fmt: skip
            summary.committed = True
        store.mark_synced(ids)  # only once they are committed (or were already there)
        for attempt in range(RETRIES):
            loaded = pull(store, folder, today=today)
            summary.loaded += loaded.events + loaded.commitments
            if loaded.duplicates:
                summary.duplicates = (summary.duplicates or []) + loaded.duplicates
            if not _ahead(folder):
                return summary
            pushed = git(folder, "push", "--quiet", "origin", f"HEAD:{BRANCH}", check=False)
            del pushed
            if not _ahead(folder):
                summary.pushed = True
                return summary
            summary.retries = attempt + 1  # someone pushed first: pull their work, try again
        raise SyncError(
            f"Could not push after {RETRIES} tries (others keep pushing, or the remote refuses "
            "pushes); your events are committed locally and go with the next sync."
        )


def _ahead(folder: Path) -> bool:
    """Whether the local branch has commits the remote lacks."""
    git(folder, "fetch", "--quiet", "origin", what="Reaching the shared repository")
    remote = git(
        folder, "rev-parse", "--verify", "--quiet", f"origin/{BRANCH}", check=False
    ).strip()
    if not remote:
        return True
    return bool(git(folder, "rev-list", f"origin/{BRANCH}..HEAD").strip())


def pull(store: Store, folder: Path, *, today: dt.date) -> LoadSummary:
    """Merge what others pushed and load the lines it added; refuse, loading nothing, if any
    line is malformed or breaks the record (naming the file and line)."""
    git(folder, "fetch", "--quiet", "origin", what="Reaching the shared repository")
    remote = git(
        folder, "rev-parse", "--verify", "--quiet", f"origin/{BRANCH}", check=False
    ).strip()
    if not remote:
        return LoadSummary()
    before = git(folder, "rev-parse", "HEAD").strip()
    if _is_ancestor(folder, remote, "HEAD"):
        return LoadSummary()  # nothing new
    try:
        git(folder, *_identity(folder, "track"), "merge", "--quiet", "--no-edit", remote,
            what="Merging the shared repository")  # fmt: skip
    except SyncError as error:
        git(folder, "merge", "--abort", check=False)
        raise SyncError(f"{error}; nothing was loaded.") from None
    after = git(folder, "rev-parse", "HEAD").strip()
    try:
        _refuse_links(folder)  # whatever the merge brought, record files or not
    except SyncError:
        git(folder, "reset", "--quiet", "--hard", before)
        raise
    changed = [
        name
        for name in git(
            folder, "diff", "--name-only", before, after, "--", "events", "meetings"
        ).split("\n")
        if name.endswith(".jsonl")
    ]
    if not changed:
        return LoadSummary()
    try:
        records = list(_read_files(folder, sorted(changed, key=_meetings_first)))
        return store.add_records(records, today=today + TIME_ZONE_SLACK, synced=True)
    except TrackError as error:
        git(folder, "reset", "--quiet", "--hard", before)  # keep nothing of it locally
        if isinstance(error, SyncError):
            raise
        raise SyncError(
            f"{error} Nothing was loaded and nothing was pushed: fix or revert that line in the "
            "shared repository, then sync again."
        ) from None


def _is_ancestor(folder: Path, older: str, newer: str) -> bool:
    exe = shutil.which("git") or "git"
    done = subprocess.run(
        [exe, "merge-base", "--is-ancestor", older, newer], cwd=folder, capture_output=True,
        check=False,
    )  # fmt: skip
    return done.returncode == 0


def _meetings_first(name: str) -> tuple[int, str]:
    return (0 if name.startswith("meetings/") else 1, name)


# --------------------------------------------------------------------------- files


def _record_files(folder: Path) -> Iterator[str]:
    for path in (folder / "meetings").glob("*.jsonl"):
        yield str(path.relative_to(folder))
    for path in (folder / "events").glob("*/*.jsonl"):
        yield str(path.relative_to(folder))


def _read_files(folder: Path, names: list[str]) -> Iterator[tuple[str, object, str]]:
    """Yield the records of repository files, meetings before events, each checked field by
    field and labelled with its file and line."""
    readers = {"meeting": Meeting, "period": Period}
    for name in sorted(names, key=_meetings_first):
        path = folder / name
        if not path.is_file():
            continue  # removed by the merge
        with path.open(encoding="utf-8", newline="\n") as handle:
            for number, line in enumerate(handle, start=1):
                where = f"{name}:{number}"
                if not line.strip():
                    continue
                try:
                    item = parse_json(line, overflow=True)  # 1e400: refused by the field check
                except InvalidValue as error:
                    raise SyncError(
                        f"{where}: {error} Nothing was loaded and nothing was pushed."
                    ) from None
                except (ValueError, RecursionError):
                    raise SyncError(
                        f"{where}: not valid JSON; nothing was loaded and nothing was pushed: "
                        "fix or revert that line in the shared repository, then sync again."
                    ) from None
                if not isinstance(item, dict):
                    raise SyncError(f"{where}: not a JSON object; nothing was loaded or pushed.")
                kind = item.pop("type", "event")
                try:
                    if kind == "event":
                        record = Event.from_raw(item, where)
                        record.check_shape(where)
                    elif kind in readers:
                        record = readers[kind].from_raw(item, where)
                    else:
                        raise InvalidValue(f"{where}: unknown record type {str(kind)[:20]!r}.")
                except (InvalidValue, InvalidDate) as error:
                    raise SyncError(
                        f"{error} Nothing was loaded and nothing was pushed: fix or revert that "
                        "line in the shared repository, then sync again."
                    ) from None
                yield ("event" if kind == "event" else kind), record, where


def file_name(device: str) -> str:
    """A safe file name for a device (its id when that is safe, else a hash of it)."""
    if SAFE_NAME.match(device):
        return device
    return "device-" + hashlib.sha256(device.encode("utf-8")).hexdigest()[:16]


def write_new(store: Store, folder: Path) -> tuple[int, list[int]]:
    """Append to the repository's files every event and meeting this database has that the
    repository lacks; return how many events were written and the row numbers of the events
    now in the files (to mark synced once they are committed)."""
    columns = Event.columns()
    json_columns = Event.json_columns()
    groups: dict[Path, list[dict]] = {}
    ids = []
    for row in store.conn.execute(
        f"SELECT e.id, {', '.join('e.' + c for c in columns)} FROM events e "
        "WHERE NOT EXISTS (SELECT 1 FROM synced s WHERE s.event = e.id) ORDER BY counter, uuid"
    ):
        ids.append(row[0])
        record = dict(zip(columns, row[1:], strict=True))
        for name in json_columns:
            if record[name] is not None:
                record[name] = json.loads(record[name])
        month = record["recorded_at"][:7] if MONTH.match(record["recorded_at"]) else "undated"
        target = folder / "events" / month / f"{file_name(record['device'])}.jsonl"
        groups.setdefault(target, []).append(record)
    written = 0
    for target, records in groups.items():
        written += _append(target, records)
    _write_meetings(store, folder)
    return written, ids


def _append(target: Path, records: list[dict]) -> int:
    """Add the records a file lacks at its end, writing the file whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.read_text(encoding="utf-8") if target.exists() else ""
    present = set()
    for line in old.splitlines():
        with contextlib.suppress(ValueError, AttributeError):
            present.add(json.loads(line).get("uuid"))
    new = [r for r in records if r["uuid"] not in present]
    if not new:
        return 0
    if old and not old.endswith("\n"):
        old += "\n"
    lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in new)
    with atomic_write(target) as handle:
        handle.write(old + lines)
    return len(new)


def _write_meetings(store: Store, folder: Path) -> None:
    known_meetings, known_periods = set(), set()
    for name in _record_files(folder):
        if not name.startswith("meetings/"):
            continue
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError, AttributeError, KeyError):
                item = json.loads(line)
                if item.get("type") == "meeting":
                    known_meetings.add(item["slug"])
                elif item.get("type") == "period":
                    known_periods.add((item["meeting"], item["name"]))
    new = [
        {"type": "meeting", **m.as_file()} for m in store.meetings() if m.slug not in known_meetings
    ]
    new += [
        {"type": "period", **p.as_file()}
        for p in store.periods()
        if (p.meeting, p.name) not in known_periods
    ]
    if new:
        target = folder / "meetings" / f"{file_name(store.device)}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in new)
        with atomic_write(target) as handle:
            handle.write(old + lines)


def unsynced(store: Store) -> int:
    """How many events this database has that it has not written to the repository."""
    return store.conn.execute(
        "SELECT count(*) FROM events e "
        "WHERE NOT EXISTS (SELECT 1 FROM synced s WHERE s.event = e.id)"
    ).fetchone()[0]


def rebuild_from(
    folder: Path, store: Store, *, backup: Path | None, today: dt.date
) -> tuple[int, Path | None]:
    """Give the database the contents built from the repository's files (keeping its device
    id, so this replica keeps writing to its own files), after a backup of its current ones;
    return how many events it holds and where the backup went."""
    from tracker.files import temporary_sibling

    temp = temporary_sibling(store.path, ".new.db")
    temp.unlink()
    try:
        built = Store.open(temp)
        records = list(_read_files(folder, sorted(_record_files(folder))))
        built.add_records(
            records, today=today + TIME_ZONE_SLACK,
            settings={SETTING_REPO: str(folder.resolve()), "device": store.device}, synced=True,
        )  # fmt: skip
        built.new_generation()
        count = built.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        built.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        built.conn.execute("PRAGMA journal_mode = DELETE")
        built.close()
        backup = store.replace_contents(temp, backup=backup)
    finally:
        for extra in ("", "-wal", "-shm"):
            temp.with_name(temp.name + extra).unlink(missing_ok=True)
    return count, backup
