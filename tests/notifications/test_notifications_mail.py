"""E-mail: an outbox row in the same transaction as the change, sent once after the commit to
a real SMTP server, in the recipient's language; nothing on a rolled-back request; failures
kept, logged and retried with backoff by ``flask lms mail retry``."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _

from lms.db import utcnow
from lms.notifications.mail import backoff
from lms.notifications.models import Notification, OutboxMessage
from tests.helpers import csrf_token


def _post(client, case, body="Besok kita bertemu di puskesmas."):
    token = csrf_token(client, f"/clinic/{case.id}")
    return client.post(f"/clinic/{case.id}/messages", data={"csrf_token": token, "body": body})


def test_a_message_mails_the_requester_once_after_the_commit(
    client, db, clinic, make_case, login_as, smtp_server
):
    case = make_case(state="active", mentors=[clinic.mentor])
    smtp_server.received.clear()  # accepting the case mailed its people already
    db.session.execute(db.update(OutboxMessage).values(state="sent"))
    db.session.commit()
    login_as(clinic.mentor)
    assert _post(client, case).status_code == 302
    (mail,) = smtp_server.to(clinic.requester.email)
    with force_locale("id"):
        expected = _(
            "Pesan baru dari %(name)s di konsultasi “%(title)s”",
            name=clinic.mentor.full_name,
            title=case.title,
        )
    assert mail["Subject"] == f"[Kelas Inovasi] {expected}"
    assert mail["To"] == clinic.requester.email
    assert mail["From"] == "Klinik Inovasi <klinik@example.org>"
    body = mail.get_content()
    assert f"Yth. {clinic.requester.full_name}," in body
    assert f"https://lms.example.go.id/clinic/{case.id}" in body
    # Sent once: the outbox row is done, and a retry sends nothing more.
    row = db.session.scalar(
        db.select(OutboxMessage).filter_by(
            address=clinic.requester.email, state="sent", subject=mail["Subject"]
        )
    )
    assert row.attempts == 1 and row.sent_dt is not None
    result = client.application.test_cli_runner().invoke(args=["lms", "mail", "retry", "--all"])
    assert "sent 0" in result.output
    assert len(smtp_server.to(clinic.requester.email)) == 1
    # The author is not mailed about their own message.
    assert smtp_server.to(clinic.mentor.email) == []


def test_the_mail_is_in_the_recipient_s_language(
    app, client, db, clinic, make_case, login_as, smtp_server
):
    clinic.requester.locale = "en"
    db.session.commit()
    case = make_case(state="active", mentors=[clinic.mentor])
    smtp_server.received.clear()
    login_as(clinic.mentor)
    token = csrf_token(client, f"/clinic/{case.id}/appointments/new")
    response = client.post(
        f"/clinic/{case.id}/appointments/new",
        data={
            "csrf_token": token,
            "title": "Sesi 1",
            "day": "2031-09-02",
            "start_time": "09:00",
            "end_time": "10:00",
            "mode": "in_person",
            "place": "Aula",
        },
    )
    assert response.status_code == 302
    (english,) = smtp_server.to(clinic.requester.email)
    with app.test_request_context(), force_locale("en"):
        title = _(
            "Sesi konsultasi “%(name)s”: %(when)s",
            name="Sesi 1",
            when="Tuesday, 2 September 2031 09.00 WITA",
        )
        greeting = _("Yth. %(name)s,", name=clinic.requester.full_name)
    assert english["Subject"] == f"[Kelas Inovasi] {title}"
    body = english.get_content()
    assert "Tuesday, 2 September 2031 09.00 WITA" in body and greeting in body
    assert smtp_server.to(clinic.mentor.email) == []  # the mentor scheduled it


def test_a_rolled_back_request_mails_nothing(
    client, db, clinic, make_case, login_as, smtp_server, monkeypatch
):
    case = make_case(state="active", mentors=[clinic.mentor])
    smtp_server.received.clear()
    login_as(clinic.mentor)
    token = csrf_token(client, f"/clinic/{case.id}")
    from sqlalchemy.exc import IntegrityError

    from lms.extensions import db as handle

    session = handle.session()
    real_commit = session.commit

    def failing_commit():
        raise IntegrityError("INSERT", {}, Exception("a concurrent writer won"))

    monkeypatch.setattr(session, "commit", failing_commit)
    response = client.post(
        f"/clinic/{case.id}/messages", data={"csrf_token": token, "body": "Tidak jadi terkirim"}
    )
    monkeypatch.setattr(session, "commit", real_commit)
    assert response.status_code == 409
    assert smtp_server.received == []
    assert (
        db.session.scalar(
            db.select(db.func.count(OutboxMessage.id)).where(
                OutboxMessage.body.contains("Tidak jadi")
            )
        )
        == 0
    )
    assert (
        db.session.scalar(
            db.select(db.func.count(Notification.id)).filter_by(kind="clinic.message")
        )
        == 0
    )


def test_without_smtp_settings_nothing_is_queued(client, db, clinic, make_case, login_as):
    case = make_case(state="active", mentors=[clinic.mentor])
    login_as(clinic.mentor)
    assert _post(client, case).status_code == 302
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0
    assert (
        db.session.scalar(
            db.select(db.func.count(Notification.id)).filter_by(kind="clinic.message")
        )
        == 1
    )


def test_a_failed_send_is_kept_logged_and_retried_with_backoff(
    app, client, db, clinic, make_case, login_as, mail_settings, caplog
):
    from aiosmtpd.controller import Controller

    from tests.notifications.conftest import Inbox

    case = make_case(state="active", mentors=[clinic.mentor])  # nothing listens yet
    db.session.execute(db.update(OutboxMessage).values(state="sent"))  # not this test's
    db.session.commit()
    login_as(clinic.mentor)
    with caplog.at_level(logging.WARNING, logger="lms.mail"):
        assert _post(client, case).status_code == 302  # the page works whatever the mail does
    row = db.session.scalar(
        db.select(OutboxMessage)
        .filter_by(address=clinic.requester.email)
        .order_by(OutboxMessage.id.desc())
    )
    assert row.state == "pending" and row.attempts == 1 and row.last_error
    assert row.next_attempt_dt > utcnow() + timedelta(seconds=30)
    assert "failed (attempt 1" in caplog.text
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=mail_settings)
    controller.start()
    try:
        runner = app.test_cli_runner()
        not_yet = runner.invoke(args=["lms", "mail", "retry"])
        assert "sent 0" in not_yet.output and inbox.received == []
        row.next_attempt_dt = utcnow() - timedelta(seconds=1)
        db.session.commit()
        due = runner.invoke(args=["lms", "mail", "retry"])
        assert due.exit_code == 0 and "sent 1" in due.output
        again = runner.invoke(args=["lms", "mail", "retry", "--all"])
        assert "sent" in again.output
    finally:
        controller.stop()
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert row.state == "sent" and row.attempts == 2 and row.last_error == ""
    assert len(inbox.to(clinic.requester.email)) == 1


def test_backoff_doubles_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30) == timedelta(hours=6)


def test_a_row_claimed_by_another_sender_is_not_sent_twice(app, db, clinic, smtp_server):
    from lms.notifications import mail, operations

    with app.test_request_context():
        operations.notify(clinic.requester, "clinic.message", {"name": "X", "title": "Y"})
        db.session.commit()
        row = db.session.scalar(db.select(OutboxMessage))
        row.state, row.claimed_dt = "sending", utcnow()  # another process is sending it
        db.session.commit()
        assert mail.deliver().sent == 0
        row.claimed_dt = utcnow() - timedelta(minutes=30)  # that process died
        db.session.commit()
        assert mail.deliver().sent == 1
    assert len(smtp_server.received) == 1


def test_the_retry_command_needs_smtp_settings(app):
    result = app.test_cli_runner().invoke(args=["lms", "mail", "retry"])
    assert result.exit_code != 0 and "LMS_SMTP_HOST is not set" in result.output


def test_the_follow_up_command_mails_what_it_notified(app, db, clinic, make_case, smtp_server):
    from datetime import date

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
        db.session.commit()
    smtp_server.received.clear()
    db.session.execute(db.update(OutboxMessage).values(state="sent"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "clinic", "follow-ups"])
    assert "e-mail sent 1" in result.output, result.output
    (mail,) = smtp_server.to(clinic.requester.email)
    assert "Kirim surat" in mail["Subject"]
