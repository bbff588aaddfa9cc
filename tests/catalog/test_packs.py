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
