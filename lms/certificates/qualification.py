"""A class's qualification scheme: which label a certificate prints for a score (pure rules).

The score is what the class's certificate rules name: the mean of the released final scores
of the assignments that must be passed (:func:`lms.certificates.eligibility.judge`), on the
0–100 scale of rubric totals, rounded to one decimal like them.

A scheme is a list of labels with a minimum score each, highest first; a score gets the first
label whose minimum it reaches, and none below the lowest minimum. Minimums have at most one
decimal, as scores do, so a band runs from its minimum to 0.1 below the one above it
("Memuaskan 80–89,9"): no score falls between two bands and no score fits two.

The default (the organizer edits it per class on the certificate settings page) is the
four-level wording Indonesian training certificates commonly use, on tens: Sangat Memuaskan
from 90, Memuaskan from 80, Baik from 70, Cukup from 60. It is a default, not a regulation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

#: The default scheme, highest first (see the module's docstring).
DEFAULT_SCHEME: tuple[dict[str, Any], ...] = (
    {"label": "Sangat Memuaskan", "min": 90.0},
    {"label": "Memuaskan", "min": 80.0},
    {"label": "Baik", "min": 70.0},
    {"label": "Cukup", "min": 60.0},
)
#: The longest label (Certificate.qualification is 80 characters).
LABEL_MAX = 80
MAX_BANDS = 8
TOP = 100.0


@dataclass(frozen=True)
class Band:
    label: str
    min: float


def bands(scheme: Iterable[Mapping[str, Any]] | None) -> list[Band]:
    """The scheme as bands, highest first; None or empty: the default."""
    rows = list(scheme or ()) or list(DEFAULT_SCHEME)
    found = [Band(str(row["label"]), float(row["min"])) for row in rows]
    return sorted(found, key=lambda band: band.min, reverse=True)


def stored(scheme: Sequence[Band]) -> list[dict[str, Any]]:
    """The bands as the plan stores them (JSON)."""
    return [{"label": band.label, "min": band.min} for band in scheme]


def band_for(scheme: Sequence[Band], score: float | None) -> Band | None:
    """The first band (highest first) whose minimum ``score`` reaches; None below them all.
    The score is not rounded here (scores arrive rounded to one decimal): 89.95 is not 90;
    the tolerance only absorbs binary fractions."""
    if score is None:
        return None
    for band in sorted(scheme, key=lambda b: b.min, reverse=True):
        if score >= band.min - 1e-9:
            return band
    return None


def _number(value: float) -> str:
    return format_decimal(value, format="0.#")


def ranges(scheme: Sequence[Band]) -> list[tuple[str, str]]:
    """(label, score range in words) highest first: ("Memuaskan", "80–89,9")."""
    ordered = sorted(scheme, key=lambda b: b.min, reverse=True)
    out = []
    upper = TOP
    for n, band in enumerate(ordered):
        top = upper if n == 0 else round(upper - 0.1, 1)
        out.append((band.label, f"{_number(band.min)}–{_number(top)}"))
        upper = band.min
    return out


def describe(scheme: Sequence[Band]) -> str:
    """ "Sangat Memuaskan 90–100 · Memuaskan 80–89,9 · …" """
    return " · ".join(f"{label} {span}" for label, span in ranges(scheme))


def problems(rows: Sequence[tuple[str, float | None]]) -> dict[int, dict[str, str]]:
    """What is wrong with the rows an organizer typed (label, minimum), by row index and
    field ("label" or "min"); rows with neither are skipped. Empty: the rows are a scheme."""
    found: dict[int, dict[str, str]] = {}
    previous: tuple[int, float] | None = None
    seen: dict[str, int] = {}
    for i, (label, minimum) in enumerate(rows):
        label = " ".join((label or "").split())
        if not label and minimum is None:
            continue
        row: dict[str, str] = {}
        if not label:
            row["label"] = _("Isi nama kualifikasi untuk nilai minimal ini.")
        elif len(label) > LABEL_MAX:
            row["label"] = _("Nama kualifikasi paling panjang %(n)d karakter.", n=LABEL_MAX)
        elif label.lower() in seen:
            row["label"] = _("Nama kualifikasi ini sudah dipakai di baris lain.")
        if label:
            seen.setdefault(label.lower(), i)
        if minimum is None:
            row["min"] = _("Isi nilai minimal untuk %(label)s.", label=label)
        elif not 0 <= minimum <= TOP:
            row["min"] = _("Nilai minimal antara 0 dan 100.")
        elif abs(round(minimum, 1) - minimum) > 1e-9:
            row["min"] = _("Nilai minimal paling banyak satu angka desimal, misalnya 80 atau 85,5.")
        elif previous is not None and minimum >= previous[1]:
            row["min"] = _(
                "Nilai minimal harus lebih kecil daripada baris di atasnya (%(above)s): "
                "urutkan dari yang tertinggi, tanpa rentang yang tumpang tindih.",
                above=_number(previous[1]),
            )
        if minimum is not None and "min" not in row:
            previous = (i, minimum)
        if row:
            found[i] = row
    if not found and not any((label or "").strip() for label, _m in rows):
        found[0] = {"label": _("Isi sekurang-kurangnya satu kualifikasi.")}
    return found


def from_rows(rows: Sequence[tuple[str, float | None]]) -> list[Band]:
    """The scheme of rows that :func:`problems` accepted, highest first."""
    return [
        Band(" ".join(label.split()), round(float(minimum), 1))
        for label, minimum in rows
        if (label or "").strip() and minimum is not None
    ]
