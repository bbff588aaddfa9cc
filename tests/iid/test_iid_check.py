"""`flask lms iid check`: each broken rule file gets one clear `file:line: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.iid.rule_files import MINI, line_of


def _check(app, *args: str):
    result = app.test_cli_runner().invoke(args=["lms", "iid", "check", *args])
    return result.exit_code, result.output


def test_a_good_file_passes_with_one_ok_line(app, write_rules):
    path = write_rules()
    code, output = _check(app, str(path))
    assert code == 0, output
    assert output.strip() == f"{path}: OK (2030, 2 indicators + count rule, 0 uncertain)"


def test_every_shipped_file_passes(app):
    code, output = _check(app)
    assert code == 0, output
    assert "rules/2023.toml: OK (2023, 35 indicators" in output
    assert "rules/2025.toml: OK (2025, 35 indicators" in output


def test_a_folder_is_checked_file_by_file(app, write_rules, tmp_path):
    write_rules()
    broken = write_rules(MINI.replace("2030", "2031"), "2031.toml")
    broken.write_text(broken.read_text().replace("score = 9", "score = 8"))
    code, output = _check(app, str(tmp_path))
    assert code == 1
    assert f"{tmp_path / '2030.toml'}: OK" in output
    assert f"{broken}:{line_of(broken, 'score = 8')}: indicator SID-02: the top score 8" in output


def test_nothing_to_check_is_an_error(app, tmp_path):
    code, output = _check(app, str(tmp_path / "kosong"))
    assert code == 1
    assert "no rule file found at" in output


# (id, replace this, with this, line holding, after the line holding, message)
CASES = [
    (
        "invalid-toml",
        "divisor_min = 10",
        "divisor_min = = 10",
        "divisor_min",
        None,
        "invalid TOML: ",
    ),
    (
        "unknown-key-top",
        'title = "Indeks uji 2030"\n',
        'title = "Indeks uji 2030"\nwarna = "merah"\n',
        "warna",
        None,
        "unknown key 'warna' in the file",
    ),
    (
        "unknown-key-in-level",
        'parameter = "visi"\n',
        'parameter = "visi"\nskor = 4\n',
        "skor = 4",
        None,
        "unknown key 'skor' in a level of indicator SPD-01",
    ),
    (
        "unknown-key-in-band",
        "{ min = 3, max = 4, level = 2 }",
        "{ min = 3, max = 4, level = 2, tingkat = 2 }",
        "tingkat",
        None,
        "unknown key 'tingkat' in a band of indicator SID-02 derive",
    ),
    (
        "missing-key",
        'name = "Visi dan Misi"\nweight = 2\n',
        'name = "Visi dan Misi"\n',
        "[[indicators]]",
        None,
        "missing required key 'weight' in indicator SPD-01",
    ),
    (
        "duplicate-code",
        'code = "SID-02"',
        'code = "SPD-01"',
        'code = "SPD-01"',
        'parameter = "visi dan misi"',
        "duplicate indicator code 'SPD-01'",
    ),
    (
        "levels-not-1-to-max",
        'level = 3\nparameter = "visi dan misi"',
        'level = 4\nparameter = "visi dan misi"',
        "[[indicators.levels]]",
        None,
        "indicator SPD-01: levels must be 1..3 in order, once each; got [1, 2, 4]",
    ),
    (
        "score-not-a-number",
        "score = 4",
        'score = "empat"',
        'score = "empat"',
        None,
        "indicator SPD-01 level 2: score must be a number, got 'empat'",
    ),
    (
        "top-score-not-weight-times-level",
        "score = 6\n",
        "score = 7\n",
        "score = 7",
        None,
        "indicator SPD-01: the top score 7 is not weight 2 x level 3 = 6",
    ),
    (
        "spd-max",
        "spd_max = 6",
        "spd_max = 7",
        "spd_max",
        None,
        "region indicators: sum of weight x max level is 6, but spd_max is 7",
    ),
    (
        "sid-max",
        "sid_per_innovation_max = 9",
        "sid_per_innovation_max = 8",
        "sid_per_innovation_max",
        None,
        "per-innovation indicators: sum of weight x max level is 9, but "
        "sid_per_innovation_max is 8",
    ),
    (
        "total-max",
        "total_max = 20",
        "total_max = 25",
        "total_max",
        None,
        "total_max is 25, but spd_max + sid_per_innovation_max + count_rule.max_score is 20",
    ),
    (
        "share-pct",
        "share_pct = 30",
        "share_pct = 35",
        "share_pct = 35",
        None,
        "aspect SPD: share_pct is 35, but its maxima give 30% of total_max",
    ),
    (
        "predicates-overlap",
        "max = 60.00",
        "max = 60.01",
        "[[predicates]]",
        None,
        "predicates 'inovatif' (35.00-60.01) and 'sangat_inovatif' (60.01-100.00) overlap",
    ),
    (
        "predicates-gap",
        "min = 35.00",
        "min = 35.05",
        "[[predicates]]",
        'key = "sangat_inovatif"',
        "predicates leave a gap between 34.99 ('kurang_inovatif') and 35.05 ('inovatif'), "
        "wider than the rounding step 0.01",
    ),
    (
        "predicate-outside-0-100",
        "max = 100.00",
        "max = 100.50",
        "[[predicates]]",
        None,
        "predicate 'sangat_inovatif': bounds 60.01-100.50 must lie within 0-100, min <= max",
    ),
    (
        "derive-overlap",
        "{ min = 3, max = 4, level = 2 }",
        "{ min = 2, max = 4, level = 2 }",
        "bands = [",
        None,
        "indicator SID-02 derive: bands 1-2 and 2-4 overlap",
    ),
    (
        "derive-missing",
        "{ min = 5, max = 5, level = 3 }",
        "{ min = 6, max = 7, level = 3 }",
        "bands = [",
        None,
        "indicator SID-02 derive: no band for count 5",
    ),
    (
        "unknown-source",
        'source = "S1"',
        'source = "S9"',
        'source = "S9"',
        None,
        "source 'S9' is not a [[sources]] id",
    ),
    (
        "unknown-evidence-kind",
        'kinds = ["video"]',
        'kinds = ["rekaman"]',
        "kinds =",
        None,
        "indicator SID-02: evidence kind 'rekaman' is not in [[evidence_kinds]]",
    ),
]


@pytest.mark.parametrize(
    "old,new,needle,after,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_broken_file_names_file_line_and_problem(
    app, write_rules, old, new, needle, after, message
):
    assert old in MINI
    path = write_rules(MINI.replace(old, new, 1))
    code, output = _check(app, str(path))
    assert code == 1
    expected = f"{path}:{line_of(path, needle, after)}: {message}"
    assert any(line.startswith(expected) for line in output.splitlines()), output
    if not message.endswith(" "):
        assert expected in output.splitlines()


def test_a_year_in_the_file_name_must_be_the_year_key(app, write_rules):
    path = write_rules(name="iid-2031.toml")
    code, output = _check(app, str(path))
    assert code == 1
    assert f"{path}:{line_of(path, 'year = 2030')}: the file name says 2031 but year = 2030" in (
        output
    )


def test_not_utf8_is_reported(app, tmp_path: Path):
    path = tmp_path / "2030.toml"
    path.write_bytes(MINI.encode("utf-16"))
    code, output = _check(app, str(path))
    assert code == 1
    assert f"{path}:1: not UTF-8 text" in output
