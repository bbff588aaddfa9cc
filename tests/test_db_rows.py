"""``db.rows``: plain-column reads without the ORM's per-statement work, flushing as the
session's own ``execute`` does."""

from __future__ import annotations

import sqlalchemy as sa

from lms.accounts.models import User


def test_rows_see_what_the_session_has_pending_as_execute_does(db, make_user):
    user = make_user(full_name="Nama Lama")
    name = sa.select(User.full_name).where(User.id == user.id)
    user.full_name = "Nama Baru"
    with db.session.no_autoflush:
        assert db.rows(name).scalar_one() == db.session.execute(name).scalar_one() == "Nama Lama"
    assert db.rows(name).scalar_one() == "Nama Baru"
    assert db.rows(name.where(User.id == sa.bindparam("other")), {"other": -1}).all() == []


def test_among_ids_reads_the_rows_of_exactly_the_ids_bound(db, make_user):
    """``lms.db.among_ids``: the rows of exactly the ids bound, for none, one or over 50."""
    from lms.db import among_ids

    people = [make_user() for _ in range(3)]
    wanted = sa.select(User.id).where(among_ids(User.id, "ids")).order_by(User.id)
    for ids in ([], [people[1].id], [p.id for p in people] + list(range(-60, 0))):
        assert db.rows(wanted, {"ids": ids}).scalars().all() == sorted(i for i in ids if i > 0)
