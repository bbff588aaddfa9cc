"""Test data factories, as plain functions.

conftest's fixtures of the same names (``make_user``, ``make_cohort``, ``make_course``,
``make_meeting``) wrap these for one test; a world that a whole test module shares (the access
matrix) calls them directly inside its own transaction (``tests/database.py``). They write
through ``lms.extensions.db.session``, i.e. whatever session the test's transaction put there,
and commit (which, in a test, only releases a SAVEPOINT).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.cohorts import operations as cohorts
from lms.cohorts.models import Cohort
from lms.extensions import db
from tests.helpers import PASSWORD

_seq = itertools.count(1)


def cheap_password_hash(password: str) -> str:
    """Real hashing costs ~0.1 s a user; tests of hashing itself create users directly."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


#: What ``cheap_password_hash`` replaces.
PASSWORD_HASH_TARGET = "lms.accounts.models.generate_password_hash"


@contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """``cheap_password_hash`` for every account created inside the block."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PASSWORD_HASH_TARGET, cheap_password_hash)
        yield


def make_user(**kwargs: Any) -> User:
    n = next(_seq)
    data: dict[str, Any] = {
        "email": f"orang{n}@example.org",
        "full_name": f"Orang Uji {n}, S.Sos.",
        "password": PASSWORD,
    }
    data.update(kwargs)
    user = accounts.create_user(**data)
    db.session.commit()
    return user


def make_cohort(
    *,
    participants: list[User] = (),  # type: ignore[assignment]
    trainers: list[User] = (),  # type: ignore[assignment]
    organizers: list[User] = (),  # type: ignore[assignment]
    **kwargs: Any,
) -> Cohort:
    """``make_cohort(participants=[u1], trainers=[...], organizers=[...])``."""
    n = next(_seq)
    data: dict[str, Any] = {
        "code": f"KIT-UJI-{n}",
        "name": f"Kelas Inovasi Uji {n}",
        "start_date": date(2023, 9, 5),
        "end_date": date(2023, 9, 7),
        "timezone": "Asia/Makassar",
        "jp_total": 24,
        "state": "open",
    }
    data.update(kwargs)
    cohort = cohorts.create_cohort(data, actor=None)
    for role, people in (
        ("participant", participants),
        ("trainer", trainers),
        ("organizer", organizers),
    ):
        for person in people:
            cohorts.add_member(cohort, email=person.email, role=role, actor=None)
    db.session.commit()
    return cohort


def make_course(
    folder: Path,
    *,
    cohorts: list[Cohort] = (),  # type: ignore[assignment]
    slug: str | None = None,
    **pack: Any,
) -> Any:
    """A course pack written into ``folder`` (an empty one) and synced, followed by ``cohorts``."""
    from lms.catalog.models import CohortCourse, Course
    from lms.catalog.operations import set_cohort_courses, sync_pack
    from lms.catalog.packs import load_pack
    from tests.helpers import write_pack

    slug = slug or f"kursus-uji-{next(_seq)}"
    path = write_pack(folder, slug, **pack)
    loaded, problems = load_pack(path)
    assert loaded is not None, problems
    sync_pack(loaded)
    course = db.session.scalar(db.select(Course).filter_by(slug=slug))
    for cohort in cohorts:
        current = list(
            db.session.scalars(db.select(CohortCourse.course_id).filter_by(cohort_id=cohort.id))
        )
        set_cohort_courses(cohort, [*current, course.id], actor=None)
    db.session.commit()
    return course


def make_meeting(cohort: Cohort, *, starts_in: timedelta = timedelta(minutes=-5), **data: Any):
    """A meeting of ``cohort`` starting ``starts_in`` from now (default: started 5 min ago)."""
    from lms.attendance.operations import create_meeting
    from lms.db import utcnow

    start = utcnow().replace(microsecond=0) + starts_in
    values: dict[str, Any] = {
        "title": f"Pertemuan {next(_seq)}",
        "venue": "Aula",
        "start_dt": start,
        "end_dt": start + timedelta(hours=2),
        "jp": 3,
    }
    values.update(data)
    meeting = create_meeting(cohort, values)
    db.session.commit()
    return meeting
