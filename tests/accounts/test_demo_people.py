"""The demo people are plausible civil servants: ranks for their education and years of
service, PPPK with valid NI PPPK and golongan, a non-ASN, trainers' grades matching their
ranks, and venues in the classes' time zone."""

from __future__ import annotations

from datetime import date

import pytest

from lms.accounts import civil_service as cs
from lms.accounts.models import User
from lms.cohorts.models import Cohort, Membership
from lms.demo import RANKS_AS_OF, load_demo
from lms.extensions import limiter
from lms.regions import demo as regions_demo
from tests import factories
from tests.database import lms_session_on, outer_transaction, savepoint

#: The first rank of a PNS appointed with this education, and a PPPK's golongan.
PNS_START = {"D3": "II/c", "S1": "III/a"}
PPPK_GOLONGAN = {"D3": "VII", "S1": "IX"}
#: Career grades of functional positions and the PNS ranks they span.
GRADES = {
    "Terampil": ("II/c", "II/d"),
    "Ahli Pertama": ("III/a", "III/b"),
    "Ahli Muda": ("III/c", "III/d"),
    "Ahli Madya": ("IV/a", "IV/c"),
}


@pytest.fixture(scope="module")
def demo_connection(app):
    """The demo data, loaded once for the module (it takes seconds) in a transaction rolled
    back at its end; each test runs in a SAVEPOINT of it (``db`` below)."""
    with factories.cheap_password_hashing(), outer_transaction(app) as connection:
        with lms_session_on(connection), app.test_request_context():
            load_demo()
        yield connection


@pytest.fixture
def db(demo_connection):
    """Overrides conftest's ``db``: the test in a SAVEPOINT rolled back after it."""
    with savepoint(demo_connection), lms_session_on(demo_connection) as handle:
        limiter.reset()
        yield handle


@pytest.fixture
def demo(app, db):
    with app.test_request_context():
        yield


def _people(db) -> list[tuple[User, date]]:
    """Every person of lms/demo.py with the first day of their first class."""
    starts = {}
    for membership in db.session.scalars(db.select(Membership).join(Cohort)):
        day = RANKS_AS_OF[membership.cohort.code]
        starts[membership.user] = min(day, starts.get(membership.user, day))
    return [(u, d) for u, d in starts.items() if u.email not in regions_demo.EMAILS]


def _education(name: str) -> str:
    return "D3" if "A.Md" in name else "S1"


def _index(code: str) -> int:
    return cs.PNS_RANK_CODES.index(code)


def test_pns_ranks_fit_education_age_and_years_of_service(demo, db):
    checked = 0
    for person, as_of in _people(db):
        if person.employment_status != "pns":
            continue
        nip = cs.parse_nip(person.nip)
        year, month = nip.appointment
        age = year - nip.birth_date.year
        assert 20 <= age <= 35, f"{person.full_name} appointed at {age}"
        years = (as_of.year - year) - (as_of.month < month)
        expected = _index(PNS_START[_education(person.full_name)]) + years // 4
        assert abs(_index(person.rank) - expected) <= 1, (
            f"{person.full_name}: {person.rank} after {years} years"
        )
        checked += 1
    assert checked >= 20


def test_a_fresh_graduate_is_iii_a_and_seniors_with_a_masters_are_iii_c_to_iv_a(demo, db):
    by_name = {p.full_name: p for p, _d in _people(db)}
    fresh = by_name["Muhammad Ilham, S.Kom."]
    assert fresh.rank == "III/a" and fresh.nip[8:12] == "2022"
    for name in ("Ahmad Fauzi, S.T., M.T.", "Nurhayati, S.E., M.M.", "Ir. Sitti Aminah, M.Si."):
        assert _index("III/c") <= _index(by_name[name].rank) <= _index("IV/a"), name
    assert by_name["Hasnawati, A.Md.Keb."].rank in ("II/c", "II/d", "III/a")


def test_functional_grades_in_positions_match_the_rank(demo, db):
    checked = 0
    for person, _as_of in _people(db):
        grade = next((g for g in GRADES if person.position.endswith(g)), None)
        if grade is None or person.employment_status != "pns":
            continue
        low, high = GRADES[grade]
        assert _index(low) <= _index(person.rank) <= _index(high), (
            f"{person.full_name}: {person.position} with {person.rank}"
        )
        checked += 1
    assert checked >= 10
    trainers = {
        m.user.position: m.user.rank
        for m in db.session.scalars(db.select(Membership).filter_by(role="trainer"))
    }
    assert trainers == {"Widyaiswara Ahli Madya": "IV/b", "Widyaiswara Ahli Muda": "III/d"}


def test_some_participants_are_pppk_and_one_is_non_asn(demo, db):
    people = [p for p, _d in _people(db)]
    pppk = [p for p in people if p.employment_status == "pppk"]
    assert len(pppk) >= 3
    for person in pppk:
        number = cs.parse_pppk_number(person.nip)
        assert cs.infer_number(person.nip).status == "pppk"  # not also a valid NIP
        assert number.appointment_year - number.birth_date.year >= 18
        assert person.rank == PPPK_GOLONGAN[_education(person.full_name)]
        assert cs.sex_of(person) in ("L", "P")
    [non_asn] = [p for p in people if p.employment_status == "non_asn"]
    assert (non_asn.nip, non_asn.rank, cs.sex_of(non_asn)) == (None, None, "P")
    assert all(cs.sex_of(p) in ("L", "P") for p in people)


def test_both_demo_classes_meet_in_south_sulawesi_in_wita(demo, db):
    for cohort in db.session.scalars(db.select(Cohort)):
        assert cohort.timezone == "Asia/Makassar", cohort.code
        assert cohort.venue.endswith("Sulawesi Selatan"), cohort.venue


def test_a_second_run_changes_no_person(demo, db, app):
    def snapshot():
        return sorted(
            (u.email, u.employment_status, u.nip, u.rank, u.sex, u.position)
            for u in db.session.scalars(db.select(User))
        )

    first = snapshot()
    with app.test_request_context():
        load_demo()
    assert snapshot() == first
