"""Who is recording: the coder's name, from --coder, $TRACK_CODER, git's user.name, or the
login name, in that order. Read only when a command records something."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess

from tracker.errors import InvalidValue
from tracker.vocabulary import check_text

CODER_ENV = "TRACK_CODER"


def coder(given: str | None = None) -> str:
    """Return the name to record events under."""
    if given is not None:
        return check_text(given, "coder name", line=True)
    env = os.environ.get(CODER_ENV)
    if env is not None and env.strip():
        try:
            return check_text(env, f"{CODER_ENV} value", line=True)
        except InvalidValue as error:
            raise InvalidValue(f"{error} Set {CODER_ENV} to a plain name.") from None
    name = _git_user_name()
    if name:
        return name
    try:
        return check_text(getpass.getuser(), "login name", line=True)
    except (InvalidValue, KeyError, OSError):
        return "unknown"


def _git_user_name() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "config", "--get", "user.name"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, UnicodeError):
        return None
    name = done.stdout.strip()
    try:
        return check_text(name, "git user.name", line=True) if name else None
    except InvalidValue:
        return None
