"""Working days on the Chinese public-holiday calendar (法定节假日与调休), shared by every deadline.

Deadlines in civil affairs count working days (工作日): the township starts a means test within 3
working days, the county decides within 10, the whole procedure takes 30. A working day is a day
the State Council's holiday notice makes one: Monday to Friday except public holidays, plus the
weekend days made working days in exchange (调休, e.g. Saturday 2026-10-10 after National Day).

The calendar comes from the ``chinese-calendar`` package, which carries each year's notice once it
is published (1.11.0: 2004–2026). For a year it does not know yet, this module falls back to
Monday–Friday and logs a warning once per year: deadlines then ignore that year's holidays until the
package is updated (``calendar_covers(year)`` tells which case applies; pages may show the mark).

    from minzheng.web import workdays
    workdays.add_workdays(date(2026, 9, 30), 3)  # 2026-10-10 (a Saturday worked in exchange)
    workdays.workdays_between(date(2026, 9, 30), date(2026, 10, 12))   # 4
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache

import chinese_calendar

logger = logging.getLogger(__name__)

_warned: set[int] = set()


@cache
def calendar_covers(year: int) -> bool:
    """Whether the holiday calendar knows ``year`` (its holidays and exchanged working days)."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day (Monday–Friday for a year the calendar does not know)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if calendar_covers(day.year):
        return bool(chinese_calendar.is_workday(day))
    if day.year not in _warned:
        _warned.add(day.year)
        logger.warning(
            "holiday calendar has no data for %s: counting Monday-Friday as working days "
            "(update the chinese-calendar package)",
            day.year,
        )
    return day.weekday() < 5


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted).

    ``add_workdays(d, 0)`` is ``d`` when it is a working day, else the next working day: a limit
    of "within 3 working days" from an alert raised on a Friday ends on the third working day
    after it.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    if days == 0:
        while not is_workday(day):
            day += dt.timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (``start``, ``end``]: 0 when ``end`` is not after ``start``.

    The working days elapsed since ``start`` by ``end``; negative spans count 0.
    """
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def workdays_left(today: dt.date, deadline: dt.date) -> int:
    """Working days from ``today`` to ``deadline``: positive before it, 0 on it, negative after
    (minus the working days overdue)."""
    if deadline >= today:
        return workdays_between(today, deadline)
    return -workdays_between(deadline, today)
