"""England and Wales working days, for the statutory deadlines of Working Together 2023 ch. 5.

A working day is Monday to Friday except a bank holiday in England (substitute days included), taken from the
`holidays` package rather than a hand-written list so that next year's dates need no code change.
"""

from __future__ import annotations

import threading
from collections.abc import Container
from datetime import date, timedelta

import holidays


class WorkingCalendar:
    """Counts working days: Monday to Friday except England and Wales bank holidays."""

    __slots__ = ("_holidays", "_lock")

    def __init__(self, bank_holidays: Container[date] | None = None) -> None:
        """Use `bank_holidays` when given (tests), else England's from `holidays` (expands to any year asked)."""
        self._holidays: Container[date] = (
            bank_holidays if bank_holidays is not None else holidays.country_holidays("GB", subdiv="ENG")
        )
        # `holidays` fills in a year on first look-up, marking the year as done before its dates are in: a second
        # thread asking meanwhile would see no holidays. One calendar is shared by the web UI and the worker.
        self._lock = threading.Lock()

    def is_working_day(self, d: date) -> bool:
        """True when `d` is a weekday and not a bank holiday in England."""
        if d.weekday() >= 5:
            return False
        with self._lock:
            return d not in self._holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The `n`th working day after `start` (day 0 is `start` itself, whatever kind of day it is).

        "Within 5 working days of becoming aware" is the 5th working day after the day of becoming aware:
        aware Wednesday 24 December 2025 gives Monday 5 January 2026.
        """
        if n < 0:
            raise ValueError(f"n must be 0 or more, not {n}")
        day = start
        remaining = n
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day
