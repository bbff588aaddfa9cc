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
        # Read through the OS page cache: a connection's own 2 MB cache held less than a
        # grade book reads, so every page view read the same pages again.
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 256 * 1024 * 1024


def test_the_memory_map_is_a_setting(tmp_path):
    from lms import create_app
    from lms.config import TestingConfig
    from lms.extensions import db

    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    config.LMS_UPLOAD_DIR = str(tmp_path / "uploads")
    config.LMS_SQLITE_MMAP_MB = 0
    app = create_app(config)
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 0
        db.engine.dispose()


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


def test_writers_take_turns_across_processes_and_threads(tmp_path):
    from lms.db import WriterTurn

    path = str(tmp_path / "t.sqlite3")
    first, second = WriterTurn(path), WriterTurn(path)  # two open files: as two processes
    assert first.acquire()
    assert not second.acquire(timeout=0.05)  # the file is locked
    waited: list[bool] = []
    other = threading.Thread(target=lambda: waited.append(first.acquire(timeout=0.05)))
    other.start()
    other.join()
    assert waited == [False]  # another thread of the same process waits too
    assert first.acquire()  # the holder itself goes straight on
    first.release()
    first.release()
    assert second.acquire(timeout=1)
    second.release()


def test_a_write_request_gives_the_turn_back_when_its_connection_returns(tmp_path):
    from flask import Flask

    from lms.db import writer_turns

    engine = _engine(tmp_path / "r.sqlite3")
    turn = writer_turns[engine]
    app = Flask(__name__)
    with app.test_request_context("/", method="POST"):
        for statement in ("CREATE TABLE t (n INTEGER)", "INSERT INTO t VALUES (1)"):
            with engine.begin() as conn:
                assert conn.info.get("lms_writer_turn") is True
                assert turn._owner == threading.get_ident()
                conn.exec_driver_sql(statement)
            assert turn._owner is None
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (2)")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert turn._owner is None
    with app.test_request_context("/"), engine.connect() as conn:  # a GET reads, no turn
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
        assert turn._owner is None
