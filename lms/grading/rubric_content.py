"""What a cohort's copy of a pack rubric says, and reading an edit of it from form values
(pure: no database; :mod:`lms.grading.operations` writes the copies).

A copy is a :class:`~lms.catalog.models.Rubric` row with ``cohort_id`` set, ``source_id`` the
pack rubric, the source's course, key and version, ``current=False`` (pack sync and course
pages ignore it) and criteria rows of its own. The assignment's grading plan points at it.

What an organizer may change in a copy: the title, the pass mark, the score bands (add, remove,
rename, move), and per criterion its title and weight and per level its points, title and
descriptor. The number of criteria and levels, the gates, and each criterion's ``zero_level``
and ``parts`` stay as in the pack: adding or removing criteria is not offered (reviews and the
pack's descriptions refer to them by key). Bands must agree with the pass mark, by the rule
pack checks use (:func:`lms.catalog.packs.band_contradiction`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from lms.catalog.models import Rubric
from lms.catalog.packs import band_contradiction
from lms.i18n import gettext as _

#: Longest texts kept (the column sizes of Rubric, RubricCriterion and Review.band).
MAX_TITLE = 200
MAX_BAND_LABEL = 80
MAX_DESCRIPTOR = 2000
#: Band rows read from a form (existing bands plus empty rows to add new ones).
MAX_BANDS = 10
#: Empty band rows offered below the existing ones.
EXTRA_BAND_ROWS = 2

_NUMBER_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def content_of(rubric: Rubric) -> dict[str, Any]:
    """What a rubric says (for audit rows and the content hash)."""
    return {
        "title": rubric.title,
        "pass_mark": rubric.pass_mark,
        "bands": [dict(b) for b in rubric.bands or []],
        "gates": [dict(g) for g in rubric.gates or []],
        "criteria": [
            {
                "key": c.key,
                "title": c.title,
                "weight": c.weight,
                "levels": [dict(level) for level in c.levels],
                "zero_level": bool(c.zero_level),
                "parts": list(c.parts or []),
            }
            for c in rubric.criteria
        ],
    }


def content_hash(rubric: Rubric) -> str:
    """A copy's hash: of its content and description (a pack rubric's is of its file)."""
    text = json.dumps(
        {**content_of(rubric), "description_html": rubric.description_html},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def number_text(value: Any) -> str:
    """A stored number as typed in a form: 60, 62.5; empty for None."""
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def rubric_values(rubric: Rubric) -> dict[str, str]:
    """The edit form's field values (names as :func:`read_content` reads them)."""
    values = {"title": rubric.title, "pass_mark": number_text(rubric.pass_mark)}
    for i, band in enumerate(rubric.bands or []):
        values[f"band-{i}-label"] = str(band.get("label", ""))
        values[f"band-{i}-min"] = number_text(band.get("min"))
    for criterion in rubric.criteria:
        key = criterion.key
        values[f"criterion-{key}-title"] = criterion.title
        values[f"criterion-{key}-weight"] = number_text(criterion.weight)
        for i, level in enumerate(criterion.levels):
            values[f"level-{key}-{i}-points"] = number_text(level.get("points"))
            values[f"level-{key}-{i}-title"] = str(level.get("title", ""))
            values[f"level-{key}-{i}-descriptor"] = str(level.get("descriptor", ""))
    return values


def band_rows(rubric: Rubric, values: Mapping[str, Any]) -> int:
    """How many band rows the edit form shows: the bands, empty rows to add new ones, and
    every row a failed submit sent back."""
    sent = [i + 1 for i in range(MAX_BANDS) if f"band-{i}-label" in values]
    return min(MAX_BANDS, max([len(rubric.bands or []) + EXTRA_BAND_ROWS, *sent]))


def parse_number(value: Any) -> float | None:
    """A number typed in a form ("62,5" and "62.5" alike); None when empty. ValueError when
    it is not a number."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        if not _NUMBER_RE.match(text):
            raise ValueError(text)
        number = float(text.replace(",", "."))
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _plain(number: float | None) -> float | int | None:
    """Whole numbers stored as integers, like the pack's own (60, not 60.0)."""
    return int(number) if number is not None and number.is_integer() else number


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()


class _Checker:
    """Collects problems by field name while reading the submitted values."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, limit: int, required: str | None = None) -> str:
        value = _text(self.values.get(name))
        if required and not value:
            self.add(name, required)
        elif len(value) > limit:
            self.add(name, _("Paling banyak %(n)d karakter.", n=limit))
        return value

    def number(
        self,
        name: str,
        message: str,
        *,
        low: float,
        high: float | None = None,
        low_open: bool = False,
        required: bool = True,
        missing: str | None = None,
    ) -> float | None:
        try:
            value = parse_number(self.values.get(name))
        except ValueError:
            self.add(name, message)
            return None
        if value is None:
            if required:
                self.add(name, missing or message)
            return None
        if (value <= low if low_open else value < low) or (high is not None and value > high):
            self.add(name, message)
            return None
        return value


def _check_band(
    check: _Checker, name: str, label: str, low: float, pass_mark: float | None
) -> None:
    """A band whose name contradicts the pass mark (the rule of pack checks, one function)."""
    reading = band_contradiction(label, low, pass_mark)
    if reading == "pass":
        check.add(
            name,
            _(
                "Predikat “%(label)s” dimulai dari %(low)s, di bawah nilai lulus %(mark)s, "
                "padahal namanya terbaca lulus. Mulai predikat ini dari %(mark)s, atau ganti "
                "namanya.",
                label=label,
                low=number_text(low),
                mark=number_text(pass_mark),
            ),
        )
    elif reading == "fail":
        check.add(
            name,
            _(
                "Predikat “%(label)s” dimulai dari %(low)s, sama dengan atau di atas nilai lulus "
                "%(mark)s, padahal namanya terbaca tidak lulus. Mulai predikat ini di bawah "
                "%(mark)s, atau ganti namanya.",
                label=label,
                low=number_text(low),
                mark=number_text(pass_mark),
            ),
        )


def read_content(
    rubric: Rubric, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The new content of ``rubric`` from form values (names as in :func:`rubric_values`; a
    name left out keeps its current value, an empty band row removes the band), and the
    problems found by field name."""
    values = {**rubric_values(rubric), **dict(values)}
    check = _Checker(values)
    title = check.text("title", limit=MAX_TITLE, required=_("Isi judul rubrik."))
    pass_mark = check.number(
        "pass_mark",
        _("Nilai lulus harus berupa angka 0 sampai 100, atau kosongkan."),
        low=0,
        high=100,
        required=False,
    )

    bands: list[dict[str, Any]] = []
    labels: dict[str, int] = {}
    mins: dict[float, int] = {}
    for i in range(MAX_BANDS):
        label_name, min_name = f"band-{i}-label", f"band-{i}-min"
        if label_name not in values and min_name not in values:
            continue
        if not _text(values.get(label_name)) and not _text(values.get(min_name)):
            continue  # an empty row: no band (removes one that was there)
        label = check.text(label_name, limit=MAX_BAND_LABEL, required=_("Isi nama predikat."))
        low = check.number(
            min_name,
            _("Nilai minimal harus berupa angka 0 sampai 100."),
            low=0,
            high=100,
            missing=_("Isi nilai minimal predikat."),
        )
        if label:
            folded = label.casefold()
            if folded in labels:
                check.add(label_name, _("Nama predikat ini sudah dipakai di baris lain."))
            labels.setdefault(folded, i)
        if low is not None:
            if low in mins:
                check.add(min_name, _("Dua predikat tidak boleh memiliki nilai minimal yang sama."))
            mins.setdefault(low, i)
        bands.append({"label": label, "min": _plain(low)})
        if label and low is not None and min_name not in check.errors:
            _check_band(check, label_name, label, low, pass_mark)
    bands.sort(key=lambda b: -(b["min"] or 0))

    criteria: dict[str, dict[str, Any]] = {}
    for criterion in rubric.criteria:
        key = criterion.key
        ctitle = check.text(
            f"criterion-{key}-title", limit=MAX_TITLE, required=_("Isi judul kriteria.")
        )
        weight = check.number(
            f"criterion-{key}-weight",
            _("Bobot harus berupa angka lebih dari 0."),
            low=0,
            low_open=True,
            missing=_("Isi bobot kriteria."),
        )
        if len(criterion.levels) < 2:
            check.add(
                f"criterion-{key}-title", _("Kriteria memerlukan paling sedikit dua tingkat.")
            )
        levels = []
        previous: float | None = None
        for i, _level in enumerate(criterion.levels):
            prefix = f"level-{key}-{i}"
            points = check.number(
                f"{prefix}-points",
                _("Skor harus berupa angka 0 atau lebih."),
                low=0,
                missing=_("Isi skor tingkat ini."),
            )
            if points is not None and i == 0 and criterion.zero_level and points <= 0:
                check.add(
                    f"{prefix}-points",
                    _(
                        "Kriteria ini sudah memberi 0 poin bila bagian yang dinilainya tidak "
                        "ada; skor tingkat pertama harus lebih dari 0."
                    ),
                )
            if points is not None and previous is not None and points <= previous:
                check.add(
                    f"{prefix}-points",
                    _(
                        "Skor harus lebih besar daripada skor tingkat sebelumnya (%(prev)s).",
                        prev=number_text(previous),
                    ),
                )
            if points is not None:
                previous = points
            levels.append(
                {
                    "points": _plain(points),
                    "title": check.text(f"{prefix}-title", limit=MAX_TITLE),
                    "descriptor": check.text(f"{prefix}-descriptor", limit=MAX_DESCRIPTOR),
                }
            )
        criteria[key] = {"title": ctitle, "weight": weight, "levels": levels}

    content = {"title": title, "pass_mark": pass_mark, "bands": bands, "criteria": criteria}
    return content, check.errors
