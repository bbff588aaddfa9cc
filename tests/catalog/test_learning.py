"""Participants read lessons and see their progress; organizers and trainers see everyone's."""

from __future__ import annotations

import io

import openpyxl

from lms.catalog.models import CohortCourse, LessonProgress
from tests.helpers import counted_queries, csrf_token


def _setup(make_user, make_cohort, make_course, **pack):
    people = {
        "participant": make_user(full_name="Rina Peserta"),
        "trainer": make_user(),
        "organizer": make_user(),
        "outsider": make_user(),
    }
    cohort = make_cohort(
        participants=[people["participant"]],
        trainers=[people["trainer"]],
        organizers=[people["organizer"]],
    )
    make_cohort(participants=[people["outsider"]])
    course = make_course(cohorts=[cohort], **pack)
    return people, cohort, course


def test_participant_reads_a_lesson_with_previous_and_next(
    client, make_user, make_cohort, make_course, login_as
):
    people, cohort, course = _setup(make_user, make_cohort, make_course)
    login_as(people["participant"])
    detail = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert course.title in detail and "0 dari 3 materi" in detail
    page = client.get(f"/courses/{course.slug}/materi-2").get_data(as_text=True)
    assert "<h1>Materi 2" in page
    assert f'href="/courses/{course.slug}/materi-1"' in page
    assert f'href="/courses/{course.slug}/materi-3"' in page
    assert "Materi 2 dari 3" in page
    assert client.get(f"/courses/{course.slug}/tidak-ada").status_code == 404


def test_marking_done_moves_on_and_shows_in_the_progress_bar(
    client, make_user, make_cohort, make_course, login_as, db
):
    people, cohort, course = _setup(make_user, make_cohort, make_course)
    login_as(people["participant"])
    token = csrf_token(client, f"/courses/{course.slug}/materi-1")
    response = client.post(f"/courses/{course.slug}/materi-1/done", data={"csrf_token": token})
    assert response.headers["Location"] == f"/courses/{course.slug}/materi-2"
    client.post(f"/courses/{course.slug}/materi-1/done", data={"csrf_token": token})  # twice
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "1 dari 3 materi (33%)" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(LessonProgress)) == 1


def test_reaching_the_end_of_a_lesson_marks_it_done_without_script(
    client, make_user, make_cohort, make_course, login_as, db
):
    people, cohort, course = _setup(make_user, make_cohort, make_course)
    login_as(people["participant"])
    page = client.get(f"/courses/{course.slug}/materi-3").get_data(as_text=True)
    end_mark = f"/courses/{course.slug}/materi-3/end.svg"
    assert f'src="{end_mark}" loading="lazy"' in page
    assert page.index(end_mark) > page.index("Isi materi 3")  # after the text
    response = client.get(end_mark)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    row = db.session.scalars(db.select(LessonProgress)).one()
    assert row.how == "end"


def test_nobody_sees_another_cohorts_course_or_progress(
    client, make_user, make_cohort, make_course, login_as
):
    people, cohort, course = _setup(make_user, make_cohort, make_course)
    login_as(people["outsider"])
    assert client.get(f"/courses/{course.slug}").status_code == 403
    assert client.get(f"/courses/{course.slug}/materi-1").status_code == 403
    assert client.get(f"/cohorts/{cohort.id}/progress").status_code == 403
    login_as(people["participant"])
    assert client.get(f"/cohorts/{cohort.id}/progress").status_code == 403
    assert client.get(f"/cohorts/{cohort.id}/progress.xlsx").status_code == 403


def test_a_course_page_finds_the_reader_the_course_and_the_rule_in_one_statement(
    client, db, make_user, make_cohort, make_course, login_as
):
    people, cohort, course = _setup(make_user, make_cohort, make_course)
    url = f"/courses/{course.slug}/materi-1"
    login_as(people["participant"])
    client.get(url)  # the outline is now in the process's cache
    with counted_queries(db) as statements:
        assert client.get(url).status_code == 200
    reads = [s for s in statements if "lms_cohort_course" in s or "lms_course." in s]
    assert len(reads) == 1 and "FROM lms_user_account" in reads[0]  # the user loader's
    login_as(people["outsider"])
    assert client.get(url).status_code == 403
    assert client.get("/courses/tidak-ada/materi-1").status_code == 404
    login_as(make_user(is_admin=True))  # admins read every course, member or not
    assert client.get(url).status_code == 200


def test_trainer_sees_the_progress_table_and_downloads_it(
    client, make_user, make_cohort, make_course, login_as, db
):
    people, cohort, course = _setup(make_user, make_cohort, make_course)
    lesson = course.lessons[0]
    db.session.add(LessonProgress(user_id=people["participant"].id, lesson_id=lesson.id))
    db.session.commit()
    login_as(people["trainer"])
    html = client.get(f"/cohorts/{cohort.id}/progress").get_data(as_text=True)
    assert "Rina Peserta" in html and "1/3 (33%)" in html
    response = client.get(f"/cohorts/{cohort.id}/progress.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[2][1] == "Rina Peserta"
    assert rows[2][4] == "1/3" and rows[2][5] == 33


def test_organizer_chooses_and_orders_the_cohorts_courses(
    client, make_user, make_cohort, make_course, login_as, db
):
    people, cohort, first = _setup(make_user, make_cohort, make_course)
    second = make_course()
    login_as(people["organizer"])
    path = f"/cohorts/{cohort.id}/courses"
    token = csrf_token(client, path)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "course": [str(first.id), str(second.id)],
            f"order-{first.id}": "2",
            f"order-{second.id}": "1",
        },
    )
    assert response.status_code == 302
    rows = db.session.scalars(
        db.select(CohortCourse).filter_by(cohort_id=cohort.id).order_by(CohortCourse.position)
    ).all()
    assert [r.course_id for r in rows] == [second.id, first.id]
    bad = client.post(
        path, data={"csrf_token": token, "course": [str(first.id)], f"order-{first.id}": "x"}
    )
    assert "Urutan harus berupa angka." in bad.get_data(as_text=True)
    assert (
        len(db.session.scalars(db.select(CohortCourse).filter_by(cohort_id=cohort.id)).all()) == 2
    )


def test_script_in_a_pack_lesson_is_neutralised(
    client, make_user, make_cohort, make_course, login_as
):
    evil = (
        "# Materi jahat\n\n<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n[klik](javascript:alert(1))\n\n'
        '<a href="https://contoh.example" onclick="alert(2)">tautan</a>\n'
    )
    people, cohort, course = _setup(make_user, make_cohort, make_course, lessons={"materi-1": evil})
    login_as(people["participant"])
    page = client.get(f"/courses/{course.slug}/materi-1").get_data(as_text=True)
    assert "<script" not in page
    assert "onerror" not in page and "onclick" not in page
    assert "javascript:" not in page
    assert 'href="https://contoh.example"' in page


def test_lesson_page_queries_do_not_grow_with_lessons_or_participants(
    client, make_user, make_cohort, make_course, login_as, db
):
    def count(lessons: int, extra_participants: int) -> int:
        reader = make_user()
        others = [make_user() for _ in range(extra_participants)]
        cohort = make_cohort(participants=[reader, *others])
        course = make_course(
            cohorts=[cohort],
            lessons={f"materi-{i}": f"# Materi {i}\n\nIsi {i}.\n" for i in range(1, lessons + 1)},
        )
        login_as(reader)
        with counted_queries(db) as statements:
            assert client.get(f"/courses/{course.slug}/materi-2").status_code == 200
        return len(statements)

    assert count(3, 0) == count(40, 50)


def test_search_finds_lessons_of_the_cohorts_courses_only(
    client, make_user, make_cohort, make_course, login_as
):
    people, cohort, course = _setup(
        make_user,
        make_cohort,
        make_course,
        lessons={
            "materi-1": "# Rancang bangun\n\nMenulis rancang bangun minimal 300 kata.\n",
            "materi-2": "# Video\n\nDurasi paling lama lima menit.\n",
        },
    )
    make_course(lessons={"lain": "# Lain\n\nRancang bangun di kursus lain.\n"})
    login_as(people["participant"])
    html = client.get(f"/cohorts/{cohort.id}/search?q=rancang+bangun").get_data(as_text=True)
    assert "1 materi ditemukan" in html
    assert f"/courses/{course.slug}/materi-1" in html
    assert "kursus lain" not in html


def test_assignment_spec_page_shows_instructions_and_rubric(
    client, make_user, make_cohort, make_course, login_as
):
    people, cohort, course = _setup(make_user, make_cohort, make_course)
    login_as(people["participant"])
    html = client.get(f"/courses/{course.slug}/assignments/proposal").get_data(as_text=True)
    assert "Proposal Uji" in html and "<strong>proposal</strong>" in html
    assert "Rubrik Uji" in html and "Kebaruan" in html and "Ada unsur baru yang jelas." in html


def test_a_name_that_looks_like_a_formula_stays_text_in_the_spreadsheet(
    client, make_user, make_cohort, make_course, login_as, db
):
    people, cohort, _course = _setup(make_user, make_cohort, make_course)
    people["participant"].full_name = '=HYPERLINK("http://contoh.example","klik")'
    db.session.commit()
    login_as(people["trainer"])
    response = client.get(f"/cohorts/{cohort.id}/progress.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cell = sheet.cell(row=3, column=2)
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")


def test_the_lesson_outline_is_read_once_and_follows_a_new_sync(
    client, make_user, make_cohort, make_course, login_as, db, tmp_path
):
    from lms.catalog.operations import sync_pack
    from lms.catalog.packs import load_pack
    from tests.helpers import write_pack

    people, cohort, course = _setup(make_user, make_cohort, make_course)
    login_as(people["participant"])
    url = f"/courses/{course.slug}/materi-2"
    with counted_queries(db) as first:
        assert "Materi 2 dari 3" in client.get(url).get_data(as_text=True)
    with counted_queries(db) as again:
        client.get(url)
    assert len(again) == len(first) - 1  # the outline comes from the process's cache
    # The pack changes: a lesson before materi-2, materi-3 is gone.
    lessons = {f"materi-{i}": f"# Materi {i}\n\nIsi {i}.\n" for i in (0, 1, 2)}
    loaded, problems = load_pack(write_pack(tmp_path, course.slug, lessons=lessons))
    assert loaded is not None, problems
    sync_pack(loaded)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Materi 3 dari 3" in page and f"/courses/{course.slug}/materi-3" not in page
    assert client.get(f"/courses/{course.slug}/materi-3").status_code == 404
    assert "Materi 1 dari 3" in client.get(f"/courses/{course.slug}/materi-0").get_data(
        as_text=True
    )
