import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.dates import Duration, parse_date, parse_duration
from tracker.errors import InvalidDate

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024-01-30", dt.date(2024, 1, 30)),
        ("30 Jan 2024", dt.date(2024, 1, 30)),
        ("January 30, 2024", dt.date(2024, 1, 30)),
        ("Jan 30 2024", dt.date(2024, 1, 30)),
        ("30/01/2024", dt.date(2024, 1, 30)),
        ("01/30/2024", dt.date(2024, 1, 30)),
        ("2024/01/30", dt.date(2024, 1, 30)),
        ("05/05/2024", dt.date(2024, 5, 5)),
        ("  TODAY ", TODAY),
        ("yesterday", dt.date(2026, 11, 26)),
        ("3 days ago", dt.date(2026, 11, 24)),
        ("1 day ago", dt.date(2026, 11, 26)),
        ("2 weeks ago", dt.date(2026, 11, 13)),
    ],
)
def test_parse_date_accepts_common_forms(text, expected):
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text,message",
    [
        ("03/04/2024", "Ambiguous date"),
        ("1/2/24", "Ambiguous date"),
        ("Jan 2024", "Incomplete date"),
        ("2024", "Incomplete date"),
        ("31 Feb 2024", "Cannot read date"),
        ("2024-02-30", "Cannot read date"),
        ("next tuesday-ish", "Cannot read date"),
        ("", "empty"),
        ("99999999 days ago", "too far back"),
    ],
)
def test_parse_date_refuses_with_a_reason(text, message):
    with pytest.raises(InvalidDate, match=message):
        parse_date(text, today=TODAY)


def test_unreadable_date_error_lists_the_accepted_forms():
    with pytest.raises(InvalidDate, match="30 Jan 2024, January 30, 2024"):
        parse_date("someday", today=TODAY)


def test_future_dates_are_refused_only_when_asked():
    assert parse_date("2027-01-01", today=TODAY) == dt.date(2027, 1, 1)
    with pytest.raises(InvalidDate, match="in the future"):
        parse_date("2027-01-01", today=TODAY, allow_future=False)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("90d", Duration(90, "days")),
        ("12w", Duration(12, "weeks")),
        ("6m", Duration(6, "months")),
        ("1y", Duration(1, "years")),
        ("30 days", Duration(30, "days")),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


def test_duration_before_counts_calendar_months():
    assert parse_duration("6m").before(dt.date(2024, 8, 31)) == dt.date(2024, 2, 29)
    assert parse_duration("90d").before(TODAY) == TODAY - dt.timedelta(days=90)


@pytest.mark.parametrize("text", ["", "90", "d90", "ninety days", "-5d", "5x"])
def test_parse_duration_refuses_bad_input(text):
    with pytest.raises(InvalidDate, match="90d, 12w, 6m or 1y"):
        parse_duration(text)


@given(st.text())
def test_parse_date_returns_a_date_or_a_clean_error(text):
    try:
        value = parse_date(text, today=TODAY)
    except InvalidDate as error:
        assert str(error)
    else:
        assert isinstance(value, dt.date)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_iso_and_written_forms_round_trip(day):
    assert parse_date(day.isoformat(), today=TODAY) == day
    assert parse_date(day.strftime("%d %B %Y"), today=TODAY) == day
