"""Emergency contacts' hours are read into minutes of the week, so gaps can be found."""

from __future__ import annotations

import pytest

from bot.directory.hours import DAY, WEEK, HoursError, first_gap, moment_name, parse_hours


@pytest.mark.parametrize(("written", "intervals"), [
    ("24/7", ((0, WEEK),)),
    ("Mon 08:00-18:00", ((480, 1080),)),
    ("mon-tue 08:00-18:00", ((480, 1080), (DAY + 480, DAY + 1080))),
    ("Sun 22:00-06:00", ((0, 360), (6 * DAY + 1320, WEEK))),
    ("Sat-Mon 00:00-24:00", ((0, DAY), (5 * DAY, WEEK))),
    ("Mon 08:00-12:00, Mon 11:00-14:00", ((480, 840),)),
])
def test_hours_are_read_as_minutes_of_the_week(written: str, intervals: tuple[tuple[int, int],
                                                                              ...]) -> None:
    assert parse_hours(written) == intervals


@pytest.mark.parametrize(("written", "message"), [
    ("weekdays", "cannot read 'weekdays': write 24/7, or days and times such as "
                 "'Mon-Fri 08:00-18:00, Sat 09:00-13:00'"),
    ("Mon-Fri 8-18", "cannot read 'Mon-Fri 8-18': write 24/7, or days and times such as "
                     "'Mon-Fri 08:00-18:00, Sat 09:00-13:00'"),
    ("Mon 08:00-08:00", "'Mon 08:00-08:00' in 'Mon 08:00-08:00' is an empty time range"),
    ("Mon 08:61-09:00", "'08:61' in 'Mon 08:61-09:00' is not a time of day"),
])
def test_unreadable_hours_say_how_to_write_them(written: str, message: str) -> None:
    with pytest.raises(HoursError) as raised:
        parse_hours(written)
    assert str(raised.value) == message


def test_the_first_gap_is_the_first_minute_nobody_answers() -> None:
    desk = parse_hours("Mon-Fri 08:00-18:00")
    night = parse_hours("Mon-Fri 18:00-08:00, Sat-Sun 00:00-24:00")
    assert moment_name(first_gap(desk) or 0) == "Mon 00:00"
    assert moment_name(first_gap([*desk, *night]) or 0) == "Mon 00:00"
    assert first_gap([*desk, *night, *parse_hours("Mon 00:00-08:00")]) is None
    assert first_gap(parse_hours("24/7")) is None
