"""Extensions, created unbound and attached in ``LMS.init_app``."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lms.db import Base, configure_sqlite


class _SQLAlchemy(SQLAlchemy):
    def _make_engine(self, bind_key, options, app):  # type: ignore[override]
        engine = super()._make_engine(bind_key, options, app)
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)
        return engine


def _remote_address() -> str:
    return request.remote_addr or "127.0.0.1"


db = _SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=_remote_address, key_prefix="lms")
