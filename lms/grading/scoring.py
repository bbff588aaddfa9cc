"""Rubric maths, shared by the server and (formula for formula) lms/static/rubric-total.js.

- A criterion contributes ``weight × points ÷ highest points of its levels``.
- The total is ``100 × Σ contributions ÷ Σ weights``: 0–100 whatever the weights add up to.
- Totals are rounded half up to one decimal (78.25 → 78.3); bands and the pass mark are
  compared with the rounded total, so what people see is what decided.
- A total passes when it reaches the pass mark (if the rubric has one) and every gate is met.
- Two markers agree on the mean of their rounded totals, rounded the same way, unless they
  differ on the outcome, on passing, or by more than the tolerance (:func:`flag_reasons`).
- Some marks the work decides before any marker (:func:`decide`): a video longer than the
  assignment allows fails its duration gate; a criterion whose proposal parts are all empty
  scores 0. The page shows them fixed, the browser script counts them as the page shows them,
  and the server applies them again to whatever is sent.
- A marker may give 0 points only on a criterion whose pack says ``zero_level``
  (:func:`allowed_points`).

Also what a grader enters (:class:`MarkingInput`), the values these rules are applied to.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lms.i18n import gettext as _
from lms.profile import label_of
from lms.submissions.video import format_duration, whole_seconds


@dataclass
class MarkingInput:
    """What a grader typed: levels and comments by criterion key, gates, overall comment."""

    points: dict[str, float | None] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    gates: dict[str, bool] = field(default_factory=dict)
    overall_comment: str = ""
    outcome: str = "grade"


def round_total(value: float) -> float:
    """Half up to one decimal; the small epsilon absorbs binary fractions (78.25 is stored as
    78.2499999…). The browser script does exactly this."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


def highest_points(levels: Iterable[Mapping[str, Any]]) -> float:
    return max(float(level["points"]) for level in levels)


def level_points(levels: Iterable[Mapping[str, Any]]) -> list[float]:
    return [float(level["points"]) for level in levels]


def allowed_points(criterion: Any) -> list[float]:
    """The points a marker may choose: the levels', with 0 first where the pack says
    ``zero_level`` (the part the criterion judges is missing)."""
    points = level_points(criterion.levels)
    if getattr(criterion, "zero_level", False) and 0.0 not in points:
        return [0.0, *points]
    return points


def level_title(levels: Iterable[Mapping[str, Any]], points: float | None) -> str:
    for level in levels:
        if points is not None and float(level["points"]) == float(points):
            return str(level.get("title", ""))
    if points is not None and float(points) == 0:
        return _("Bagian yang dinilai tidak ada")
    return ""


@dataclass
class Score:
    #: Rounded total (0–100); None while a criterion has no level.
    total: float | None
    band: str | None
    #: None while the total is unknown and every gate is met.
    passed: bool | None
    #: Keys of criteria without a level.
    missing: list[str] = field(default_factory=list)
    #: Keys of gates not met.
    gates_failed: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def band_for(bands: Iterable[Mapping[str, Any]], total: float | None) -> str | None:
    """The first band (highest first) whose minimum the total reaches."""
    if total is None:
        return None
    best: tuple[float, str] | None = None
    for band in bands:
        low = float(band.get("min", 0))
        if total >= low and (best is None or low > best[0]):
            best = (low, str(band["label"]))
    return best[1] if best else None


def passes(pass_mark: float | None, total: float | None, gates_failed: list[str]) -> bool | None:
    if gates_failed:
        return False
    if total is None:
        return None
    return pass_mark is None or total >= float(pass_mark)


def compute(rubric: Any, points: Mapping[str, float | None], gates: Mapping[str, bool]) -> Score:
    """The score of a marking: ``points`` by criterion key, ``gates`` by gate key."""
    weighted = 0.0
    weights = 0.0
    missing: list[str] = []
    for criterion in rubric.criteria:
        chosen = points.get(criterion.key)
        weights += float(criterion.weight)
        if chosen is None:
            missing.append(criterion.key)
            continue
        weighted += float(criterion.weight) * float(chosen) / highest_points(criterion.levels)
    total = None if missing or weights == 0 else round_total(100 * weighted / weights)
    failed = [gate["key"] for gate in rubric.gates or [] if not gates.get(gate["key"])]
    return Score(
        total=total,
        band=band_for(rubric.bands or [], total),
        passed=passes(rubric.pass_mark, total, failed),
        missing=missing,
        gates_failed=failed,
    )


# --- what the work decides ---------------------------------------------------------------------

#: A gate's ``check`` the work decides: an uploaded video is at most the assignment's length.
MAX_DURATION = "max_duration"

_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Work:
    """What the version being marked holds that decides marks by itself."""

    #: The assignment's kind ("proposal", "video", ...).
    kind: str = ""
    #: Its fields; a proposal's in the current profile keys (``lms.profile.from_legacy``).
    fields: Mapping[str, Any] = field(default_factory=dict)
    #: Measured seconds of its uploaded video (None: a link, or a file never measured).
    duration: float | None = None
    #: The assignment's longest video in seconds (None: not a video assignment).
    max_seconds: int | None = None


@dataclass
class Decided:
    """Marks the work decided: gates by key, points by criterion key, and why, by form field
    name (``gate-<key>``, ``level-<key>``); ``hints``: how a marker decides a gate the work
    could not (a video link), by field name."""

    gates: dict[str, bool] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        """Keys of the gates the work failed."""
        return [key for key, met in self.gates.items() if not met]

    def apply(self, data: MarkingInput) -> MarkingInput:
        """``data`` with what the work decided in place of what was sent."""
        return replace(
            data, points={**data.points, **self.points}, gates={**data.gates, **self.gates}
        )


def is_empty(value: Any) -> bool:
    """A part that says nothing: no letter or digit in it ("", "-" and "..." are empty)."""
    if value is None:
        return True
    if isinstance(value, list | tuple | set):
        return all(is_empty(v) for v in value)
    return not _LETTER_OR_DIGIT.search(str(value))


def decide(rubric: Any, work: Work) -> Decided:
    """What ``work`` decides on ``rubric`` before any marker (see the module's rules)."""
    decided = Decided()
    for gate in rubric.gates or []:
        if gate.get("check") != MAX_DURATION or work.max_seconds is None:
            continue
        name, limit = f"gate-{gate['key']}", format_duration(work.max_seconds)
        if work.duration is None:
            decided.hints[name] = _(
                "Durasi video ini tidak dapat diukur otomatis (misalnya video berupa tautan). "
                "Putar videonya, lalu centang syarat ini bila panjangnya paling lama %(limit)s.",
                limit=limit,
            )
            continue
        met = whole_seconds(work.duration) <= work.max_seconds
        decided.gates[gate["key"]] = met
        duration = format_duration(work.duration)
        if met:
            decided.reasons[name] = _(
                "Durasi %(duration)s, dalam batas %(limit)s: syarat terpenuhi.",
                duration=duration,
                limit=limit,
            )
        else:
            decided.reasons[name] = _(
                "Durasi %(duration)s, melebihi batas %(limit)s: tidak lulus.",
                duration=duration,
                limit=limit,
            )
    if work.kind == "proposal":
        for criterion in rubric.criteria:
            parts = list(getattr(criterion, "parts", None) or [])
            if not parts or not all(is_empty(work.fields.get(p)) for p in parts):
                continue
            decided.points[criterion.key] = 0.0
            labels = "; ".join(str(label_of(p, dict(work.fields))) for p in parts)
            # Two sentences, not a plural: Indonesian has one plural form.
            if len(parts) == 1:
                reason = _("Bagian %(parts)s kosong: 0 poin.", parts=labels)
            else:
                reason = _("Bagian %(parts)s kosong semuanya: 0 poin.", parts=labels)
            decided.reasons[f"level-{criterion.key}"] = reason
    return decided


def flag_reasons(a: Any, b: Any, tolerance: float) -> list[str]:
    """Machine-readable reasons two finished markings disagree (none: they agree); read by
    :func:`lms.grading.status.reason_text`."""
    if a.outcome != b.outcome:
        return ["outcome"]
    reasons = []
    if a.outcome == "grade":
        if a.passed != b.passed:
            reasons.append("pass")
        if a.total is not None and b.total is not None:
            gap = round_total(abs(a.total - b.total))
            if gap > tolerance:
                reasons.append(f"gap:{gap}:{tolerance}")
    return reasons


def mean_total(totals: Iterable[float]) -> float:
    values = list(totals)
    return round_total(sum(values) / len(values))


def format_score(value: float | None) -> str:
    """A total or points as people read them: one decimal in the page's locale ("72,5");
    "–" when unknown. Jinja filter ``score``."""
    if value is None:
        return "–"
    from flask_babel import format_decimal

    return format_decimal(value, format="0.0")
