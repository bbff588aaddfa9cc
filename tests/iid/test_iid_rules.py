"""The shipped rule files, LMS_IID_RULE_PATHS, the per-process cache and `lms iid rules`."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from lms.iid.rules import RULES_DIR, UnknownYear, available_rules, load_cached, rules_for
from tests.iid.rule_files import MINI


@pytest.fixture
def extra_paths(app, monkeypatch):
    """``extra_paths(*paths)`` sets LMS_IID_RULE_PATHS on the test app for one test."""

    def set_paths(*paths) -> None:
        monkeypatch.setitem(app.config, "LMS_IID_RULE_PATHS", os.pathsep.join(map(str, paths)))

    return set_paths


def test_2023_holds_the_researched_structure():
    rules = available_rules()[2023]
    assert [i.number for i in rules.region_indicators] == list(range(1, 16))
    assert [i.number for i in rules.innovation_indicators] == list(range(16, 36))
    assert rules.count_rule.number == 36
    assert (rules.divisor_min, rules.spd_max, rules.sid_per_innovation_max) == (10, 63, 111)
    assert rules.total_max == 250 and rules.count_rule.max_score == 76
    assert [(p.name, str(p.min), str(p.max)) for p in rules.predicates] == [
        ("Sangat Inovatif", "60.01", "100.00"),
        ("Inovatif", "35.00", "60.00"),
        ("Kurang Inovatif", "0.01", "34.99"),
        ("Tidak Dapat Dinilai", "0.00", "0.00"),
    ]
    # Code finds the class's indicators by role, never by number.
    assert rules.by_role("bimtek").code == "SID-20"
    assert rules.by_role("video").code == "SID-35"
    video = rules.by_role("video")
    assert video.weight == 4 and video.mandatory and video.mandatory_uncertain
    assert [e.kinds for e in video.evidence] == [("video",)]
    assert rules.evidence_kind("video").link is True
    assert len(video.derive.items) == 5
    assert rules.innovation_rules.video_max_minutes == 5
    assert rules.innovation_rules.max_years_since_implementation == 2
    assert rules.innovation_rules.developed_further_exempt is True
    assert [t.name for t in rules.themes] == [
        "Digitalisasi layanan pemerintahan",
        "Penanggulangan kemiskinan",
        "Kemudahan investasi",
        "Prioritas aktual presiden",
        "Non tematik",
    ]
    # A region indicator with 2026-style a/b rows scores each row.
    assert [(r.code, r.weight) for r in rules.indicator("SPD-05").rows] == [
        ("SPD-05a", Decimal("0.75")),
        ("SPD-05b", Decimal("0.75")),
    ]


def test_uncertainty_is_kept_where_the_research_marks_it():
    rules = available_rules()[2023]
    assert all(i.uncertain for i in rules.indicators)  # S6 clone and 2026 sources only
    assert rules.count_rule.uncertain
    assert not any(p.uncertain for p in rules.predicates)  # confirmed in S2
    assert "scoring.maxima_uncertain" in rules.uncertain
    assert "scoring.index_decimals_uncertain" in rules.uncertain
    assert "scoring.divisor_uncertain" not in rules.uncertain
    assert all(t.uncertain for t in rules.themes)
    # Unknown text stays empty rather than guessed: 2023 region-level parameters were not seen.
    assert {lv.parameter for r in rules.rows("region") for lv in r.levels} == {""}


def test_2025_confirms_only_the_top_band():
    rules = available_rules()[2025]
    bands = {p.key: (str(p.min), str(p.max), p.uncertain) for p in rules.predicates}
    assert bands["sangat_inovatif"] == ("65.01", "100.00", False)
    assert bands["inovatif"] == ("40.01", "65.00", True)
    assert bands["kurang_inovatif"] == ("0.01", "40.00", True)
    assert len(rules.indicators) + 1 == 36
    assert "scoring.divisor_uncertain" in rules.uncertain
    assert all(a.uncertain for a in rules.aspects)


def test_an_unknown_year_is_a_clear_error(app):
    with (
        app.app_context(),
        pytest.raises(UnknownYear, match="no IID rules for 2019; known years: 2023, 2025"),
    ):
        rules_for(2019)


def test_a_year_in_lms_iid_rule_paths_adds_or_replaces_a_shipped_year(app, tmp_path, extra_paths):
    (tmp_path / "2023.toml").write_text(
        (RULES_DIR / "2023.toml")
        .read_text(encoding="utf-8")
        .replace("Indeks Inovasi Daerah 2023 (", "Indeks Inovasi Daerah 2023 koreksi daerah (", 1),
        encoding="utf-8",
    )
    single = tmp_path / "lain" / "2030.toml"
    single.parent.mkdir()
    single.write_text(MINI, encoding="utf-8")
    extra_paths(tmp_path, single)
    found = available_rules(app.config)
    assert list(found) == [2023, 2025, 2030]
    assert found[2023].title.startswith("Indeks Inovasi Daerah 2023 koreksi daerah")
    assert found[2023].origin == "LMS_IID_RULE_PATHS"
    assert found[2025].origin == "shipped"
    with app.app_context():
        assert rules_for(2030).title == "Indeks uji 2030"

    result = app.test_cli_runner().invoke(args=["lms", "iid", "rules"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2023\tIndeks Inovasi Daerah 2023 koreksi daerah")
    assert lines[0].endswith(f"LMS_IID_RULE_PATHS: {tmp_path / '2023.toml'}")
    assert "15 region / 20 per-innovation indicators\tdivisor MAX(10, n)" in lines[0]
    assert lines[1].endswith(f"shipped: {RULES_DIR / '2025.toml'}")
    assert lines[2] == (
        f"2030\tIndeks uji 2030\t1 region / 1 per-innovation indicators\tdivisor MAX(10, n)"
        f"\t0 uncertain\tLMS_IID_RULE_PATHS: {single}"
    )


def test_a_broken_extra_file_is_skipped_and_named(app, tmp_path, extra_paths):
    (tmp_path / "2023.toml").write_text("year = 2023\n", encoding="utf-8")
    extra_paths(tmp_path)
    assert available_rules(app.config)[2023].origin == "shipped"
    result = app.test_cli_runner().invoke(args=["lms", "iid", "rules"])
    assert "skipped (see `lms iid check`):" in result.output
    assert f"{tmp_path / '2023.toml'}:1: missing required key 'title' in the file" in result.output


def test_parsed_files_are_cached_until_the_file_changes(tmp_path):
    path = tmp_path / "2030.toml"
    path.write_text(MINI, encoding="utf-8")
    first, _ = load_cached(path)
    assert load_cached(path)[0] is first
    path.write_text(MINI.replace("Indeks uji 2030", "Indeks uji 2030 revisi"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_cached(path)[0].title == "Indeks uji 2030 revisi"
