"""The vocabulary of the tracker: statuses, kinds, parties, scores, and the checks that turn
user input into them. Cheap to import: `track --help` needs it."""

from __future__ import annotations

import re

from tracker.errors import InvalidValue

ACCEPTED_DATE_FORMS = (
    "2024-01-30, 30 Jan 2024, January 30, 2024, 30/01/2024, today, yesterday, 3 days ago"
)
STATUSES: dict[str, str] = {
    "not-started": "No public step towards the commitment yet.",
    "in-progress": "Concrete steps taken; not yet delivered.",
    "stalled": "Was moving, but stopped or suspended.",
    "partial": "Delivered in part; the rest is missing or was dropped.",
    "fulfilled": "Delivered as promised.",
    "broken": "Abandoned, reversed, or the deadline passed with nothing delivered.",
    "unclear": "The evidence conflicts or is too thin to judge.",
}
KINDS: dict[str, str] = {
    "joint": "Both parties committed together (a joint statement or both readouts).",
    "unilateral": "One party committed on its own.",
    "expected": "Reported or anticipated, not formally announced.",
    "principle": "A stated principle or position rather than an action.",
}
PARTIES: dict[str, str] = {"US": "United States", "CN": "China"}
EVENT_KINDS = ("created", "note", "status", "measure", "edit", "retraction")
# G7/G20 Research Group style: +1 full compliance, 0 partial or work in progress, -1 none.
SCORES: dict[str, int | None] = {
    "fulfilled": 1,
    "partial": 0,
    "in-progress": 0,
    "not-started": -1,
    "stalled": -1,
    "broken": -1,
    "unclear": None,
}
UNSCORED_KINDS = ("principle",)


def score(status: str, kind: str) -> int | None:
    """Return the compliance score of a status (+1, 0, -1), or None when it is not scored."""
    if kind in UNSCORED_KINDS:
        return None
    return SCORES[status]


def percent(average: float) -> float:
    """Convert an average score in [-1, 1] to a compliance percentage: (score + 1) / 2 x 100."""
    return (average + 1) / 2 * 100


ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-[0-9]+$")
_NATURAL_CHUNKS = re.compile(r"(\d+)")


def natural_key(commitment_id: str) -> tuple:
    """Return a sort key that puts MIL-2 before MIL-10.

    Splitting on runs of digits alternates text and number, so keys compare text with text
    and numbers with numbers."""
    parts = _NATURAL_CHUNKS.split(commitment_id)
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts))


def _choose(value: str, allowed: dict[str, str], what: str, *, upper: bool = False) -> str:
    cleaned = value.strip().upper() if upper else value.strip().lower()
    if cleaned not in allowed:
        raise InvalidValue(f"Unknown {what} {value!r}. Valid {what}s: {', '.join(allowed)}.")
    return cleaned


def check_status(value: str) -> str:
    """Return the status normalised to lower case, or raise InvalidValue listing the valid ones."""
    return _choose(value, STATUSES, "status")


def check_kind(value: str) -> str:
    """Return the commitment kind normalised, or raise InvalidValue."""
    return _choose(value, KINDS, "kind")


def check_party(value: str) -> str:
    """Return the party code in upper case (US, CN), or raise InvalidValue."""
    return _choose(value, PARTIES, "party", upper=True)


def check_new_id(value: str) -> str:
    """Return a new commitment ID in upper case, or raise InvalidValue if it is malformed."""
    cleaned = value.strip().upper()
    if not ID_PATTERN.match(cleaned):
        raise InvalidValue(
            f"Invalid commitment ID {value!r}: use letters, a dash and a number, like NARC-3."
        )
    return cleaned


def check_text(value: str | None, what: str) -> str:
    """Return the text stripped of surrounding space, or raise InvalidValue if it is empty."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidValue(f"The {what} is empty.")
    if "\x00" in cleaned:
        raise InvalidValue(f"The {what} contains a NUL byte.")
    check_encodable(cleaned, what)
    return cleaned


def check_encodable(value: str, what: str) -> str:
    """Return the text, or raise InvalidValue if it holds bytes that are not UTF-8 (as a shell
    passes them, decoded to lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(f"The {what} is not valid UTF-8 text.") from None
    return value


def number(value: float) -> str:
    """Return a reading without a trailing .0 (100, not 100.0)."""
    return f"{value:g}" if value == int(value) and abs(value) < 1e15 else f"{value:,.6g}"
