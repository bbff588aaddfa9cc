"""Scoring a region under one year's IID rules: pure functions over a RuleSet and plain inputs.

SPD = sum of the region rows; SID = (sum over the n innovations of their rows) / MAX(divisor_min,
n) + the count indicator; index = (SPD + SID) / total_max x 100, rounded half up before banding.
Decimal throughout so that 60.00 and 60.01 are exact. A level of None or 0 scores 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

from lms.iid.rules import Indicator, Predicate, Row, RuleSet

WHICH = ("verified", "claimed")
#: A level, or a (claimed, verified) pair of levels; ``which`` picks one of the pair.
LevelValue = int | None | tuple[int | None, int | None]
_CONTEXT = Context(prec=34)  # far beyond any index digit; only divisions are inexact
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class InnovationInput:
    id: Any
    name: str
    levels: Mapping[str, LevelValue]
    #: The urusan it belongs to (main first); the count rule's coverage condition reads them.
    urusan: tuple[str, ...] | str | None = ()

    def __post_init__(self) -> None:
        urusan = self.urusan
        if urusan is None:
            urusan = ()
        elif isinstance(urusan, str):
            urusan = (urusan,)
        object.__setattr__(self, "urusan", tuple(urusan))


@dataclass(frozen=True)
class Inputs:
    region: Mapping[str, LevelValue] = field(default_factory=dict)
    innovations: Sequence[InnovationInput] = ()

    def pick(self, which: str = "verified") -> Inputs:
        """The same inputs with one level per indicator: the claimed or the verified one."""
        _check_which(which)
        return Inputs(
            region={code: _pick(v, which) for code, v in self.region.items()},
            innovations=tuple(
                replace(i, levels={code: _pick(v, which) for code, v in i.levels.items()})
                for i in self.innovations
            ),
        )


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    weight: Decimal
    level: int
    score: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "weight": _json(self.weight),
            "level": self.level,
            "score": _json(self.score),
        }


@dataclass(frozen=True)
class InnovationScore:
    id: Any
    name: str
    score: Decimal
    indicators: tuple[IndicatorScore, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "score": _json(self.score),
            "indicators": [i.as_dict() for i in self.indicators],
        }


@dataclass(frozen=True)
class RegionScore:
    spd: Decimal
    sid: Decimal
    total: Decimal
    max_total: Decimal
    index: Decimal  # rounded to the rules' index_decimals, half up
    predicate: Predicate
    n: int
    divisor: int
    region_indicators: tuple[IndicatorScore, ...]
    innovations: tuple[InnovationScore, ...]
    count_score: Decimal  # part of sid: the number-of-innovations indicator
    urusan_covered: tuple[str, ...]  # the coverage_urusan the innovations cover

    def as_dict(self) -> dict[str, Any]:
        return {
            "spd": _json(self.spd),
            "sid": _json(self.sid),
            "total": _json(self.total),
            "max_total": _json(self.max_total),
            "index": _json(self.index),
            "predicate": self.predicate.name,
            "n": self.n,
            "divisor": self.divisor,
            "region_indicators": [i.as_dict() for i in self.region_indicators],
            "innovations": [i.as_dict() for i in self.innovations],
        }


@dataclass(frozen=True)
class Gap:
    """An indicator below its top level, and the index points raising it would bring."""

    innovation_id: Any  # None: a region-level indicator
    innovation_name: str
    code: str
    name: str
    role: str | None
    mandatory: bool
    level: int  # 0: missing
    next_level: int
    top_level: int
    gain_next: Decimal  # index points if raised to next_level (2 decimals)
    gain_top: Decimal  # index points if raised to top_level (2 decimals)

    def as_dict(self) -> dict[str, Any]:
        return {
            "innovation_id": self.innovation_id,
            "innovation_name": self.innovation_name,
            "code": self.code,
            "name": self.name,
            "role": self.role,
            "mandatory": self.mandatory,
            "level": self.level,
            "next_level": self.next_level,
            "top_level": self.top_level,
            "gain_next": _json(self.gain_next),
            "gain_top": _json(self.gain_top),
        }


def _json(value: Decimal) -> int | float:
    """A JSON number: an int when whole after rounding to 2 decimals, else that float."""
    rounded = value.quantize(_CENT, ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def _check_which(which: str) -> None:
    if which not in WHICH:
        raise ValueError(f"which must be 'verified' or 'claimed', not {which!r}")


def _pick(value: LevelValue, which: str) -> int | None:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"a (claimed, verified) pair needs two levels, got {value!r}")
        return value[0] if which == "claimed" else value[1]
    return value


def _level(rules: RuleSet, value: Any, where: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= rules.max_level:
        raise ValueError(f"{where}: a level is 0..{rules.max_level} or None, got {value!r}")
    return value


def _row_scores(
    rules: RuleSet, scope: str, levels: Mapping[str, Any], where: str
) -> tuple[IndicatorScore, ...]:
    rows: tuple[Row, ...] = rules.rows(scope)
    known = {r.code for r in rows}
    for code in levels:
        if code not in known:
            owner = next((i for i in rules.indicators if i.code == code and len(i.rows) > 1), None)
            hint = f" (give its rows {', '.join(r.code for r in owner.rows)})" if owner else ""
            raise ValueError(f"{where}: no {scope} indicator {code!r} in {rules.year}{hint}")
    scores = []
    for row in rows:
        level = _level(rules, levels.get(row.code), f"{where} {row.code}")
        scores.append(IndicatorScore(row.code, row.weight, level, row.score_at(level)))
    return tuple(scores)


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip()


def count_score(
    rules: RuleSet, innovations: Sequence[InnovationInput]
) -> tuple[Decimal, tuple[str, ...]]:
    """The number-of-innovations score and the coverage_urusan the innovations cover."""
    rule = rules.count_rule
    given = {_norm(u) for i in innovations for u in i.urusan}
    covered = tuple(u for u in rule.coverage_urusan if _norm(u) in given)
    if len(covered) < rule.coverage_min:
        return Decimal(0), covered
    points = min(len(innovations), rule.cap_innovations) * rule.points_per_innovation
    return min(points, rule.max_score), covered


def round_index(rules: RuleSet, value: Decimal | int | str) -> Decimal:
    step = Decimal(1).scaleb(-rules.index_decimals)
    return Decimal(value).quantize(step, ROUND_HALF_UP)


def predicate_for(rules: RuleSet, index: Decimal | int | str) -> Predicate:
    """The band of an index (rounded half up to the rules' decimals first)."""
    value = round_index(rules, index)
    for predicate in rules.predicates:
        if predicate.min <= value <= predicate.max:
            return predicate
    raise ValueError(f"index {value} is outside every {rules.year} predicate")


def score(rules: RuleSet, inputs: Inputs, which: str = "verified") -> RegionScore:
    """The region's score under ``rules``; ``which`` picks from (claimed, verified) pairs."""
    plain = inputs.pick(which)
    with localcontext(_CONTEXT):
        region = _row_scores(rules, "region", plain.region, "region")
        innovations = []
        for innovation in plain.innovations:
            rows = _row_scores(
                rules, "innovation", innovation.levels, f"innovation {innovation.id}"
            )
            total = sum((r.score for r in rows), Decimal(0))
            innovations.append(InnovationScore(innovation.id, innovation.name, total, rows))
        n = len(innovations)
        divisor = max(rules.divisor_min, n)
        counted, covered = count_score(rules, plain.innovations)
        spd = sum((r.score for r in region), Decimal(0))
        sid = sum((i.score for i in innovations), Decimal(0)) / divisor + counted
        total = spd + sid
        index = round_index(rules, total * 100 / rules.total_max)
    return RegionScore(
        spd=spd,
        sid=sid,
        total=total,
        max_total=rules.total_max,
        index=index,
        predicate=predicate_for(rules, index),
        n=n,
        divisor=divisor,
        region_indicators=region,
        innovations=tuple(innovations),
        count_score=counted,
        urusan_covered=covered,
    )


def what_if(
    rules: RuleSet,
    inputs: Inputs,
    changes: Mapping[tuple[Any, str], int | None],
    which: str = "verified",
) -> RegionScore:
    """The score with some levels replaced: ``{(innovation_id or None, code): level}``."""
    plain = inputs.pick(which)
    ids = [i.id for i in plain.innovations]
    region = dict(plain.region)
    per_innovation: dict[Any, dict[str, Any]] = {}
    for (innovation_id, code), level in changes.items():
        if innovation_id is None:
            region[code] = level
            continue
        if ids.count(innovation_id) != 1:
            raise ValueError(f"no single innovation with id {innovation_id!r}")
        per_innovation.setdefault(innovation_id, {})[code] = level
    changed = tuple(
        replace(i, levels={**i.levels, **per_innovation[i.id]}) if i.id in per_innovation else i
        for i in plain.innovations
    )
    return score(rules, Inputs(region=region, innovations=changed))


def gaps(
    rules: RuleSet,
    inputs: Inputs,
    which: str = "verified",
    by: str = "next",
    *,
    result: RegionScore | None = None,
) -> list[Gap]:
    """Every missing or improvable indicator, most index points gained first: raising it one
    level (``by="next"``) or to the top level (``by="top"``). ``result``: the score of the
    same inputs and ``which``, when already computed.

    The index is linear in each indicator's score, so the gain is the score difference
    divided by total_max (and by the divisor for a per-innovation indicator).
    """
    if by not in ("next", "top"):
        raise ValueError(f"by must be 'next' or 'top', not {by!r}")
    if result is None:
        result = score(rules, inputs, which)
    owners = {row.code: ind for ind in rules.indicators for row in ind.rows}
    rows = {row.code: row for ind in rules.indicators for row in ind.rows}
    found: list[tuple[tuple, Gap]] = []
    # The gains depend on the row, its level and the share only: once per combination, not
    # once per innovation (300 innovations x 20 rows share 80 of them).
    gains: dict[tuple[str, int, Decimal], tuple[Decimal, Decimal, Decimal, Decimal]] = {}

    def gain_of(row: Row, level: int, current: Decimal, share: Decimal):
        key = (row.code, level, share)
        if key not in gains:
            exact = [(row.score_at(lv) - current) * share for lv in (level + 1, row.max_level)]
            gains[key] = (
                exact[0],
                exact[1],
                exact[0].quantize(_CENT, ROUND_HALF_UP),
                exact[1].quantize(_CENT, ROUND_HALF_UP),
            )
        return gains[key]

    def add(order: int, innovation: InnovationScore | None, item: IndicatorScore, share: Decimal):
        row = rows[item.code]
        if item.level >= row.max_level:
            return
        owner = owners[item.code]
        next_exact, top_exact, next_shown, top_shown = gain_of(row, item.level, item.score, share)
        gap = Gap(
            innovation_id=innovation.id if innovation else None,
            innovation_name=innovation.name if innovation else "",
            code=item.code,
            name=row.name or owner.name,
            role=owner.role,
            mandatory=owner.mandatory,
            level=item.level,
            next_level=item.level + 1,
            top_level=row.max_level,
            gain_next=next_shown,
            gain_top=top_shown,
        )
        # Ranked on the exact gains; the gap shows them rounded as the index is.
        first, second = (next_exact, top_exact) if by == "next" else (top_exact, next_exact)
        found.append(((-first, -second, not owner.mandatory, order), gap))

    with localcontext(_CONTEXT):
        per_point = Decimal(100) / rules.total_max
        order = 0
        for item in result.region_indicators:
            add(order, None, item, per_point)
            order += 1
        per_innovation = per_point / result.divisor
        for innovation in result.innovations:
            for item in innovation.indicators:
                add(order, innovation, item, per_innovation)
                order += 1
    found.sort(key=lambda kg: kg[0])
    return [gap for _, gap in found]


def level_from_count(indicator: Indicator, count: int) -> int:
    """The level an indicator's ``derive`` rule gives a count (0 below its first band)."""
    if indicator.derive is None:
        raise ValueError(f"indicator {indicator.code} has no derive rule")
    if isinstance(count, bool) or not isinstance(count, int):
        raise ValueError(f"a count is a whole number, got {count!r}")
    for band in indicator.derive.bands:
        if count >= band.min and (band.max is None or count <= band.max):
            return band.level
    if count < indicator.derive.bands[0].min:
        return 0
    raise ValueError(f"{indicator.code}: no level for a count of {count}")
