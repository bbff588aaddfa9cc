"""Every form refuses a missing or wrong CSRF token, and no GET changes anything.

The routes come from ``app.url_map`` (as in ``tests/test_access_matrix.py``, whose world of
two cohorts, a submission, a meeting, an excuse and a certificate fills the URL parameters),
so a route added later is checked without touching this file.

- Every rule with POST (or PUT/PATCH/DELETE) is sent by the admin, who may reach every route,
  without a token, with a made-up token, with a real token of *another* session and with a
  wrong ``X-CSRFToken`` header: each answer is the app's 400 "form expired" page, and no table
  row and no file of the upload store changed. With the session's own token the same requests
  get past the check (so the 400s above come from the token, not from the route).
- A POST-only rule answers GET with 405.
- Every GET rule is opened by the participant, trainer, organizer and admin of cohort A; every
  row of every table is the same afterwards (count and a hash of the rows). The few endpoints
  that write on GET on purpose are marked with ``lms.security.writes_on_get``; they are listed
  below with the reason, and each is shown to write nothing on a second GET.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests import test_access_matrix as access_matrix
from tests.test_access_matrix import (
    ADMIN,
    ORGANIZER,
    PARTICIPANT,
    TRAINER,
    World,
    build_url,
    csrf_token,
    find_rule,
    route_cases,
)

#: The access matrix's world (two cohorts, a submission, a meeting, an excuse, a certificate):
#: built once for this module, each test in a SAVEPOINT of its transaction rolled back after
#: it (the matrix's ``db``; fixtures).
world_connection, world, db = access_matrix.world_connection, access_matrix.world, access_matrix.db

#: The endpoints allowed to write on GET (``@writes_on_get``), and why.
WRITES_ON_GET = {
    "lms.attendance.checkin_token": "the link in the meeting's QR code records the scanner's "
    "attendance (a phone camera can only open a link)",
    "lms.attendance.pending": "finishes a QR check-in that was scanned before logging in",
    "lms.catalog.reached_end": "the lazily loaded image at the end of a lesson marks it done "
    "when the reader scrolls there, without any script",
    "lms.submissions.assignments": "creates the cohort's assignment rows for a newly followed "
    "course, so their ids stay put",
    "lms.certificates.settings": "creates the same missing assignment rows, so that each can "
    "be required for the certificate",
    "lms.clinic.detail": "opening a clinic case marks its thread (and its notifications) read "
    "for that person",
}
#: Writing on GET stays the exception.
MAX_WRITES_ON_GET = 6

CSRF_TITLE = "Formulir kedaluwarsa"
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
GET_ACTORS = (PARTICIPANT, TRAINER, ORGANIZER, ADMIN)


# --- what the database and the upload store hold -----------------------------------------------


def table_state(db: Any) -> dict[str, tuple[int, str]]:
    """Per table: the number of rows and a hash of all of them (in primary key order)."""
    state = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(sa.select(table).order_by(*order)).all()
        digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
        state[table.name] = (len(rows), digest)
    db.session.rollback()
    return state


def store_state(app: Flask) -> list[str]:
    root = Path(app.config["LMS_UPLOAD_DIR"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def changes(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> str:
    return ", ".join(
        f"{name} ({before[name][0]} -> {after[name][0]} rows)"
        for name in before
        if before[name] != after[name]
    )


def writes_on_get_endpoints(app: Flask) -> set[str]:
    return {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "writes_on_get", False)
    }


# --- CSRF ------------------------------------------------------------------------------------


def is_csrf_page(response: Any) -> bool:
    """The 400 "form expired" page; the JSON API answers the same refusal as a problem."""
    if response.status_code != 400:
        return False
    if response.mimetype == "application/problem+json":
        return (response.get_json() or {}).get("code") == "csrf"
    return CSRF_TITLE in response.get_data(as_text=True)


def test_state_changing_requests_with_missing_or_wrong_token_change_nothing(
    app: Flask, client: FlaskClient, login_as: Callable, world: World, db: Any
) -> None:
    # A token the app signed, but for another visitor's session.
    foreign_token = csrf_token(app.test_client(), "/login")
    attempts: list[tuple[str, dict[str, str], dict[str, str]]] = [
        ("no token", {}, {}),
        ("a made-up token", {"csrf_token": "bukan-token-yang-sah"}, {}),
        ("the token of another session", {"csrf_token": foreign_token}, {}),
        ("a wrong X-CSRFToken header", {}, {"X-CSRFToken": foreign_token}),
    ]
    routes = [(e, r, m) for e, r, m in route_cases(app) if m in STATE_CHANGING]
    assert len(routes) >= 30, "fewer state-changing routes than the app has"

    tables, files = table_state(db), store_state(app)
    failures = []
    for endpoint, rule_text, method in routes:
        url = build_url(find_rule(app, endpoint, rule_text), world)
        for what, form, headers in attempts:
            login_as(world.users[ADMIN])
            response = client.open(
                url, method=method, data={**form, "title": "Diubah", "reason": "x"}, headers=headers
            )
            if not is_csrf_page(response):
                failures.append(
                    f"{method} {url} ({endpoint}) with {what}: status {response.status_code}, "
                    "not the 400 'form expired' page"
                )
            after = table_state(db)
            if after != tables:
                failures.append(f"{method} {url} with {what} changed {changes(tables, after)}")
                tables = after
    assert not failures, "\n".join(failures)
    assert store_state(app) == files, "the upload store changed"


def test_the_sessions_own_token_passes_the_check(
    app: Flask, client: FlaskClient, login_as: Callable, world: World
) -> None:
    """The control for the test above: the same requests with the right token are not
    refused as forged (whatever the route then makes of the empty form)."""
    refused = []
    for endpoint, rule_text, method in route_cases(app):
        if method not in STATE_CHANGING:
            continue
        url = build_url(find_rule(app, endpoint, rule_text), world)
        login_as(world.users[ADMIN])
        token = csrf_token(client, "/dashboard")
        response = client.open(url, method=method, data={"csrf_token": token})
        if is_csrf_page(response):
            refused.append(f"{method} {url} ({endpoint})")
    assert not refused, "refused with the right token: " + ", ".join(refused)


# --- GET -------------------------------------------------------------------------------------


def test_post_only_routes_refuse_get(
    app: Flask, client: FlaskClient, login_as: Callable, world: World, db: Any
) -> None:
    cases = route_cases(app)
    with_get = {r for _e, r, m in cases if m == "GET"}
    post_only = sorted({(e, r) for e, r, m in cases if m in STATE_CHANGING and r not in with_get})
    assert post_only, "no POST-only routes found"
    tables = table_state(db)
    wrong = []
    login_as(world.users[ADMIN])
    for endpoint, rule_text in post_only:
        url = build_url(find_rule(app, endpoint, rule_text), world)
        status = client.get(url).status_code
        if status != 405:
            wrong.append(f"GET {url} ({endpoint}): {status}")
    assert not wrong, "POST-only routes that answer GET with something else than 405:\n" + (
        "\n".join(wrong)
    )
    assert table_state(db) == tables


def test_only_the_listed_endpoints_write_on_get(app: Flask) -> None:
    marked = writes_on_get_endpoints(app)
    assert marked == set(WRITES_ON_GET), (
        "endpoints marked @writes_on_get differ from WRITES_ON_GET in this file (add the new "
        f"one with the reason it must write on GET): marked {sorted(marked)}"
    )
    assert len(marked) <= MAX_WRITES_ON_GET


@pytest.mark.parametrize("actor", GET_ACTORS)
def test_get_requests_change_nothing(
    app: Flask, client: FlaskClient, login_as: Callable, world: World, db: Any, actor: str
) -> None:
    allowed = writes_on_get_endpoints(app)
    routes = [(e, r) for e, r, m in route_cases(app) if m == "GET" and e not in allowed]
    assert len(routes) >= 50
    tables, files = table_state(db), store_state(app)
    wrote = []
    for endpoint, rule_text in routes:
        url = build_url(find_rule(app, endpoint, rule_text), world)
        login_as(world.users[actor])
        response = client.get(url)
        after = table_state(db)
        if after != tables:
            wrote.append(
                f"GET {url} ({endpoint}, {response.status_code}): {changes(tables, after)}"
            )
            tables = after
    assert not wrote, (
        f"GET requests of the {actor} changed the database (mark the view @writes_on_get "
        "only if it must, and list it in WRITES_ON_GET):\n" + "\n".join(wrote)
    )
    assert store_state(app) == files, "GET requests changed the upload store"


def test_writes_on_get_are_idempotent(
    app: Flask,
    client: FlaskClient,
    login_as: Callable,
    world: World,
    db: Any,
    make_course: Callable,
    make_meeting: Callable,
) -> None:
    """Each endpoint that writes on GET does write the first time (the setting below makes
    sure there is something to write) and changes nothing the second time."""
    from lms.attendance import codes
    from lms.attendance.models import Meeting
    from lms.cohorts.models import Cohort
    from lms.db import utcnow

    users = world.users
    cohort = db.session.get(Cohort, world.cohort_a_id)
    meeting = db.session.get(Meeting, world.meeting_id)
    token = f"{meeting.id}-{codes.current_code(meeting.secret)}"
    second_meeting = make_meeting(cohort, starts_in=timedelta(minutes=-10))

    def pending_scan() -> None:
        with client.session_transaction() as session:
            session["lms_pending_checkin"] = {
                "meeting_id": second_meeting.id,
                "scanned": utcnow().isoformat(),
            }

    def new_course() -> None:
        # A newly followed course: its assignment rows do not exist yet.
        make_course(cohorts=[cohort])

    def nothing() -> None:
        return None

    cohort_a = world.cohort_a_id
    lesson_end = f"/courses/{world.course_slug}/{world.lesson_slug}/end.svg"
    # endpoint, actor, URL, set-up before the first GET, set-up before each GET
    scenarios: list[tuple[str, str, str, Callable[[], None], Callable[[], None]]] = [
        (
            "lms.certificates.settings",
            ORGANIZER,
            f"/cohorts/{cohort_a}/certificates/settings",
            new_course,
            nothing,
        ),
        (
            "lms.submissions.assignments",
            ORGANIZER,
            f"/cohorts/{cohort_a}/assignments",
            new_course,
            nothing,
        ),
        ("lms.catalog.reached_end", PARTICIPANT, lesson_end, nothing, nothing),
        ("lms.attendance.checkin_token", PARTICIPANT, f"/checkin/{token}", nothing, nothing),
        ("lms.attendance.pending", PARTICIPANT, "/checkin/pending", nothing, pending_scan),
        # The participant's clinic case (the access matrix's world) has unread history.
        ("lms.clinic.detail", PARTICIPANT, f"/clinic/{world.consultation_id}", nothing, nothing),
    ]
    assert {s[0] for s in scenarios} == writes_on_get_endpoints(app)

    problems = []
    for endpoint, actor, url, before_first, before_each in scenarios:
        before_first()
        states = [table_state(db)]
        statuses = []
        for _attempt in range(2):
            login_as(users[actor])
            before_each()
            statuses.append(client.get(url).status_code)
            states.append(table_state(db))
        if states[0] == states[1]:
            problems.append(f"{endpoint}: the first GET {url} {statuses} wrote nothing")
        if states[1] != states[2]:
            problems.append(
                f"{endpoint}: the second GET {url} {statuses} changed "
                f"{changes(states[1], states[2])}"
            )
        if any(status >= 500 for status in statuses):
            problems.append(f"{endpoint}: GET {url} answered {statuses}")
    assert not problems, "\n".join(problems)
