"""A cohort's own copy of a pack rubric: made by an organizer, adjusted before grading starts,
frozen by the first review that uses it.

A copy is a :class:`~lms.catalog.models.Rubric` row with ``cohort_id`` set, ``source_id`` the
pack rubric, the source's course, key and version, ``current=False`` (pack sync and course
pages ignore it) and criteria rows of its own. The assignment's grading plan points at it.

What an organizer may change in a copy: the title, the pass mark, the score bands (add, remove,
rename, move), and per criterion its title and weight and per level its points, title and
descriptor. The number of criteria and levels and the gates stay as in the pack: adding or
removing criteria is not offered (reviews and the pack's descriptions refer to them by key).

Every function flushes and writes an audit row; the caller commits.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from lms import audit
from lms.catalog.models import Rubric, RubricCriterion
from lms.extensions import db
from lms.grading.models import GradingPlan, Review
from lms.grading.operations import pack_rubric
from lms.submissions.models import CohortAssignment, Submission

#: Longest texts kept (the column sizes of Rubric, RubricCriterion and Review.band).
MAX_TITLE = 200
MAX_BAND_LABEL = 80
MAX_DESCRIPTOR = 2000
#: Band rows read from a form (existing bands plus empty rows to add new ones).
MAX_BANDS = 10
#: Empty band rows offered below the existing ones.
EXTRA_BAND_ROWS = 2

_NUMBER_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


class RubricEditError(ValueError):
    """A refusal with a message for the organizer; nothing was changed."""


class RubricConflict(RubricEditError):
    """The rubric changed since the form was loaded (another tab or person saved first)."""


class RubricInvalid(RubricEditError):
    """Field name -> messages, every problem at once; nothing was changed."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


# --- reading ------------------------------------------------------------------------------------


def reviews_started(assignment: CohortAssignment) -> bool:
    """Whether any review (in any state, of any kind) exists for the assignment's work."""
    found = db.session.scalar(
        db.select(Review.id)
        .join(Submission, Submission.id == Review.submission_id)
        .where(Submission.assignment_id == assignment.id)
        .limit(1)
    )
    return found is not None


def is_cohort_copy(rubric: Rubric | None) -> bool:
    return rubric is not None and rubric.cohort_id is not None


@dataclass
class RubricState:
    """The rubric an assignment uses and what an organizer may do with it now."""

    rubric: Rubric | None
    pack: Rubric | None
    is_copy: bool
    started: bool

    @property
    def can_copy(self) -> bool:
        return not self.started and not self.is_copy and self.pack is not None

    @property
    def can_edit(self) -> bool:
        return (
            not self.started and self.is_copy and self.rubric is not None and not self.rubric.frozen
        )

    @property
    def can_reset(self) -> bool:
        return not self.started and self.is_copy and self.pack is not None


def rubric_state(assignment: CohortAssignment, plan: GradingPlan | None) -> RubricState:
    """``plan`` may be None (no plan yet: the pack's rubric is used)."""
    pack = pack_rubric(assignment)
    copy = plan.rubric if plan is not None and plan.rubric_id is not None else None
    return RubricState(
        rubric=copy if copy is not None else pack,
        pack=pack,
        is_copy=copy is not None,
        started=reviews_started(assignment),
    )


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
    """The edit form's field values (names as :func:`update_rubric` reads them)."""
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


# --- copying and going back to the pack ---------------------------------------------------------


def copy_rubric(plan: GradingPlan, actor: Any) -> Rubric:
    """Copy the pack rubric the assignment uses into its cohort; the plan then uses the copy."""
    assignment = plan.assignment
    if reviews_started(assignment):
        raise RubricEditError(
            _("Penilaian tugas ini sudah dimulai; rubrik tidak dapat disalin lagi.")
        )
    if plan.rubric_id is not None:
        raise RubricEditError(_("Tugas ini sudah memakai salinan rubrik kelas."))
    source = pack_rubric(assignment)
    if source is None:
        raise RubricEditError(_("Tugas ini tidak memiliki rubrik di paket mata pelatihan."))
    copy = Rubric(
        course_id=source.course_id,
        key=source.key,
        version=source.version,
        title=source.title,
        description_html=source.description_html,
        pass_mark=source.pass_mark,
        bands=[dict(b) for b in source.bands or []],
        gates=[dict(g) for g in source.gates or []],
        content_hash=source.content_hash,
        frozen=False,
        current=False,
        cohort_id=assignment.cohort_id,
        source_id=source.id,
        criteria=[
            RubricCriterion(
                key=c.key,
                position=c.position,
                title=c.title,
                weight=c.weight,
                levels=[dict(level) for level in c.levels],
            )
            for c in source.criteria
        ],
    )
    db.session.add(copy)
    plan.rubric = copy
    db.session.flush()
    copy.content_hash = content_hash(copy)
    db.session.flush()
    audit.record(
        "rubric.copy",
        copy,
        actor=actor,
        before={"plan_id": plan.id, "rubric_id": source.id},
        after={
            "plan_id": plan.id,
            "assignment_id": assignment.id,
            "source_id": source.id,
            "rubric_id": copy.id,
            **content_of(copy),
        },
        cohort_id=assignment.cohort_id,
    )
    return copy


def reset_to_pack(plan: GradingPlan, actor: Any) -> None:
    """The plan uses the pack's current rubric again; the copy row stays (audit history)."""
    assignment = plan.assignment
    if reviews_started(assignment):
        raise RubricEditError(
            _("Penilaian tugas ini sudah dimulai; rubrik tidak dapat diganti lagi.")
        )
    if plan.rubric_id is None:
        raise RubricEditError(_("Tugas ini sudah memakai rubrik paket."))
    pack = pack_rubric(assignment)
    if pack is None:
        raise RubricEditError(_("Tugas ini tidak memiliki rubrik di paket mata pelatihan."))
    old = plan.rubric_id
    plan.rubric = None
    db.session.flush()
    audit.record(
        "rubric.reset",
        plan,
        actor=actor,
        before={"rubric_id": old},
        after={"rubric_id": None, "pack_rubric_id": pack.id},
        cohort_id=assignment.cohort_id,
    )


# --- editing a copy -----------------------------------------------------------------------------


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


def _read(rubric: Rubric, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The new content of ``rubric`` from ``values``, and the problems found."""
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


def check_editable(rubric: Rubric) -> None:
    """Raise RubricEditError when ``rubric`` may not be changed here (with the reason)."""
    if not is_cohort_copy(rubric):
        raise RubricEditError(
            _(
                "Rubrik paket diubah di paket mata pelatihan, bukan di sini. "
                "Salin dulu rubrik ke kelas ini."
            )
        )
    if rubric.frozen:
        raise RubricEditError(
            _("Rubrik ini sudah dipakai untuk penilaian sehingga terkunci dan tidak dapat diubah.")
        )
    started = db.session.scalar(
        db.select(Review.id)
        .join(Submission, Submission.id == Review.submission_id)
        .join(GradingPlan, GradingPlan.assignment_id == Submission.assignment_id)
        .where(GradingPlan.rubric_id == rubric.id)
        .limit(1)
    )
    if started is not None:
        raise RubricEditError(
            _("Penilaian tugas ini sudah dimulai; rubrik tidak dapat diubah lagi.")
        )


def update_rubric(
    rubric: Rubric,
    data: Mapping[str, Any],
    actor: Any,
    *,
    expected_hash: str | None = None,
) -> bool:
    """Change a cohort copy from form values (names as in :func:`rubric_values`; a name left
    out keeps its current value, an empty band row removes the band). Returns whether anything
    changed. ``expected_hash`` is the copy's ``content_hash`` when the form was loaded.

    Raises RubricEditError (frozen, not a copy, grading started), RubricConflict (changed
    meanwhile) or RubricInvalid (every problem by field name); nothing is written then."""
    if rubric.id is not None:
        # Read it again under a row lock (PostgreSQL; SQLite writers are serialised anyway):
        # a concurrent edit or first review is then seen, not overwritten.
        db.session.flush()
        db.session.refresh(rubric, with_for_update=True)
    check_editable(rubric)
    if expected_hash is not None and expected_hash != rubric.content_hash:
        raise RubricConflict(
            _("Rubrik ini baru saja diubah orang lain. Muat ulang halaman, lalu ulangi.")
        )
    values = {**rubric_values(rubric), **dict(data)}
    content, errors = _read(rubric, values)
    if errors:
        raise RubricInvalid(errors)

    before = content_of(rubric)
    after = {
        **before,
        "title": content["title"],
        "pass_mark": content["pass_mark"],
        "bands": content["bands"],
        "criteria": [{"key": c.key, **content["criteria"][c.key]} for c in rubric.criteria],
    }
    if after == before:
        return False
    rubric.title = content["title"]
    rubric.pass_mark = content["pass_mark"]
    rubric.bands = content["bands"]
    for criterion in rubric.criteria:
        new = content["criteria"][criterion.key]
        criterion.title = new["title"]
        criterion.weight = new["weight"]
        criterion.levels = new["levels"]
    rubric.content_hash = content_hash(rubric)
    db.session.flush()
    audit.record(
        "rubric.update",
        rubric,
        actor=actor,
        before=before,
        after=after,
        cohort_id=rubric.cohort_id,
    )
    return True
