"""The local-time helpers write exactly what Babel's formatters would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date, format_datetime, format_time

from lms.timefmt import local, local_date, local_datetime, local_time

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "UTC")


@pytest.mark.parametrize("locale", ["id", "en"])
def test_same_text_as_babel(locale):
    start = datetime(2023, 1, 1, 0, 7, tzinfo=UTC)
    for step in range(0, 24 * 400, 37):  # every weekday and month, hours around midnight
        dt = start + timedelta(hours=step, minutes=step % 60)
        for tz in ZONES:
            shown = local(dt, tz)
            day = format_date(shown.date(), "EEEE, d MMMM y", locale=locale)
            at = format_time(shown, "HH.mm", locale=locale)
            both = format_datetime(shown, "EEEE, d MMMM y HH.mm", locale=locale)
            assert local_date(dt, tz, locale) == day
            assert local_time(dt, tz, locale) == at
            assert local_datetime(dt, tz, locale).rsplit(" ", 1)[0] == both


def test_zone_abbreviation_and_empty_values():
    dt = datetime(2023, 9, 5, 1, 0, tzinfo=UTC)
    assert local_datetime(dt, "Asia/Makassar", "id") == "Selasa, 5 September 2023 09.00 WITA"
    assert local_datetime(None, "Asia/Makassar", "id") == ""
    assert local_time(None, "Asia/Makassar", "id") == ""
