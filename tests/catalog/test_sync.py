"""Syncing packs: idempotent, archive instead of delete, versioned rubrics, plug-in packs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from lms.catalog.models import AssignmentSpec, Course, Lesson, LessonProgress, Rubric
from lms.catalog.operations import sync_all
from lms.catalog.packs import discover
from tests.helpers import RUBRIC_TOML, write_pack


def _lessons(db, course):
    return {
        lesson.slug: lesson
        for lesson in db.session.scalars(db.select(Lesson).filter_by(course_id=course.id))
    }


def test_sync_twice_changes_nothing(db, tmp_path):
    pack = write_pack(tmp_path)
    first = sync_all([pack])
    db.session.commit()
    course = db.session.scalar(db.select(Course).filter_by(slug="kursus-uji"))
    assert first.lines == ["kursus-uji: 3 new, 0 changed, 0 archived lessons; 1 rubric(s) updated"]
    hashes = {s: lesson.content_hash for s, lesson in _lessons(db, course).items()}
    second = sync_all([pack])
    assert second.lines == ["kursus-uji: unchanged"]
    assert {s: lesson.content_hash for s, lesson in _lessons(db, course).items()} == hashes
    assert db.session.scalar(db.select(db.func.count()).select_from(Rubric)) == 1


def test_changed_lesson_updates_and_new_lesson_appears(db, tmp_path):
    pack = write_pack(tmp_path)
    sync_all([pack])
    write_pack(
        tmp_path,
        lessons={
            "materi-1": "# Materi 1 (revisi)\n\nIsi baru.\n",
            "materi-2": "# Materi 2\n\nIsi materi 2 tentang inovasi daerah.\n",
            "materi-3": "# Materi 3\n\nIsi materi 3 tentang inovasi daerah.\n",
            "materi-4": "# Materi 4\n\nBaru.\n",
        },
    )
    report = sync_all([pack])
    assert report.lines == ["kursus-uji: 1 new, 1 changed, 0 archived lessons"]
    course = db.session.scalar(db.select(Course).filter_by(slug="kursus-uji"))
    lessons = _lessons(db, course)
    assert lessons["materi-1"].title == "Materi 1 (revisi)"
    assert [lesson.slug for lesson in course.lessons] == [
        "materi-1",
        "materi-2",
        "materi-3",
        "materi-4",
    ]


def test_removed_lessons_and_packs_are_archived_and_progress_is_kept(db, tmp_path, make_user):
    pack = write_pack(tmp_path)
    sync_all([pack])
    course = db.session.scalar(db.select(Course).filter_by(slug="kursus-uji"))
    reader = make_user()
    lesson = _lessons(db, course)["materi-3"]
    db.session.add(LessonProgress(user_id=reader.id, lesson_id=lesson.id))
    db.session.commit()

    (pack / "lessons" / "materi-3.md").unlink()
    toml = (pack / "course.toml").read_text().replace(', "materi-3"', "")
    (pack / "course.toml").write_text(toml)
    assert sync_all([pack]).lines == ["kursus-uji: 0 new, 0 changed, 1 archived lessons"]
    db.session.refresh(lesson)
    assert lesson.archived
    assert db.session.scalar(db.select(LessonProgress).filter_by(lesson_id=lesson.id))

    report = sync_all([])  # the pack is gone altogether
    assert report.lines == ["kursus-uji: archived (the pack is gone)"]
    db.session.refresh(course)
    assert course.archived and all(lesson.archived for lesson in course.lessons)
    assert db.session.scalar(db.select(db.func.count()).select_from(LessonProgress)) == 1


def test_a_broken_pack_is_reported_and_left_as_it_was(db, tmp_path):
    pack = write_pack(tmp_path)
    sync_all([pack])
    (pack / "lessons" / "materi-1.md").unlink()
    report = sync_all([pack])
    assert report.problems and "materi-1" in str(report.problems[0])
    course = db.session.scalar(db.select(Course).filter_by(slug="kursus-uji"))
    assert not course.archived
    assert not _lessons(db, course)["materi-1"].archived


def test_a_used_rubric_is_versioned_not_changed(db, tmp_path):
    pack = write_pack(tmp_path)
    sync_all([pack])
    first = db.session.scalar(db.select(Rubric).filter_by(key="uji"))
    first.frozen = True  # grading freezes a rubric when the first review uses it
    db.session.commit()
    write_pack(tmp_path, rubrics={"uji": RUBRIC_TOML.replace("weight = 60", "weight = 50")})
    sync_all([pack])
    rubrics = db.session.scalars(db.select(Rubric).filter_by(key="uji").order_by(Rubric.version))
    old, new = rubrics.all()
    assert (old.version, old.current, old.criteria[0].weight) == (1, False, 60)
    assert (new.version, new.current, new.criteria[0].weight) == (2, True, 50)


def test_an_unused_rubric_is_updated_in_place(db, tmp_path):
    pack = write_pack(tmp_path)
    sync_all([pack])
    write_pack(tmp_path, rubrics={"uji": RUBRIC_TOML.replace("weight = 60", "weight = 50")})
    sync_all([pack])
    rubric = db.session.scalars(db.select(Rubric).filter_by(key="uji")).one()
    assert rubric.version == 1 and rubric.criteria[0].weight == 50


def test_assignment_specs_are_loaded(db, tmp_path):
    sync_all([write_pack(tmp_path)])
    spec = db.session.scalars(db.select(AssignmentSpec)).one()
    assert spec.kind == "proposal" and spec.rubric_key == "uji"
    assert spec.settings["min_words"] == {"rancang_bangun": 300}
    assert "<strong>proposal</strong>" in spec.instructions_html


def test_packs_from_lms_course_paths(tmp_path):
    extra = tmp_path / "daerah"
    write_pack(extra, "kursus-daerah")
    found = discover(tmp_path / "nothing-here", str(extra))
    assert [p.name for p in found] == ["kursus-daerah"]


def test_an_installed_package_brings_its_pack(tmp_path, monkeypatch):
    source = tmp_path / "src"
    package = source / "kelas_kesehatan"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    write_pack(package.parent, "kelas_kesehatan")  # the package folder is the pack
    (package / "course.toml").write_text(
        (package / "course.toml").read_text().replace("Kursus Uji", "Inovasi Kesehatan")
    )
    (source / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "kelas-kesehatan"
            version = "1.0"
            [project.entry-points."lms.courses"]
            kesehatan = "kelas_kesehatan"
            [tool.setuptools.package-data]
            kelas_kesehatan = ["**/*"]
            """
        )
    )
    target = tmp_path / "site"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-build-isolation",
            "--no-deps",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    monkeypatch.syspath_prepend(str(target))
    found = discover(tmp_path / "nothing-here", "")
    assert [p.name for p in found] == ["kelas_kesehatan"]
    assert str(target) in str(found[0])
