"""When an emergency contact answers, read closely enough to tell who answers at night.

Hours are written ``24/7``, or as days with a time range, several separated by commas::

    hours: "Mon-Fri 08:00-18:00, Sat 09:00-13:00"
    hours: "Mon-Sun 18:00-08:00"        # a range that ends before it starts runs past midnight

Days are Mon, Tue, Wed, Thu, Fri, Sat, Sun (any case); a day range may wrap (``Fri-Mon``).
Times are 24-hour ``HH:MM``; ``24:00`` is the end of the day. The result is a set of
intervals in minutes of the week, Monday 00:00 being 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = 24 * 60
WEEK = 7 * DAY
ALWAYS = "24/7"

Interval = tuple[int, int]

_ITEM = re.compile(r"^(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
                   r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})$",
                   re.IGNORECASE)


class HoursError(ValueError):
    """Hours that cannot be read; the message says how to write them."""


def parse_hours(text: str) -> tuple[Interval, ...]:
    """The minutes of the week a contact answers, merged and sorted."""
    written = text.strip()
    if written.casefold() == ALWAYS:
        return ((0, WEEK),)
    intervals: list[Interval] = []
    for item in written.split(","):
        intervals.extend(_item(item.strip(), written))
    return merge(intervals)


def _item(item: str, written: str) -> list[Interval]:
    match = _ITEM.match(item)
    if not match or match["first"].casefold() not in DAYS \
            or (match["last"] and match["last"].casefold() not in DAYS):
        raise HoursError(Phrase(N_("cannot read '%(hours)s': write %(always)s, or days and "
                                   "times such as '%(example)s'"), hours=written,
                                always=ALWAYS, example="Mon-Fri 08:00-18:00, Sat 09:00-13:00"))
    start = _minutes(match["h1"], match["m1"], written)
    end = _minutes(match["h2"], match["m2"], written)
    if start in (DAY, end):
        raise HoursError(Phrase(N_("'%(item)s' in '%(hours)s' is an empty time range"),
                                item=item, hours=written))
    first = DAYS.index(match["first"].casefold())
    last = DAYS.index((match["last"] or match["first"]).casefold())
    days = [(first + step) % 7 for step in range((last - first) % 7 + 1)]
    result: list[Interval] = []
    for day in days:
        begin = day * DAY + start
        finish = day * DAY + end if end > start else (day + 1) * DAY + end
        if finish > WEEK:  # Sunday night runs into Monday morning
            result.extend([(begin, WEEK), (0, finish - WEEK)])
        else:
            result.append((begin, finish))
    return result


def _minutes(hours: str, minutes: str, written: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY:
        raise HoursError(Phrase(N_("'%(time)s' in '%(hours)s' is not a time of day"),
                                time=f"{hours}:{minutes}", hours=written))
    return value


def merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def first_gap(intervals: Iterable[Interval]) -> int | None:
    """The first minute of the week nobody covers, or None when the week is covered."""
    moment = 0
    for start, end in merge(intervals):
        if start > moment:
            return moment
        moment = max(moment, end)
    return moment if moment < WEEK else None


def moment_name(minute: int) -> str:
    """``Mon 18:00`` for a minute of the week."""
    day, rest = divmod(minute, DAY)
    return f"{DAYS[day].capitalize()} {rest // 60:02d}:{rest % 60:02d}"
