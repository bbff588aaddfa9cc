"""What the clinic's pages share: labels, the wording of a case's history, the stage set."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import get_locale

from lms import profile
from lms.attendance.queries import status_label
from lms.clinic.forms import category_labels, urgency_labels
from lms.clinic.models import Message
from lms.clinic.stages import StageSet, current_stages
from lms.i18n import gettext as _
from lms.lazytext import lazy_gettext as _l
from lms.timefmt import local_datetime


def locale() -> str:
    return str(get_locale() or "id")


def stages() -> StageSet:
    return current_stages(current_app.config)


def state_labels() -> dict[str, Any]:
    return {
        "new": _l("Menunggu ditangani"),
        "active": _l("Didampingi"),
        "done": _l("Selesai"),
        "merged": _l("Digabungkan"),
        "closed": _l("Ditutup"),
    }


def appointment_state_labels() -> dict[str, Any]:
    return {
        "scheduled": _l("Dijadwalkan"),
        "held": _l("Sudah berlangsung"),
        "cancelled": _l("Dibatalkan"),
    }


def action_state_labels() -> dict[str, Any]:
    return {"open": _l("Belum selesai"), "done": _l("Selesai"), "dropped": _l("Tidak dilanjutkan")}


def stage_title(key: str | None) -> str:
    stage = stages().get(key)
    if stage is not None:
        return stage.title(locale())
    return key or "—"


def event_text(message: Message, *, staff: bool, tz: str) -> str:
    """One step of the case's history in the reader's language. Other cases' titles and a
    coordinator's override reason are for the clinic's eyes only."""
    data = message.data or {}
    event = message.event
    if event == "accepted":
        return _("Diterima koordinator; pendamping: %(mentors)s", mentors=data.get("mentors", ""))
    if event == "mentors":
        parts = []
        if data.get("added"):
            parts.append(_("pendamping baru: %(names)s", names=", ".join(data["added"])))
        if data.get("removed"):
            parts.append(_("tidak lagi mendampingi: %(names)s", names=", ".join(data["removed"])))
        return _("Pendamping diubah (%(changes)s).", changes="; ".join(parts))
    if event == "merged_into":
        if staff:
            return _(
                "Digabungkan ke konsultasi #%(id)s “%(title)s”.",
                id=data.get("id"),
                title=data.get("title", ""),
            )
        return _(
            "Digabungkan ke konsultasi lain yang membahas masalah yang sama (#%(id)s).",
            id=data.get("id"),
        )
    if event == "merged_from":
        if staff:
            return _(
                "Konsultasi #%(id)s “%(title)s” digabungkan ke sini.",
                id=data.get("id"),
                title=data.get("title", ""),
            )
        return _("Konsultasi lain yang sama digabungkan ke sini.")
    if event == "closed":
        return _("Ditutup koordinator: %(reason)s", reason=data.get("reason", ""))
    if event == "stage":
        text = _(
            "Pindah dari tahap %(old)s ke tahap %(new)s.",
            old=stage_title(data.get("from")),
            new=stage_title(data.get("to")),
        )
        if data.get("override"):
            text += " " + _("Dilanjutkan koordinator walau ada kriteria yang belum dicentang.")
        return text
    if event == "done":
        return _(
            "Tahap %(stage)s selesai; pendampingan konsultasi ini selesai.",
            stage=stage_title(data.get("from")),
        )
    if event == "appointment":
        from datetime import datetime

        when = data.get("start")
        try:
            shown = local_datetime(datetime.fromisoformat(when), tz) if when else ""
        except ValueError:
            shown = ""
        return _("Sesi dijadwalkan: %(title)s, %(when)s.", title=data.get("title", ""), when=shown)
    if event == "appointment_cancelled":
        return _("Sesi dibatalkan: %(title)s.", title=data.get("title", ""))
    if event == "innovation":
        if data.get("created"):
            return _(
                "Inovasi daerah “%(name)s” dibuat di registri dari konsultasi ini.",
                name=data.get("name", ""),
            )
        return _(
            "Terhubung dengan inovasi daerah “%(name)s” di registri.", name=data.get("name", "")
        )
    return event


def labels() -> dict[str, Any]:
    """The label helpers every clinic page may use."""
    return {
        "category_labels": category_labels(),
        "urgency_labels": urgency_labels(),
        "state_labels": state_labels(),
        "appointment_state_labels": appointment_state_labels(),
        "action_state_labels": action_state_labels(),
        "stage_title": stage_title,
        "status_label": status_label,
        "locale": locale(),
        "profile_label": profile.label_of,
    }
