"""The thread: messages with files and Markdown, mentors' private notes that the requester
never sees anywhere, and hostile input escaped in every field."""

from __future__ import annotations

import io

from lms.clinic.models import CaseFile, Message
from tests.clinic.conftest import page
from tests.helpers import csrf_token

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
SECRET = "RAHASIA-PENDAMPING-7731"


def _post(client, case, **data):
    data = {"csrf_token": csrf_token(client, f"/clinic/{case.id}"), "body": "", **data}
    return client.post(f"/clinic/{case.id}/messages", data=data, content_type="multipart/form-data")


def test_a_message_with_markdown_and_a_file(client, db, clinic, make_case, login_as):
    case = make_case(state="active")
    login_as(clinic.requester)
    response = _post(
        client, case, body="Ini **datanya**.", files=[(io.BytesIO(PDF), "antrean.pdf")]
    )
    assert response.status_code == 302
    message = db.session.scalar(db.select(Message).filter_by(kind="message"))
    assert message.body_html == "<p>Ini <strong>datanya</strong>.</p>"
    (item,) = db.session.scalars(db.select(CaseFile)).all()
    assert item.message_id == message.id
    login_as(clinic.mentor)
    html = page(client.get(f"/clinic/{case.id}"))
    assert "<strong>datanya</strong>" in html and "antrean.pdf" in html


def test_an_empty_message_is_refused(client, db, clinic, make_case, login_as):
    case = make_case(state="active")
    login_as(clinic.requester)
    response = _post(client, case, body="   ")
    assert response.status_code == 400
    assert "Tulis pesannya atau lampirkan berkas." in page(response)
    assert db.session.scalar(db.select(db.func.count(Message.id)).filter_by(kind="message")) == 0


def test_the_requester_cannot_write_a_private_note(client, db, clinic, make_case, login_as):
    case = make_case(state="active")
    login_as(clinic.requester)
    _post(client, case, body="Untuk semua", private="y")
    message = db.session.scalar(db.select(Message).filter_by(body="Untuk semua"))
    assert message.kind == "message"


def test_private_notes_never_reach_the_requester(app, client, db, clinic, make_case, login_as):
    from lms.clinic import operations
    from lms.clinic.models import FollowUp

    case = make_case(state="active", mentors=[clinic.mentor, clinic.mentor2])
    login_as(clinic.mentor)
    response = _post(
        client,
        case,
        body=f"Catatan: {SECRET}",
        private="y",
        files=[(io.BytesIO(PDF), f"{SECRET}.pdf")],
    )
    assert response.status_code == 302
    note = db.session.scalar(db.select(Message).filter_by(kind="note"))
    note_file = db.session.scalar(db.select(CaseFile).filter_by(message_id=note.id))
    # The case reaches Deliver (follow-ups) and has an appointment, for the pages below.
    from datetime import timedelta

    from lms.clinic.access import CaseAccess
    from lms.clinic.stages import current_stages
    from lms.db import utcnow

    with app.test_request_context():
        stages = current_stages(app.config)
        start = utcnow() + timedelta(days=2)
        operations.schedule(
            case,
            operations.AppointmentInput(
                "Sesi 1", start, start + timedelta(hours=1), "in_person", "Aula"
            ),
            actor=clinic.mentor,
        )
        operations.add_action(
            case, "Kirim data", clinic.requester, start.date(), actor=clinic.mentor
        )
        while case.stage != stages.deliver:
            operations.move_on(
                case,
                stages,
                CaseAccess(coordinator=True),
                operations.MoveInput(override_reason="Uji"),
                actor=clinic.coordinator,
            )
        db.session.commit()
    follow_up = db.session.scalar(db.select(FollowUp).filter_by(consultation_id=case.id, months=3))
    appointment_id = db.session.scalar(db.text("SELECT id FROM lms_clinic_appointment"))
    login_as(clinic.requester)
    pages = [
        "/clinic",
        f"/clinic/{case.id}",
        f"/clinic/{case.id}/stage",
        f"/clinic/{case.id}/calendar.ics",
        f"/clinic/{case.id}/appointments/{appointment_id}",
        f"/clinic/follow-ups/{follow_up.id}",
        "/notifications",
        "/dashboard",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.get_data(as_text=True), url
    assert client.get(f"/clinic/{case.id}/files/{note_file.id}").status_code == 404
    # The other mentor and the coordinator read it and its file.
    for staff in (clinic.mentor2, clinic.coordinator):
        login_as(staff)
        html = page(client.get(f"/clinic/{case.id}"))
        assert SECRET in html and "tidak terlihat oleh pemohon" in html
        assert client.get(f"/clinic/{case.id}/files/{note_file.id}").status_code == 200
    # The requester was not told about the note; the other mentor was.
    from lms.notifications.models import Notification

    kinds = {(n.user_id, n.kind) for n in db.session.scalars(db.select(Notification))}
    assert (clinic.requester.id, "clinic.note") not in kinds
    assert (clinic.mentor2.id, "clinic.note") in kinds


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>[klik](javascript:alert(2))'


def test_hostile_input_is_escaped_in_every_field(app, client, db, clinic, make_case, login_as):
    from lms.clinic import operations
    from lms.clinic.access import CaseAccess
    from lms.clinic.models import Appointment
    from tests.clinic.test_clinic_cases import _open

    login_as(clinic.requester)
    response = _open(client, clinic, title=HOSTILE[:190], problem=HOSTILE)
    assert response.status_code == 302
    case = db.session.scalar(
        db.select(__import__("lms.clinic.models", fromlist=["Consultation"]).Consultation)
    )
    operations_access = CaseAccess(coordinator=True)
    with app.test_request_context():
        operations.accept(case, [clinic.mentor], actor=clinic.coordinator)
        operations.post(case, clinic.mentor, CaseAccess(mentor=True), HOSTILE)
        from datetime import timedelta

        from lms.db import utcnow

        start = utcnow() + timedelta(days=1)
        appointment = operations.schedule(
            case,
            operations.AppointmentInput(
                HOSTILE[:190], start, start + timedelta(hours=1), "in_person", HOSTILE[:190]
            ),
            actor=clinic.mentor,
        )
        operations.record(appointment, HOSTILE, HOSTILE, actor=clinic.mentor)
        operations.add_action(case, HOSTILE, clinic.requester, start.date(), actor=clinic.mentor)
        db.session.commit()
    assert operations_access.staff
    for who in (clinic.requester, clinic.mentor, clinic.coordinator):
        login_as(who)
        for url in (
            "/clinic",
            f"/clinic/{case.id}",
            f"/clinic/{case.id}/appointments/{appointment.id}",
            f"/clinic/{case.id}/triage" if who is clinic.coordinator else "/clinic",
            f"/regions/{clinic.region.code}/clinic" if who is clinic.coordinator else "/clinic",
            "/notifications",
        ):
            html = page(client.get(url))
            assert "<script>alert" not in html, url
            assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), url
            assert 'href="javascript:' not in html, url
    login_as(clinic.requester)
    html = page(client.get(f"/clinic/{case.id}"))
    assert "&lt;script&gt;" in html  # the title, escaped
    stored = db.session.get(Appointment, appointment.id)
    assert "<script>" not in stored.discussed_html and "javascript:" not in stored.discussed_html


def test_hostile_reasons_answers_and_file_names_are_escaped(
    app, client, db, clinic, make_case, login_as
):
    from lms.clinic import operations
    from lms.clinic.models import FollowUp
    from tests.clinic.test_clinic_follow_ups import _delivered

    closed = make_case()
    with app.test_request_context():
        operations.close(closed, HOSTILE, actor=clinic.coordinator)
        db.session.commit()
    delivered = _delivered(app, db, clinic, make_case, days_ago=100)
    item = db.session.scalar(db.select(FollowUp).filter_by(consultation_id=delivered.id, months=3))
    login_as(clinic.requester)
    url = f"/clinic/follow-ups/{item.id}"
    token = csrf_token(client, url)
    answered = client.post(
        url,
        data={
            "csrf_token": token,
            "trial_started": "no",
            "has_decree": "yes",
            "decree": HOSTILE[:290],
            "note": HOSTILE,
        },
    )
    assert answered.status_code == 302
    _post(client, delivered, body="lampiran", files=[(io.BytesIO(PDF), HOSTILE[:60] + ".pdf")])
    for who in (clinic.requester, clinic.coordinator):
        login_as(who)
        for url in (
            f"/clinic/{closed.id}",
            f"/clinic/{delivered.id}",
            f"/clinic/follow-ups/{item.id}",
        ):
            html = page(client.get(url))
            assert "<script>alert" not in html and "<img src=x" not in html, url
    login_as(clinic.requester)
    name = db.session.scalar(db.select(CaseFile.id).where(CaseFile.name.startswith("<script")))
    download = client.get(f"/clinic/{delivered.id}/files/{name}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert "<" not in disposition and disposition.startswith("attachment")
