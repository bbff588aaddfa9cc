"""Calendar feeds: the cohort's ICS, the personal subscribed feed and its secret link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from lms.accounts.models import User
from lms.attendance.exports import cohort_calendar
from lms.timefmt import to_utc
from tests.helpers import csrf_token

# Tuesday 5 September 2023, 09:00–11:00 WITA (Asia/Makassar, UTC+8).
START = datetime(2023, 9, 5, 1, 0, tzinfo=UTC)


def _events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def _meeting_at(make_meeting, cohort, start: datetime, **data):
    return make_meeting(
        cohort,
        starts_in=timedelta(0),
        start_dt=start,
        end_dt=start + timedelta(hours=2),
        **data,
    )


def test_cohort_feed_has_one_event_per_meeting_in_utc(
    client, db, make_user, make_cohort, make_meeting, login_as
):
    trainer = make_user(full_name="Dr. Nurjannah, M.Si.")
    participant = make_user()
    cohort = make_cohort(participants=[participant], trainers=[trainer], venue="Aula")
    first = _meeting_at(make_meeting, cohort, START, title="Pembukaan", venue="Aula Bappeda", jp=2)
    first.trainers = [trainer]
    db.session.commit()
    second = _meeting_at(
        make_meeting, cohort, START + timedelta(days=1), title="Hari kedua", venue="Ruang 2"
    )
    login_as(participant)

    response = client.get(f"/cohorts/{cohort.id}/calendar.ics")

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline") and f"jadwal-{cohort.code}.ics" in disposition
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["version"]) == "2.0"
    assert calendar["prodid"]
    assert str(calendar["x-wr-timezone"]) == "Asia/Makassar"
    assert cohort.code in str(calendar["x-wr-calname"])
    events = _events(response.data)
    assert set(events) == {
        f"meeting-{first.id}@kelas-inovasi",
        f"meeting-{second.id}@kelas-inovasi",
    }
    event = events[f"meeting-{first.id}@kelas-inovasi"]
    # 09:00 WITA is 01:00 UTC, written in UTC.
    assert event.decoded("dtstart") == START
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == START + timedelta(hours=2)
    assert "DTSTART:20230905T010000Z" in response.get_data(as_text=True)
    assert str(event["summary"]) == f"Pembukaan — {cohort.code}"
    assert str(event["location"]) == "Aula Bappeda"
    description = str(event["description"])
    assert cohort.name in description and "2" in description
    assert "Dr. Nurjannah, M.Si." in description
    assert event.get("dtstamp") is not None
    alarm = event.walk("VALARM")[0]
    assert alarm.decoded("trigger") == -timedelta(minutes=30)


def test_cohort_feed_is_for_members_only(client, make_user, make_cohort, make_meeting, login_as):
    cohort = make_cohort(participants=[make_user()])
    make_meeting(cohort)
    outsider = make_user()
    make_cohort(participants=[outsider])

    assert client.get(f"/cohorts/{cohort.id}/calendar.ics").status_code == 302  # to login
    login_as(outsider)
    assert client.get(f"/cohorts/{cohort.id}/calendar.ics").status_code == 403


def test_uid_is_stable_between_downloads(app_ctx, make_user, make_cohort, make_meeting):
    cohort = make_cohort()
    meeting = make_meeting(cohort)
    assert set(_events(cohort_calendar(cohort, [meeting]))) == set(
        _events(cohort_calendar(cohort, [meeting]))
    )


def _create_token(client) -> str:
    page = client.post(
        "/account/calendar",
        data={"csrf_token": csrf_token(client, "/account/calendar"), "action": "renew"},
        follow_redirects=True,
    )
    html = page.get_data(as_text=True)
    match = re.search(r'id="feed-url" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_personal_feed_works_without_login_and_covers_all_my_cohorts(
    client, db, make_user, make_cohort, make_meeting, login_as
):
    person = make_user()
    as_participant = make_cohort(participants=[person], timezone="Asia/Makassar")
    as_trainer = make_cohort(trainers=[person], timezone="Asia/Jakarta")
    elsewhere = make_cohort(participants=[make_user()])
    mine_1 = _meeting_at(make_meeting, as_participant, START, title="Pembukaan")
    mine_2 = make_meeting(as_trainer, title="Kelas widyaiswara")
    other = make_meeting(elsewhere, title="Rahasia kelas lain")
    login_as(person)

    url = _create_token(client)
    assert url.startswith("http://localhost/calendar/") and url.endswith(".ics")
    login_as(None)
    response = client.get(url.removeprefix("http://localhost"))

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = _events(response.data)
    assert set(events) == {
        f"meeting-{mine_1.id}@kelas-inovasi",
        f"meeting-{mine_2.id}@kelas-inovasi",
    }
    assert f"meeting-{other.id}@kelas-inovasi" not in events
    assert "Rahasia kelas lain" not in response.get_data(as_text=True)
    event = events[f"meeting-{mine_1.id}@kelas-inovasi"]
    assert event.decoded("dtstart") == to_utc(
        START.date(), datetime(2023, 9, 5, 9, 0).time(), "Asia/Makassar"
    )
    assert str(event["summary"]) == f"Pembukaan — {as_participant.code}"
    stored = db.session.scalar(db.select(User.calendar_token).filter_by(id=person.id))
    assert url.endswith(f"/calendar/{stored}.ics") and len(stored) >= 32


def test_renewing_the_link_makes_the_old_one_404(client, make_user, make_cohort, login_as):
    person = make_user()
    make_cohort(participants=[person])
    login_as(person)
    old = _create_token(client).removeprefix("http://localhost")
    assert client.get(old).status_code == 200

    new = _create_token(client).removeprefix("http://localhost")

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_turning_the_link_off(client, make_user, login_as):
    person = make_user()
    login_as(person)
    url = _create_token(client).removeprefix("http://localhost")
    page = client.post(
        "/account/calendar",
        data={"csrf_token": csrf_token(client, "/account/calendar"), "action": "revoke"},
        follow_redirects=True,
    )
    assert 'id="feed-url"' not in page.get_data(as_text=True)
    assert client.get(url).status_code == 404


def test_unknown_or_malformed_tokens_are_404(client, make_user):
    make_user()
    assert client.get("/calendar/0123abcd.ics").status_code == 404
    assert client.get("/calendar/" + "A" * 32 + ".ics").status_code == 404


def test_a_deactivated_account_has_no_feed(client, db, make_user, login_as):
    person = make_user()
    login_as(person)
    url = _create_token(client).removeprefix("http://localhost")
    person.active = False
    db.session.commit()
    login_as(None)
    assert client.get(url).status_code == 404


def test_account_page_explains_phone_calendars_and_needs_login(client, make_user, login_as):
    assert client.get("/account/calendar").status_code == 302
    person = make_user()
    login_as(person)
    html = client.get("/account/calendar").get_data(as_text=True)
    assert "Dari URL" in html and "Tambah Kalender Langganan" in html
    assert "Buat tautan kalender" in html
    assert 'id="feed-url"' not in html


def test_account_page_links_the_feeds_of_my_cohorts(client, make_user, make_cohort, login_as):
    person = make_user()
    cohort = make_cohort(participants=[person])
    login_as(person)
    html = client.get("/account/calendar").get_data(as_text=True)
    assert f"/cohorts/{cohort.id}/calendar.ics" in html
    url = _create_token(client)
    html = client.get("/account/calendar").get_data(as_text=True)
    assert url in html
    assert 'href="webcal://localhost/calendar/' in html
