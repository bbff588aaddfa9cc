"""What the certificate pages share: the URL base and the labels of the certificate kinds."""

from __future__ import annotations

from lms.i18n import gettext as _

BASE = "/cohorts/<int:cohort_id>/certificates"


def kind_labels() -> dict[str, str]:
    """Certificate kind -> its name, in the current language (call it inside force_locale
    for another)."""
    return {
        "completion": _("Sertifikat kelulusan"),
        "attendance": _("Sertifikat kehadiran"),
    }


def kind_label(kind: str) -> str:
    return kind_labels().get(kind, kind)
