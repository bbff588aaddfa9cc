"""Rubric maths: weights, rounding, bands, pass mark and gates."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lms.grading import scoring


def _rubric(*, pass_mark=60, gates=()):
    levels4 = [{"points": p, "title": str(p)} for p in (1, 2, 3, 4)]
    return SimpleNamespace(
        criteria=[
            SimpleNamespace(key="kebaruan", weight=30, levels=levels4),
            SimpleNamespace(key="manfaat", weight=25, levels=levels4),
            SimpleNamespace(key="kewenangan", weight=15, levels=levels4),
            SimpleNamespace(key="replikasi", weight=20, levels=levels4),
            SimpleNamespace(key="penulisan", weight=10, levels=levels4),
        ],
        bands=[
            {"label": "Sangat Baik", "min": 85},
            {"label": "Baik", "min": 70},
            {"label": "Cukup", "min": 55},
            {"label": "Kurang", "min": 0},
        ],
        pass_mark=pass_mark,
        gates=[{"key": g, "title": g} for g in gates],
    )


def _points(a, b, c, d, e):
    return dict(
        zip(
            ["kebaruan", "manfaat", "kewenangan", "replikasi", "penulisan"],
            [a, b, c, d, e],
            strict=True,
        )
    )


def test_total_is_weight_times_points_over_highest_level():
    # 30·3/4 + 25·4/4 + 15·2/4 + 20·3/4 + 10·1/4 = 22.5 + 25 + 7.5 + 15 + 2.5 = 72.5
    result = scoring.compute(_rubric(), _points(3, 4, 2, 3, 1), {})
    assert result.total == 72.5
    assert result.band == "Baik"
    assert result.passed is True


def test_band_edges_use_the_rounded_total():
    assert scoring.band_for(_rubric().bands, 85.0) == "Sangat Baik"
    assert scoring.band_for(_rubric().bands, 84.9) == "Baik"
    assert scoring.band_for(_rubric().bands, 0.0) == "Kurang"


def test_pass_mark_is_reached_at_equality():
    assert scoring.passes(60, 60.0, []) is True
    assert scoring.passes(60, 59.9, []) is False
    assert scoring.passes(None, 10.0, []) is True


def test_rounding_is_half_up_to_one_decimal():
    assert scoring.round_total(78.25) == 78.3
    assert scoring.round_total(78.24) == 78.2
    assert scoring.round_total(100 * 2 / 3) == 66.7
    assert scoring.mean_total([72.5, 72.6]) == 72.6


def test_weights_need_not_add_up_to_100():
    rubric = _rubric()
    for criterion in rubric.criteria:
        criterion.weight *= 3
    assert scoring.compute(rubric, _points(3, 4, 2, 3, 1), {}).total == 72.5


def test_an_unmet_gate_fails_whatever_the_total():
    result = scoring.compute(_rubric(gates=["memperbarui"]), _points(4, 4, 4, 4, 4), {})
    assert result.total == 100.0
    assert result.passed is False
    assert result.gates_failed == ["memperbarui"]


def test_missing_levels_leave_the_total_unknown():
    points = _points(3, None, 2, 3, 1)
    result = scoring.compute(_rubric(), points, {})
    assert result.total is None and result.band is None and result.passed is None
    assert result.missing == ["manfaat"]


@pytest.mark.parametrize("points", [(1, 1, 1, 1, 1), (4, 4, 4, 4, 4)])
def test_totals_stay_between_25_and_100_for_levels_1_to_4(points):
    total = scoring.compute(_rubric(), _points(*points), {}).total
    assert total in (25.0, 100.0)
