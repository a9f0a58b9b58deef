"""Exceptions the library raises for bad input; the CLI turns each into a one-line error."""


class TrackError(Exception):
    """Base class: a problem the user can fix, described in one line."""


class UnknownCommitment(TrackError):
    """No commitment has this ID."""

    def __init__(self, commitment_id: str, suggestions: list[str] | None = None):
        self.commitment_id = commitment_id
        self.suggestions = suggestions or []
        message = f"No commitment with ID {commitment_id!r}."
        if self.suggestions:
            message += " Did you mean " + ", ".join(self.suggestions) + "?"
        else:
            message += " Run `track status` to list the IDs."
        super().__init__(message)


class UnknownMeeting(TrackError):
    """No meeting has this slug."""


class DuplicateCommitment(TrackError):
    """A commitment with this ID already exists."""


class InvalidValue(TrackError):
    """A status, party, kind, ID or text that is not allowed."""


class InvalidDate(TrackError):
    """A date or duration that cannot be parsed, or is not allowed here."""


class NotADatabase(TrackError):
    """The database path exists but is not an SQLite database this tool can use."""


class DatabaseExists(TrackError):
    """`init` was asked to create a database that already exists."""


class SeedError(TrackError):
    """A seed file that cannot be read or has an invalid record."""


class UnknownEvent(TrackError):
    """No event matches this reference."""


class Conflict(TrackError):
    """Two records disagree in a way a person must settle (e.g. two coders' ratings)."""
