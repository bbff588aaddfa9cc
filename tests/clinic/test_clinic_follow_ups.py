"""Follow-ups: 3, 6 and 12 months after Deliver and after a class for each graded proposal,
made by ``flask lms clinic follow-ups`` (idempotent) and by the Deliver move; the innovator's
answer is recorded on the innovation; unanswered ones are listed for the coordinator."""

from __future__ import annotations

from datetime import date, timedelta

from lms.clinic.models import ActionItem, FollowUp
from lms.clinic.operations import months_later
from lms.innovations.models import Confirmation, Innovation
from lms.notifications.models import Notification
from tests.clinic.conftest import page
from tests.helpers import csrf_token


def test_months_later_keeps_the_day_or_takes_the_month_s_last():
    assert months_later(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert months_later(date(2024, 11, 15), 3) == date(2025, 2, 15)
    assert months_later(date(2024, 6, 30), 12) == date(2025, 6, 30)


def _delivered(app, db, clinic, make_case, days_ago: int, **kw):
    """A case at Deliver since ``days_ago`` days, with its registry innovation."""
    from lms.clinic import operations
    from lms.clinic.access import CaseAccess
    from lms.clinic.stages import current_stages

    case = make_case(state="active", stage="design", **kw)
    with app.test_request_context():
        operations.move_on(
            case,
            current_stages(app.config),
            CaseAccess(coordinator=True),
            operations.MoveInput(override_reason="Uji", innovation="create"),
            actor=clinic.coordinator,
        )
        db.session.commit()
    start = date.today() - timedelta(days=days_ago)
    for item in db.session.scalars(db.select(FollowUp).filter_by(consultation_id=case.id)):
        item.due_date = months_later(start, item.months)
    db.session.commit()
    return case


def _run(app):
    result = app.test_cli_runner().invoke(args=["lms", "clinic", "follow-ups"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_tells_innovators_once_and_makes_missing_follow_ups(app, db, clinic, make_case):
    case = _delivered(app, db, clinic, make_case, days_ago=100)
    # A delivered case whose follow-ups were lost is given them again.
    lost = _delivered(app, db, clinic, make_case, days_ago=10, title="Kasus kedua")
    db.session.execute(db.delete(FollowUp).where(FollowUp.consultation_id == lost.id))
    db.session.commit()
    first = _run(app)
    assert "follow-ups created: 3" in first and "follow-ups notified: 1" in first
    told = db.session.scalars(
        db.select(Notification).filter_by(user_id=clinic.requester.id, kind="clinic.follow_up")
    ).all()
    assert len(told) == 1 and told[0].params["months"] == 3
    assert told[0].target["values"]["follow_up_id"] == db.session.scalar(
        db.select(FollowUp.id).filter_by(consultation_id=case.id, months=3)
    )
    second = _run(app)
    assert "follow-ups created: 0, follow-ups notified: 0" in second
    assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 6


def test_graded_proposals_of_a_finished_class_get_follow_ups(
    app, db, clinic, make_cohort, make_course, make_case
):
    from tests.clinic.test_clinic_stages import _proposal_of

    cohort = make_cohort(
        participants=[clinic.requester],
        region_id=clinic.region.id,
        start_date=date(2024, 3, 4),
        end_date=date(2024, 3, 6),
    )
    make_course(cohorts=[cohort])
    submission = _proposal_of(app, db, clinic.requester, cohort)
    _run(app)
    rows = db.session.scalars(
        db.select(FollowUp).filter_by(submission_id=submission.id).order_by(FollowUp.months)
    ).all()
    assert [(f.months, f.due_date) for f in rows] == [
        (3, date(2024, 6, 6)),
        (6, date(2024, 9, 6)),
        (12, date(2025, 3, 6)),
    ]
    # All due long ago: each told once.
    told = db.session.scalar(
        db.select(db.func.count(Notification.id)).filter_by(kind="clinic.follow_up")
    )
    assert told == 3
    _run(app)
    assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 3


def test_the_answer_is_recorded_on_the_innovation(app, client, db, clinic, make_case, login_as):
    case = _delivered(app, db, clinic, make_case, days_ago=100)
    _run(app)  # the innovator is told
    item = db.session.scalar(db.select(FollowUp).filter_by(consultation_id=case.id, months=3))
    url = f"/clinic/follow-ups/{item.id}"
    login_as(clinic.requester)
    html = page(client.get(url))
    assert "Apakah uji coba inovasi sudah dimulai?" in html
    token = csrf_token(client, url)
    missing = client.post(
        url, data={"csrf_token": token, "trial_started": "yes", "has_decree": "yes"}
    )
    assert missing.status_code == 400
    text = page(missing)
    assert "Isi tanggal mulai uji coba." in text and "Tulis nomor surat keputusannya." in text
    assert "Pilih apakah inovasi masih berjalan." in text
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "trial_started": "yes",
            "trial_date": "2024-05-02",
            "has_decree": "yes",
            "decree": "Keputusan Kepala Dinas Kesehatan Nomor 7 Tahun 2024",
            "still_running": "yes",
            "note": "Sudah 3 puskesmas.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(FollowUp, item.id)
    told = db.session.scalars(db.select(Notification).filter_by(kind="clinic.follow_up")).all()
    assert told and all(n.read_dt is not None for n in told)
    assert item.answered_dt is not None and item.decree.startswith("Keputusan Kepala Dinas")
    innovation = db.session.get(Innovation, case.innovation_id)
    assert innovation.stage == "uji_coba" and innovation.trial_date == date(2024, 5, 2)
    assert item.innovation_id == innovation.id
    # Answered: no longer on the coordinator's list.
    login_as(clinic.coordinator)
    assert "Catat jawaban" not in page(
        client.get(f"/regions/{clinic.region.code}/clinic/follow-ups")
    )


def test_still_running_becomes_the_year_s_confirmation_of_a_verified_innovation(
    app, db, clinic, make_case
):
    from lms.clinic import operations

    case = _delivered(app, db, clinic, make_case, days_ago=100)
    innovation = db.session.get(Innovation, case.innovation_id)
    innovation.state = "verified"
    innovation.stage = "uji_coba"
    db.session.commit()
    item = db.session.scalar(db.select(FollowUp).filter_by(consultation_id=case.id, months=3))
    with app.test_request_context():
        operations.answer_follow_up(
            item,
            operations.Answer(
                trial_started=True,
                trial_date=date(2024, 5, 2),
                still_running=False,
                note="Anggaran habis.",
            ),
            actor=clinic.requester,
        )
        db.session.commit()
    (confirmation,) = db.session.scalars(db.select(Confirmation)).all()
    assert confirmation.status == "stopped" and confirmation.note == "Anggaran habis."


def test_unanswered_follow_ups_are_listed_for_the_coordinator(
    app, client, db, clinic, make_case, login_as
):
    _delivered(app, db, clinic, make_case, days_ago=100, title="Loket tanpa antre")
    login_as(clinic.coordinator)
    html = page(client.get(f"/regions/{clinic.region.code}/clinic/follow-ups"))
    assert html.count("Catat jawaban") == 1  # only the 3-month one is due
    assert clinic.requester.full_name in html
    assert "1 pemantauan belum dijawab" in page(client.get(f"/regions/{clinic.region.code}/clinic"))
    for other in (clinic.mentor, clinic.leader, clinic.requester):
        login_as(other)
        assert client.get(f"/regions/{clinic.region.code}/clinic/follow-ups").status_code == 403


def test_only_the_innovator_or_a_coordinator_answers(app, client, db, clinic, make_case, login_as):
    case = _delivered(app, db, clinic, make_case, days_ago=100)
    item = db.session.scalar(db.select(FollowUp).filter_by(consultation_id=case.id, months=3))
    for other in (clinic.colleague, clinic.mentor, clinic.other_coordinator):
        login_as(other)
        assert client.get(f"/clinic/follow-ups/{item.id}").status_code == 404
    login_as(clinic.coordinator)
    assert "dicatat oleh koordinator" in page(client.get(f"/clinic/follow-ups/{item.id}"))


def test_overdue_action_items_are_reminded_once(app, db, clinic, make_case):
    from lms.clinic import operations

    case = make_case(state="active")
    with app.test_request_context():
        operations.add_action(
            case,
            "Kirim surat",
            clinic.requester,
            date.today() - timedelta(days=2),
            actor=clinic.mentor,
        )
        operations.add_action(
            case, "Nanti", clinic.requester, date.today() + timedelta(days=5), actor=clinic.mentor
        )
        db.session.commit()
    assert "overdue action items reminded: 1" in _run(app)
    assert "overdue action items reminded: 0" in _run(app)
    due = db.session.scalars(db.select(Notification).filter_by(kind="clinic.due")).all()
    assert [n.params["item"] for n in due] == ["Kirim surat"]
    assert db.session.scalar(db.select(ActionItem).filter_by(title="Kirim surat")).reminded_dt
