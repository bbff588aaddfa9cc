"""Extensions, created unbound and attached in ``LMS.init_app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from flask import abort, current_app, has_app_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lms.db import Base, configure_postgresql, configure_sqlite, sqlite_mmap_mb


class _SQLAlchemy(SQLAlchemy):
    def _make_engine(self, bind_key, options, app):  # type: ignore[override]
        engine = super()._make_engine(bind_key, options, app)
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, sqlite_mmap_mb(app))
        elif engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
            configure_postgresql(engine)
        return engine


@dataclass
class LMSState:
    """What ``app.extensions["lms"]`` holds: the LMS's settings for that one app."""

    extension: Any
    #: The Flask-SQLAlchemy instance the LMS uses in this app: its own or the host's.
    db: SQLAlchemy
    url_prefix: str
    #: "own" (the LMS's login pages and LoginManager) or "host" (the host's LoginManager).
    login: str = "own"
    #: With ``login="host"``: the host's user -> the LMS account (or None).
    user_adapter: Callable[[Any], Any] | None = None


class Database:
    """``db`` in all LMS code: the Flask-SQLAlchemy instance of the current app (the LMS's own,
    or the host's handed over with ``LMS(db=...)``), with the LMS's own metadata.

    Resolved per app, not per process: a process may hold several apps at once. Outside an app
    context it is the LMS's own instance. Plain SQLAlchemy names (``db.select``, ``db.func``,
    ``db.or_``, ...) come from SQLAlchemy itself, as Flask-SQLAlchemy's do.
    """

    def __init__(self, own: SQLAlchemy) -> None:
        #: The LMS's own instance, used by the standalone app and by hosts that hand none over.
        self.own = own
        self._session: Any = None

    @property
    def instance(self) -> SQLAlchemy:
        if has_app_context():
            state = current_app.extensions.get("lms")
            if state is not None:
                return state.db
        return self.own

    @property
    def session(self) -> Any:
        return self._session if self._session is not None else self.instance.session

    @session.setter
    def session(self, value: Any) -> None:
        """Tests put the LMS's work in one session of theirs (see tests/conftest.py); None, or
        a session this handle resolves to anyway, gives each app its own again."""
        if value is self.own.session or (has_app_context() and value is self.instance.session):
            value = None
        self._session = value

    @session.deleter
    def session(self) -> None:
        self._session = None

    def remove_session_override(self, _exc: BaseException | None = None) -> None:
        """End of an app context: what a replaced session would have done itself."""
        if self._session is not None:
            self._session.remove()

    @property
    def engine(self) -> sa.Engine:
        return self.instance.engine

    @property
    def metadata(self) -> sa.MetaData:
        """Always the LMS's tables, whoever's Flask-SQLAlchemy instance is in use."""
        return Base.metadata

    def create_all(self, **kwargs: Any) -> None:
        Base.metadata.create_all(bind=self.engine, **kwargs)

    def drop_all(self, **kwargs: Any) -> None:
        Base.metadata.drop_all(bind=self.engine, **kwargs)

    def rows(self, statement: Any, params: Any = None) -> sa.CursorResult:
        """The rows of a SELECT of plain columns (no ORM entities), run on the connection the
        session would use for it, without the ORM's per-statement work (about a tenth of a
        millisecond: for the statements a busy page runs on every request). Pending changes
        are flushed first, as the session's own ``execute`` would."""
        session = self.session
        if session.autoflush:
            session.flush()  # returns at once when nothing is pending
        return session.connection(bind_arguments={"clause": statement}).execute(statement, params)

    # The *_or_404 helpers use this handle's session (Flask-SQLAlchemy's use their own).
    def get_or_404(self, entity: Any, ident: Any, *, description: str | None = None) -> Any:
        value = self.session.get(entity, ident)
        if value is None:
            abort(404, description=description)
        return value

    def first_or_404(self, statement: Any, *, description: str | None = None) -> Any:
        value = self.session.execute(statement).scalar()
        if value is None:
            abort(404, description=description)
        return value

    def one_or_404(self, statement: Any, *, description: str | None = None) -> Any:
        try:
            return self.session.execute(statement).scalar_one()
        except (sa.exc.NoResultFound, sa.exc.MultipleResultsFound):
            abort(404, description=description)

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_"):
            for module in (sa, sa.orm):
                if hasattr(module, name):
                    return getattr(module, name)
        raise AttributeError(name)


def _remote_address() -> str:
    return request.remote_addr or "127.0.0.1"


db = Database(_SQLAlchemy(model_class=Base))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=_remote_address, key_prefix="lms")
