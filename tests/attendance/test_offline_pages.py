"""The offline app's server side: the service worker and its version, the manifest, the
session probe, the pages' settings and strings, the grid's markup (and "Tandai semua Hadir"
without JavaScript), synced-late notes, and the API as the pages' scripts call it (the
browser session and its CSRF token)."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from datetime import timedelta

import pytest

from lms import STATIC_DIR
from lms.attendance import codes, operations
from lms.attendance.models import AttendanceRecord
from lms.attendance.views import offline
from lms.db import utcnow
from tests.attendance.test_marking import form_fields


def _settings(script: str) -> dict:
    match = re.match(r"self\.LMS_SW = (\{.*?\});\n", script)
    assert match, script[:200]
    return json.loads(match.group(1))


def test_the_service_worker_is_served_at_the_root_with_its_settings(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    script = response.get_data(as_text=True)
    settings = _settings(script)
    assert settings["checkin"] == "/checkin"
    assert re.search(settings["grid"], "/cohorts/3/meetings/12/marks")
    assert not re.search(settings["grid"], "/cohorts/3/meetings/12/marks/import")
    assert settings["logout"] == "/logout"
    assert "/static/style.css" in settings["assets"]
    assert "/static/checkin-app.js" in settings["assets"]
    assert "/static/mark-grid.js" in settings["assets"]
    assert len(settings["version"]) == 16
    for path in settings["assets"]:
        assert client.get(path).status_code == 200, path
    assert 'addEventListener("fetch"' in script


def test_the_service_worker_changes_when_a_file_it_keeps_changes(client, db, tmp_path, monkeypatch):
    before = _settings(client.get("/sw.js").get_data(as_text=True))["version"]
    copy = tmp_path / "static"
    shutil.copytree(STATIC_DIR, copy)
    monkeypatch.setattr(offline, "STATIC_DIR", copy)
    assert _settings(client.get("/sw.js").get_data(as_text=True))["version"] == before
    (copy / "style.css").write_text((copy / "style.css").read_text() + "\n.new { }\n")
    after = _settings(client.get("/sw.js").get_data(as_text=True))["version"]
    assert after != before


def test_the_manifest_makes_the_check_in_page_an_installable_app(client, db):
    response = client.get("/checkin/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "Presensi Kelas Inovasi"
    assert manifest["start_url"] == "/checkin" and manifest["scope"] == "/checkin"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_session_probe_says_who_is_logged_in(client, db, make_user, login_as):
    anonymous = client.get("/checkin/session.json").get_json()
    assert anonymous["authenticated"] is False and "csrf_token" not in anonymous
    user = make_user()
    login_as(user)
    response = client.get("/checkin/session.json")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["authenticated"] is True and body["user_id"] == user.id
    assert body["csrf_token"] and body["now"]


@pytest.fixture
def participant(make_user, make_cohort, make_meeting, login_as):
    person = make_user(full_name="Andi Rahmat")
    organizer = make_user(full_name="Panitia Satu")
    cohort = make_cohort(participants=[person], organizers=[organizer])
    meeting = make_meeting(cohort)
    login_as(person)
    return {"user": person, "organizer": organizer, "cohort": cohort, "meeting": meeting}


def _scripts(html: str) -> list[str]:
    return re.findall(r"<script[^>]*>", html)


def test_the_check_in_page_carries_the_app_and_no_inline_script(client, participant):
    html = client.get("/checkin").get_data(as_text=True)
    assert '<link rel="manifest" href="/checkin/manifest.webmanifest">' in html
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    assert 'data-api="/api/v1/checkins"' in html and 'data-scope="/checkin"' in html
    assert 'data-sw="/sw.js"' in html
    assert f'data-user-id="{participant["user"].id}"' in html
    for tag in _scripts(html):
        assert 'src="' in tag or 'type="application/json"' in tag, tag
    strings = json.loads(
        re.search(
            r'<script type="application/json" id="checkin-strings">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert strings["queued"] == "Tersimpan, akan dikirim."
    assert strings["statuses"]["late"] == "Terlambat"


def test_the_check_in_app_weighs_under_100_kb(client, participant):
    html = client.get("/checkin").get_data()
    parts = [html] + [
        client.get(path.decode()).get_data()
        for path in re.findall(rb'(?:src|href)="(/static/[^"]+\.(?:css|js))"', html)
    ]
    assert sum(len(p) for p in parts) < 100 * 1024


def test_the_check_in_page_still_posts_without_javascript(client, participant):
    from tests.helpers import csrf_token

    meeting = participant["meeting"]
    response = client.post(
        "/checkin",
        data={
            "csrf_token": csrf_token(client, "/checkin"),
            "code": codes.current_code(meeting.secret),
        },
    )
    html = response.get_data(as_text=True)
    assert "Presensi tercatat: Hadir" in html
    assert 'data-page="result"' in html  # the queue of other check-ins is sent from here too


# --- the API as the offline scripts call it (session + X-CSRFToken) -----------------------


def _csrf(client) -> str:
    return client.get("/checkin/session.json").get_json()["csrf_token"]


def _claim(meeting, when, **extra):
    return {
        "code": codes.current_code(meeting.secret, when),
        "meeting_id": meeting.id,
        "claimed_at": when.isoformat(),
        "client_id": str(uuid.uuid4()),
        **extra,
    }


def _post(client, path, body, csrf):
    headers = {"Accept": "application/json"}
    if csrf:
        headers["X-CSRFToken"] = csrf
    return client.post(path, json=body, headers=headers)


def test_a_queued_check_in_lands_once_through_the_session(client, db, participant):
    meeting = participant["meeting"]
    csrf = _csrf(client)
    body = _claim(meeting, utcnow() - timedelta(minutes=2))
    refused = _post(client, "/api/v1/checkins", body, None)
    assert refused.status_code == 400 and refused.get_json()["code"] == "csrf"
    first = _post(client, "/api/v1/checkins", body, csrf)
    assert first.status_code == 201, first.get_data(as_text=True)
    answer = first.get_json()
    assert answer["status"] == "present" and answer["synced_late"] is True
    assert "Presensi tercatat: Hadir" in answer["message"]
    again = _post(client, "/api/v1/checkins", body, csrf)
    assert again.status_code == 200 and again.get_json() == answer
    assert db.session.scalar(db.select(db.func.count()).select_from(AttendanceRecord)) == 1


def test_a_refused_check_in_is_a_problem_with_the_participant_s_message(client, participant):
    meeting = participant["meeting"]
    when = utcnow() - timedelta(minutes=1)
    body = _claim(
        meeting, when, code=codes.current_code(meeting.secret, when - timedelta(minutes=5))
    )
    response = _post(client, "/api/v1/checkins", body, _csrf(client))
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "code_invalid"
    assert "tidak berlaku pada waktu yang tercatat" in problem["detail"]
    assert {"type", "title", "status", "detail"} <= set(problem)


def test_the_marks_api_answers_a_conflict_with_the_stored_value(client, db, participant, login_as):
    meeting, organizer, person = (
        participant["meeting"],
        participant["organizer"],
        participant["user"],
    )
    operations.set_mark(meeting, person, "sick", note="Demam", actor=organizer)
    db.session.commit()
    login_as(organizer)
    path = f"/api/v1/cohorts/{participant['cohort'].id}/meetings/{meeting.id}/marks"
    body = {
        "marks": [{"user_id": person.id, "status": "absent", "note": "", "expected_version": None}]
    }
    response = _post(client, path, body, _csrf(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    (row,) = response.get_json()["results"]
    assert (row["result"], row["status"], row["note"], row["version"]) == (
        "conflict",
        "sick",
        "Demam",
        1,
    )
    body["marks"][0]["expected_version"] = 1  # "keep mine", over their version
    (row,) = _post(client, path, body, _csrf(client)).get_json()["results"]
    assert (row["result"], row["status"], row["version"]) == ("saved", "absent", 2)


# --- the grid -----------------------------------------------------------------------------


@pytest.fixture
def grid(make_user, make_cohort, make_meeting, login_as):
    organizer = make_user(full_name="Panitia Satu")
    people = [make_user(full_name=f"Peserta {n}", office="Dinas") for n in range(1, 5)]
    cohort = make_cohort(organizers=[organizer], participants=people)
    meeting = make_meeting(cohort)
    login_as(organizer)
    return {
        "organizer": organizer,
        "people": people,
        "cohort": cohort,
        "meeting": meeting,
        "url": f"/cohorts/{cohort.id}/meetings/{meeting.id}/marks",
    }


def test_the_grid_is_one_segmented_control_per_person_with_labels(client, grid):
    html = client.get(grid["url"]).get_data(as_text=True)
    uid = grid["people"][0].id
    row = re.search(rf'<li class="mark-row" id="row-{uid}".*?</li>', html, re.S).group(0)
    assert f'role="radiogroup" aria-labelledby="name-{uid}"' in row
    for status, word, letter in (
        ("present", "Hadir", "H"),
        ("late", "Terlambat", "T"),
        ("excused", "Izin", "I"),
        ("sick", "Sakit", "S"),
        ("absent", "Alpa", "A"),
    ):
        assert (
            f'<input type="radio" id="status-{uid}-{status}" name="status-{uid}" value="{status}">'
            in row
        )
        assert (
            f'<label for="status-{uid}-{status}" class="seg seg-{status}" title="{word}">'
            f'<span aria-hidden="true">{letter}</span>'
            f'<span class="visually-hidden">{word}</span></label>'
        ) in row
    assert '<details class="mark-more">' in row and f'<label for="note-{uid}">' in row
    assert 'id="fill-present"' in html and 'name="fill" value="present"' in html
    assert (
        f'data-api="/api/v1/cohorts/{grid["cohort"].id}/meetings/{grid["meeting"].id}/marks"'
        in html
    )
    assert 'data-scope="/cohorts/"' in html
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    for tag in _scripts(html):
        assert 'src="' in tag or 'type="application/json"' in tag, tag


def test_everyone_present_without_javascript_fills_only_the_unmarked_and_saves_nothing(
    client, db, grid
):
    first, second, *rest = grid["people"]
    operations.set_mark(grid["meeting"], first, "sick", actor=grid["organizer"])
    db.session.commit()
    fields = form_fields(client.get(grid["url"]).get_data(as_text=True), "/marks")
    fields[f"status-{second.id}"] = "late"  # typed before pressing the button: kept
    response = client.post(grid["url"], data={**fields, "fill": "present"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 peserta yang belum ditandai dipilih Hadir" in html
    again = form_fields(html, "/marks")
    assert again[f"status-{first.id}"] == "sick"
    assert again[f"status-{second.id}"] == "late"
    assert all(again[f"status-{p.id}"] == "present" for p in rest)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(AttendanceRecord)) == 1
    again[f"status-{rest[0].id}"] = "absent"  # the organizer changes the exception
    done = client.post(grid["url"], data=again, follow_redirects=True)
    assert "Kehadiran 3 peserta sudah disimpan." in done.get_data(as_text=True)


def test_a_check_in_synced_late_is_shown_in_the_grid_and_the_meeting_list(
    app_ctx, client, db, grid
):
    person = grid["people"][0]
    meeting = grid["meeting"]
    claimed = meeting.start_dt + timedelta(minutes=1)
    operations.check_in_queued(
        person,
        code=codes.current_code(meeting.secret, claimed),
        claimed_at=claimed,
        client_id=str(uuid.uuid4()),
        meeting_id=meeting.id,
        now=claimed + timedelta(minutes=5),
    )
    db.session.commit()
    html = client.get(grid["url"]).get_data(as_text=True)
    row = re.search(rf'id="row-{person.id}".*?</li>', html, re.S).group(0)
    assert "dikirim belakangan" in row
    page = client.get(f"/cohorts/{grid['cohort'].id}/meetings/{meeting.id}").get_data(as_text=True)
    assert page.count("dikirim belakangan") == 1


def test_a_participant_s_schedule_installs_the_check_in_app_and_sends_its_queue(
    client, participant, login_as
):
    url = f"/cohorts/{participant['cohort'].id}/meetings"
    html = client.get(url).get_data(as_text=True)
    assert 'id="checkin-app" hidden' in html and 'data-page="schedule"' in html
    assert "/static/checkin-app.js" in html
    login_as(participant["organizer"])
    assert 'id="checkin-app"' not in client.get(url).get_data(as_text=True)
