"""PostgreSQL settings: a request that reads opens no transaction, one that writes opens one.

Run by the PostgreSQL pass of the suite (LMS_TEST_DATABASE_URL); skipped on SQLite.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.db import configure_postgresql

pytestmark = pytest.mark.skipif(
    not os.environ.get("LMS_TEST_DATABASE_URL"),
    reason="the suite runs on SQLite (set LMS_TEST_DATABASE_URL for PostgreSQL)",
)


@pytest.fixture
def engine(empty_database_url):
    engine = sa.create_engine(empty_database_url)
    configure_postgresql(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    yield engine
    engine.dispose()


def _in_transaction(conn: sa.Connection) -> bool:
    import psycopg.pq

    status = conn.connection.dbapi_connection.info.transaction_status
    return status == psycopg.pq.TransactionStatus.INTRANS


def test_a_failed_write_request_leaves_nothing(engine):
    app = Flask(__name__)
    with app.test_request_context("/", method="POST"):
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with pytest.raises(RuntimeError), engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            assert _in_transaction(conn)
            conn.exec_driver_sql("INSERT INTO t VALUES (3)")
            raise RuntimeError("rolled back")
    with app.test_request_context("/"), engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM t ORDER BY n").scalars().all() == [1]


def test_a_read_request_runs_without_a_transaction_and_keeps_prepared_statements(engine):
    app = Flask(__name__)
    for _ in range(7):  # psycopg prepares a statement at its sixth run on a connection
        with app.test_request_context("/"), engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM t WHERE n > :n"), {"n": 0})
            assert not _in_transaction(conn)
    with app.test_request_context("/"), engine.connect() as conn:
        prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements")
        assert any("FROM t WHERE n >" in s for s in prepared.scalars())


def test_a_get_that_writes_and_a_command_still_open_a_transaction(engine):
    from lms.security import writes_on_get

    app = Flask(__name__)
    app.add_url_rule("/record", "record", writes_on_get(lambda: ""))
    with app.test_request_context("/record"), engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (4)")
        assert _in_transaction(conn)
        conn.rollback()
    with engine.connect() as conn:  # outside a request: a command, a job, a test
        conn.exec_driver_sql("INSERT INTO t VALUES (5)")
        assert _in_transaction(conn)
        conn.rollback()
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0


def test_an_isolation_level_asked_for_holds_and_ends_with_the_connection(engine):
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            first = conn.exec_driver_sql("SELECT now()").scalar()
            assert conn.exec_driver_sql("SELECT now()").scalar() == first  # one transaction
    app = Flask(__name__)
    with app.test_request_context("/"), engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
        assert not _in_transaction(conn)


def test_a_read_request_that_writes_after_all_writes_in_one_transaction(engine):
    app = Flask(__name__)
    with app.test_request_context("/"), engine.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM t")
        assert not _in_transaction(conn)
        conn.exec_driver_sql("INSERT INTO t VALUES (6)")
        assert _in_transaction(conn)
        with conn.begin_nested():  # a savepoint needs the transaction
            conn.exec_driver_sql("INSERT INTO t VALUES (7)")
        conn.rollback()
    with app.test_request_context("/"), engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
        locked = conn.exec_driver_sql("SELECT n FROM t FOR UPDATE")
        assert locked.all() == [] and _in_transaction(conn)  # a lock lasts to the end
