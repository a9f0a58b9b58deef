"""Files `track` reads and writes. Every file written is written whole or not at all (a
temporary file in the same folder, flushed to disk, then renamed over the target), never over
the live database, and input files must be regular files (a FIFO or a device would block or
never end)."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tracker.errors import TrackError


class FileRefused(TrackError):
    """A path that `track` will not read from or write to; the message says why."""


def database_files(database: Path) -> list[Path]:
    """Return the database file and the -wal and -shm files SQLite keeps beside it."""
    return [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm")]


def protected_files(database: Path) -> list[Path]:
    """Return every name of the live database's files: beside the path given, and beside the
    file it resolves to (SQLite names the -wal and -shm after the resolved path)."""
    found = database_files(Path(database))
    real = Path(os.path.realpath(database))
    return found + [p for p in database_files(real) if p not in found]


def refuse_if_database(stream: IO | None, database: Path, what: str) -> None:
    """Raise FileRefused if an open stream (standard output, say) is one of the database's
    files: writing to it would destroy the database."""
    try:
        if stream is None:
            return
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return
    if not stat.S_ISREG(info.st_mode):
        return
    for protected in protected_files(database):
        try:
            other = os.stat(protected)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
            raise FileRefused(
                f"{what} is the database file in use ({protected.name}); refusing to write "
                "over it. Redirect to another file."
            )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(target: Path, *, database: Path | None) -> Path:
    """Return `target` if a file may be written there, or raise FileRefused: never the live
    database or its -wal/-shm files (by any path, symlink or hard link), never a folder, a
    FIFO, a socket or a device."""
    given = str(target)
    target = Path(target)
    if database is not None:
        resolved = Path(os.path.realpath(target))
        for protected in protected_files(Path(database)):
            if resolved == Path(os.path.realpath(protected)) or _same_file(target, protected):
                raise FileRefused(
                    f"{target} is the database in use ({protected.name}); refusing to write "
                    "over it. Choose another file."
                )
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise FileRefused(f"Cannot write {target}: {error.strerror}.") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise FileRefused(f"Cannot write {target}: it is {what}.")
    if info is None and given.endswith(("/", os.sep)):
        raise FileRefused(f"Cannot write {given}: folder {given} does not exist.")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise FileRefused(f"Cannot write {target}: folder {parent} does not exist.")
    return target


def check_input(path: Path, *, what: str = "file") -> Path:
    """Return `path` if it is a regular file that can be read, or raise FileRefused (a FIFO,
    socket or device is refused without being opened)."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileRefused(f"{path} does not exist.") from None
    except OSError as error:
        raise FileRefused(f"Cannot read {path}: {error.strerror}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileRefused(f"{path} is a folder, not a {what}.")
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"{path} is not a regular file (a FIFO, socket or device); refused.")
    if not os.access(path, os.R_OK):
        raise FileRefused(f"Cannot read {path}: permission denied.")
    return path


@contextlib.contextmanager
def atomic_write(
    target: Path, *, database: Path | None = None, binary: bool = False
) -> Iterator[IO]:
    """Yield a file to write; on success it replaces `target` whole (fsync, then rename), on
    any error the target is left as it was and the temporary file is removed. A symbolic link
    is followed (the file it points to is replaced, the link kept), and an existing file keeps
    its permissions."""
    target = check_output(target, database=database)
    shown = target
    if target.is_symlink():
        target = Path(os.path.realpath(target))
        check_output(target, database=database)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        keep_mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        keep_mode = 0o644 & ~_umask()
    temp = temporary_sibling(target, ".tmp", shown=shown)
    fd = os.open(temp, os.O_WRONLY | os.O_TRUNC)
    try:
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temp, keep_mode)
        os.replace(temp, target)
        _sync_folder(folder)
    except BaseException as error:
        temp.unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, FileRefused):
            raise FileRefused(f"Cannot write {shown}: {error.strerror or error}.") from None
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of a rename to disk (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temporary_sibling(target: Path, suffix: str = ".tmp", *, shown: Path | None = None) -> Path:
    """Create a new, empty file in the same folder as `target` and return its path (for
    building a file that then replaces it by rename). Its name is short, whatever the length
    of the target's; a folder that cannot be written raises FileRefused."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=".track-", suffix=suffix, dir=folder)
    except OSError as error:
        raise FileRefused(
            f"Cannot write {shown or target}: {error.strerror or error} (in folder {folder})."
        ) from None
    os.close(fd)
    return Path(name)
