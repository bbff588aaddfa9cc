"""Kelas Inovasi: a Flask learning-management plugin for thematic innovation classes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, g, has_request_context, request, session
from flask_login import current_user

from lms.config import DEFAULT_SECRET_KEY, Config, TestingConfig

__all__ = ["LMS", "create_app", "Config", "TestingConfig"]

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """A top-level folder of the repository, or its copy inside an installed wheel."""
    in_repo = PACKAGE_DIR.parent / name
    if in_repo.is_dir() and (PACKAGE_DIR.parent / "pyproject.toml").is_file():
        return in_repo
    return PACKAGE_DIR / name


TEMPLATE_DIR = _resource_dir("templates")
COURSES_DIR = _resource_dir("courses")
MIGRATIONS_DIR = _resource_dir("migrations")
STATIC_DIR = PACKAGE_DIR / "static"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
LOCALES = ("id", "en")
#: The domain modules, in the order their blueprints are registered; each is ``lms.<name>``
#: with ``bp`` in its ``__init__`` and its routes in ``views`` (a module or a package).
MODULES = (
    "core",
    "accounts",
    "cohorts",
    "catalog",
    "attendance",
    "submissions",
    "grading",
    "certificates",
    "regions",
    "innovations",
    "iid",
    "clinic",
    "notifications",
    "jobs",
    "api",
)


def _select_locale() -> str:
    """?lang= switches and is remembered in the session; at login the user's preference is
    copied into the session, so it wins over what an anonymous visitor chose before."""
    if not has_request_context():  # commands and background work: the default language
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "id")
    if g.get("lms_locale") in LOCALES:  # chosen for this response (lms.api: Accept-Language)
        return g.lms_locale
    lang = request.args.get("lang")
    if lang in LOCALES:
        session["lms_lang"] = lang
        return lang
    remembered = session.get("lms_lang")
    if remembered in LOCALES:
        return remembered
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "id")


class LMS:
    """The plugin: ``LMS().init_app(app, url_prefix="/lms")`` mounts it into any Flask app.

    ``db``: the host's Flask-SQLAlchemy instance, already initialised on the app; the LMS then
    uses its engine and session (its tables keep the ``lms_`` prefix and its own metadata).
    ``login``: ``"own"`` (default: the LMS's login page and Flask-Login ``LoginManager``) or
    ``"host"`` (the host's ``LoginManager``; ``user_adapter(host_user) -> lms User | None``
    gives the LMS account, see :mod:`lms.accounts.host_login`). Each argument may be given
    here or to ``init_app``.
    """

    def __init__(
        self,
        app: Flask | None = None,
        url_prefix: str = "/lms",
        *,
        db: Any = None,
        login: str = "own",
        user_adapter: Any = None,
    ) -> None:
        self.url_prefix = url_prefix
        self.db = db
        self.login = login
        self.user_adapter = user_adapter
        if app is not None:
            self.init_app(app)

    def init_app(
        self,
        app: Flask,
        url_prefix: str | None = None,
        *,
        db: Any = None,
        login: str | None = None,
        user_adapter: Any = None,
    ) -> None:
        from lms import cli, urls
        from lms.db import configure_sqlite, sqlite_mmap_mb
        from lms.extensions import LMSState, babel, csrf, limiter, login_manager, migrate
        from lms.extensions import db as lms_db

        url_prefix = self.url_prefix if url_prefix is None else url_prefix
        host_db = db if db is not None else self.db
        login = login or self.login
        user_adapter = user_adapter or self.user_adapter
        if login not in ("own", "host"):
            raise ValueError(f"LMS(login=...) is 'own' or 'host', not {login!r}")
        if login == "host" and not callable(user_adapter):
            raise TypeError("LMS(login='host') needs user_adapter=(host_user -> lms User | None)")
        if login == "own" and hasattr(app, "login_manager"):
            raise RuntimeError(
                "The app has its own Flask-Login LoginManager: mount the LMS with "
                "LMS(login='host', user_adapter=...), or initialise the LoginManager after it."
            )
        if host_db is None and "sqlalchemy" in app.extensions:
            raise RuntimeError(
                "The app already has a Flask-SQLAlchemy instance: hand it over with LMS(db=db)."
            )
        if host_db is not None and app.extensions.get("sqlalchemy") is not host_db:
            raise RuntimeError(
                "LMS(db=db): initialise db on the app first (SQLAlchemy(app) or db.init_app(app))."
            )

        for key, value in vars(Config()).items():
            app.config.setdefault(key, value)
        if host_db is None and not app.config.get("SQLALCHEMY_DATABASE_URI"):
            os.makedirs(app.instance_path, exist_ok=True)
            path = Path(app.instance_path) / "lms.sqlite3"
            app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
        if not (app.debug or app.testing) and app.config.get("SECRET_KEY") in (
            None,
            "",
            DEFAULT_SECRET_KEY,
        ):
            raise RuntimeError(
                "Refusing to start with the default SECRET_KEY: set LMS_SECRET_KEY "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        urls.check_public_url(app)  # links on certificates and feeds: never the request's host

        dirs = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations")
        if str(TRANSLATIONS_DIR) not in dirs.split(";"):
            app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{TRANSLATIONS_DIR};{dirs}"

        if host_db is None:
            lms_db.own.init_app(app)
            if "migrate" not in app.extensions:
                # `flask db` for the LMS's own migrations; a host's Flask-Migrate stays the
                # host's (`flask lms init` runs the LMS's migrations without it, lms.migrating).
                migrate.init_app(
                    app, lms_db.own, directory=str(MIGRATIONS_DIR), render_as_batch=True
                )
        else:
            with app.app_context():
                engine = host_db.engine
            if engine.dialect.name == "sqlite":
                configure_sqlite(engine, sqlite_mmap_mb(app))
                if engine.url.database not in (None, "", ":memory:"):
                    engine.dispose()  # pooled connections were opened without the settings
        app.teardown_appcontext(lms_db.remove_session_override)
        if "csrf" not in app.extensions:
            if url_prefix:
                # Mounted in a host app: protect our routes only (see _before_request).
                app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
            csrf.init_app(app)
        if "babel" not in app.extensions:
            from lms.template_gettext import install_template_gettext

            babel.init_app(app, locale_selector=_select_locale)
            install_template_gettext(app)  # the same strings, found once per request
        if login == "own":
            login_manager.init_app(app)
            login_manager.login_view = "lms.accounts.login"
            login_manager.session_protection = "basic"
        else:
            from lms.accounts import host_login

            # First of all before_request hooks: whatever runs next sees the LMS account.
            app.before_request_funcs.setdefault(None, []).insert(0, host_login.use_host_user)
        limiter.init_app(app)

        app.register_blueprint(self._blueprint(), url_prefix=url_prefix or None)
        urls.install_template_url_for(app)  # the same URLs, built once per process
        from lms.jinja_context import install_context

        install_context(app)  # plain functions called from templates skip Jinja's checks
        app.extensions["lms"] = LMSState(
            extension=self,
            db=host_db if host_db is not None else lms_db.own,
            url_prefix=url_prefix,
            login=login,
            user_adapter=user_adapter,
        )
        cli.register(app)
        from lms import observability

        observability.init_app(app)

    def _blueprint(self) -> Blueprint:
        import importlib

        from lms import security
        from lms.core import views as core_views
        from lms.extensions import csrf

        bp = Blueprint(
            "lms",
            __name__,
            template_folder=str(TEMPLATE_DIR),
            static_folder=str(STATIC_DIR),
            static_url_path="/static",
        )
        for name in MODULES:
            # Importing a module's views registers its routes on the module's blueprint.
            importlib.import_module(f"lms.{name}.views")
            bp.register_blueprint(importlib.import_module(f"lms.{name}").bp)

        @bp.before_request
        def _before_request():
            # Remember ?lang= even on pages that only redirect.
            if request.args.get("lang") in LOCALES:
                session["lms_lang"] = request.args["lang"]
            if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and not (
                current_app.config.get("WTF_CSRF_CHECK_DEFAULT", True)
            ):
                csrf.protect(apply_exemptions=True)

        bp.after_request(security.set_security_headers)
        from lms import timefmt

        bp.add_app_template_filter(timefmt.local_datetime, "localdatetime")
        bp.add_app_template_filter(timefmt.local_time, "localtime")
        bp.add_app_template_filter(timefmt.local_date, "localdate")
        bp.add_app_template_filter(timefmt.zone_abbr, "zoneabbr")
        from lms.grading.scoring import format_score

        bp.add_app_template_filter(format_score, "score")
        core_views.register_error_handlers(bp)
        bp.context_processor(core_views.template_context)
        return bp


def create_app(config: Any = None) -> Flask:
    """The standalone LMS, served at ``/``."""
    app = Flask(
        "lms",
        static_folder=None,
        template_folder=None,
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    if config is None:
        config = Config()
    elif isinstance(config, type):
        config = config()
    if isinstance(config, Mapping):
        app.config.update(config)
    else:
        app.config.from_object(config)
    if app.config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET_KEY):
        key_file = Path(app.instance_path) / "secret_key"
        if key_file.is_file():
            app.config["SECRET_KEY"] = key_file.read_text().strip()
    LMS(app, url_prefix="")
    from lms.core.views import register_app_error_handlers

    register_app_error_handlers(app)
    proxies = int(app.config.get("LMS_PROXY_COUNT") or 0)
    if proxies:
        # Behind a reverse proxy: the client's address (rate limits, logs) and scheme (verify
        # URLs in QR codes) come from the X-Forwarded-* headers the proxies set.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app
