"""When the database is away, pages answer 503 with a clear message, /healthz says so, nothing
is half-written, and the app recovers when the database returns (without a restart).
Server errors show the request id that the log holds with the traceback.

SQLite: the engine's connect is made to fail, as when the file cannot be opened. PostgreSQL
(skipped without a server, except on CI): the app talks to the server through a TCP proxy
run by the test, which is stopped and started again.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.security import generate_password_hash

from lms import config as lms_config
from lms import create_app
from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.extensions import db as _db
from tests.helpers import PASSWORD, csrf_token

UNAVAILABLE = "Basis data sedang tidak dapat dihubungi. Coba lagi beberapa saat lagi."
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _app_with_admin(url: str, upload_dir: str) -> Flask:
    """An app on ``url`` (schema created) with one admin; errors become pages, as in
    production, instead of reaching the test."""
    config = lms_config.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.LMS_UPLOAD_DIR = upload_dir
    config.PROPAGATE_EXCEPTIONS = False
    app = create_app(config)
    with app.app_context():
        _db.create_all()
        accounts.create_user(
            email="admin@example.org", full_name="Admin Uji", password=PASSWORD, is_admin=True
        )
        _db.session.commit()
    return app


def _admin_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    with app.app_context():
        admin_id = _db.session.scalar(select(User.id).filter_by(email="admin@example.org"))
    with client.session_transaction() as session:
        session["_user_id"] = str(admin_id)
        session["_fresh"] = True
    return client


def _count(app: Flask, entity: Any, **filters: Any) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(entity).filter_by(**filters)
        return _db.session.scalar(stmt)


def assert_unavailable_page(response: Any) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert UNAVAILABLE in html
    assert f"Kode permintaan: {response.headers['X-Request-ID']}" in html


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "lms.accounts.models.generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1"),
    )


# --- SQLite ---------------------------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path: Any, cheap_hashes: None) -> Iterator[Flask]:
    app = _app_with_admin(f"sqlite:///{tmp_path / 'lms.sqlite3'}", str(tmp_path / "uploads"))
    yield app
    with app.app_context():
        _db.engine.dispose()


@contextmanager
def sqlite_unavailable(app: Flask) -> Iterator[None]:
    """New connections fail as when the database file cannot be opened; pooled ones are
    dropped. Leaving the block brings the database back (the app is not restarted)."""
    with app.app_context():
        engine = _db.engine

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise sqlite3.OperationalError("unable to open database file")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine.dialect, "connect", refuse)
        engine.dispose()
        yield


def test_pages_answer_503_while_the_database_is_away_and_recover(sqlite_app: Flask) -> None:
    client = _admin_client(sqlite_app)
    assert client.get("/dashboard").status_code == 200
    with sqlite_unavailable(sqlite_app):
        assert_unavailable_page(client.get("/dashboard"))
        assert_unavailable_page(client.get("/admin/users"))
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"status": "error", "database": "error"}
        english = client.get("/dashboard?lang=en")
        assert english.status_code == 503 and english.headers["Retry-After"] == "30"
        client.get("/dashboard?lang=id")
    assert client.get("/dashboard").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_a_json_endpoint_answers_503_in_json(sqlite_app: Flask) -> None:
    client = _admin_client(sqlite_app)
    with sqlite_unavailable(sqlite_app):
        response = client.get("/badges/1/completion.json")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "error" and body["message"] == UNAVAILABLE
    assert body["request_id"] == response.headers["X-Request-ID"]


def _new_user_form(client: FlaskClient, email: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(client, "/admin/users/new"),
        "email": email,
        "full_name": "Budi Santoso, S.T.",
        "password": "kata-sandi-baru-123",
        "position": "Analis Kebijakan",
    }


def test_a_form_sent_while_the_database_is_away_writes_nothing(sqlite_app: Flask) -> None:
    client = _admin_client(sqlite_app)
    form = _new_user_form(client, "budi@example.org")
    with sqlite_unavailable(sqlite_app):
        assert_unavailable_page(client.post("/admin/users/new", data=form))
    assert _count(sqlite_app, User, email="budi@example.org") == 0
    # Sent again once the database is back, it works.
    assert client.post("/admin/users/new", data=form).status_code == 302
    assert _count(sqlite_app, User, email="budi@example.org") == 1


def test_a_connection_lost_halfway_through_a_write_leaves_nothing_behind(
    sqlite_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """The account row is written, then the connection dies before its audit row: neither
    stays, and the person sees the 503 page (with the id the log has) instead of a 500."""
    client = _admin_client(sqlite_app)
    form = _new_user_form(client, "budi@example.org")
    audit_rows = _count(sqlite_app, AuditEvent)
    with sqlite_app.app_context():
        dialect = _db.engine.dialect
    real_execute = dialect.do_execute
    executed: list[str] = []

    def dies_at_the_audit_row(cursor: Any, statement: str, parameters: Any, context: Any) -> Any:
        executed.append(statement)
        if statement.startswith("INSERT INTO lms_audit_event"):
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return real_execute(cursor, statement, parameters, context)

    caplog.set_level(logging.INFO, logger="lms")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dialect, "do_execute", dies_at_the_audit_row)
        response = client.post("/admin/users/new", data=form)
    assert any(s.startswith("INSERT INTO lms_user_account") for s in executed)
    assert_unavailable_page(response)
    assert _count(sqlite_app, User, email="budi@example.org") == 0
    assert _count(sqlite_app, AuditEvent) == audit_rows
    (warning,) = [r for r in caplog.records if r.name == "lms.error"]
    assert f"request_id={response.headers['X-Request-ID']}" in warning.getMessage()
    assert client.post("/admin/users/new", data=form).status_code == 302
    assert _count(sqlite_app, User, email="budi@example.org") == 1
    assert _count(sqlite_app, AuditEvent) == audit_rows + 1


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("UPDATE lms_user_account SET ...", {}, sqlite3.OperationalError("locked")),
        IntegrityError("INSERT INTO lms_user_account ...", {}, sqlite3.IntegrityError("UNIQUE")),
    ],
    ids=["database is locked", "constraint violation"],
)
def test_a_failing_statement_is_a_server_error_not_an_outage(
    app: Flask,
    client: FlaskClient,
    login_as: Callable,
    make_user: Callable,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
) -> None:
    def fails(**_kwargs: Any) -> None:
        raise error

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "lms.core.dashboard", fails)
    login_as(make_user())
    response = client.get("/dashboard")
    assert response.status_code == 500
    assert UNAVAILABLE not in response.get_data(as_text=True)


# --- server errors --------------------------------------------------------------------------


def test_the_500_page_shows_the_request_id_the_log_holds_with_the_traceback(
    app: Flask,
    client: FlaskClient,
    login_as: Callable,
    make_user: Callable,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("rusak untuk uji")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "lms.core.dashboard", broken)
    login_as(make_user())
    caplog.set_level(logging.INFO)
    response = client.get("/dashboard")
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    html = response.get_data(as_text=True)
    assert "Terjadi kesalahan" in html
    assert f"Kode permintaan: {rid}" in html
    errors = [r for r in caplog.records if r.name == "lms.error"]
    assert len(errors) == 1
    assert f"request_id={rid}" in errors[0].getMessage()
    assert errors[0].exc_info and "rusak untuk uji" in str(errors[0].exc_info[1])
    # Logged once: not again by Flask's own "Exception on ..." line.
    assert not [r for r in caplog.records if "Exception on" in r.getMessage()]
    (line,) = [r.getMessage() for r in caplog.records if r.name == "lms.request"]
    assert "status=500" in line and f"request_id={rid}" in line


def test_the_500_page_keeps_an_incoming_request_id(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("rusak")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "lms.accounts.login", broken)
    response = client.get("/login", headers={"X-Request-ID": "lb-42"})
    assert response.status_code == 500
    assert "Kode permintaan: lb-42" in response.get_data(as_text=True)


# --- PostgreSQL behind a proxy that the test stops and starts --------------------------------


def _postgres_available() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server; ``stop()`` closes every connection and stops
    listening (the server looks gone), ``start()`` listens again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            # shutdown() first: close() alone leaves a thread blocked in accept() listening.
            self._close(self._listener)
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            self._close(sock)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:  # stopped
                return
            if listener is not self._listener:  # stopped meanwhile
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with self._lock:
                    self._sockets.discard(sock)
                self._close(sock)


@pytest.fixture
def postgres_behind_proxy(tmp_path: Any, cheap_hashes: None) -> Iterator[tuple[Flask, TcpProxy]]:
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432")
        pytest.skip("PostgreSQL is not running")
    name = f"lms_outage_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    proxy = TcpProxy(("127.0.0.1", 5432))
    proxy.start()
    app = None
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{name}"
        app = _app_with_admin(url, str(tmp_path / "uploads"))
        yield app, proxy
    finally:
        if app is not None:
            with app.app_context():
                _db.engine.dispose()
        proxy.stop()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_going_away_gives_503_and_the_app_recovers_when_it_returns(
    postgres_behind_proxy: tuple[Flask, TcpProxy],
) -> None:
    app, proxy = postgres_behind_proxy
    client = _admin_client(app)
    assert client.get("/dashboard").status_code == 200
    form = {
        "csrf_token": csrf_token(client, "/account/profile"),
        "full_name": "Nama Baru Yang Tidak Tersimpan",
        "locale": "id",
    }

    proxy.stop()  # the pooled connection dies, new ones are refused
    assert_unavailable_page(client.get("/dashboard"))
    assert client.get("/healthz").status_code == 503
    assert_unavailable_page(client.post("/account/profile", data=form))

    proxy.start()  # same port: the app was not restarted or reconfigured
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    assert client.get("/dashboard").status_code == 200
    assert _count(app, User, full_name="Nama Baru Yang Tidak Tersimpan") == 0
    assert _count(app, User, full_name="Admin Uji") == 1
