"""Who may get a certificate, rule by rule, with the reason in words (pure rules, no queries).

The rules run over what :func:`lms.certificates.queries.evaluate` loaded.

Rules, as the organizer set them on the cohort's :class:`CertificatePlan`:

- attendance: attended ÷ meetings that count ≥ the minimum (the attendance module's counting:
  a meeting counts once over or closed; Izin/Sakit count when the cohort says so). With no
  meeting counted yet the rule is not met;
- each required assignment: a released grade that passes (``need = "pass"``), or a submitted
  version (``need = "submitted"``);
- each required course: every lesson (not archived) completed.

The qualification comes from the class's own scheme (:mod:`.qualification`), applied to the
mean of the released final scores of the assignments that must be passed (one: its score);
with no such assignment, or a certificate of attendance, none is printed.

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

from lms.accounts.models import User
from lms.grading import scoring
from lms.grading.models import Grade
from lms.i18n import gettext as _

from . import qualification as scheme_rules
from .models import CertificatePlan
from .qualification import Band


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
    #: The scheme's label for the released results of the assignments that must be passed
    #: ("" when none).
    qualification: str
    held: int = 0
    attended: int = 0
    #: The score the qualification was given for (None: none could be computed).
    qualification_score: float | None = None
    #: How, in words: "rata-rata nilai akhir Proposal (85,5) dan Video (78,0): 81,8".
    qualification_basis: str = ""

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
    #: The class's qualification scheme, highest first.
    scheme: list[Band] = field(default_factory=lambda: scheme_rules.bands(None))
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
) -> RuleResult:
    key = (assignment_id, user_id)
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
    return RuleResult(f"assignment:{assignment_id}", title, ok, detail)


@dataclass(frozen=True)
class Qualification:
    label: str
    score: float | None
    basis: str


NO_QUALIFICATION = Qualification("", None, "")


def qualification_of(user_id: int, evidence: Evidence) -> Qualification:
    """The scheme's label for the mean of the released final scores of the assignments
    that must be passed, with how it was computed; none when no assignment must be passed,
    or while one of them has no released score."""
    graded = [(aid, title) for need, aid, title in evidence.assignments if need == "pass"]
    if not graded:
        return NO_QUALIFICATION
    scores: list[tuple[str, float]] = []
    missing: list[str] = []
    for assignment_id, title in graded:
        grade = evidence.grades.get((assignment_id, user_id))
        if grade is None or grade.outcome != "grade" or grade.total is None:
            missing.append(title)
        else:
            scores.append((title, float(grade.total)))
    if missing:
        return Qualification(
            "",
            None,
            _("belum dapat dihitung: nilai %(titles)s belum dirilis", titles=", ".join(missing)),
        )
    score = scoring.mean_total(value for _title, value in scores)
    if len(scores) == 1:
        basis = _(
            "nilai akhir %(title)s: %(score)s",
            title=scores[0][0],
            score=scoring.format_score(score),
        )
    else:
        basis = _(
            "rata-rata nilai akhir %(parts)s: %(score)s",
            parts=", ".join(f"{t} ({scoring.format_score(v)})" for t, v in scores),
            score=scoring.format_score(score),
        )
    band = scheme_rules.band_for(evidence.scheme, score)
    if band is None:
        lowest = min(evidence.scheme, key=lambda b: b.min)
        basis = _(
            "%(basis)s, di bawah batas terendah (%(label)s, %(min)s)",
            basis=basis,
            label=lowest.label,
            min=scoring.format_score(lowest.min),
        )
        return Qualification("", score, basis)
    return Qualification(band.label, score, basis)


def judge(plan: CertificatePlan, rows: Iterable[Any], evidence: Evidence) -> Eligibility:
    """Every participant (``rows``: the attendance report's rows, ``.user`` and ``.tally``)
    with each rule's result and qualification. A certificate of attendance checks attendance
    only and has no qualification."""
    completion = plan.kind == "completion"
    assignments = evidence.assignments if completion else []
    courses = evidence.courses if completion else []
    result = Eligibility(plan)
    for row in rows:
        person = row.user
        rules = [attendance_rule(plan, row.tally.held, row.tally.attended)]
        for need, assignment_id, title in assignments:
            rules.append(_assignment_rule(need, assignment_id, title, person.id, evidence))
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
        quality = qualification_of(person.id, evidence) if completion else NO_QUALIFICATION
        result.candidates.append(
            Candidate(
                user=person,
                rules=rules,
                jp=row.tally.jp,
                qualification=quality.label,
                held=row.tally.held,
                attended=row.tally.attended,
                qualification_score=quality.score,
                qualification_basis=quality.basis,
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
