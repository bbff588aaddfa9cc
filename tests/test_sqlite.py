"""SQLite settings that keep concurrent writers from failing with "database is locked"."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from lms.db import configure_sqlite


def _engine(path):
    engine = sa.create_engine(f"sqlite:///{path}")
    configure_sqlite(engine)
    return engine


def test_pragmas_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = _engine(tmp_path / "p.sqlite3")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_a_read_then_write_transaction_waits_for_another_writer(tmp_path):
    engine = _engine(tmp_path / "c.sqlite3")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors: list[BaseException] = []
    holding = threading.Event()

    def slow_writer():
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE counter SET n = n + 1")
                holding.set()
                time.sleep(0.5)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def read_then_write():
        holding.wait(5)
        try:
            with engine.begin() as conn:
                n = conn.exec_driver_sql("SELECT n FROM counter").scalar()
                conn.exec_driver_sql("UPDATE counter SET n = ?", (n + 1,))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=slow_writer), threading.Thread(target=read_then_write)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    with engine.connect() as conn:
        # Both increments landed: the second transaction read after the first committed.
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar() == 2
