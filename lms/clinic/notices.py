"""The clinic's notification kinds and who is told what (through lms.notifications)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import force_locale

from lms.clinic.models import Consultation
from lms.lazytext import lazy_gettext as _l
from lms.notifications import kinds
from lms.notifications import operations as notifications

NEW = kinds.register(
    "clinic.new",
    _l("Konsultasi baru dari %(name)s: “%(title)s”"),
    _l("Konsultasi ini menunggu ditangani: terima dengan pendamping, gabungkan, atau tutup."),
)
ASSIGNED = kinds.register(
    "clinic.assigned",
    _l("Anda menjadi pendamping konsultasi “%(title)s”"),
    _l("Koordinator klinik menugaskan Anda mendampingi konsultasi ini."),
)
ACCEPTED = kinds.register(
    "clinic.accepted",
    _l("Konsultasi Anda “%(title)s” diterima klinik"),
    _l("Pendamping Anda: %(mentors)s"),
)
CLOSED = kinds.register(
    "clinic.closed", _l("Konsultasi “%(title)s” ditutup"), _l("Alasan: %(reason)s")
)
MERGED = kinds.register(
    "clinic.merged",
    _l("Konsultasi “%(title)s” digabungkan dengan konsultasi lain"),
    _l("Konsultasi yang sama sudah ada; pembahasan dilanjutkan di sana."),
)
MESSAGE = kinds.register("clinic.message", _l("Pesan baru dari %(name)s di konsultasi “%(title)s”"))
NOTE = kinds.register(
    "clinic.note", _l("Catatan pendamping dari %(name)s di konsultasi “%(title)s”")
)
STAGE = kinds.register("clinic.stage", _l("Konsultasi “%(title)s” masuk tahap %(stage)s"))
DONE = kinds.register("clinic.done", _l("Konsultasi “%(title)s” selesai didampingi"))
APPOINTMENT = kinds.register(
    "clinic.appointment",
    _l("Sesi konsultasi “%(name)s”: %(when)s"),
    _l("Tempat atau tautan: %(where)s"),
)
CANCELLED = kinds.register(
    "clinic.cancelled", _l("Sesi konsultasi “%(name)s” pada %(when)s dibatalkan")
)
ACTION = kinds.register(
    "clinic.action", _l("Tindak lanjut untuk Anda: “%(item)s”, paling lambat %(due)s")
)
DUE = kinds.register("clinic.due", _l("Tindak lanjut “%(item)s” sudah lewat tenggat %(due)s"))
FOLLOW_UP = kinds.register(
    "clinic.follow_up",
    _l("Bagaimana kabar inovasi “%(title)s”? (%(months)d bulan)"),
    _l(
        "Klinik Inovasi menanyakan: apakah uji coba sudah dimulai, apakah sudah ada surat "
        "keputusan, dan apakah inovasi masih berjalan? Jawabannya dicatat pada inovasi Anda."
    ),
)


def subject(consultation: Consultation) -> str:
    """The notifications of a case are read when its page is opened."""
    return f"consultation:{consultation.id}"


def tell(
    people: Iterable[Any],
    kind: Any,
    params: dict[str, Any] | Any,
    *,
    actor: Any = None,
    consultation: Consultation | None = None,
    endpoint: str = "",
    values: dict[str, Any] | None = None,
    subject_key: str = "",
) -> None:
    """Notify each person once (never the actor). ``params`` may be a function of the
    person, for values worded in their own language (dates, stage names)."""
    if consultation is not None and not endpoint:
        endpoint, values = "lms.clinic.detail", {"consultation_id": consultation.id}
    seen: set[int] = set()
    for person in people:
        if person is None or person.id in seen or person.id == getattr(actor, "id", None):
            continue
        seen.add(person.id)
        if callable(params):
            with force_locale(person.locale or "id"):
                values_for = params(person)
        else:
            values_for = params
        notifications.notify(
            person,
            kind.key,
            values_for,
            endpoint=endpoint,
            values=values,
            subject=subject_key or (subject(consultation) if consultation is not None else ""),
        )
