"""Who may get a certificate, rule by rule, with the reason in words (pure rules, no queries).

The rules run over what :func:`lms.certificates.queries.evaluate` loaded.

Rules, as the organizer set them on the cohort's :class:`CertificatePlan`:

- attendance: attended ÷ meetings that count ≥ the minimum (the attendance module's counting:
  a meeting counts once over or closed; Izin/Sakit count when the cohort says so). With no
  meeting counted yet the rule is not met;
- each required assignment: a released grade that passes (``need = "pass"``), or a submitted
  version (``need = "submitted"``);
- each required course: every lesson (not archived) completed.

A certificate of attendance checks the attendance rule only. Someone who does not meet the
rules gets a certificate only with a written reason (an override), recorded on it.

These rules live here rather than in ``permissions.py``: they answer "which rules are met and
why" with a result per rule and a qualification, not "may this user do that".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_percent
from flask_babel import gettext as _

from lms.accounts.models import User
from lms.grading import scoring
from lms.grading.models import Grade

from .models import CertificatePlan


@dataclass
class RuleResult:
    #: "attendance", "assignment:<id>" or "course:<id>"
    key: str
    label: str
    met: bool
    #: Why, in words: "hadir 3 dari 5 pertemuan (60%), minimal 80%".
    detail: str


@dataclass
class Candidate:
    user: User
    rules: list[RuleResult]
    #: JP of the attended meetings that count.
    jp: int
    #: The band of the released results of the required assignments ("" when none).
    qualification: str
    held: int = 0
    attended: int = 0

    @property
    def eligible(self) -> bool:
        return all(rule.met for rule in self.rules)

    @property
    def failed(self) -> list[RuleResult]:
        return [rule for rule in self.rules if not rule.met]


@dataclass
class Eligibility:
    plan: CertificatePlan
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def eligible(self) -> list[Candidate]:
        return [c for c in self.candidates if c.eligible]

    def of(self, user_id: int) -> Candidate | None:
        return next((c for c in self.candidates if c.user.id == user_id), None)


@dataclass
class Evidence:
    """What the rules look at besides attendance, loaded for the whole cohort at once."""

    #: (need, assignment id, title) of the required assignments that exist, in the plan's order.
    assignments: list[tuple[str, int, str]] = field(default_factory=list)
    #: (assignment id, user id) -> the newest released grade.
    grades: dict[tuple[int, int], Grade] = field(default_factory=dict)
    #: Version id -> the rubric bands it was marked with.
    bands: dict[int, list[Any]] = field(default_factory=dict)
    #: (assignment id, user id) of every submitted version.
    submitted: set[tuple[int, int]] = field(default_factory=set)
    #: (course id, title) of the required courses that exist, in the plan's order.
    courses: list[tuple[int, str]] = field(default_factory=list)
    #: Course id -> lessons (not archived); (user id, course id) -> lessons done.
    lesson_totals: dict[int, int] = field(default_factory=dict)
    lessons_done: dict[tuple[int, int], int] = field(default_factory=dict)


def _percent(value: float) -> str:
    return format_percent(value, format="#,##0.#%")


def attendance_rule(plan: CertificatePlan, held: int, attended: int) -> RuleResult:
    minimum = plan.min_attendance / 100
    if not held:
        return RuleResult(
            "attendance", _("Kehadiran"), False, _("belum ada pertemuan yang terhitung")
        )
    rate = attended / held
    detail = _(
        "hadir %(attended)d dari %(held)d pertemuan (%(rate)s), minimal %(minimum)s",
        attended=attended,
        held=held,
        rate=_percent(rate),
        minimum=_percent(minimum),
    )
    # Compared in whole hundredths of a percent: 4 of 5 is exactly 80%.
    return RuleResult(
        "attendance", _("Kehadiran"), round(rate * 10000) >= round(minimum * 10000), detail
    )


def _assignment_rule(
    need: str, assignment_id: int, title: str, user_id: int, evidence: Evidence
) -> tuple[RuleResult, float | None, Grade | None]:
    """The rule's result, and the passing total and grade that count for the qualification."""
    key = (assignment_id, user_id)
    total, counted = None, None
    if need == "submitted":
        ok = key in evidence.submitted
        detail = _("sudah dikumpulkan") if ok else _("belum dikumpulkan")
    else:
        grade = evidence.grades.get(key)
        if grade is None:
            ok = False
            detail = _("belum ada nilai yang dirilis")
        elif grade.outcome != "grade":
            ok = False
            detail = _("diminta revisi")
        else:
            ok = bool(grade.passed)
            detail = _(
                "nilai %(total)s, %(result)s",
                total=scoring.format_score(grade.total),
                result=_("lulus") if ok else _("tidak lulus"),
            )
            if grade.total is not None:
                total, counted = grade.total, grade
    return RuleResult(f"assignment:{assignment_id}", title, ok, detail), total, counted


def _qualification(results: list[tuple[float, Grade]], bands: dict[int, list[Any]]) -> str:
    """One assignment: its band. Several: the band of their mean total on the first one's
    rubric bands (``bands``: version id -> bands). None: no qualification is printed."""
    if not results:
        return ""
    if len(results) == 1:
        return results[0][1].band or ""
    first = bands.get(results[0][1].version_id, [])
    return scoring.band_for(first, scoring.mean_total(t for t, _g in results)) or ""


def judge(plan: CertificatePlan, rows: Iterable[Any], evidence: Evidence) -> Eligibility:
    """Every participant (``rows``: the attendance report's rows, ``.user`` and ``.tally``)
    with each rule's result. A certificate of attendance checks attendance only."""
    completion = plan.kind == "completion"
    assignments = evidence.assignments if completion else []
    courses = evidence.courses if completion else []
    result = Eligibility(plan)
    for row in rows:
        person = row.user
        rules = [attendance_rule(plan, row.tally.held, row.tally.attended)]
        passed_totals: list[tuple[float, Grade]] = []
        for need, assignment_id, title in assignments:
            rule, total, grade = _assignment_rule(need, assignment_id, title, person.id, evidence)
            rules.append(rule)
            if total is not None and grade is not None:
                passed_totals.append((total, grade))
        for course_id, title in courses:
            total = evidence.lesson_totals.get(course_id, 0)
            finished = evidence.lessons_done.get((person.id, course_id), 0)
            rules.append(
                RuleResult(
                    f"course:{course_id}",
                    title,
                    finished >= total,
                    _("%(done)d dari %(total)d materi selesai", done=finished, total=total),
                )
            )
        result.candidates.append(
            Candidate(
                user=person,
                rules=rules,
                jp=row.tally.jp,
                qualification=_qualification(passed_totals, evidence.bands),
                held=row.tally.held,
                attended=row.tally.attended,
            )
        )
    return result


# --- overrides ------------------------------------------------------------------------------


def unmet(candidate: Candidate) -> str:
    """The rules a candidate does not meet, in words: "Kehadiran: hadir 3 dari 5 …"."""
    return "; ".join(f"{rule.label}: {rule.detail}" for rule in candidate.failed)


def why_refused(candidate: Candidate, reason: str) -> str | None:
    """Why ``candidate`` cannot get a certificate with this written reason (None: they can):
    someone who does not meet the rules needs a reason."""
    if candidate.eligible or reason.strip():
        return None
    return _("%(name)s: %(why)s", name=candidate.user.full_name, why=unmet(candidate))


def refusal(problems: list[str]) -> str:
    """The message of a refused issue: nothing was issued, and who needs a reason."""
    return _(
        "Tidak ada sertifikat yang diterbitkan. Belum memenuhi syarat (isi alasan "
        "pengecualian bila tetap diterbitkan): %(list)s",
        list=" · ".join(problems),
    )


def not_participants(n: int) -> str:
    return _("%(n)d orang yang dipilih bukan peserta kelas ini.", n=n)
