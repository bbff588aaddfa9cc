"""The three courses that ship with the LMS: substance, self-checks, sources, page weight."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms import COURSES_DIR, STATIC_DIR
from lms.catalog.models import Course, Lesson
from lms.catalog.operations import set_cohort_courses, sync_all
from lms.catalog.packs import PROPOSAL_PARTS, band_reads_like, discover, load_pack

SHIPPED = ("kebijakan-inovasi-daerah", "penulisan-proposal-inovasi", "video-inovasi-sederhana")
RANCANG_BANGUN = (
    "latar_belakang",
    "dasar_hukum",
    "isu_strategis",
    "metode_pembaharuan",
    "keunggulan",
    "cara_kerja",
)


@pytest.fixture
def shipped(db, make_user, make_cohort):
    report = sync_all(discover(COURSES_DIR))
    assert report.problems == []
    reader = make_user()
    cohort = make_cohort(participants=[reader])
    courses = db.session.scalars(db.select(Course).where(Course.slug.in_(SHIPPED))).all()
    set_cohort_courses(cohort, [c.id for c in courses], actor=None)
    db.session.commit()
    return reader, courses


def test_three_courses_of_substance(db, shipped):
    _reader, courses = shipped
    assert sorted(c.slug for c in courses) == sorted(SHIPPED)
    total = 0
    for course in courses:
        lessons = [lesson for lesson in course.lessons if not lesson.archived]
        assert len(lessons) >= 5, course.slug
        assert course.sources, course.slug
        for lesson in lessons:
            assert "<details>" in lesson.body_html, f"{lesson.slug}: no self-check"
            assert 'id="sumber"' in lesson.body_html, f"{lesson.slug}: no sources"
            total += lesson.word_count
    assert total >= 12_000


def test_the_proposal_and_video_courses_define_their_assignments(db, shipped):
    from lms.catalog.models import AssignmentSpec, Rubric

    kinds = {s.kind: s for s in db.session.scalars(db.select(AssignmentSpec))}
    assert kinds["proposal"].settings["min_words"] == {"rancang_bangun": 300}
    assert kinds["video"].settings["max_duration_seconds"] == 300
    proposal = db.session.scalar(db.select(Rubric).filter_by(key=kinds["proposal"].rubric_key))
    assert len(proposal.gates) == 5
    assert {c.key for c in proposal.criteria} >= {"kebaruan", "manfaat", "replikasi"}


def test_every_lesson_page_weighs_under_100_kb(client, db, shipped, login_as):
    reader, _courses = shipped
    login_as(reader)
    css = (STATIC_DIR / "style.css").stat().st_size
    rows = db.session.execute(
        db.select(Course.slug, Lesson.slug).join(Lesson, Lesson.course_id == Course.id)
    ).all()
    heaviest = 0
    for course_slug, lesson_slug in rows:
        response = client.get(f"/courses/{course_slug}/{lesson_slug}")
        assert response.status_code == 200
        heaviest = max(heaviest, len(response.data) + css)
    assert heaviest < 100 * 1024, f"heaviest lesson page with CSS: {heaviest} bytes"


def _lesson(db, course_slug: str, prefix: str) -> Lesson:
    return db.session.scalar(
        db.select(Lesson)
        .join(Course, Lesson.course_id == Course.id)
        .where(Course.slug == course_slug, Lesson.slug.startswith(prefix))
    )


def test_the_index_lessons_teach_the_2023_method(db, shipped):
    index = _lesson(db, "kebijakan-inovasi-daerah", "04-").body_html
    for fact in ("MAX(10, n)", "SPD", "Satuan Pemerintahan Daerah", "SID", "Satuan Inovasi Daerah"):
        assert fact in index, fact
    assert "25,2%" in index and "74,8%" in index
    assert "65,01" in index  # 2025 raised the Sangat Inovatif band
    assert "lebih dari dua tahun" in index
    assert "level klaim" in index and "hasil verifikasi" in index
    assert "belum dapat dipastikan" in index  # uncertain rules are said to be uncertain
    indicators = _lesson(db, "kebijakan-inovasi-daerah", "05-").body_html
    assert "<strong>37</strong>" in indicators and "<strong>111</strong>" in indicators
    for number in range(16, 36):
        assert f"<td>{number}</td>" in indicators, number


def test_the_policy_course_cites_the_legal_root(db, shipped):
    first = _lesson(db, "kebijakan-inovasi-daerah", "01-").body_html
    for citation in (
        "Bab XXI (Pasal 386–390)",
        "Pasal 389",
        "aparatur sipil negara tidak dapat dipidana",
        "Peraturan Menteri Dalam Negeri Nomor 104 Tahun 2018",
        "Balitbang",
        "Innovative Government Award",
        "Mengandung pembaharuan seluruh atau sebagian unsur dari inovasi",
    ):
        assert citation in first, citation
    for articles in ("4–6", "7–15", "16–19", "20–27", "28–29", "30–31", "32–33"):
        assert f"<td>{articles}</td>" in first, articles
    closing = _lesson(db, "kebijakan-inovasi-daerah", "06-").body_html
    assert "<strong>PNS</strong>" in closing and "PP 17/2020" in closing
    assert "<strong>PPPK</strong>" in closing


def test_the_policy_course_has_a_graded_assignment(db, shipped):
    from lms.catalog.models import AssignmentSpec, Rubric

    spec = db.session.scalar(
        db.select(AssignmentSpec)
        .join(Course, AssignmentSpec.course_id == Course.id)
        .where(Course.slug == "kebijakan-inovasi-daerah")
    )
    assert spec is not None and spec.kind == "text"
    assert spec.settings["required_fields"] == ["teks"]
    rubric = db.session.scalar(
        db.select(Rubric).filter_by(course_id=spec.course_id, key=spec.rubric_key)
    )
    assert rubric is not None and rubric.pass_mark == 60
    assert len(rubric.criteria) >= 4
    assert all([lv["points"] for lv in c.levels] == [1, 2, 3, 4] for c in rubric.criteria)


def test_no_shipped_band_contradicts_its_pass_mark(db, shipped):
    from lms.catalog.models import Rubric

    rubrics = db.session.scalars(db.select(Rubric)).all()
    assert len(rubrics) >= 3
    for rubric in rubrics:
        for band in rubric.bands:
            reading = band_reads_like(band["label"])
            if band["min"] < rubric.pass_mark:
                assert reading != "pass", (rubric.key, band)
            else:
                assert reading != "fail", (rubric.key, band)


def test_the_proposal_follows_the_profil_inovasi(db, shipped):
    from lms.catalog.models import AssignmentSpec

    spec = db.session.scalar(db.select(AssignmentSpec).filter_by(kind="proposal"))
    required = spec.settings["required_fields"]
    assert set(RANCANG_BANGUN) <= set(required)
    assert {"perangkat_daerah", "inovator", "kontak", "urusan", "hasil"} <= set(required)
    assert not {"permasalahan", "rancang_bangun", "pokok_perubahan"} & set(required)
    assert set(required) <= set(PROPOSAL_PARTS)
    pack, problems = load_pack(COURSES_DIR / "penulisan-proposal-inovasi")
    assert problems == []
    (rubric,) = pack.rubrics
    assert all(c.parts for c in rubric.criteria)
    assert [c.key for c in rubric.criteria if c.zero_level] == ["kualitas_penulisan"]
    completeness = next(c for c in rubric.criteria if c.zero_level)
    assert completeness.parts == list(RANCANG_BANGUN)
    writing = _lesson(db, "penulisan-proposal-inovasi", "04-").body_html
    assert "bersama-sama minimal 300 kata" in writing


def test_the_demo_proposal_fills_every_field():
    import tomllib

    from lms import demo
    from lms.submissions.fields import word_count

    path = Path(demo.__file__).parent / "demo_data" / "proposal.toml"
    fields = tomllib.loads(path.read_text(encoding="utf-8"))
    assert set(fields) == set(PROPOSAL_PARTS)
    assert all(str(value).strip() for value in fields.values())
    assert sum(word_count(fields[part]) for part in RANCANG_BANGUN) >= 300
    assert "WITA" in fields["cara_kerja"]
