"""Stage gates: the stages are data with exit criteria; mentors tick, moving on needs every
criterion or the coordinator's written override; Deliver creates or links the registry
innovation (nothing typed twice) and schedules the follow-ups."""

from __future__ import annotations

from datetime import timedelta

from lms.clinic.models import Consultation, CriterionTick, FollowUp, StageMove
from lms.clinic.stages import SHIPPED_FILE, current_stages, load_stages
from lms.innovations.models import Innovation, Innovator
from tests.clinic.conftest import page
from tests.helpers import csrf_token


def test_the_shipped_stages_are_lans_with_criteria():
    stages, problems = load_stages(SHIPPED_FILE)
    assert problems == []
    assert stages.keys == ("drum_up", "diagnose", "design", "deliver", "display", "documentation")
    assert stages.deliver == "deliver"
    assert all(s.criteria for s in stages.stages)


def test_a_broken_stage_file_is_reported_with_its_lines(tmp_path):
    path = tmp_path / "stages.toml"
    path.write_text(
        'deliver = "kirim"\n\n[[stages]]\nkey = "Satu Dua"\nname = "Satu"\n\n'
        '[[stages]]\nkey = "dua"\nname = ""\n\n[[stages]]\nkey = "tiga"\nname = "Tiga"\n'
        '  [[stages.criteria]]\n  key = "a"\n  text = ""\n',
        encoding="utf-8",
    )
    stages, problems = load_stages(path)
    assert stages is None
    text = [str(p) for p in problems]
    assert f"{path}:3: stage 1: key must be lower-case letters, digits and _ (at most 30)" in text
    assert any(t.startswith(f"{path}:9: stage dua: name") for t in text)
    assert any("criterion a needs a text" in t for t in text)
    assert any(t.startswith(f"{path}:1: deliver must name one of the stage keys") for t in text)


def test_the_check_command(app, tmp_path):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["lms", "clinic", "check"])
    assert ok.exit_code == 0 and "OK (6 stages" in ok.output
    broken = tmp_path / "broken.toml"
    broken.write_text("stages = 1\n", encoding="utf-8")
    bad = runner.invoke(args=["lms", "clinic", "check", str(broken)])
    assert bad.exit_code == 1 and f"{broken}:1:" in bad.output


def _tick(client, case, keys):
    token = csrf_token(client, f"/clinic/{case.id}/stage")
    return client.post(f"/clinic/{case.id}/stage", data={"csrf_token": token, "criteria": keys})


def _next(client, case, **data):
    token = csrf_token(client, f"/clinic/{case.id}/stage")
    return client.post(
        f"/clinic/{case.id}/stage/next",
        data={"csrf_token": token, "innovation": "later", **data},
    )


def test_a_mentor_ticks_every_criterion_then_moves_on(app, client, db, clinic, make_case, login_as):
    case = make_case(state="active")
    stage = current_stages(app.config).get("drum_up")
    login_as(clinic.mentor)
    refused = _next(client, case)
    assert refused.status_code == 400
    assert "Centang semua kriteria tahap ini dulu" in page(refused)
    assert _tick(client, case, list(stage.criterion_keys)[:1]).status_code == 302
    html = page(client.get(f"/clinic/{case.id}/stage"))
    assert stage.criteria[1].text in html  # still listed as open
    assert _tick(client, case, list(stage.criterion_keys)).status_code == 302
    assert _next(client, case).status_code == 302
    db.session.expire_all()
    case = db.session.get(Consultation, case.id)
    assert case.stage == "diagnose"
    move = db.session.scalar(db.select(StageMove))
    assert (move.from_stage, move.to_stage, move.override_reason) == ("drum_up", "diagnose", "")


def test_the_requester_reads_the_criteria_but_cannot_tick(
    app, client, db, clinic, make_case, login_as
):
    case = make_case(state="active")
    login_as(clinic.requester)
    html = page(client.get(f"/clinic/{case.id}/stage"))
    assert "Pimpinan perangkat daerah mendukung" in html and 'name="criteria"' not in html
    assert _tick(client, case, ["pimpinan_mendukung"]).status_code == 404
    assert db.session.scalar(db.select(db.func.count(CriterionTick.id))) == 0


def test_an_unknown_criterion_is_refused(client, db, clinic, make_case, login_as):
    case = make_case(state="active")
    login_as(clinic.mentor)
    response = _tick(client, case, ["tidak_ada"])
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(CriterionTick.id))) == 0


def test_the_coordinator_overrides_with_a_written_reason(client, db, clinic, make_case, login_as):
    case = make_case(state="active")
    login_as(clinic.coordinator)
    empty = _next(client, case, override_reason=" ")
    assert empty.status_code == 400
    assert "tulis alasan untuk melanjutkan" in page(empty)
    done = _next(client, case, override_reason="Pimpinan sudah setuju lisan; surat menyusul.")
    assert done.status_code == 302
    move = db.session.scalar(db.select(StageMove))
    assert move.override_reason == "Pimpinan sudah setuju lisan; surat menyusul."
    assert "pimpinan_mendukung" in move.open_criteria
    login_as(clinic.requester)
    html = page(client.get(f"/clinic/{case.id}"))
    assert "Dilanjutkan koordinator walau ada kriteria yang belum dicentang." in html
    assert "surat menyusul" not in page(client.get(f"/clinic/{case.id}/stage"))


def _proposal_of(app, db, person, cohort):
    """A submitted, graded (released) proposal of ``person`` in ``cohort``."""
    from lms.grading.models import Grade
    from lms.submissions import operations as ops
    from lms.submissions.fields import PP38_CRITERIA
    from tests.helpers import valid_proposal

    with app.test_request_context():
        (assignment,) = ops.ensure_cohort_assignments(cohort)
        submission = ops.submission_for(assignment, person)
        ops.save_draft(submission, {**valid_proposal(), "nama_inovasi": "Loket Tanpa Antre"})
        ops.submit(submission, self_check={k: True for k, _l in PP38_CRITERIA}, statement=True)
        db.session.flush()
        version = submission.versions[-1]
        db.session.add(
            Grade(
                submission_id=submission.id,
                version_id=version.id,
                status="agreed",
                outcome="grade",
                total=80,
                released_dt=version.submitted_dt,
            )
        )
        db.session.commit()
    return submission


def _to_deliver(client, db, case, clinic, login_as, **data):
    login_as(clinic.coordinator)
    while case.stage != "deliver":
        response = _next(client, case, override_reason="Uji", **data)
        assert response.status_code == 302, page(response)
        db.session.expire_all()
        case = db.session.get(Consultation, case.id)
    return case


def test_reaching_deliver_creates_the_innovation_from_the_case_and_its_proposal(
    app, client, db, clinic, make_case, make_cohort, make_course, login_as
):
    cohort = make_cohort(participants=[clinic.requester], region_id=clinic.region.id)
    make_course(cohorts=[cohort])
    submission = _proposal_of(app, db, clinic.requester, cohort)
    case = make_case(state="active", submission=submission, title="Antrean loket puskesmas")
    login_as(clinic.coordinator)
    for _step in range(2):
        assert _next(client, case, override_reason="Uji").status_code == 302
    html = page(client.get(f"/clinic/{case.id}/stage"))
    assert "Isian yang dibawa ke registri" in html and "Loket Tanpa Antre" in html
    case = _to_deliver(client, db, case, clinic, login_as, innovation="create")
    assert case.stage == "deliver" and case.delivered_dt is not None
    innovation = db.session.get(Innovation, case.innovation_id)
    # Nothing typed twice: the proposal's fields, the case's office and the requester.
    assert innovation.name == "Loket Tanpa Antre"
    assert innovation.office_id == clinic.dinkes.id and innovation.state == "draft"
    assert innovation.source_version_id == submission.versions[-1].id
    assert innovation.profile["latar_belakang"]
    people = db.session.scalars(db.select(Innovator).filter_by(innovation_id=innovation.id)).all()
    assert [p.user_id for p in people] == [clinic.requester.id]
    follow_ups = db.session.scalars(
        db.select(FollowUp).filter_by(consultation_id=case.id).order_by(FollowUp.months)
    ).all()
    assert [f.months for f in follow_ups] == [3, 6, 12]
    start = follow_ups[0].due_date - timedelta(days=80)
    assert follow_ups[0].due_date > start and follow_ups[2].due_date.year >= start.year
    assert all(
        f.innovation_id == innovation.id and f.user_id == clinic.requester.id for f in follow_ups
    )


def test_without_a_proposal_the_case_itself_fills_the_profile(
    client, db, clinic, make_case, login_as
):
    case = make_case(
        state="active", title="Antrean KTP kecamatan", problem="Warga datang dua kali."
    )
    case = _to_deliver(client, db, case, clinic, login_as, innovation="create")
    innovation = db.session.get(Innovation, case.innovation_id)
    assert innovation.name == "Antrean KTP kecamatan"
    assert innovation.profile["latar_belakang"] == "Warga datang dua kali."
    assert innovation.profile["perangkat_daerah"] == "Dinas Kesehatan"


def test_reaching_deliver_can_link_an_innovation_of_the_office(
    app, client, db, clinic, make_case, login_as
):
    from lms.innovations import operations as innovations

    with app.test_request_context():
        existing = innovations.create_innovation(
            clinic.region,
            {"nama_inovasi": "Si Cepat"},
            innovations.Details(office=clinic.dinkes),
            actor=clinic.coordinator,
        )
        other = innovations.create_innovation(
            clinic.region,
            {"nama_inovasi": "Milik Disdik"},
            innovations.Details(office=clinic.disdik),
            actor=clinic.coordinator,
        )
        db.session.commit()
    case = make_case(state="active")
    login_as(clinic.coordinator)
    for _step in range(2):
        _next(client, case, override_reason="Uji")
    html = page(client.get(f"/clinic/{case.id}/stage"))
    assert "Si Cepat" in html and "Milik Disdik" not in html
    refused = _next(client, case, override_reason="Uji", innovation="link", link_to=str(other.id))
    assert refused.status_code == 400
    response = _next(
        client, case, override_reason="Uji", innovation="link", link_to=str(existing.id)
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Consultation, case.id).innovation_id == existing.id


def test_left_for_later_the_innovation_is_made_afterwards(client, db, clinic, make_case, login_as):
    case = _to_deliver(client, db, make_case(state="active"), clinic, login_as)
    assert case.innovation_id is None
    html = page(client.get(f"/clinic/{case.id}"))
    assert "Catat di registri inovasi daerah" in html
    token = csrf_token(client, f"/clinic/{case.id}/innovation")
    response = client.post(
        f"/clinic/{case.id}/innovation", data={"csrf_token": token, "innovation": "create"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Consultation, case.id).innovation_id is not None


def test_past_the_last_stage_the_case_is_done(app, db, clinic, make_case):
    case = make_case(state="active", stage="documentation")
    from lms.clinic import operations
    from lms.clinic.access import CaseAccess

    with app.test_request_context():
        operations.move_on(
            case,
            current_stages(app.config),
            CaseAccess(coordinator=True),
            operations.MoveInput(override_reason="Selesai"),
            actor=clinic.coordinator,
        )
        db.session.commit()
    assert case.state == "done" and case.ended_dt is not None
    assert db.session.scalar(db.select(StageMove).order_by(StageMove.id.desc())).to_stage == ""
