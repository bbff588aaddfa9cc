"""The optional columns of the daftar hadir and the attendance workbook: Jabatan, Pangkat/Gol.
and L/P (for gender reporting), switched on per class (``Cohort.list_position``,
``list_rank``, ``list_sex``). They sit between NIP and Unit kerja, in the order offices print
them. Values come from the profile; L/P from :func:`lms.accounts.civil_service.sex_of` (what
the person stated, else the NIP's sex digit) and the rank from ``rank_label``.
"""

from __future__ import annotations

from typing import Any

from lms.accounts.civil_service import rank_label, sex_of
from lms.i18n import gettext as _

#: Every optional column, in print order.
OPTIONAL = ("position", "rank", "sex")


def chosen(cohort: Any) -> tuple[str, ...]:
    """The optional columns the class prints, in print order."""
    return tuple(key for key in OPTIONAL if getattr(cohort, f"list_{key}", False))


def heading(key: str) -> str:
    """The column's heading in the current locale (the exports force the class's)."""
    return {"position": _("Jabatan"), "rank": _("Pangkat/Gol."), "sex": _("L/P")}[key]


def value(key: str, person: Any) -> str:
    """What the column shows for ``person``; empty when unknown (a non-ASN has no rank)."""
    if key == "position":
        return (getattr(person, "position", "") or "").strip()
    if key == "rank":
        return rank_label(getattr(person, "rank", None))
    return sex_of(person) or ""


def values(keys: tuple[str, ...], person: Any) -> list[str]:
    return [value(key, person) for key in keys]
