"""Declarative base, column types and engine settings shared by every module."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import threading
import time
import weakref
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from lms.config import DEFAULT_SQLITE_MMAP_MB

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use timezone-aware UTC")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _JsonArray(FunctionElement):
    """A JSON array of its arguments."""

    type = sa.JSON()
    inherit_cache = True


class _JsonArrayAgg(FunctionElement):
    """The JSON array of its argument over the rows of a group ([] for none)."""

    type = sa.JSON()
    inherit_cache = True


@compiles(_JsonArray)
def _json_array(element: _JsonArray, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(_JsonArray, "postgresql")
def _json_build_array(
    element: _JsonArray, compiler: sa.sql.compiler.SQLCompiler, **kw: object
) -> str:
    return f"json_build_array({compiler.process(element.clauses, **kw)})"


@compiles(_JsonArrayAgg)
def _json_group_array(
    element: _JsonArrayAgg, compiler: sa.sql.compiler.SQLCompiler, **kw: object
) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


@compiles(_JsonArrayAgg, "postgresql")
def _json_agg(element: _JsonArrayAgg, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    # json_agg of no rows is NULL; json_group_array's is [].
    return f"coalesce(json_agg({compiler.process(element.clauses, **kw)}), json_build_array())"


class _IdList(sa.types.TypeDecorator):
    """Integer ids bound as one value: an integer array on PostgreSQL, JSON text elsewhere."""

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import ARRAY

            return dialect.type_descriptor(ARRAY(sa.Integer))
        return dialect.type_descriptor(sa.String())

    def process_bind_param(self, value: object, dialect: sa.Dialect) -> object:
        ids = [int(v) for v in value]  # type: ignore[attr-defined]
        return ids if dialect.name == "postgresql" else json.dumps(ids)


class _AmongIds(FunctionElement):
    """Whether its first argument is one of the ids of its second (an :class:`_IdList`)."""

    type = sa.Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True  # a condition as it stands: no "= 1" on SQLite


@compiles(_AmongIds)
def _in_json_each(element: _AmongIds, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    column, ids = element.clauses.clauses
    return (
        f"{compiler.process(column, **kw)} IN "
        f"(SELECT value FROM json_each({compiler.process(ids, **kw)}))"
    )


@compiles(_AmongIds, "postgresql")
def _any_array(element: _AmongIds, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    column, ids = element.clauses.clauses
    return f"{compiler.process(column, **kw)} = ANY ({compiler.process(ids, **kw)})"


def among_ids(column: sa.ColumnElement, name: str) -> sa.ColumnElement[bool]:
    """``column IN :name`` with the list of integer ids ``name`` bound as one value, not as an
    expanding IN's parameter per id: the statement's text is the same whatever the list's
    length, so PostgreSQL prepares it once (and psycopg, which keeps its parsing of a
    statement only up to 50 parameters, parses it once)."""
    return _AmongIds(column, sa.bindparam(name, type_=_IdList()))


def json_empty_list() -> _JsonArray:
    """[] as a JSON value (the other branch of a CASE around :func:`json_rows`)."""
    return _JsonArray()


def json_rows(statement: sa.Select) -> sa.ScalarSelect:
    """The rows of a SELECT of plain columns as one JSON value, a list of lists ([] for no
    rows): a scalar subquery, so that a list can ride along in another statement
    (the user loader's, lms.accounts.queries.select_with_account) instead of costing a
    round trip of its own. Values come back as JSON gives them: dates and datetimes as ISO
    text. Row order is the statement's in practice on both engines, not by guarantee:
    sort again where it matters."""
    rows = statement.correlate(None).subquery()
    return sa.select(_JsonArrayAgg(_JsonArray(*rows.c))).scalar_subquery()


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_dt: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def _is_write_request() -> bool:
    """Requests that may write take the SQLite write lock up front.

    A deferred transaction that reads and then writes fails at once with "database is
    locked" when another writer is active, whatever the busy timeout; BEGIN IMMEDIATE waits.
    Outside a request (CLI, tests) every transaction is treated as a write.
    """
    from flask import current_app, has_request_context, request

    if has_request_context():
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            return True
        view = current_app.view_functions.get(request.endpoint or "")
        return bool(getattr(view, "writes_on_get", False))
    return True


#: How long a request waits for its turn to write (as long as SQLite's busy timeout).
WRITER_TURN_SECONDS = 15.0


class WriterTurn:
    """Requests that write to one SQLite file take turns, on this machine, before SQLite's own
    lock: the threads of a process queue on a lock, and the one at the front of each process
    on a ``flock`` of ``<database>-writer.lock``.

    SQLite gives a writer that finds the database locked a sleep of up to 100 ms before it
    looks again, so in a burst of writes from several gunicorn workers (a room checking in at
    once) some requests lose the race again and again: the check-in burst's p99 was 0.6-1.1 s
    for a p50 under 0.1 s. Taking turns here, the next writer goes as soon as the last one
    commits, and the processes alternate: the front thread of a process that waits holds a
    shared lock on ``<database>-writer.wait`` while it looks (every 0.3 ms), and a
    process that finds someone waiting there lets them go first rather than handing the turn
    straight to its own next thread. Only requests (``BEGIN IMMEDIATE``) take a turn, never
    commands or job workers, which still meet SQLite's busy timeout: nobody waits for a turn
    while holding SQLite's lock, so the two cannot wait for each other. A thread that writes
    on a second connection while holding the turn goes straight on (SQLite decides)."""

    #: Seconds between two looks at the turn, and the head start given to another process.
    POLL_SECONDS = 0.0003
    YIELD_SECONDS = 0.001

    def __init__(self, database: str) -> None:
        self.path = f"{database}-writer.lock"
        self.wait_path = f"{database}-writer.wait"
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        # (pid, turn fd, wait fd): a forked worker opens its own.
        self._files: tuple[int, int, int] | None = None

    def _fds(self) -> tuple[int, int] | None:
        pid = os.getpid()
        if self._files is None or self._files[0] != pid:
            try:
                turn = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                wait = os.open(self.wait_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only folder: threads still take turns in the process
                return None
            self._files = (pid, turn, wait)
        return self._files[1], self._files[2]

    @staticmethod
    def _someone_waits(wait: int) -> bool:
        try:
            _flock(wait, _LOCK_EX | _LOCK_NB)
        except BlockingIOError:
            return True
        _flock(wait, _LOCK_UN)
        return False

    @staticmethod
    def _wait_here(wait: int) -> bool:
        try:
            _flock(wait, _LOCK_SH | _LOCK_NB)
        except BlockingIOError:  # someone looking at that moment: try again later
            return False
        return True

    def acquire(self, timeout: float = WRITER_TURN_SECONDS) -> bool:
        """Wait for the turn; False when it did not come within ``timeout`` (SQLite decides)."""
        me = threading.get_ident()
        if self._owner == me:
            self._depth += 1
            return True
        if not self._lock.acquire(timeout=timeout):
            return False
        self._owner, self._depth = me, 1
        fds = self._fds() if _flock is not None else None
        if fds is None:
            return True
        turn, wait = fds
        deadline = time.monotonic() + timeout
        waiting = False
        try:
            if self._someone_waits(wait):
                # Another process was first: it goes, and sees this one waiting next time.
                waiting = self._wait_here(wait)
                time.sleep(self.YIELD_SECONDS)
            while True:
                try:
                    _flock(turn, _LOCK_EX | _LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        self._release_thread()
                        return False
                    waiting = waiting or self._wait_here(wait)
                    time.sleep(self.POLL_SECONDS)
        except OSError:  # no locks on this file system: threads still take turns
            return True
        finally:
            if waiting:
                with contextlib.suppress(OSError):
                    _flock(wait, _LOCK_UN)

    def release(self) -> None:
        if self._owner != threading.get_ident() and self._owner is not None:
            # Ended by another thread (a session closed elsewhere): still give the turn back.
            self._depth = 1
        self._depth -= 1
        if self._depth > 0:
            return
        files = self._files
        if files is not None and files[0] == os.getpid() and _flock is not None:
            with contextlib.suppress(OSError):
                _flock(files[1], _LOCK_UN)
        self._release_thread()

    def _release_thread(self) -> None:
        self._owner, self._depth = None, 0
        with contextlib.suppress(RuntimeError):
            self._lock.release()


try:
    from fcntl import LOCK_EX as _LOCK_EX
    from fcntl import LOCK_NB as _LOCK_NB
    from fcntl import LOCK_SH as _LOCK_SH
    from fcntl import LOCK_UN as _LOCK_UN
    from fcntl import flock as _flock
except ImportError:  # not on POSIX: threads of a process still take turns
    _flock = None  # type: ignore[assignment]
    _LOCK_EX = _LOCK_NB = _LOCK_SH = _LOCK_UN = 0

#: Key of a pooled connection's info: it holds the writer turn (see WriterTurn).
_HOLDS_TURN = "lms_writer_turn"


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


#: The writer turn of each SQLite file engine (see WriterTurn).
writer_turns: weakref.WeakKeyDictionary[Engine, WriterTurn] = weakref.WeakKeyDictionary()

#: Engines already given the settings below (a host's engine may be handed over more than once).
_configured: weakref.WeakSet[Engine] = weakref.WeakSet()


#: A statement that neither writes nor locks rows (what may run outside a transaction).
_PLAIN_SELECT = re.compile(
    r"\s*SELECT\b(?!.*\bFOR\s+(?:UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b)",
    re.IGNORECASE | re.DOTALL,
)
_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE


@functools.lru_cache(maxsize=1024)
def _is_plain_select(statement: str) -> bool:
    """Kept per statement text: the same few hundred statements come back on every request,
    and the pattern reads each to its end (2.5 % of the grading queue's time, profiled)."""
    return _PLAIN_SELECT.match(statement) is not None


def configure_postgresql(engine: Engine) -> None:
    """Reads of a request run outside a transaction, writes in one that starts with BEGIN.

    psycopg forgets the statements it has prepared at every ROLLBACK, which is how a read
    request ends; each page then had its joins planned again on every request (14 ms of
    PostgreSQL's time for the grading queue's rows). Without a transaction there is no
    ROLLBACK, and each statement sees what is committed when it starts, as it would in a
    READ COMMITTED transaction. Requests that write (``lms.security.writes_on_get`` for a
    GET), commands, jobs and tests open a transaction as before, and a read request opens
    one at its first statement that is not a plain SELECT. Only the LMS's own engine: a
    host's engine keeps the host's settings.
    """
    if engine in _configured:
        return
    _configured.add(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
        dbapi_connection.autocommit = True

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # asked for: no transaction (e.g. ANALYZE, CREATE DATABASE)
        dbapi_connection = conn.connection.dbapi_connection
        # An isolation level asked for (a backup's REPEATABLE READ) makes the driver begin.
        if dbapi_connection.autocommit and _is_write_request():
            dbapi_connection.execute("BEGIN", prepare=False)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(conn, _cursor, statement, _parameters, _context, _executemany):
        # A read request that writes after all (a savepoint, a locking read, anything but a
        # plain SELECT) gets its transaction there, so that what it writes stays whole.
        dbapi_connection = conn.connection.dbapi_connection
        if (
            dbapi_connection.autocommit
            and dbapi_connection.info.transaction_status == _PG_IDLE
            and not _is_plain_select(statement)
            and conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
        ):
            dbapi_connection.execute("BEGIN", prepare=False)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, _record):
        # Back to no transaction after SQLAlchemy reset an isolation level asked for.
        if dbapi_connection is not None and not dbapi_connection.autocommit:
            with contextlib.suppress(Exception):
                dbapi_connection.autocommit = True


def sqlite_mmap_mb(app: Flask) -> int:
    """``LMS_SQLITE_MMAP_MB`` of ``app`` (a host's app may not set it)."""
    return int(app.config.get("LMS_SQLITE_MMAP_MB", DEFAULT_SQLITE_MMAP_MB))


def configure_sqlite(engine: Engine, mmap_mb: int = DEFAULT_SQLITE_MMAP_MB) -> None:
    """WAL, foreign keys, a busy timeout, the memory map and BEGIN IMMEDIATE for writes
    (once per engine)."""
    if engine in _configured:
        return
    _configured.add(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
        # The driver's own transaction handling is switched off so that ours is used.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Pages from the OS page cache, shared by every connection and process: each
            # connection's own 2 MB held less than a grade book of 500 participants reads.
            cursor.execute(f"PRAGMA mmap_size={int(mmap_mb) * 1024 * 1024}")
        cursor.close()

    database = engine.url.database
    turn = WriterTurn(database) if database not in (None, "", ":memory:") else None
    if turn is not None:
        writer_turns[engine] = turn

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # e.g. a migration's PRAGMA foreign_keys, which a transaction ignores
        if not _is_write_request():
            conn.exec_driver_sql("BEGIN")
            return
        wants_turn = turn is not None and not conn.info.get(_HOLDS_TURN) and _in_request()
        if wants_turn and turn.acquire():
            conn.info[_HOLDS_TURN] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _give_turn_back(conn.info)
            raise

    def _give_turn_back(info) -> None:
        if info.pop(_HOLDS_TURN, False) and turn is not None:
            turn.release()

    # The turn is given back when the connection returns to the pool, i.e. after its COMMIT
    # or ROLLBACK has run (the engine's commit and rollback events come before them): the
    # session hands its connection back as soon as it commits.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        if record is not None:
            _give_turn_back(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection, record, _exception):  # pragma: no cover
        if record is not None:
            _give_turn_back(record.info)
