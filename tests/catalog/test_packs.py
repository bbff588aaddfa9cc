"""`flask lms courses check`: one problem, one clear `file:line: message`."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import RUBRIC_TOML, write_pack


def _check(app, path: Path):
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check", str(path)])
    return result.exit_code, result.output


def test_a_good_pack_passes(app, tmp_path):
    code, output = _check(app, write_pack(tmp_path))
    assert code == 0, output
    assert "1 pack(s) OK: kursus-uji" in output


def test_bad_toml_names_the_line(app, tmp_path):
    pack = write_pack(tmp_path)
    course = pack / "course.toml"
    course.write_text(course.read_text() + "jp = = 4\n")
    code, output = _check(app, pack)
    lines = course.read_text().count("\n")
    assert code == 1
    assert f"{course}:{lines}: invalid TOML" in output


def test_a_listed_lesson_without_its_file(app, tmp_path):
    pack = write_pack(tmp_path)
    (pack / "lessons" / "materi-2.md").unlink()
    code, output = _check(app, pack)
    assert code == 1
    assert (
        f"{pack / 'course.toml'}:5: lesson 'materi-2' is listed but lessons/materi-2.md is missing"
        in output
    )


def test_rubric_levels_must_ascend(app, tmp_path):
    descending = RUBRIC_TOML.replace("points = 2", "points = 0", 1)
    pack = write_pack(tmp_path, rubrics={"uji": descending})
    code, output = _check(app, pack)
    assert code == 1
    rubric = pack / "rubrics" / "uji.toml"
    line = next(
        n for n, text in enumerate(rubric.read_text().splitlines(), 1) if '"kebaruan"' in text
    )
    assert (
        f"{rubric}:{line}: criterion 'kebaruan': level points must be ascending, got [1, 0]"
        in output
    )


def test_an_assignment_naming_a_missing_rubric(app, tmp_path):
    pack = write_pack(tmp_path, rubrics={})
    code, output = _check(app, pack)
    spec = pack / "assignments" / "proposal.toml"
    assert code == 1
    assert f"{spec}:5: names rubric 'uji', which this pack does not define" in output


def test_a_broken_image_link(app, tmp_path):
    pack = write_pack(
        tmp_path,
        lessons={"materi-1": "# Materi 1\n\nTeks.\n\n![Tahapan](tahapan.svg)\n"},
    )
    code, output = _check(app, pack)
    assert code == 1
    assert f"{pack / 'lessons' / 'materi-1.md'}:5: broken image link 'tahapan.svg'" in output
    (pack / "lessons" / "tahapan.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert _check(app, pack)[0] == 0


def test_a_lesson_without_a_title_line(app, tmp_path):
    pack = write_pack(tmp_path, lessons={"materi-1": "Tanpa judul.\n"})
    code, output = _check(app, pack)
    assert code == 1
    assert "materi-1.md:1: the first line must be the title" in output


def test_every_shipped_pack_passes_its_check(app):
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check"])
    assert result.exit_code == 0, result.output
    for slug in (
        "kebijakan-inovasi-daerah",
        "penulisan-proposal-inovasi",
        "video-inovasi-sederhana",
    ):
        assert slug in result.output


def _line(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def test_a_band_below_the_pass_mark_named_like_a_pass(app, tmp_path):
    bands = RUBRIC_TOML.replace('label = "Kurang"', 'label = "Cukup"')
    pack = write_pack(tmp_path, rubrics={"uji": bands})
    code, output = _check(app, pack)
    rubric = pack / "rubrics" / "uji.toml"
    line = _line(rubric, 'label = "Cukup"')
    assert code == 1
    assert (
        f"{rubric}:{line}: band 'Cukup' starts at 0, below the "
        "pass mark 60, but reads like a pass; start it at 60 or rename it" in output
    )


def test_a_band_at_the_pass_mark_named_like_a_fail(app, tmp_path):
    bands = RUBRIC_TOML.replace('label = "Baik"\nmin = 70', 'label = "Belum lulus"\nmin = 60')
    pack = write_pack(tmp_path, rubrics={"uji": bands})
    code, output = _check(app, pack)
    rubric = pack / "rubrics" / "uji.toml"
    assert code == 1
    assert (
        f"{rubric}:{_line(rubric, 'Belum lulus')}: band 'Belum lulus' starts at 60, at or above "
        "the pass mark 60, but reads like a fail; start it below the pass mark or rename it"
        in output
    )


def test_band_names_that_agree_with_the_pass_mark_pass(app, tmp_path):
    from lms.catalog.packs import band_reads_like

    assert band_reads_like("Sangat Baik") == "pass"
    assert band_reads_like("Kurang baik") == "fail"
    assert band_reads_like("Tidak lulus") == "fail"
    assert band_reads_like("Perlu perbaikan") == "fail"
    assert band_reads_like("Not good") == "fail"
    assert band_reads_like("Unsatisfactory") == "fail"
    assert band_reads_like("Level C") is None
    neutral = RUBRIC_TOML.replace('label = "Kurang"', 'label = "D"')
    assert _check(app, write_pack(tmp_path, rubrics={"uji": neutral}))[0] == 0


def test_an_unknown_key_on_a_criterion(app, tmp_path):
    typo = RUBRIC_TOML.replace("weight = 60\n", "weight = 60\nzero_levels = true\n")
    pack = write_pack(tmp_path, rubrics={"uji": typo})
    code, output = _check(app, pack)
    rubric = pack / "rubrics" / "uji.toml"
    assert code == 1
    assert (
        f"{rubric}:{_line(rubric, 'zero_levels')}: criterion 'kebaruan': unknown key "
        "'zero_levels'; a criterion holds key, title, weight, levels, zero_level, parts" in output
    )


def test_zero_level_must_be_true_or_false(app, tmp_path):
    bad = RUBRIC_TOML.replace("weight = 60\n", 'weight = 60\nzero_level = "ya"\n')
    pack = write_pack(tmp_path, rubrics={"uji": bad})
    code, output = _check(app, pack)
    rubric = pack / "rubrics" / "uji.toml"
    assert code == 1
    assert (
        f"{rubric}:{_line(rubric, 'zero_level')}: criterion 'kebaruan': zero_level must be "
        "true or false" in output
    )


def test_zero_level_beside_a_level_of_zero_points(app, tmp_path):
    bad = RUBRIC_TOML.replace("weight = 60\n", "weight = 60\nzero_level = true\n").replace(
        "points = 1", "points = 0", 1
    )
    pack = write_pack(tmp_path, rubrics={"uji": bad})
    code, output = _check(app, pack)
    rubric = pack / "rubrics" / "uji.toml"
    assert code == 1
    assert (
        f"{rubric}:{_line(rubric, 'zero_level')}: criterion 'kebaruan': zero_level already "
        "gives 0 points, so its levels must start above 0, got [0, 2]" in output
    )


def test_parts_must_be_a_list(app, tmp_path):
    bad = RUBRIC_TOML.replace("weight = 60\n", 'weight = 60\nparts = "keunggulan"\n')
    pack = write_pack(tmp_path, rubrics={"uji": bad})
    code, output = _check(app, pack)
    rubric = pack / "rubrics" / "uji.toml"
    assert code == 1
    assert (
        f"{rubric}:{_line(rubric, 'parts =')}: criterion 'kebaruan': parts must be a list of "
        "proposal field keys" in output
    )


def test_a_criterion_naming_an_unknown_part(app, tmp_path):
    bad = RUBRIC_TOML.replace("weight = 60\n", 'weight = 60\nparts = ["pokok_perubahan"]\n')
    pack = write_pack(tmp_path, rubrics={"uji": bad})
    code, output = _check(app, pack)
    rubric = pack / "rubrics" / "uji.toml"
    assert code == 1
    assert (
        f"{rubric}:{_line(rubric, 'parts =')}: criterion 'kebaruan': unknown part "
        "'pokok_perubahan'; parts are proposal fields such as 'metode_pembaharuan' "
        "(see courses/README.md)" in output
    )


def test_a_criterion_naming_a_part_twice(app, tmp_path):
    bad = RUBRIC_TOML.replace("weight = 60\n", 'weight = 60\nparts = ["tujuan", "tujuan"]\n')
    pack = write_pack(tmp_path, rubrics={"uji": bad})
    code, output = _check(app, pack)
    assert code == 1
    assert "criterion 'kebaruan': part 'tujuan' is named twice" in output


def test_zero_level_and_parts_are_read_into_the_criterion(tmp_path):
    from lms.catalog.packs import load_pack

    good = RUBRIC_TOML.replace(
        "weight = 60\n",
        'weight = 60\nzero_level = true\nparts = ["metode_pembaharuan", "keunggulan"]\n',
    )
    pack, problems = load_pack(write_pack(tmp_path, rubrics={"uji": good}))
    assert problems == []
    kebaruan, manfaat = pack.rubrics[0].criteria
    assert (kebaruan.zero_level, kebaruan.parts) == (True, ["metode_pembaharuan", "keunggulan"])
    assert (manfaat.zero_level, manfaat.parts) == (False, [])
