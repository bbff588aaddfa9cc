"""Every route declares an access rule, and the rule holds for six kinds of visitor.

The matrix is built from ``app.url_map`` at collection time, so routes added by later
modules are checked without touching this file, unless their URLs take a parameter that
``PARAM_VALUES`` below does not know yet (the tests then say which one to add).

Expected outcome per access rule (see ``lms/security.py``):

=====================  =========  ======================================  =====
rule                   anonymous  logged-in, without the right            admin
=====================  =========  ======================================  =====
public                 allowed    allowed                                 allowed
login                  → /login   allowed                                 allowed
admin                  → /login   403                                     allowed
cohort:<roles>         → /login   403 unless their role in cohort A is    allowed
                                  one of <roles> (B's participant: 403)
course                 → /login   403 unless a member of a cohort that    allowed
                                  follows the course (cohort A does)
region:<roles>         → /login   403 unless they hold one of <roles> in  allowed
                                  region R (R2's coordinator: 403)
=====================  =========  ======================================  =====

"allowed" means: not 401/403 and not a redirect to ``/login?next=...``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection
from werkzeug.routing import Rule

from lms import config as lms_config
from lms import create_app, security
from lms.cohorts.models import ROLES, Membership
from lms.extensions import limiter
from lms.regions.models import REGION_ROLES
from tests import factories
from tests.database import lms_session_on, outer_transaction, savepoint

# --- the people and the values that fill URL parameters ----------------------------------

ANONYMOUS = "anonymous"
PARTICIPANT = "participant"
OTHER_PARTICIPANT = "participant of another cohort"
TRAINER = "trainer"
ORGANIZER = "organizer"
ADMIN = "admin"
COORDINATOR = "coordinator of region R"
OPERATOR_O1 = "operator of office O1"
OPERATOR_O2 = "operator of office O2"
MENTOR = "mentor of region R"
LEADER = "leader of region R"
OTHER_COORDINATOR = "coordinator of another region"
ACTORS = (
    ANONYMOUS,
    PARTICIPANT,
    OTHER_PARTICIPANT,
    TRAINER,
    ORGANIZER,
    ADMIN,
    COORDINATOR,
    OPERATOR_O1,
    OPERATOR_O2,
    MENTOR,
    LEADER,
    OTHER_COORDINATOR,
)

#: The role each actor holds in cohort A, the cohort every ``cohort_id`` points at.
ROLE_IN_COHORT_A = {PARTICIPANT: "participant", TRAINER: "trainer", ORGANIZER: "organizer"}
#: The role each actor holds in region R, the region every ``region_code`` points at.
ROLE_IN_REGION_R = {
    COORDINATOR: "coordinator",
    OPERATOR_O1: "office_operator",
    OPERATOR_O2: "office_operator",
    MENTOR: "mentor",
    LEADER: "leader",
}


@dataclass
class World:
    """Cohort A (participant, trainer, organizer), cohort B (its own participant), an admin."""

    users: dict[str, Any]  # actor name -> User; no entry for the anonymous visitor
    cohort_a_id: int
    cohort_b_id: int
    participant_membership_id: int
    participant_user_id: int
    course_slug: str
    lesson_slug: str
    assignment_key: str
    meeting_id: int
    excuse_id: int
    assignment_id: int
    submission_id: int
    file_id: int
    certificate_id: int
    certificate_code: str
    region_code: str
    office_o1_id: int
    office_o2_id: int
    leader_region_membership_id: int
    #: A published innovation of office O1 with a version, a file and an innovator.
    innovation_id: int = 0
    innovation_slug: str = ""
    innovation_file_id: int = 0
    innovator_id: int = 0
    #: The participant's clinic case in region R (office O1), mentored by the region's mentor,
    #: with a file, an appointment, an action item, a follow-up and a notification.
    consultation_id: int = 0
    case_file_id: int = 0
    appointment_id: int = 0
    action_id: int = 0
    follow_up_id: int = 0
    notification_id: int = 0


#: URL parameter name -> its value in ``World``. A new module whose routes take another
#: parameter adds a line here (pointing at an object of cohort A where that makes sense).
PARAM_VALUES: dict[str, Callable[[World], Any]] = {
    "cohort_id": lambda w: w.cohort_a_id,
    "membership_id": lambda w: w.participant_membership_id,
    "user_id": lambda w: w.participant_user_id,
    "token": lambda w: "0123abcd",
    "filename": lambda w: "style.css",  # static files (and a pack's media: 404 there)
    "course_slug": lambda w: w.course_slug,
    "lesson_slug": lambda w: w.lesson_slug,
    "key": lambda w: w.assignment_key,
    "meeting_id": lambda w: w.meeting_id,
    "excuse_id": lambda w: w.excuse_id,
    "assignment_id": lambda w: w.assignment_id,
    "number": lambda w: 1,  # the participant's first submitted version
    "submission_id": lambda w: w.submission_id,
    "file_id": lambda w: w.file_id,
    "certificate_id": lambda w: w.certificate_id,
    "code": lambda w: w.certificate_code,
    "kind": lambda w: "completion",  # the default certificate kind (Open Badges class)
    "region_code": lambda w: w.region_code,
    "office_id": lambda w: w.office_o1_id,
    "region_membership_id": lambda w: w.leader_region_membership_id,
    "innovation_id": lambda w: w.innovation_id,
    "slug": lambda w: w.innovation_slug,
    "innovation_file_id": lambda w: w.innovation_file_id,
    "innovator_id": lambda w: w.innovator_id,
    "consultation_id": lambda w: w.consultation_id,
    "case_file_id": lambda w: w.case_file_id,
    "appointment_id": lambda w: w.appointment_id,
    "action_id": lambda w: w.action_id,
    "follow_up_id": lambda w: w.follow_up_id,
    "notification_id": lambda w: w.notification_id,
    "job_id": lambda w: 1,  # no such job: 404 for everyone logged in (lms.jobs checks owners)
    "year": lambda w: 2023,  # the index year of the demo (lms.iid)
    "indicator_code": lambda w: "SID-35",  # the video indicator of an innovation
    "region_indicator_code": lambda w: "SPD-01",  # a region-level indicator
    "document_id": lambda w: 1,  # no evidence document in the world: 404 for those let in
    "class_document_id": lambda w: 1,  # no class document in the world: 404 likewise
    "token_id": lambda w: 1,  # no API token in the world: 404 for everyone logged in (lms.api)
}

# --- outcomes ----------------------------------------------------------------------------

ALLOWED = "allowed (not 401/403, not redirected to /login)"
LOGIN = "302 redirect to /login?next=<the URL>"
FORBIDDEN = "403"


def expected_outcome(access_rule: str, actor: str) -> str:
    if access_rule == "public":
        return ALLOWED
    if actor == ANONYMOUS:
        return LOGIN
    if access_rule == "login" or actor == ADMIN:
        return ALLOWED
    if access_rule == "admin":
        return FORBIDDEN
    if access_rule == "course":  # cohort A follows the course; B does not
        return ALLOWED if actor in ROLE_IN_COHORT_A else FORBIDDEN
    if access_rule.startswith("region:"):
        roles = access_rule.removeprefix("region:").split(",")
        return ALLOWED if ROLE_IN_REGION_R.get(actor) in roles else FORBIDDEN
    roles = access_rule.removeprefix("cohort:").split(",")
    return ALLOWED if ROLE_IN_COHORT_A.get(actor) in roles else FORBIDDEN


def is_login_redirect(response: Any) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    location = urlsplit(response.headers.get("Location", ""))
    return location.path == "/login" and "next" in parse_qs(location.query)


def outcome_matches(expected: str, response: Any, url: str) -> bool:
    if expected == FORBIDDEN:
        return response.status_code == 403
    if expected == LOGIN:
        location = urlsplit(response.headers.get("Location", ""))
        return (
            response.status_code == 302
            and location.path == "/login"
            and parse_qs(location.query).get("next") == [url]
        )
    return response.status_code not in (401, 403) and not is_login_redirect(response)


# --- routes ------------------------------------------------------------------------------

CHECKED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def is_static_endpoint(app: Flask, endpoint: str) -> bool:
    view = app.view_functions[endpoint]
    return (
        endpoint.rsplit(".", 1)[-1] in security.PUBLIC_ENDPOINT_SUFFIXES
        and getattr(view, "__name__", "") == "send_static_file"
    )


def access_rule_of(app: Flask, endpoint: str) -> str | None:
    if is_static_endpoint(app, endpoint):
        return "public"
    return getattr(app.view_functions[endpoint], "access_rule", None)


def route_cases(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every rule and method except HEAD/OPTIONS."""
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method in CHECKED_METHODS
    )


def find_rule(app: Flask, endpoint: str, rule_text: str) -> Rule:
    for rule in app.url_map.iter_rules(endpoint):
        if rule.rule == rule_text:
            return rule
    raise AssertionError(f"route {rule_text} ({endpoint}) is gone from the app")


def missing_params(rule: Rule) -> list[str]:
    return sorted(set(rule.arguments) - set(PARAM_VALUES))


def missing_param_message(rule: Rule) -> str:
    names = ", ".join(repr(n) for n in missing_params(rule))
    return (
        f"route {rule.rule} (endpoint {rule.endpoint}) takes URL parameter(s) {names}: "
        "add a value for each to PARAM_VALUES in tests/test_access_matrix.py"
    )


def build_url(rule: Rule, world: World) -> str:
    if missing_params(rule):
        pytest.fail(missing_param_message(rule))
    values = {name: PARAM_VALUES[name](world) for name in rule.arguments}
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"could not build {rule.rule} from {values}"
    return built[1]


_ROUTES = route_cases(create_app(lms_config.TestingConfig()))

# --- fixtures ----------------------------------------------------------------------------


def _innovation_records(app, db, region, office) -> dict[str, Any]:
    """A verified, published innovation of ``office`` with version 1, a PDF and an innovator."""
    import io

    from lms.db import utcnow
    from lms.innovations.models import Innovation, InnovationFile, InnovationVersion, Innovator
    from lms.storage import save_upload

    innovation = Innovation(
        region_id=region.id,
        office_id=office.id,
        name="Si Cepat",
        profile={"nama_inovasi": "Si Cepat", "tahapan": "uji_coba"},
        state="verified",
        stage="uji_coba",
        latest_number=1,
        slug="si-cepat-uji",
        published_dt=utcnow(),
    )
    db.session.add(innovation)
    db.session.flush()
    db.session.add(
        InnovationVersion(
            innovation_id=innovation.id, number=1, profile=innovation.profile, office_id=office.id
        )
    )
    with app.test_request_context():
        stored = save_upload(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=1_000, allowed={"pdf"})
    item = InnovationFile(
        innovation=innovation, key=stored.key, name="sop.pdf", size=stored.size, kind="pdf"
    )
    person = Innovator(innovation=innovation, name="Kader Posyandu")
    db.session.add_all([item, person])
    db.session.commit()
    return {
        "innovation_id": innovation.id,
        "innovation_slug": innovation.slug,
        "innovation_file_id": item.id,
        "innovator_id": person.id,
    }


def _clinic_records(app, db, region, office, users) -> dict[str, Any]:
    """The participant (a civil servant of office O1) opened a case with a file; the
    coordinator accepted it with the region's mentor, who scheduled an appointment and an
    action item; the case reached Deliver (a follow-up), and the participant was notified."""
    import io
    from datetime import timedelta

    from lms.clinic import operations as clinic
    from lms.clinic.access import CaseAccess
    from lms.clinic.models import FollowUp
    from lms.clinic.stages import current_stages
    from lms.db import utcnow
    from lms.notifications.models import Notification
    from lms.storage import save_upload

    requester = users[PARTICIPANT]
    requester.office_id = office.id
    with app.test_request_context():
        stages = current_stages(app.config)
        stored = save_upload(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=1_000, allowed={"pdf"})
        case = clinic.open_case(
            region,
            requester,
            clinic.Opening(
                title="Antrean panjang",
                problem="Warga menunggu lama.",
                office=office,
                category="new_idea",
                files=[clinic.Upload(stored, "data.pdf")],
            ),
            stages,
        )
        clinic.accept(case, [users[MENTOR]], actor=users[COORDINATOR])
        start = utcnow() + timedelta(days=1)
        appointment = clinic.schedule(
            case,
            clinic.AppointmentInput(
                "Sesi 1", start, start + timedelta(hours=1), "in_person", "Aula"
            ),
            actor=users[MENTOR],
        )
        action = clinic.add_action(case, "Kirim data", requester, start.date(), actor=users[MENTOR])
        while case.stage != stages.deliver:
            clinic.move_on(
                case,
                stages,
                CaseAccess(coordinator=True),
                clinic.MoveInput(override_reason="Uji akses"),
                actor=users[COORDINATOR],
            )
        db.session.commit()
    follow_up = db.session.scalar(db.select(FollowUp).filter_by(consultation_id=case.id, months=3))
    notification = db.session.scalar(
        db.select(Notification).filter_by(user_id=requester.id).order_by(Notification.id)
    )
    return {
        "consultation_id": case.id,
        "case_file_id": _first_case_file(db, case.id),
        "appointment_id": appointment.id,
        "action_id": action.id,
        "follow_up_id": follow_up.id,
        "notification_id": notification.id,
    }


def _first_case_file(db, consultation_id: int) -> int:
    from lms.clinic.models import CaseFile

    return db.session.scalar(db.select(CaseFile.id).filter_by(consultation_id=consultation_id))


def _participant_submission(app, cohort, person, db):
    """A submitted proposal (version 1) with one attached PDF."""
    import io

    from lms.storage import save_upload
    from lms.submissions import operations as ops
    from lms.submissions.fields import PP38_CRITERIA
    from tests.helpers import valid_proposal

    with app.test_request_context():
        (assignment,) = ops.ensure_cohort_assignments(cohort)
        submission = ops.submission_for(assignment, person)
        ops.save_draft(submission, valid_proposal())
        stored = save_upload(
            io.BytesIO(b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"),
            max_bytes=1_000_000,
            allowed={"pdf"},
        )
        attachment = ops.add_file(submission, stored, name="surat.pdf")
        ops.submit(submission, self_check={k: True for k, _label in PP38_CRITERIA}, statement=True)
        db.session.commit()
    return submission, attachment


@pytest.fixture(scope="module")
def world_connection(app: Flask) -> Iterator[Connection]:
    """One connection and transaction for the whole module, rolled back at its end: the world
    is built in it once, and each test case runs in a SAVEPOINT of it (``db`` below).

    Logins go through the session, so nobody types the passwords: accounts are hashed cheaply
    meanwhile (a real scrypt hash per user would make the matrix take minutes).
    """
    with factories.cheap_password_hashing(), outer_transaction(app) as connection:
        yield connection


@pytest.fixture(scope="module")
def world(
    app: Flask, world_connection: Connection, tmp_path_factory: pytest.TempPathFactory
) -> World:
    """The world, built once per module (it costs about a second; the matrix has thousands of
    cases). Its objects are detached afterwards: ``users`` keeps their loaded columns."""
    with lms_session_on(world_connection) as db:
        world = build_world(
            app,
            db,
            make_user=factories.make_user,
            make_cohort=factories.make_cohort,
            make_course=partial(factories.make_course, tmp_path_factory.mktemp("packs")),
            make_meeting=factories.make_meeting,
        )
        for user in world.users.values():
            db.session.refresh(user)
    return world


@pytest.fixture
def db(world_connection: Connection, world: World) -> Iterator[Any]:
    """Overrides conftest's ``db``: each test case in a SAVEPOINT of the module's transaction
    (the world already in it), in a session of its own, rolled back after the case, so nothing
    a case writes (POST routes do write) reaches the next one. ``client`` (a fresh cookie jar)
    and ``login_as`` build on it as usual."""
    with savepoint(world_connection), lms_session_on(world_connection) as handle:
        limiter.reset()
        yield handle


def build_world(app, db, *, make_user, make_cohort, make_course, make_meeting) -> World:
    """Everything the URLs point at; the factories are those of ``tests/factories.py``."""
    users = {actor: make_user() for actor in ACTORS if actor not in (ANONYMOUS, ADMIN)}
    users[ADMIN] = make_user(is_admin=True)
    cohort_a = make_cohort(
        participants=[users[PARTICIPANT]],
        trainers=[users[TRAINER]],
        organizers=[users[ORGANIZER]],
    )
    cohort_b = make_cohort(participants=[users[OTHER_PARTICIPANT]])
    course = make_course(cohorts=[cohort_a])
    meeting = make_meeting(cohort_a)
    from lms.attendance.operations import request_excuse

    excuse = request_excuse(meeting, users[PARTICIPANT], kind="sick", reason="Demam")
    db.session.commit()
    submission, attachment = _participant_submission(app, cohort_a, users[PARTICIPANT], db)
    # The trainer marks that work and leads the assignment's grading (reconciles, releases), so
    # every grading route is open to them as their role's rule says.
    from lms.grading.models import Allocation, GradingPlan

    db.session.add(
        Allocation(
            assignment_id=submission.assignment_id,
            participant_id=users[PARTICIPANT].id,
            trainer_id=users[TRAINER].id,
        )
    )
    db.session.add(
        GradingPlan(assignment_id=submission.assignment_id, lead_trainer_id=users[TRAINER].id)
    )
    db.session.commit()
    # The participant holds a certificate of cohort A (issued by override: no meeting is over).
    from lms.certificates import operations as certificates

    with app.test_request_context():
        (certificate,) = certificates.issue(
            cohort_a,
            [users[PARTICIPANT].id],
            actor=users[ORGANIZER],
            overrides={users[PARTICIPANT].id: "Uji akses"},
        )
        db.session.commit()
    membership_id = db.session.scalar(
        db.select(Membership.id).filter_by(cohort_id=cohort_a.id, user_id=users[PARTICIPANT].id)
    )
    # Region R (offices O1, O2) with one person per region role, and region R2's coordinator.
    from lms.regions.models import Office, Region, RegionMembership

    region = Region(code="7399", name="Kabupaten Uji", kind="kabupaten")
    region_2 = Region(code="7398", name="Kabupaten Lain", kind="kabupaten")
    office_1 = Office(region=region, name="Dinas Kesehatan", acronym="Dinkes")
    office_2 = Office(region=region, name="Dinas Pendidikan", acronym="Disdik")
    for actor, role, office, in_region in (
        (COORDINATOR, "coordinator", None, region),
        (OPERATOR_O1, "office_operator", office_1, region),
        (OPERATOR_O2, "office_operator", office_2, region),
        (MENTOR, "mentor", None, region),
        (LEADER, "leader", None, region),
        (OTHER_COORDINATOR, "coordinator", None, region_2),
    ):
        db.session.add(
            RegionMembership(region=in_region, user=users[actor], role=role, office=office)
        )
    db.session.commit()
    leader_membership_id = db.session.scalar(
        db.select(RegionMembership.id).filter_by(user_id=users[LEADER].id)
    )
    return World(
        users=users,
        cohort_a_id=cohort_a.id,
        cohort_b_id=cohort_b.id,
        participant_membership_id=membership_id,
        participant_user_id=users[PARTICIPANT].id,
        course_slug=course.slug,
        lesson_slug="materi-1",
        assignment_key="proposal",
        meeting_id=meeting.id,
        excuse_id=excuse.id,
        assignment_id=submission.assignment_id,
        submission_id=submission.id,
        file_id=attachment.id,
        certificate_id=certificate.id,
        certificate_code=certificate.code,
        region_code=region.code,
        office_o1_id=office_1.id,
        office_o2_id=office_2.id,
        leader_region_membership_id=leader_membership_id,
        **_innovation_records(app, db, region, office_1),
        **_clinic_records(app, db, region, office_1, users),
    )


_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path`` (tied to the client's session)."""
    match = _CSRF_RE.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def request_as(
    client: FlaskClient, login_as: Callable, world: World, actor: str, method: str, url: str
) -> Any:
    login_as(world.users.get(actor))
    data = None
    if method != "GET":
        data = {"csrf_token": csrf_token(client, "/login" if actor == ANONYMOUS else "/dashboard")}
    return client.open(url, method=method, data=data)


def describe(endpoint: str, method: str, actor: str, expected: str, response: Any) -> str:
    location = response.headers.get("Location")
    return (
        f"endpoint {endpoint}, method {method}, actor {actor}: expected {expected}, "
        f"got status {response.status_code}" + (f" (location {location})" if location else "")
    )


# --- tests -------------------------------------------------------------------------------


def test_every_endpoint_declares_an_access_rule(app: Flask) -> None:
    region_roles = "|".join(REGION_ROLES)
    known = re.compile(
        rf"public|login|admin|course|cohort:({'|'.join(ROLES)})(,({'|'.join(ROLES)}))*"
        rf"|region:({region_roles})(,({region_roles}))*"
    )
    missing = sorted(
        endpoint
        for endpoint in app.view_functions
        if not is_static_endpoint(app, endpoint) and access_rule_of(app, endpoint) is None
    )
    assert not missing, (
        "endpoints without an access rule (decorate the view with one of lms.security's "
        "public / login_required / admin_required / cohort_role / region_role): "
        + ", ".join(missing)
    )
    unknown = sorted(
        f"{endpoint} ({rule!r})"
        for endpoint in app.view_functions
        if not known.fullmatch(rule := access_rule_of(app, endpoint) or "public")
    )
    assert not unknown, "access rules this matrix does not understand: " + ", ".join(unknown)
    no_cohort = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if (access_rule_of(app, rule.endpoint) or "").startswith("cohort:")
        and "cohort_id" not in rule.arguments
    )
    assert not no_cohort, "cohort rules on URLs without <cohort_id>: " + ", ".join(no_cohort)
    no_region = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if (access_rule_of(app, rule.endpoint) or "").startswith("region:")
        and "region_code" not in rule.arguments
    )
    assert not no_region, "region rules on URLs without <region_code>: " + ", ".join(no_region)


def test_every_writing_endpoint_runs_in_a_unit_of_work(app: Flask) -> None:
    """A view that accepts POST (or another writing method) commits through
    ``lms.unit_of_work``; Flask-SQLAlchemy would drop anything it wrote itself."""
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if set(rule.methods or ()) & {"POST", "PUT", "PATCH", "DELETE"}
        and not getattr(app.view_functions[rule.endpoint], "unit_of_work", False)
    )
    assert not missing, "writing endpoints without @unit_of_work: " + ", ".join(missing)


def test_every_url_parameter_has_a_value(app: Flask) -> None:
    problems = [missing_param_message(r) for r in app.url_map.iter_rules() if missing_params(r)]
    assert not problems, "\n".join(problems)


def test_matrix_covers_the_running_app(app: Flask) -> None:
    assert route_cases(app) == _ROUTES
    assert _ROUTES, "no routes found"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("endpoint", "rule_text", "method"),
    _ROUTES,
    ids=[f"{method} {endpoint}" for endpoint, _, method in _ROUTES],
)
def test_access(
    app: Flask,
    client: FlaskClient,
    login_as: Callable,
    world: World,
    endpoint: str,
    rule_text: str,
    method: str,
    actor: str,
) -> None:
    rule = find_rule(app, endpoint, rule_text)
    access_rule = access_rule_of(app, endpoint)
    assert access_rule, f"endpoint {endpoint} has no access rule"
    expected = expected_outcome(access_rule, actor)
    url = build_url(rule, world)
    try:
        response = request_as(client, login_as, world, actor, method, url)
    except Exception as exc:
        raise AssertionError(
            f"endpoint {endpoint}, method {method}, actor {actor}: {exc!r}"
        ) from exc
    assert outcome_matches(expected, response, url), describe(
        endpoint, method, actor, expected, response
    )


def _world_as_built(db: Any, world: World) -> tuple[bool, str, int]:
    """(the participant still in cohort A, their certificate's state, audit rows)."""
    from lms.audit import AuditEvent
    from lms.certificates.models import Certificate

    return (
        db.session.get(Membership, world.participant_membership_id) is not None,
        db.session.get(Certificate, world.certificate_id).state,
        db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)),
    )


@pytest.mark.parametrize("run", [1, 2])
def test_a_case_s_writes_are_gone_in_the_next_case(
    app: Flask, client: FlaskClient, login_as: Callable, world: World, db: Any, run: int
) -> None:
    """The world is shared by the module: twice (so whichever runs second, in any order, starts
    after the other's writes), the organizer removes cohort A's participant and revokes their
    certificate through the app, and each time finds the world as it was built."""
    member, state, audit_rows = _world_as_built(db, world)
    assert (member, state) == (True, "issued")
    login_as(world.users[ORGANIZER])
    token = csrf_token(client, "/dashboard")
    with app.test_request_context():
        remove = url_for(
            "lms.cohorts.remove_member",
            cohort_id=world.cohort_a_id,
            membership_id=world.participant_membership_id,
        )
        revoke = url_for(
            "lms.certificates.revoke",
            cohort_id=world.cohort_a_id,
            certificate_id=world.certificate_id,
        )
    assert client.post(remove, data={"csrf_token": token}).status_code == 302
    assert client.post(revoke, data={"csrf_token": token, "reason": "Uji"}).status_code == 302
    # Written and committed (as far as a case can commit): the next case must not see it.
    assert _world_as_built(db, world) == (False, "revoked", audit_rows + 2)
    login_as(world.users[PARTICIPANT])
    assert client.get(f"/cohorts/{world.cohort_a_id}").status_code == 403


@pytest.mark.parametrize("actor", [ANONYMOUS, ADMIN])
def test_state_changing_requests_without_csrf_token_are_refused(
    app: Flask, client: FlaskClient, login_as: Callable, world: World, actor: str
) -> None:
    failures = []
    checked = 0
    for endpoint, rule_text, method in _ROUTES:
        if method == "GET":
            continue
        url = build_url(find_rule(app, endpoint, rule_text), world)
        login_as(world.users.get(actor))
        response = client.open(url, method=method, data={})
        checked += 1
        if response.status_code != 400:
            failures.append(describe(endpoint, method, actor, "400 (no CSRF token)", response))
    assert checked, "no state-changing routes found"
    assert not failures, "\n".join(failures)


def test_anonymous_logout_and_cohort_creation_need_a_csrf_token(client: FlaskClient) -> None:
    assert client.post("/logout").status_code == 400
    assert client.post("/cohorts/new", data={"code": "X"}).status_code == 400
