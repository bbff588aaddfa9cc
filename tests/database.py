"""The test database's transactions: whatever a test writes is rolled back after it.

Two shapes, built from the same three pieces:

- one test, one transaction (conftest's ``db``)::

      with outer_transaction(app) as connection, lms_session_on(connection):
          ...  # the test

- a world that a test module builds once and its tests share, each test in a SAVEPOINT of it
  (``tests/test_access_matrix.py``)::

      with outer_transaction(app) as connection:            # module-scoped
          with lms_session_on(connection):
              ...  # build the world once
          for each test:
              with savepoint(connection), lms_session_on(connection):
                  ...  # the test; its writes are gone at the end of the block

In both, the LMS's commits (``unit_of_work``, the factories) only release a SAVEPOINT of
their own inside the connection's transaction (``join_transaction_mode="create_savepoint"``),
on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session

from lms.extensions import db as _db


class RollbackScopedSession(scoped_session):
    """One session for the whole test; the end of a request rolls back what it did not
    commit (as a fresh session would) instead of closing, so test objects stay usable."""

    def remove(self) -> None:
        self.registry().rollback()


@contextmanager
def outer_transaction(app: Flask) -> Iterator[Connection]:
    """A connection of ``app``'s engine inside a transaction rolled back at the end."""
    with app.app_context():
        connection = _db.engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@contextmanager
def savepoint(connection: Connection) -> Iterator[None]:
    """A SAVEPOINT of ``connection``'s transaction, rolled back at the end of the block."""
    nested = connection.begin_nested()
    try:
        yield
    finally:
        if nested.is_active:
            nested.rollback()


@contextmanager
def lms_session_on(connection: Connection) -> Iterator[Any]:
    """Every app's LMS work in one new session on ``connection`` until the block ends.

    Yields the ``lms.extensions.db`` handle, whose ``session`` is overridden meanwhile.
    """
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=True
    )
    # The handle's override: every app's LMS work goes into this session until it is deleted.
    _db.session = RollbackScopedSession(lambda: session, scopefunc=lambda: 0)
    try:
        yield _db
    finally:
        del _db.session
        session.close()
