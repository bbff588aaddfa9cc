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
