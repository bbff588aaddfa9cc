"""A cohort's own copy of a pack rubric: copy, adjust before grading starts, back to the pack;
refused once a review exists; the pack rubric and pack sync are not affected."""

from __future__ import annotations

import re

import pytest

from lms.audit import AuditEvent
from lms.catalog.models import Rubric
from lms.grading import operations as grading
from lms.grading import rubric_content
from lms.grading.models import GradingPlan
from lms.grading.operations import RubricConflict, RubricEditError, RubricInvalid
from lms.grading.queries import submission as grading_queries
from lms.grading.scoring import compute
from tests.grading.conftest import GATED_RUBRIC_TOML, allocate, mark
from tests.helpers import csrf_token

GATES = {"memperbarui": True}


@pytest.fixture
def ctx(app, grading_world):
    with app.test_request_context():
        yield grading_world


def _copy(ctx):
    return grading.copy_rubric(grading.plan_for(ctx.assignment), ctx.organizer)


def _content(db, rubric_id):
    db.session.expire_all()
    return rubric_content.content_of(db.session.get(Rubric, rubric_id))


# --- operations ---------------------------------------------------------------------------------


def test_a_copy_becomes_the_cohorts_rubric_for_new_reviews(ctx, db):
    pack = grading_queries.pack_rubric(ctx.assignment)
    copy = _copy(ctx)
    assert copy.id != pack.id
    assert (copy.cohort_id, copy.source_id, copy.current, copy.frozen) == (
        ctx.cohort.id,
        pack.id,
        False,
        False,
    )
    assert (copy.course_id, copy.key, copy.version) == (pack.course_id, pack.key, pack.version)
    assert rubric_content.content_of(copy) == rubric_content.content_of(pack)
    assert {c.id for c in copy.criteria}.isdisjoint({c.id for c in pack.criteria})
    assert grading_queries.rubric_for(ctx.assignment).id == copy.id
    # The pack's "current rubric" is still the pack's own row.
    assert grading_queries.pack_rubric(ctx.assignment).id == pack.id
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="rubric.copy"))
    assert event.actor_id == ctx.organizer.id and event.cohort_id == ctx.cohort.id
    assert event.object_id == copy.id and event.after["source_id"] == pack.id


def test_a_new_review_uses_and_freezes_the_copy(ctx, db):
    copy = _copy(ctx)
    ani = ctx.participants[0]
    allocate(ctx.assignment, ani, ctx.trainers[0])
    review = mark(ctx.submission_of(ani), ctx.trainers[0], done=False)
    assert review.rubric_id == copy.id
    assert db.session.get(Rubric, copy.id).frozen
    assert not grading_queries.pack_rubric(ctx.assignment).frozen


def test_editing_the_copy_changes_the_scores_and_not_the_pack(ctx, db):
    pack = grading_queries.pack_rubric(ctx.assignment)
    pack_before = rubric_content.content_of(pack)
    copy = _copy(ctx)
    points = {"kebaruan": 1, "manfaat": 1}  # 50: below the pack's pass mark of 60
    assert compute(copy, points, GATES).passed is False
    assert compute(copy, {"kebaruan": 1, "manfaat": 2}, GATES).total == 70.0

    changed = grading.update_rubric(
        copy,
        {
            "pass_mark": "45",
            "criterion-kebaruan-weight": "20",
            "criterion-manfaat-weight": "80",
            "level-kebaruan-0-descriptor": "Belum ada unsur baru bagi daerah.",
            "band-0-label": "Sangat Baik",
            "band-0-min": "85",
            "band-1-label": "Baik",
            "band-1-min": "70",
            "band-2-label": "Kurang",
            "band-2-min": "0",
        },
        ctx.organizer,
    )
    assert changed is True
    db.session.flush()
    db.session.expire_all()
    copy = db.session.get(Rubric, copy.id)
    # The new pass mark turns the same marking into a pass; the new weights move the total.
    assert compute(copy, points, GATES).passed is True
    score = compute(copy, {"kebaruan": 1, "manfaat": 2}, GATES)  # 20·½ + 80·1 = 90
    assert (score.total, score.band) == (90.0, "Sangat Baik")
    assert copy.criteria[0].levels[0]["descriptor"] == "Belum ada unsur baru bagi daerah."
    assert [b["label"] for b in copy.bands] == ["Sangat Baik", "Baik", "Kurang"]
    # New reviews score with the copy; the pack rubric is what it was.
    assert grading_queries.rubric_for(ctx.assignment).id == copy.id
    assert _content(db, pack.id) == pack_before
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="rubric.update"))
    assert event.before["pass_mark"] == 60.0 and event.after["pass_mark"] == 45.0
    assert event.actor_id == ctx.organizer.id and event.cohort_id == ctx.cohort.id


def test_bands_are_kept_highest_first_and_an_empty_row_removes_one(ctx, db):
    copy = _copy(ctx)
    grading.update_rubric(
        copy,
        {
            "band-0-label": "",
            "band-0-min": "",  # "Baik ≥ 70" removed
            "band-1-label": "Kurang",
            "band-1-min": "0",
            "band-2-label": "Cukup",
            "band-2-min": "60,5",  # a decimal comma is fine
        },
        ctx.organizer,
    )
    assert copy.bands == [{"label": "Cukup", "min": 60.5}, {"label": "Kurang", "min": 0}]


def test_bad_edits_are_all_reported_by_field_and_nothing_changes(ctx, db):
    copy = _copy(ctx)
    before = rubric_content.content_of(copy)
    stored_hash = copy.content_hash
    with pytest.raises(RubricInvalid) as caught:
        grading.update_rubric(
            copy,
            {
                "title": "  ",
                "pass_mark": "150",
                "band-0-label": "Baik",
                "band-0-min": "70",
                "band-1-label": "baik",  # the same label, another case
                "band-1-min": "50",
                "band-2-label": "Cukup",
                "band-2-min": "seratus",
                "criterion-kebaruan-weight": "0",
                "criterion-manfaat-weight": "-5",
                "criterion-manfaat-title": "Manfaat terukur",  # valid, but not saved either
                "level-kebaruan-1-points": "1",  # not above level 1 (1)
                "level-manfaat-0-points": "x",
            },
            ctx.organizer,
        )
    errors = caught.value.errors
    assert set(errors) == {
        "title",
        "pass_mark",
        "band-1-label",
        "band-2-min",
        "criterion-kebaruan-weight",
        "criterion-manfaat-weight",
        "level-kebaruan-1-points",
        "level-manfaat-0-points",
    }
    assert "0 sampai 100" in errors["pass_mark"][0]
    assert "sudah dipakai" in errors["band-1-label"][0]
    assert "lebih dari 0" in errors["criterion-kebaruan-weight"][0]
    assert "lebih besar" in errors["level-kebaruan-1-points"][0]
    assert _content(db, copy.id) == before
    assert db.session.get(Rubric, copy.id).content_hash == stored_hash
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="rubric.update")) is None


def test_points_must_rise_from_level_to_level(ctx, db):
    copy = _copy(ctx)
    with pytest.raises(RubricInvalid) as caught:
        grading.update_rubric(
            copy, {"level-manfaat-0-points": "3", "level-manfaat-1-points": "2"}, ctx.organizer
        )
    assert list(caught.value.errors) == ["level-manfaat-1-points"]
    # Zero points for the lowest level is allowed.
    grading.update_rubric(copy, {"level-manfaat-0-points": "0"}, ctx.organizer)
    assert [lvl["points"] for lvl in copy.criteria[1].levels] == [0, 2]


def test_the_pack_rubric_itself_cannot_be_edited_here(ctx, db):
    pack = grading_queries.pack_rubric(ctx.assignment)
    with pytest.raises(RubricEditError, match="paket mata pelatihan"):
        grading.update_rubric(pack, {"pass_mark": "10"}, ctx.organizer)
    assert db.session.get(Rubric, pack.id).pass_mark == 60


def test_a_frozen_copy_cannot_be_edited(ctx, db):
    copy = _copy(ctx)
    copy.frozen = True
    with pytest.raises(RubricEditError, match="terkunci"):
        grading.update_rubric(copy, {"pass_mark": "10"}, ctx.organizer)


def test_saving_an_unchanged_copy_changes_nothing(ctx, db):
    copy = _copy(ctx)
    stored_hash = copy.content_hash
    assert grading.update_rubric(copy, rubric_content.rubric_values(copy), ctx.organizer) is False
    assert copy.content_hash == stored_hash
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="rubric.update")) is None


def test_a_stale_form_is_refused(ctx, db):
    copy = _copy(ctx)
    loaded = copy.content_hash
    grading.update_rubric(copy, {"title": "Rubrik Kelas A"}, ctx.organizer)
    with pytest.raises(RubricConflict):
        grading.update_rubric(
            copy, {"title": "Rubrik Kelas B"}, ctx.organizer, expected_hash=loaded
        )
    assert copy.title == "Rubrik Kelas A"


def test_copy_is_refused_once_a_review_exists(ctx, db):
    ani = ctx.participants[0]
    allocate(ctx.assignment, ani, ctx.trainers[0])
    mark(ctx.submission_of(ani), ctx.trainers[0], done=False)
    with pytest.raises(RubricEditError, match="sudah dimulai"):
        _copy(ctx)
    assert grading.plan_for(ctx.assignment).rubric_id is None
    assert db.session.scalar(db.select(Rubric).where(Rubric.cohort_id.is_not(None))) is None


def test_edit_and_reset_are_refused_once_a_review_exists(ctx, db):
    copy = _copy(ctx)
    ani = ctx.participants[0]
    allocate(ctx.assignment, ani, ctx.trainers[0])
    mark(ctx.submission_of(ani), ctx.trainers[0], done=False)
    with pytest.raises(RubricEditError):
        grading.update_rubric(copy, {"pass_mark": "10"}, ctx.organizer)
    with pytest.raises(RubricEditError, match="sudah dimulai"):
        grading.reset_to_pack(grading.plan_for(ctx.assignment), ctx.organizer)
    assert grading_queries.rubric_for(ctx.assignment).id == copy.id
    assert db.session.get(Rubric, copy.id).pass_mark == 60


def test_reset_goes_back_to_the_pack_and_keeps_the_copy(ctx, db):
    pack = grading_queries.pack_rubric(ctx.assignment)
    copy = _copy(ctx)
    plan = grading.plan_for(ctx.assignment)
    grading.reset_to_pack(plan, ctx.organizer)
    assert plan.rubric_id is None
    assert grading_queries.rubric_for(ctx.assignment).id == pack.id
    assert db.session.get(Rubric, copy.id) is not None
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="rubric.reset"))
    assert event.before == {"rubric_id": copy.id} and event.object_id == plan.id
    with pytest.raises(RubricEditError, match="sudah memakai rubrik paket"):
        grading.reset_to_pack(plan, ctx.organizer)
    # Copying again makes a fresh copy.
    again = _copy(ctx)
    assert again.id != copy.id and grading_queries.rubric_for(ctx.assignment).id == again.id


def test_copy_twice_and_copy_without_a_pack_rubric_are_refused(ctx, db):
    _copy(ctx)
    with pytest.raises(RubricEditError, match="sudah memakai salinan"):
        _copy(ctx)
    other = ctx.other_cohort
    from lms.submissions.models import CohortAssignment

    assignment = db.session.scalar(db.select(CohortAssignment).filter_by(cohort_id=other.id))
    assignment.spec.rubric_key = None
    with pytest.raises(RubricEditError, match="tidak memiliki rubrik"):
        grading.copy_rubric(grading.plan_for(assignment), ctx.organizer)


def test_pack_sync_updates_the_pack_rubric_and_leaves_copies_alone(ctx, db, tmp_path):
    from lms.catalog.models import Course
    from lms.catalog.operations import sync_pack
    from lms.catalog.packs import load_pack
    from tests.helpers import write_pack

    pack = grading_queries.pack_rubric(ctx.assignment)
    copy = _copy(ctx)
    grading.update_rubric(copy, {"pass_mark": "50"}, ctx.organizer)
    copy_content = rubric_content.content_of(copy)
    course = db.session.get(Course, pack.course_id)

    changed = GATED_RUBRIC_TOML.replace('title = "Rubrik Uji"', 'title = "Rubrik Uji Baru"')
    loaded, problems = load_pack(write_pack(tmp_path, course.slug, rubrics={"uji": changed}))
    assert loaded is not None, problems
    sync_pack(loaded)
    db.session.flush()
    db.session.expire_all()

    # The pack rubric was not used for marking: it is updated in place.
    current = grading_queries.pack_rubric(ctx.assignment)
    assert current.id == pack.id and current.title == "Rubrik Uji Baru"
    assert _content(db, copy.id) == copy_content
    assert db.session.get(Rubric, copy.id).current is False
    assert grading_queries.rubric_for(ctx.assignment).id == copy.id
    # Back to the pack: the synced version.
    grading.reset_to_pack(grading.plan_for(ctx.assignment), ctx.organizer)
    assert grading_queries.rubric_for(ctx.assignment).title == "Rubrik Uji Baru"


def test_pack_sync_after_the_copy_was_used_makes_a_new_pack_version(ctx, db, tmp_path):
    """A frozen copy does not count as the pack's rubric: the unfrozen pack row is updated."""
    from lms.catalog.models import Course
    from lms.catalog.operations import sync_pack
    from lms.catalog.packs import load_pack
    from tests.helpers import write_pack

    pack = grading_queries.pack_rubric(ctx.assignment)
    copy = _copy(ctx)
    ani = ctx.participants[0]
    allocate(ctx.assignment, ani, ctx.trainers[0])
    mark(ctx.submission_of(ani), ctx.trainers[0])
    course = db.session.get(Course, pack.course_id)
    changed = GATED_RUBRIC_TOML.replace("pass_mark = 60", "pass_mark = 65")
    loaded, problems = load_pack(write_pack(tmp_path, course.slug, rubrics={"uji": changed}))
    assert loaded is not None, problems
    sync_pack(loaded)
    db.session.flush()
    db.session.expire_all()
    rubrics = db.session.scalars(db.select(Rubric).filter_by(course_id=course.id)).all()
    assert sorted((r.cohort_id is not None, r.current, r.pass_mark) for r in rubrics) == [
        (False, True, 65.0),
        (True, False, 60.0),
    ]
    assert grading_queries.rubric_for(ctx.assignment).id == copy.id


# --- pages --------------------------------------------------------------------------------------


def _urls(world):
    base = f"/cohorts/{world.cohort.id}/grading/assignments/{world.assignment.id}"
    return {
        "settings": f"{base}/settings",
        "copy": f"{base}/rubric/copy",
        "edit": f"{base}/rubric",
        "reset": f"{base}/rubric/reset",
    }


def _post(client, url, form_url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, form_url), **data})


def test_copy_edit_and_reset_through_the_pages(grading_world, login_as, db):
    w = grading_world
    urls = _urls(w)
    client = login_as(w.organizer)
    html = client.get(urls["settings"]).get_data(as_text=True)
    assert "Rubrik paket mata pelatihan" in html and "Salin rubrik ke kelas ini" in html
    assert "Ubah rubrik kelas" not in html

    response = _post(client, urls["copy"], urls["settings"])
    assert response.status_code == 302 and response.location.endswith(urls["edit"])
    plan = db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=w.assignment.id))
    assert plan.rubric.cohort_id == w.cohort.id

    html = client.get(urls["edit"]).get_data(as_text=True)
    assert 'value="60"' in html  # the pass mark, as stored
    assert "Ada unsur baru yang jelas." in html  # a descriptor, editable
    lock = re.search(r'name="lock" value="([0-9a-f]{64})"', html).group(1)
    response = _post(
        client,
        urls["edit"],
        urls["edit"],
        lock=lock,
        pass_mark="70",
        **{"level-kebaruan-1-descriptor": "Unsur baru yang jelas dan teruji."},
    )
    assert response.status_code == 302
    html = client.get(urls["settings"]).get_data(as_text=True)
    assert "Rubrik kelas sudah disimpan." in html
    assert "Salinan kelas ini" in html and "Unsur baru yang jelas dan teruji." in html
    assert "70 dari 100" in html

    response = _post(client, urls["reset"], urls["settings"])
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(GradingPlan, plan.id).rubric_id is None
    html = client.get(urls["settings"]).get_data(as_text=True)
    assert "Rubrik paket mata pelatihan" in html and "60 dari 100" in html


def test_bad_edits_show_messages_next_to_the_fields_and_keep_the_values(
    grading_world, login_as, db
):
    w = grading_world
    urls = _urls(w)
    client = login_as(w.organizer)
    _post(client, urls["copy"], urls["settings"])
    plan = db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=w.assignment.id))
    before = _content(db, plan.rubric_id)
    response = _post(
        client,
        urls["edit"],
        urls["edit"],
        pass_mark="150",
        **{
            "criterion-kebaruan-weight": "0",
            "level-manfaat-0-points": "5",  # above level 2 (2)
            "band-0-label": "Baik",
            "band-0-min": "70",
            "band-1-label": "Baik",
            "band-1-min": "10",
            "criterion-manfaat-title": "Manfaat bagi warga",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Periksa isian yang ditandai" in html
    names = ("pass_mark", "criterion-kebaruan-weight", "level-manfaat-1-points", "band-1-label")
    for name in names:
        assert re.search(rf'aria-describedby="[^"]*\b{name}-error"', html), name
        assert f'<p class="error" id="{name}-error">' in html, name
    assert 'id="pass_mark" name="pass_mark" value="150"' in html
    assert 'value="Manfaat bagi warga"' in html  # a valid value is kept too
    assert _content(db, plan.rubric_id) == before


def test_the_pages_refuse_changes_once_grading_started(app, grading_world, login_as, db):
    w = grading_world
    urls = _urls(w)
    client = login_as(w.organizer)
    _post(client, urls["copy"], urls["settings"])
    with app.test_request_context():
        allocate(w.assignment, w.participants[0], w.trainers[0])
        mark(w.submission_of(w.participants[0]), w.trainers[0], done=False)
        db.session.commit()
    html = client.get(urls["settings"]).get_data(as_text=True)
    assert "Terkunci" in html
    assert "Ubah rubrik kelas" not in html and "Kembali ke rubrik paket" not in html
    response = client.get(urls["edit"])
    assert response.status_code == 302
    response = _post(client, urls["edit"], urls["settings"], pass_mark="10")
    assert response.status_code == 302
    assert "terkunci" in client.get(urls["settings"]).get_data(as_text=True)
    response = _post(client, urls["reset"], urls["settings"])
    assert response.status_code == 302
    assert "sudah dimulai" in client.get(urls["settings"]).get_data(as_text=True)
    plan = db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=w.assignment.id))
    db.session.refresh(plan)
    assert plan.rubric.cohort_id == w.cohort.id and plan.rubric.pass_mark == 60


def test_edit_without_a_copy_sends_the_organizer_back_to_copy_first(grading_world, login_as):
    w = grading_world
    urls = _urls(w)
    client = login_as(w.organizer)
    response = client.get(urls["edit"])
    assert response.status_code == 302 and urls["settings"] in response.location
    assert "Salin dulu rubrik" in client.get(urls["settings"]).get_data(as_text=True)


@pytest.mark.parametrize("who", ["participant", "trainer"])
def test_participants_and_trainers_may_not_copy_edit_or_reset(grading_world, login_as, who, db):
    w = grading_world
    urls = _urls(w)
    person = w.participants[0] if who == "participant" else w.trainers[0]
    client = login_as(person)
    token = csrf_token(client, "/dashboard")
    assert client.get(urls["edit"]).status_code == 403
    for name in ("copy", "edit", "reset"):
        assert client.post(urls[name], data={"csrf_token": token}).status_code == 403, name
    assert db.session.scalar(db.select(Rubric).where(Rubric.cohort_id.is_not(None))) is None


def test_an_assignment_of_another_cohort_is_not_found(grading_world, login_as, db):
    from lms.submissions.models import CohortAssignment

    w = grading_world
    foreign = db.session.scalar(db.select(CohortAssignment).filter_by(cohort_id=w.other_cohort.id))
    base = f"/cohorts/{w.cohort.id}/grading/assignments/{foreign.id}"
    client = login_as(w.organizer)
    token = csrf_token(client, "/dashboard")
    assert client.get(f"{base}/rubric").status_code == 404
    for suffix in ("/rubric/copy", "/rubric", "/rubric/reset"):
        assert client.post(base + suffix, data={"csrf_token": token}).status_code == 404


def test_an_edit_from_a_stale_page_is_refused_and_keeps_the_input(grading_world, login_as, db):
    w = grading_world
    urls = _urls(w)
    client = login_as(w.organizer)
    _post(client, urls["copy"], urls["settings"])
    html = client.get(urls["edit"]).get_data(as_text=True)
    lock = re.search(r'name="lock" value="([0-9a-f]{64})"', html).group(1)
    assert _post(client, urls["edit"], urls["edit"], lock=lock, pass_mark="70").status_code == 302
    response = _post(client, urls["edit"], urls["edit"], lock=lock, pass_mark="65")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "baru saja diubah orang lain" in html
    assert 'id="pass_mark" name="pass_mark" value="65"' in html
    plan = db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=w.assignment.id))
    assert _content(db, plan.rubric_id)["pass_mark"] == 70


# --- bands and pass mark agree ------------------------------------------------------------------


def test_a_band_named_like_a_pass_below_the_pass_mark_is_refused_next_to_it(
    grading_world, login_as, db
):
    w = grading_world
    urls = _urls(w)
    client = login_as(w.organizer)
    _post(client, urls["copy"], urls["settings"])
    plan = db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=w.assignment.id))
    before = _content(db, plan.rubric_id)
    response = _post(
        client,
        urls["edit"],
        urls["edit"],
        **{"band-2-label": "Cukup", "band-2-min": "55"},  # pass mark 60
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = (
        "Predikat “Cukup” dimulai dari 55, di bawah nilai lulus 60, padahal namanya terbaca "
        "lulus. Mulai predikat ini dari 60, atau ganti namanya."
    )
    assert f'<p class="error" id="band-2-label-error">{message}</p>' in html
    assert re.search(r'id="band-2-label"[^>]*aria-describedby="[^"]*band-2-label-error"', html)
    assert _content(db, plan.rubric_id) == before


def test_raising_the_pass_mark_above_a_pass_band_is_refused_next_to_the_band(ctx, db):
    copy = _copy(ctx)
    with pytest.raises(RubricInvalid) as caught:
        grading.update_rubric(copy, {"pass_mark": "75"}, ctx.organizer)  # "Baik" starts at 70
    assert caught.value.errors == {
        "band-0-label": [
            "Predikat “Baik” dimulai dari 70, di bawah nilai lulus 75, padahal namanya terbaca "
            "lulus. Mulai predikat ini dari 75, atau ganti namanya."
        ]
    }
    assert copy.pass_mark == 60


def test_a_band_named_like_a_fail_at_the_pass_mark_is_refused(ctx, db):
    copy = _copy(ctx)
    with pytest.raises(RubricInvalid) as caught:
        grading.update_rubric(copy, {"band-1-label": "Belum lulus", "band-1-min": "60"}, None)
    assert caught.value.errors["band-1-label"] == [
        "Predikat “Belum lulus” dimulai dari 60, sama dengan atau di atas nilai lulus 60, padahal "
        "namanya terbaca tidak lulus. Mulai predikat ini di bawah 60, atau ganti namanya."
    ]
    # Without a pass mark band names decide nothing.
    assert grading.update_rubric(
        copy, {"pass_mark": "", "band-1-label": "Belum lulus", "band-1-min": "60"}, None
    )


def test_a_copy_keeps_zero_level_and_parts_and_its_first_level_stays_above_0(
    app, db, make_cohort, make_user, make_course
):
    from lms.submissions import operations as subs
    from tests.grading.test_grading_decided import PARTS_RUBRIC

    organizer = make_user()
    cohort = make_cohort(organizers=[organizer])
    make_course(cohorts=[cohort], rubrics={"uji": PARTS_RUBRIC})
    with app.test_request_context():
        (assignment,) = subs.ensure_cohort_assignments(cohort)
        copy = grading.copy_rubric(grading.plan_for(assignment), organizer)
        kebaruan, kelengkapan = copy.criteria
        assert (kelengkapan.zero_level, kelengkapan.parts) == (
            True,
            ["dasar_hukum", "isu_strategis"],
        )
        assert (kebaruan.zero_level, kebaruan.parts) == (False, ["metode_pembaharuan"])
        with pytest.raises(RubricInvalid) as caught:
            grading.update_rubric(copy, {"level-kelengkapan-0-points": "0"}, organizer)
        assert caught.value.errors == {
            "level-kelengkapan-0-points": [
                "Kriteria ini sudah memberi 0 poin bila bagian yang dinilainya tidak ada; skor "
                "tingkat pertama harus lebih dari 0."
            ]
        }
        # Another criterion may start at 0.
        assert grading.update_rubric(copy, {"level-kebaruan-0-points": "0"}, organizer)
