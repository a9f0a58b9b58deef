"""Parsing dates and durations typed by a user."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker.errors import InvalidDate
from tracker.vocabulary import ACCEPTED_DATE_FORMS as ACCEPTED_FORMS

_RELATIVE = re.compile(r"^(\d+)\s*(day|week)s?\s+ago$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$")
_DURATION = re.compile(r"^(\d+)\s*(d|day|days|w|week|weeks|m|month|months|y|year|years)$")
# Longest span accepted, in days, so that date arithmetic never overflows.
MAX_DAYS = 200 * 366


def utc_now() -> str:
    """Return the current UTC time as an ISO 8601 string, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_date(
    text: str, *, today: dt.date, allow_future: bool = True, what: str = "date"
) -> dt.date:
    """Return the calendar date a user typed, or raise InvalidDate naming the accepted forms."""
    value = (text or "").strip().lower()
    if not value:
        raise InvalidDate(f"The {what} is empty. Use a form like {ACCEPTED_FORMS}.")
    parsed = _parse(value, today=today)
    if parsed is None:
        raise InvalidDate(f"Cannot read {what} {text!r}. Use a form like {ACCEPTED_FORMS}.")
    if not allow_future and parsed > today:
        raise InvalidDate(
            f"The {what} {parsed.isoformat()} is in the future (today is {today.isoformat()})."
        )
    return parsed


def _parse(value: str, *, today: dt.date) -> dt.date | None:
    if value == "today":
        return today
    if value == "yesterday":
        return today - dt.timedelta(days=1)
    relative = _RELATIVE.match(value)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        days = count * (7 if unit == "week" else 1) if len(relative.group(1)) < 9 else MAX_DAYS + 1
        if days > MAX_DAYS:
            raise InvalidDate(f"{value!r} is too far back.")
        try:
            return today - dt.timedelta(days=days)
        except OverflowError:
            return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    numeric = _NUMERIC.match(value)
    if numeric:
        return _parse_numeric(value, *map(int, numeric.groups()))
    return _parse_written(value)


def _parse_numeric(value: str, first: int, second: int, third: int) -> dt.date | None:
    """Read 2024/01/30 or 30/01/2024; refuse 03/04/2024, where day and month could swap."""
    try:
        if first > 31:
            return dt.date(first, second, third)
        if third < 100:
            raise InvalidDate(
                f"Ambiguous date {value!r}: write the year in full, as in 2024-01-30."
            )
        if first <= 12 and second <= 12 and first != second:
            raise InvalidDate(
                f"Ambiguous date {value!r}: day and month could be either way round. "
                "Write it as 2024-01-30 or 30 Jan 2024."
            )
        day, month = (first, second) if first > 12 or first == second else (second, first)
        return dt.date(third, month, day)
    except ValueError:
        return None


def _parse_written(value: str) -> dt.date | None:
    from dateutil import parser

    try:
        one = parser.parse(value, default=dt.datetime(2001, 1, 1))
        two = parser.parse(value, default=dt.datetime(2002, 2, 2))
    except (ValueError, OverflowError, parser.ParserError):
        return None
    if one.date() != two.date():
        raise InvalidDate(
            f"Incomplete date {value!r}: give the day, month and year, as in 30 Jan 2024 "
            "(known only to the month? give its first day and say so in the text)."
        )
    return one.date()


@dataclass(frozen=True)
class Duration:
    """A span such as 90 days, 12 weeks or 6 months."""

    amount: int
    unit: str  # "days", "weeks", "months" or "years"

    def before(self, day: dt.date) -> dt.date:
        """Return the date this duration before `day` (the earliest date, at most)."""
        from dateutil.relativedelta import relativedelta

        try:
            return day - relativedelta(**{self.unit: self.amount})
        except (OverflowError, ValueError):
            return dt.date.min

    def after(self, day: dt.date) -> dt.date:
        """Return the date this duration after `day` (the latest date, at most)."""
        from dateutil.relativedelta import relativedelta

        try:
            return day + relativedelta(**{self.unit: self.amount})
        except (OverflowError, ValueError):
            return dt.date.max

    def __str__(self) -> str:
        return f"{self.amount} {self.unit if self.amount != 1 else self.unit[:-1]}"


def parse_duration(text: str) -> Duration:
    """Return the Duration for text like 90d, 12w, 6m or 1y, or raise InvalidDate."""
    match = _DURATION.match((text or "").strip().lower())
    if not match:
        raise InvalidDate(f"Cannot read duration {text!r}. Use a form like 90d, 12w, 6m or 1y.")
    digits, unit = match.group(1), match.group(2)[0]
    per_unit = {"d": 1, "w": 7, "m": 31, "y": 366}[unit]
    if len(digits) > 9 or int(digits) * per_unit > MAX_DAYS:
        raise InvalidDate(f"Duration {text.strip()!r} is too long: at most 200 years.")
    names = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
    return Duration(int(digits), names[unit])
