"""Words people read for the registry's codes (states, stages, file roles) and a profile's
values as text (choice labels, affairs, dates spelled out); pages, exports and diffs use them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from flask import has_request_context
from flask_babel import get_locale
from markupsafe import Markup

from lms import profile
from lms.i18n import gettext as _


def _locale() -> str:
    return str(get_locale() or "id") if has_request_context() else "id"


def state_labels() -> dict[str, str]:
    return {
        "draft": _("Draf"),
        "submitted": _("Diajukan"),
        "revisions_requested": _("Perlu perbaikan"),
        "verified": _("Terverifikasi"),
        "archived": _("Dihentikan"),
    }


def stage_labels() -> dict[str, str]:
    return {code: str(label) for code, label in profile.TAHAPAN}


def file_role_labels() -> dict[str, str]:
    return {
        "budget": _("Dokumen anggaran"),
        "sop": _("SOP"),
        "photo": _("Foto"),
        "video": _("Video"),
        "other": _("Lainnya"),
    }


def confirmation_labels() -> dict[str, str]:
    return {
        "running": _("Masih berjalan"),
        "stopped": _("Berhenti"),
        "replicated": _("Direplikasi di tempat lain"),
    }


def state_label(state: str) -> str:
    return state_labels().get(state, state)


def stage_label(stage: str | None) -> str:
    return stage_labels().get(stage or "", stage or "")


def parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def format_day(day: date | None) -> str:
    return format_date(day, "d MMMM y", locale=_locale()) if day else ""


def profile_text(key: str, value: Any) -> str:
    """A stored profile value as people read it; "" when empty."""
    if value is None or value == "":
        return ""
    field = profile.FIELDS_BY_KEY.get(key)
    if field is None:
        return str(value)
    if field.kind == "choice":
        return str(dict(field.choices).get(value, value))
    if field.kind == "urusan":
        return profile.urusan_label(str(value), _locale())
    if field.kind == "theme":
        return profile.theme_label(str(value))
    if field.kind == "date":
        day = parse_date(value)
        return format_day(day) if day else str(value)
    return str(value).replace("\r\n", "\n")


def profile_labels(fields: dict[str, Any] | None = None) -> list[tuple[str, object]]:
    """(key, label) of every profile field in form order; the results label follows the stage."""
    return [(f.key, profile.label_of(f.key, fields)) for f in profile.PROFILE_FIELDS]


@dataclass
class Row:
    key: str
    label: str
    kind: str
    text: str
    #: Markdown fields: the HTML rendered when the text was saved.
    html: Markup | None = None


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row]


def profile_sections(
    values: dict[str, Any], html: dict[str, str] | None = None, *, skip: tuple[str, ...] = ()
) -> list[Section]:
    """The profile in its sections, each field with its text (and its stored HTML)."""
    html = html or {}
    sections = []
    for section_key, title in profile.SECTIONS:
        rows = []
        for f in profile.PROFILE_FIELDS:
            if f.section != section_key or f.key in skip:
                continue
            text = profile_text(f.key, values.get(f.key))
            stored = html.get(f.key) if f.kind == "markdown" else None
            rows.append(
                Row(
                    f.key,
                    str(profile.label_of(f.key, values)),
                    f.kind,
                    text,
                    Markup(stored) if stored else None,
                )
            )
        sections.append(Section(section_key, str(title), rows))
    return sections
