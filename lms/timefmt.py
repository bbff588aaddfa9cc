"""Local times for people: "Selasa, 5 September 2023 09.00 WITA" in the cohort's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from flask import has_request_context
from flask_babel import get_locale

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def _locale(locale: str | None) -> str:
    if locale:
        return locale
    return str(get_locale() or "id") if has_request_context() else "id"


def zone_abbr(tz: str) -> str:
    return ZONE_NAMES.get(tz, tz)


def to_utc(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of a wall-clock time typed in the zone ``tz``."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz))


def local_datetime(dt: datetime | None, tz: str, locale: str | None = None) -> str:
    if dt is None:
        return ""
    text = _format_datetime(local(dt, tz), "EEEE, d MMMM y HH.mm", locale=_locale(locale))
    return f"{text} {zone_abbr(tz)}"


def local_date(dt: datetime, tz: str, locale: str | None = None) -> str:
    return _format_date(local(dt, tz).date(), "EEEE, d MMMM y", locale=_locale(locale))


def local_time(dt: datetime | None, tz: str, locale: str | None = None) -> str:
    if dt is None:
        return ""
    return _format_time(local(dt, tz), "HH.mm", locale=_locale(locale))
