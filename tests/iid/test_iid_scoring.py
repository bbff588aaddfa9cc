"""Scoring a region: exact bounds, the divisor, claimed vs verified, gaps and what-if."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from lms.iid.rules import RULES_DIR, available_rules
from lms.iid.scoring import (
    InnovationInput,
    Inputs,
    gaps,
    level_from_count,
    predicate_for,
    score,
    what_if,
)

YANDAS = [  # 5 of the 6 urusan wajib pelayanan dasar: the count rule's coverage is met
    "Pendidikan",
    "Kesehatan",
    "Pekerjaan Umum dan Penataan Ruang",
    "Sosial",
    "Perumahan Rakyat dan Kawasan Permukiman",
]


@pytest.fixture(scope="module")
def r2023():
    return available_rules()[2023]


@pytest.fixture(scope="module")
def r2025():
    return available_rules()[2025]


def region(rules, level, changes=None):
    levels = {row.code: level for row in rules.rows("region")}
    levels.update(changes or {})
    return levels


def innovation(rules, ident, level, changes=None, urusan=()):
    levels = {row.code: level for row in rules.rows("innovation")}
    levels.update(changes or {})
    return InnovationInput(ident, f"Inovasi {ident}", levels, urusan)


def strong(rules, count, urusan=()):
    return [innovation(rules, i, 3, urusan=urusan) for i in range(1, count + 1)]


@pytest.mark.parametrize(
    "index,expected",
    [
        ("0", "Tidak Dapat Dinilai"),
        ("0.004", "Tidak Dapat Dinilai"),  # rounds to 0.00
        ("0.01", "Kurang Inovatif"),
        ("34.99", "Kurang Inovatif"),
        ("34.994", "Kurang Inovatif"),
        ("34.995", "Inovatif"),  # half up to 35.00
        ("35.00", "Inovatif"),
        ("60.00", "Inovatif"),
        ("60.004", "Inovatif"),
        ("60.005", "Sangat Inovatif"),
        ("60.01", "Sangat Inovatif"),
        ("100", "Sangat Inovatif"),
    ],
)
def test_2023_predicates_at_their_bounds(r2023, index, expected):
    assert predicate_for(r2023, Decimal(index)).name == expected


@pytest.mark.parametrize(
    "index,expected",
    [
        ("40.00", "Kurang Inovatif"),
        ("40.01", "Inovatif"),
        ("60.01", "Inovatif"),
        ("65.00", "Inovatif"),
        ("65.01", "Sangat Inovatif"),
    ],
)
def test_2025_predicates_at_their_bounds(r2025, index, expected):
    assert predicate_for(r2025, Decimal(index)).name == expected


def test_full_marks_give_100(r2023):
    result = score(r2023, Inputs(region(r2023, 3), strong(r2023, 200, YANDAS)))
    assert (result.spd, result.sid, result.count_score) == (63, 187, 76)
    assert result.index == Decimal("100.00")
    assert result.predicate.name == "Sangat Inovatif"


def test_a_score_landing_exactly_on_60_00_is_inovatif_and_one_point_more_is_not(r2023):
    # SPD 39 (all rows at level 2 but three of weight 1 at level 1) + SID 111 = 150 of 250.
    spd = region(r2023, 2, {"SPD-01": 1, "SPD-03": 1, "SPD-04": 1})
    inputs = Inputs(spd, strong(r2023, 10))
    result = score(r2023, inputs)
    assert (result.spd, result.sid, result.total) == (39, 111, 150)
    assert str(result.index) == "60.00"
    assert result.predicate.name == "Inovatif"
    raised = what_if(r2023, inputs, {(None, "SPD-01"): 2})
    assert str(raised.index) == "60.40"
    assert raised.predicate.name == "Sangat Inovatif"


def test_a_score_landing_exactly_on_35_00_is_inovatif_and_a_tenth_less_is_not(r2023):
    # 5 strong innovations (111) and 5 with regulation, video and one bimtek (9 + 12 + 1 = 22):
    # (555 + 110) / 10 = 66.5; with SPD 21 the total is 87.5 of 250.
    weak = {"SID-16": 3, "SID-35": 3, "SID-20": 1}
    others = [innovation(r2023, 10 + i, 0, weak) for i in range(5)]
    inputs = Inputs(region(r2023, 1), [*strong(r2023, 5), *others])
    result = score(r2023, inputs)
    assert result.total == Decimal("87.5")
    assert (str(result.index), result.predicate.name) == ("35.00", "Inovatif")
    lower = what_if(r2023, inputs, {(10, "SID-20"): 0})
    assert (str(lower.index), lower.predicate.name) == ("34.96", "Kurang Inovatif")


def test_the_same_evidence_is_sangat_inovatif_in_2023_and_inovatif_in_2025(r2023, r2025):
    def inputs(rules):  # SPD 44 + SID 111 = 155 of 250: index 62.00
        return Inputs(region(rules, 2, {"SPD-12": 3}), strong(rules, 10))

    in_2023, in_2025 = score(r2023, inputs(r2023)), score(r2025, inputs(r2025))
    assert str(in_2023.index) == str(in_2025.index) == "62.00"
    assert in_2023.predicate.name == "Sangat Inovatif"
    assert in_2025.predicate.name == "Inovatif"


def test_below_ten_innovations_each_adds_and_from_ten_on_a_weak_one_lowers(r2023):
    def with_weak(count_weak):
        good = strong(r2023, 9, YANDAS)
        weak = [innovation(r2023, 100 + i, 1, urusan=YANDAS[0]) for i in range(count_weak)]
        return score(r2023, Inputs({}, [*good, *weak]))

    nine, ten, eleven = with_weak(0), with_weak(1), with_weak(2)
    assert [(r.n, r.divisor) for r in (nine, ten, eleven)] == [(9, 10), (10, 10), (11, 11)]
    # 9 x 111 / 10 + 9 x 0.38; then + 37 / 10 + 0.38; then everything / 11 + 11 x 0.38.
    assert nine.sid == Decimal("103.32")
    assert ten.sid == Decimal("107.4")
    assert eleven.sid.quantize(Decimal("0.0001")) == Decimal("101.7255")
    assert [str(r.index) for r in (nine, ten, eleven)] == ["41.33", "42.96", "40.69"]
    assert ten.index > nine.index and eleven.index < ten.index


def test_the_count_indicator_needs_five_urusan_wajib_pelayanan_dasar(r2023):
    four = score(r2023, Inputs({}, strong(r2023, 10, YANDAS[:4])))
    five = score(r2023, Inputs({}, strong(r2023, 10, [u.upper() for u in YANDAS])))
    assert four.count_score == 0 and len(four.urusan_covered) == 4
    assert five.count_score == Decimal("3.80")


def test_a_2026_file_in_lms_iid_rule_paths_divides_by_at_least_12(app, tmp_path, monkeypatch):
    text = (RULES_DIR / "2023.toml").read_text(encoding="utf-8")
    text = text.replace("year = 2023", "year = 2026", 1).replace(
        "divisor_min = 10", "divisor_min = 12", 1
    )
    (tmp_path / "2026.toml").write_text(text, encoding="utf-8")
    monkeypatch.setitem(app.config, "LMS_IID_RULE_PATHS", str(tmp_path))
    rules = available_rules(app.config)
    inputs = Inputs(region(rules[2023], 2), strong(rules[2023], 11))
    in_2023, in_2026 = score(rules[2023], inputs), score(rules[2026], inputs)
    assert (in_2023.divisor, in_2023.sid) == (11, 111)
    assert (in_2026.divisor, in_2026.sid) == (12, Decimal("101.75"))
    assert (str(in_2023.index), str(in_2026.index)) == ("61.20", "57.50")
    assert (in_2023.predicate.name, in_2026.predicate.name) == ("Sangat Inovatif", "Inovatif")


def test_claimed_and_verified_levels_score_apart(r2023):
    # The operator claims level 3 video and a regional regulation; verification cut both.
    claimed_verified = {"SID-35": (3, 1), "SID-16": (3, None), "SID-33": (2, 2)}
    inputs = Inputs({"SPD-01": (3, 2)}, [InnovationInput(7, "Si Cantik", claimed_verified)])
    claimed, verified = score(r2023, inputs, "claimed"), score(r2023, inputs, "verified")
    assert claimed.innovations[0].score == 12 + 9 + 6
    assert verified.innovations[0].score == 4 + 0 + 6
    assert (claimed.spd, verified.spd) == (3, 2)
    assert (str(claimed.index), str(verified.index)) == ("2.28", "1.20")
    assert score(r2023, inputs.pick("claimed")) == claimed
    with pytest.raises(ValueError, match="which must be 'verified' or 'claimed'"):
        score(r2023, inputs, "diklaim")


def test_gaps_are_ranked_by_the_index_points_they_bring(r2023):
    spd = region(r2023, 3, {"SPD-12": 1})
    one = innovation(r2023, 1, 3, {"SID-35": 2, "SID-20": None})
    found = gaps(r2023, Inputs(spd, [one]))
    top = [(g.code, g.level, g.next_level, str(g.gain_next), str(g.gain_top)) for g in found]
    # Region: 2 points / 250 x 100; video 4 points / divisor 10 / 250 x 100; bimtek 1 point.
    assert top == [
        ("SPD-12", 1, 2, "0.80", "1.60"),
        ("SID-35", 2, 3, "0.16", "0.16"),
        ("SID-20", 0, 1, "0.04", "0.12"),
    ]
    video = found[1]
    assert (video.innovation_id, video.role, video.mandatory) == (1, "video", True)
    counts = r2023.by_role("video").derive
    assert (counts.count_range(video.level), counts.count_range(video.next_level)) == (
        (3, 4),
        (5, 5),
    )
    assert found[2].as_dict()["gain_top"] == 0.12


def test_what_if_replaces_only_the_named_levels(r2023):
    inputs = Inputs({}, [innovation(r2023, "a", 1), innovation(r2023, "b", 1)])
    base = score(r2023, inputs)
    changed = what_if(r2023, inputs, {("b", "SID-35"): 3})
    assert changed.innovations[0].score == base.innovations[0].score == 37
    assert changed.innovations[1].score == 37 + 8
    assert changed.total - base.total == Decimal("0.8")
    with pytest.raises(ValueError, match="no single innovation with id 'c'"):
        what_if(r2023, inputs, {("c", "SID-35"): 3})


def test_levels_derive_from_counts(r2023):
    video, bimtek = r2023.by_role("video"), r2023.by_role("bimtek")
    assert [level_from_count(video, n) for n in range(6)] == [0, 1, 1, 2, 2, 3]
    assert [level_from_count(bimtek, n) for n in (0, 1, 2, 3, 7)] == [0, 1, 2, 3, 3]
    assert bimtek.derive.period_years == 2
    with pytest.raises(ValueError, match="SID-35: no level for a count of 6"):
        level_from_count(video, 6)
    with pytest.raises(ValueError, match="SID-16 has no derive rule"):
        level_from_count(r2023.indicator("SID-16"), 2)


def test_bad_levels_and_codes_are_refused_clearly(r2023):
    with pytest.raises(
        ValueError,
        match=r"region: no region indicator 'SPD-02' in 2023 \(give its rows SPD-02a, SPD-02b\)",
    ):
        score(r2023, Inputs({"SPD-02": 3}))
    with pytest.raises(ValueError, match="innovation 1: no innovation indicator 'SPD-01'"):
        score(r2023, Inputs({}, [InnovationInput(1, "A", {"SPD-01": 1})]))
    with pytest.raises(ValueError, match="a level is 0..3 or None, got 4"):
        score(r2023, Inputs({"SPD-01": 4}))


def test_as_dict_gives_the_documented_json(r2023):
    inputs = Inputs(region(r2023, 1), [innovation(r2023, 1, 2, urusan="Kesehatan")])
    data = score(r2023, inputs).as_dict()
    assert list(data) == [
        "spd", "sid", "total", "max_total", "index", "predicate", "n", "divisor",
        "region_indicators", "innovations",
    ]  # fmt: skip
    assert (data["spd"], data["sid"], data["total"], data["max_total"]) == (21, 7.4, 28.4, 250)
    assert (data["index"], data["predicate"], data["n"], data["divisor"]) == (
        11.36,
        "Kurang Inovatif",
        1,
        10,
    )
    rows = {i["code"]: i for i in data["region_indicators"]}
    assert len(rows) == 20  # 15 indicators, 5 of them in a/b rows
    assert rows["SPD-05a"] == {"code": "SPD-05a", "weight": 0.75, "level": 1, "score": 0.75}
    (one,) = data["innovations"]
    assert list(one) == ["id", "name", "score", "indicators"]
    assert (one["id"], one["name"], one["score"]) == (1, "Inovasi 1", 74)
    assert one["indicators"][-1] == {"code": "SID-35", "weight": 4, "level": 2, "score": 8}
    assert json.loads(json.dumps(data)) == data


def test_the_score_file_command_prints_the_same_json(app, tmp_path):
    path = tmp_path / "daerah.json"
    path.write_text(
        json.dumps(
            {
                "year": 2023,
                "region": {"SPD-01": [3, 2]},
                "innovations": [{"id": 1, "name": "A", "levels": {"SID-35": [3, 1]}}],
            }
        ),
        encoding="utf-8",
    )
    runner = app.test_cli_runner()
    claimed = runner.invoke(args=["lms", "iid", "score-file", str(path), "--which", "claimed"])
    verified = runner.invoke(args=["lms", "iid", "score-file", str(path)])
    assert json.loads(claimed.output)["total"] == 3 + 1.2
    assert json.loads(verified.output)["total"] == 2 + 0.4
    path.write_text(json.dumps({"year": 2019}), encoding="utf-8")
    failed = runner.invoke(args=["lms", "iid", "score-file", str(path)])
    assert failed.exit_code == 1
    assert "no IID rules for 2019" in failed.output


def test_gaps_ranked_by_the_top_level_and_reusing_a_score(r2023):
    levels = {"SID-35": 2, "SID-16": 1}  # video 8 -> 12 (+4), regulation 3 -> 9 (+6)
    inputs = Inputs({}, [innovation(r2023, 1, 3, levels)])
    by_top = [g.code for g in gaps(r2023, inputs, by="top") if g.innovation_id == 1]
    by_next = [g.code for g in gaps(r2023, inputs) if g.innovation_id == 1]
    assert by_top[:2] == ["SID-16", "SID-35"]  # +6 to the top, against the video's +4
    assert by_next[:2] == ["SID-35", "SID-16"]  # one level: +4 against +3
    result = score(r2023, inputs)
    assert gaps(r2023, inputs, by="top", result=result) == gaps(r2023, inputs, by="top")
    with pytest.raises(ValueError, match="by must be"):
        gaps(r2023, inputs, by="most")
