"""The vocabulary of the tracker: commitment types and the ratings each takes, scores, source
classes, stances, event kinds, and the checks that turn user input into them. Cheap to import:
`track --help` needs it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.errors import InvalidValue
from tracker.escape import BIDI, INVISIBLE

ACCEPTED_DATE_FORMS = (
    "2024-01-30, 30 Jan 2024, January 30, 2024, 30/01/2024, today, yesterday, 3 days ago"
)


@dataclass(frozen=True)
class Rating:
    """One rating: what it means, its score (None: never averaged) and PolitiFact's label."""

    name: str
    meaning: str
    score: int | None
    label: str | None = None


NOT_YET_RATED = "not-yet-rated"
RATINGS: dict[str, Rating] = {
    r.name: r
    for r in (
        Rating(
            NOT_YET_RATED, "Nobody has researched it yet. Not a finding.", None, "Not Yet Rated"
        ),
        Rating("not-started", "Researched: no public step towards it yet.", -1, "No Action Found"),
        Rating("in-progress", "Concrete steps taken; not yet delivered.", 0, "In the Works"),
        Rating("stalled", "Was moving, but stopped or suspended.", -1, "Stalled"),
        Rating("partial", "Delivered in part; the rest is missing or dropped.", 0, "Compromise"),
        Rating("fulfilled", "Delivered as promised.", 1, "Promise Kept"),
        Rating(
            "broken",
            "Abandoned, reversed, or the deadline passed with nothing delivered.",
            -1,
            "Promise Broken",
        ),
        Rating("unclear", "The evidence conflicts or is too thin to judge.", None, "Unclear"),
        Rating("maintained", "Held: no act contrary to the assurance found.", 1, "Assurance Held"),
        Rating(
            "contested",
            "An act that one government reads as contrary and the other does not.",
            0,
            "Contested",
        ),
        Rating("violated", "An act plainly contrary to the assurance.", -1, "Violated"),
    )
}
ACTION_RATINGS = (
    NOT_YET_RATED, "not-started", "in-progress", "stalled", "partial", "fulfilled", "broken",
    "unclear",
)  # fmt: skip
ASSURANCE_RATINGS = (NOT_YET_RATED, "maintained", "contested", "violated", "unclear")


@dataclass(frozen=True)
class CommitmentType:
    name: str
    meaning: str
    ratings: tuple[str, ...]  # empty: tracked, never rated

    @property
    def scored(self) -> bool:
        return bool(self.ratings)


TYPES: dict[str, CommitmentType] = {
    t.name: t
    for t in (
        CommitmentType("action", "Something to do: set up a working group.", ACTION_RATINGS),
        CommitmentType(
            "quantified",
            "An action with a numeric target: 50,000 young Americans in five years.",
            ACTION_RATINGS,
        ),
        CommitmentType(
            "assurance",
            "A pledge not to do something, or an ongoing one: no new Cold War.",
            ASSURANCE_RATINGS,
        ),
        CommitmentType("principle", "A shared principle: tracked with evidence, never rated.", ()),
        CommitmentType("position", "A party's stated position or ask: tracked, never rated.", ()),
        CommitmentType(
            "collective",
            "A global goal (triple renewables by 2030), rated on each party's own part.",
            ACTION_RATINGS,
        ),
    )
}
# Which types each headline figure covers: deliverables and assurances are never pooled.
SCORE_GROUPS: dict[str, tuple[str, ...]] = {
    "deliverables": ("action", "quantified", "collective"),
    "assurances": ("assurance",),
}
# How an event's fields are named to people (amendments, edits).
FIELD_WORDS = {"happened_on": "date", "status": "rating"}
# The tag on a retraction that `track withdraw` makes (plain `track undo` reverses it; an undo
# of a creation it does not).
WITHDRAWAL_TAG = "withdrawal"
# Commitment-level states besides a rating.
SPLIT = "split"  # the parties are rated differently
DISPUTED = "disputed"  # coders disagree and no review has settled it
TRACKED = "tracked"  # principles and positions: evidence only
STATES = {
    SPLIT: "The parties are rated differently (see each party's rating).",
    DISPUTED: "Two coders disagree and no reviewer has settled it; left out of averages.",
    TRACKED: "A principle or position: evidence is tracked, never rated.",
}
FORMALITIES: dict[str, str] = {
    "joint-statement": "Announced in a joint statement.",
    "both-readouts": "In both governments' readouts.",
    "one-readout": "In one government's readout only.",
    "reported": "Reported by officials or the press, not in a readout.",
}
SOURCE_CLASSES: dict[str, str] = {
    "official": "A government's readout or statement.",
    "document": "A primary government text: law, rule, notice, white paper.",
    "wire": "A news agency's story (Reuters, AP, AFP, Xinhua).",
    "press": "A newspaper's or broadcaster's story.",
    "analysis": "A think tank's or academic's analysis.",
    "mirror": "A copy of another publisher's story on another site.",
}
STANCES: dict[str, str] = {
    "supports": "Shows the commitment being kept or progressing.",
    "disputes": "Evidence against it, or the two governments' readouts differ.",
    "denies": "A party denies the claim.",
}
CONFIDENCES = {"high": "", "medium": "", "low": ""}
RELATIONS: dict[str, str] = {
    "reaffirms": "Restates the earlier commitment.",
    "extends": "Goes further than the earlier commitment.",
    "supersedes": "Replaces the earlier commitment.",
}
# Every kind of event. Ratings: status (the short form, `track set`) and assessment.
EVENT_KINDS = (
    "created", "note", "status", "assessment", "approval", "rejection", "measure", "edit",
    "amendment", "retraction",
)  # fmt: skip
RATING_KINDS = ("status", "assessment")
EVIDENCE_KINDS = ("note", "measure")


def kind_name(kind: str) -> str:
    """An event's kind as a reader says it: a status event is a rating, a measure a reading."""
    return {"status": "rating", "measure": "reading", "created": "creation"}.get(kind, kind)


# said when a party outside a commitment's parties is given for evidence or a rating
NOT_A_PARTY_HINT = " (for another side's act, leave the party out and name it in the text)"
PARTY_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
# Names for party codes a meeting declares without one: the G20 members and a few others
# (ISO 3166-1 alpha-2, plus EU). A meeting may name any code itself.
COUNTRY_NAMES: dict[str, str] = {
    "AR": "Argentina", "AU": "Australia", "BR": "Brazil", "CA": "Canada", "CN": "China",
    "FR": "France", "DE": "Germany", "IN": "India", "ID": "Indonesia", "IT": "Italy",
    "JP": "Japan", "KR": "Korea", "MX": "Mexico", "RU": "Russia", "SA": "Saudi Arabia",
    "ZA": "South Africa", "TR": "Türkiye", "GB": "United Kingdom", "US": "United States",
    "EU": "European Union", "ES": "Spain", "NL": "Netherlands", "CH": "Switzerland",
    "SG": "Singapore", "VN": "Viet Nam", "PH": "Philippines", "NZ": "New Zealand",
    "UA": "Ukraine", "IR": "Iran", "KP": "North Korea", "TW": "Taiwan", "PK": "Pakistan",
    "EG": "Egypt", "NG": "Nigeria", "KE": "Kenya", "ET": "Ethiopia", "AE": "United Arab Emirates",
}  # fmt: skip


def score(rating: str | None) -> int | None:
    """Return a rating's score (+1, 0, -1), or None when it is never averaged."""
    found = RATINGS.get(rating or "")
    return None if found is None else found.score


def label(rating: str) -> str:
    """Return a rating's reader-facing label (PolitiFact's where one exists)."""
    found = RATINGS.get(rating)
    if found is not None and found.label:
        return found.label
    return rating


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


def _choose(value: str, allowed, what: str, plural: str, *, upper: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"The {what} must be text.")
    cleaned = value.strip().upper() if upper else value.strip().lower()
    if cleaned not in allowed:
        import difflib

        shown = value if len(value) <= 40 else value[:40] + "…"
        close = difflib.get_close_matches(cleaned, list(allowed), n=1, cutoff=0.75)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise InvalidValue(f"Unknown {what} {shown!r}.{hint} Valid {plural}: {', '.join(allowed)}.")
    return cleaned


def with_article(word: str) -> str:
    """'an action', 'a position'."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def check_rating(value: str, *, type_: str | None = None) -> str:
    """Return a rating normalised to lower case, or raise InvalidValue. With `type_`, only the
    ratings that type takes are valid."""
    if type_ is None:
        return _choose(value, RATINGS, "rating", "ratings")
    kind = TYPES[type_]
    if not kind.scored:
        raise InvalidValue(
            f"A {type_} is tracked with evidence, never rated; record a note instead."
        )
    return _choose(value, kind.ratings, f"rating for {with_article(type_)}", "ratings")


def check_type(value: str) -> str:
    """Return a commitment type normalised, or raise InvalidValue."""
    return _choose(value, TYPES, "type", "types")


def check_formality(value: str) -> str:
    return _choose(value, FORMALITIES, "formality", "formalities")


def check_source_class(value: str) -> str:
    return _choose(value, SOURCE_CLASSES, "source class", "source classes")


def check_stance(value: str) -> str:
    return _choose(value, STANCES, "stance", "stances")


def check_confidence(value: str) -> str:
    return _choose(value, CONFIDENCES, "confidence", "confidence levels")


def check_relation(value: str) -> str:
    return _choose(value, RELATIONS, "relation", "relations")


def check_kind(value: str) -> str:
    return _choose(value, EVENT_KINDS, "event kind", "event kinds")


def check_party_code(value: str) -> str:
    """Return a party code in upper case (US, CN, EU, G7...), or raise InvalidValue. Whether
    the party belongs to a meeting is the meeting's business."""
    if not isinstance(value, str):
        raise InvalidValue("A party code must be text.")
    cleaned = value.strip().upper()
    if not PARTY_CODE.match(cleaned):
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise InvalidValue(
            f"Invalid party code {shown!r}: use 2 to 8 letters or digits, such as US or CN."
        )
    return cleaned


def check_new_id(value: str) -> str:
    """Return a new commitment ID in upper case, or raise InvalidValue if it is malformed."""
    if not isinstance(value, str):
        raise InvalidValue("A commitment ID must be text.")
    cleaned = value.strip().upper()
    if len(cleaned) > 40 or not ID_PATTERN.match(cleaned):
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise InvalidValue(
            f"Invalid commitment ID {shown!r}: use letters, a dash and a number, like NARC-3."
        )
    return cleaned


# Characters that must never reach a one-line field: control characters (C0, DEL, C1) and the
# bidirectional overrides and isolates that reorder what a terminal shows.
_LINE_BREAKERS = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{BIDI}{INVISIBLE}]")
# In multi-line text, newlines and tabs are fine; other control characters are not, nor the
# bidirectional controls (invisible characters are shown escaped on output).
_TEXT_BREAKERS = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{BIDI}]")
MAX_TEXT = 1_000_000
MAX_LINE = 2_000


def check_text(value: str | None, what: str, *, line: bool = False) -> str:
    """Return the text stripped of surrounding space, or raise InvalidValue if it is empty,
    not UTF-8, too long, or (for a one-line field such as a title) holds a line break or a
    control character. With `what` empty, messages have no subject ("is empty."), to follow
    a field's name."""
    subject = f"The {what} " if what else ""
    if value is not None and not isinstance(value, str):
        raise InvalidValue(f"{subject}must be text.")
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidValue(f"{subject}is empty.")
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(f"{subject}is not valid UTF-8 text.") from None
    if line:
        if len(cleaned) > MAX_LINE:
            raise InvalidValue(f"{subject}is longer than {MAX_LINE} characters.")
        found = _LINE_BREAKERS.search(cleaned)
        if found:
            raise InvalidValue(
                f"{subject}contains a line break or control character ({found.group()!r}); "
                "it must be one line of text."
            )
    else:
        if len(cleaned) > MAX_TEXT:
            raise InvalidValue(f"{subject}is longer than {MAX_TEXT:,} characters.")
        found = _TEXT_BREAKERS.search(cleaned)
        if found:
            raise InvalidValue(f"{subject}contains a control character ({found.group()!r}).")
    return cleaned


def check_encodable(value: str, what: str) -> str:
    """Return the text, or raise InvalidValue if it holds bytes that are not UTF-8 (as a shell
    passes them, decoded to lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(f"The {what} is not valid UTF-8 text.") from None
    return value


_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


def check_url(value: str, what: str = "source address") -> str:
    """Return an http(s) address, or raise InvalidValue: only these ever become links."""
    cleaned = check_text(value, what, line=True)
    if not _URL.match(cleaned):
        shown = cleaned if len(cleaned) <= 60 else cleaned[:60] + "…"
        raise InvalidValue(
            f"The {what} {shown!r} is not an http(s) address; only http:// and https:// "
            "addresses are accepted."
        )
    return cleaned


def number(value: float) -> str:
    """Return a reading as people write it: thousands grouped, no trailing .0 (50,000, not
    50000.0 or 5e+04)."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


MAX_NUMBER = 1e15
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> float:
    """Return the number a user typed (100, 1.5, 50,000, 2e3), or raise InvalidValue for
    anything else, including 1,2,3, nan, inf and values beyond ±1e15."""
    cleaned = (text or "").strip().replace("\u2212", "-")
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(",", "")
    elif not _PLAIN.match(cleaned):
        raise InvalidValue(f"{text!r} is not a number (write it as 150, 1.5 or 50,000).")
    return check_number(float(cleaned))


def check_number(value) -> float:
    """Return a finite number within ±1e15 as a float, or raise InvalidValue."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue("must be a number.")
    if isinstance(value, int) and abs(value) > MAX_NUMBER:
        raise InvalidValue(f"{value} is beyond ±{MAX_NUMBER:g}.")
    value = float(value)
    if value != value or abs(value) > MAX_NUMBER:
        raise InvalidValue(f"{value} is not a finite number within ±{MAX_NUMBER:g}.")
    return value
