"""Working days: England and Wales bank holidays from the `holidays` package, day 0 the day of becoming aware."""

from __future__ import annotations

from datetime import date

import pytest

from rules.calendar import WorkingCalendar

CALENDAR = WorkingCalendar()


def test_boxing_day_2026_substitute_monday_is_a_holiday() -> None:
    assert not CALENDAR.is_working_day(date(2026, 12, 28))


@pytest.mark.parametrize(
    "day",
    [date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4)],
)
def test_bank_holidays_are_not_working_days(day: date) -> None:
    assert not CALENDAR.is_working_day(day)


def test_weekends_are_not_working_days_and_weekdays_are() -> None:
    assert not CALENDAR.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CALENDAR.is_working_day(date(2026, 3, 8))  # Sunday
    assert CALENDAR.is_working_day(date(2026, 3, 9))


@pytest.mark.parametrize(
    ("aware", "n", "due"),
    [
        (date(2025, 12, 24), 5, date(2026, 1, 5)),  # domain.md's example
        (date(2025, 12, 24), 15, date(2026, 1, 19)),
        (date(2026, 4, 2), 5, date(2026, 4, 13)),  # Good Friday and Easter Monday
        (date(2026, 12, 24), 5, date(2027, 1, 5)),  # 25, 28 Dec and 1 Jan
        (date(2026, 12, 24), 15, date(2027, 1, 19)),
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # aware on a Saturday
        (date(2026, 3, 9), 5, date(2026, 3, 16)),
    ],
)
def test_add_working_days_counts_from_the_day_after_becoming_aware(aware: date, n: int, due: date) -> None:
    assert CALENDAR.add_working_days(aware, n) == due


def test_day_zero_is_the_day_of_becoming_aware_even_on_a_holiday() -> None:
    assert CALENDAR.add_working_days(date(2025, 12, 25), 0) == date(2025, 12, 25)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        CALENDAR.add_working_days(date(2026, 1, 5), -1)


def test_a_given_holiday_list_replaces_the_package() -> None:
    calendar = WorkingCalendar(bank_holidays={date(2026, 3, 10)})
    assert calendar.add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 11)
