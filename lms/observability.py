"""Request ids, one log line per request, unhandled errors logged with their request id, and a
503 page while the database cannot be reached.

- Request id: a sane incoming ``X-Request-ID`` (1-64 characters of ``A-Z a-z 0-9 . _ : -``,
  e.g. from the load balancer) is kept, anything else is replaced by 16 random hex digits.
  It goes back in the ``X-Request-ID`` response header, in every log line of the request and
  on the 500 and 503 pages ("Kode permintaan"), so a participant can report it.
- ``lms.request``: one line per request, key=value::

      method=GET path=/cohorts/1 route=/cohorts/<int:cohort_id> endpoint=lms.cohorts.detail
      status=200 duration_ms=12.4 user=5 request_id=3f2a9c0d1b7e4a55

  (one line; wrapped here). Static files and ``/healthz`` are logged only when they fail
  (status 400 and up): a load balancer polls the one and every page pulls the others. The
  secret ``<token>`` of a calendar feed or check-in link is masked in ``path``.
- ``lms.error``: unhandled exceptions with the request id and the traceback (instead of
  Flask's own "Exception on ..." line, in the standalone app), and database outages.
- Database outages: a connection-level failure (see :func:`is_database_unavailable`) rolls the
  session back and answers 503 with ``Retry-After``; ``/healthz`` says so on its own. Nothing
  is half-written: the transaction never committed, and the next request gets a fresh
  connection (``pool_pre_ping``), so the app recovers when the database returns.

In the standalone app (the LMS owns ``/``) this covers every request, including URLs no route
matches; mounted in a host app it covers the LMS's own routes only, like the security headers.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from flask import (
    Flask,
    current_app,
    g,
    got_request_exception,
    jsonify,
    render_template,
    request,
    request_started,
    session,
)
from flask.logging import has_level_handler
from markupsafe import escape
from sqlalchemy import exc as sa_exc

from lms.i18n import gettext as _

REQUEST_ID_HEADER = "X-Request-ID"
#: What an incoming request id may look like; anything else gets a fresh one.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: Seconds a client is told to wait while the database is away.
RETRY_AFTER_SECONDS = 30
#: Logged only when they fail (status >= 400).
QUIET_ENDPOINT_SUFFIXES = ("static", "healthz")
#: URL parameters whose values are secrets (calendar feeds, check-in links): masked in logs.
SECRET_URL_PARAMS = ("token",)
#: PostgreSQL SQLSTATEs of a lost or refused connection: class 08, admin/crash shutdown,
#: "cannot connect now" (starting up or shutting down).
_CONNECTION_SQLSTATES = ("57P01", "57P02", "57P03")

request_logger = logging.getLogger("lms.request")
error_logger = logging.getLogger("lms.error")

_ENVIRON_ID = "lms.request_id"
_ENVIRON_START = "lms.request_start"
_ENVIRON_ERROR_LOGGED = "lms.error_logged"
_EXTENSION = "lms.observability"


def N_(text: str) -> str:
    """Marks a message for extraction (pybabel knows ``N_``); translated where it is shown."""
    return text


UNAVAILABLE_TITLE = N_("Layanan sedang tidak tersedia")
UNAVAILABLE_MESSAGE = N_("Basis data sedang tidak dapat dihubungi. Coba lagi beberapa saat lagi.")
#: Shown on the 500 and 503 pages (the template uses the same message).
REQUEST_ID_LABEL = N_("Kode permintaan: %(id)s")


def init_app(app: Flask) -> None:
    """Attach request ids, request logging and the database-outage handler to ``app``.

    Called by ``LMS.init_app`` after the blueprint is registered.
    """
    owns_root = _lms_owns_root(app)
    app.extensions[_EXTENSION] = {"owns_root": owns_root}
    _configure_logging()
    request_started.connect(_on_request_started, app)
    got_request_exception.connect(_on_unhandled_exception, app)
    app.after_request(_after_request)
    for error in (sa_exc.DBAPIError, sa_exc.TimeoutError):
        if owns_root:
            app.register_error_handler(error, _database_error)
        else:
            # Only errors raised in the LMS's routes (what a blueprint's handler would see).
            app.error_handler_spec["lms"][None][error] = _database_error
    if owns_root:
        default_log_exception = app.log_exception

        def log_exception(exc_info: Any) -> None:
            # Already logged on lms.error with the request id; avoid a second traceback.
            if not request.environ.get(_ENVIRON_ERROR_LOGGED):
                default_log_exception(exc_info)

        app.log_exception = log_exception  # type: ignore[method-assign]


def _lms_owns_root(app: Flask) -> bool:
    """True for ``create_app`` (the LMS mounted at ``/``), False inside a host app."""
    try:
        rules = list(app.url_map.iter_rules("lms.core.healthz"))
    except KeyError:
        return False
    return any(rule.rule == "/healthz" for rule in rules)


def _configure_logging() -> None:
    """INFO for our loggers; a plain stderr handler unless logging is configured already."""
    for logger in (request_logger, error_logger):
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
    if not has_level_handler(request_logger):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        # On "lms": Flask's app logger of the standalone app is "lms" too, and then keeps
        # this handler instead of adding its own.
        logging.getLogger("lms").addHandler(handler)


def _ours() -> bool:
    state = current_app.extensions.get(_EXTENSION)
    if state is None:
        return False
    return state["owns_root"] or "lms" in request.blueprints


def request_id() -> str:
    """The current request's id (kept from a sane ``X-Request-ID``, else generated)."""
    environ = request.environ
    value = environ.get(_ENVIRON_ID)
    if value is None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        value = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
        environ[_ENVIRON_ID] = value
    return value


def _on_request_started(sender: Flask, **_extra: Any) -> None:
    request.environ.setdefault(_ENVIRON_START, time.perf_counter())


def _after_request(response):
    if not _ours():
        return response
    rid = request_id()
    response.headers[REQUEST_ID_HEADER] = rid
    # Blueprint routes get the headers from the blueprint; a URL no route matches (404/405)
    # only passes here. setdefault: the same values, never a second copy.
    from lms.security import set_security_headers

    set_security_headers(response)
    _log_request(response.status_code, rid)
    return response


def _format_value(value: Any) -> str:
    text = str(value)
    if text and re.fullmatch(r"[\w./:<>@,+%*-]+", text, flags=re.ASCII):
        return text
    return json.dumps(text)  # quoted, control characters and non-ASCII escaped


def _logged_path() -> str:
    path = request.path
    for name in SECRET_URL_PARAMS:
        secret = (request.view_args or {}).get(name)
        if isinstance(secret, str) and secret:
            path = path.replace(secret, "***")
    return path


def _log_request(status: int, rid: str) -> None:
    endpoint = request.endpoint or ""
    if status < 400 and endpoint.rsplit(".", 1)[-1] in QUIET_ENDPOINT_SUFFIXES:
        return
    started = request.environ.get(_ENVIRON_START)
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    fields = {
        "method": request.method,
        "path": _logged_path(),
        "route": request.url_rule.rule if request.url_rule else "-",
        "endpoint": endpoint or "-",
        "status": status,
        "duration_ms": duration_ms if duration_ms is not None else "-",
        # From the signed session: no database query, even when the database is away.
        "user": session.get("_user_id") or "-",
        "request_id": rid,
    }
    level = logging.WARNING if status >= 500 else logging.INFO
    request_logger.log(
        level,
        " ".join(f"{key}={_format_value(value)}" for key, value in fields.items()),
        extra={"lms_request": fields},
    )


def _on_unhandled_exception(sender: Flask, exception: BaseException, **_extra: Any) -> None:
    if not _ours():
        return
    error_logger.error(
        "unhandled %s request_id=%s method=%s path=%s",
        type(exception).__name__,
        request_id(),
        request.method,
        _format_value(_logged_path()),
        exc_info=(type(exception), exception, exception.__traceback__),
        extra={"request_id": request_id()},
    )
    request.environ[_ENVIRON_ERROR_LOGGED] = True


# --- the database is away ------------------------------------------------------------------


def is_database_unavailable(error: BaseException | None) -> bool:
    """A failure to reach the database, as opposed to a failing statement.

    Yes: the connection broke (SQLAlchemy's disconnect detection, ``connection_invalidated``);
    connecting failed (``OperationalError`` / ``InterfaceError`` raised with no statement:
    refused, timed out, unknown host, unreadable SQLite file); PostgreSQL said the connection
    is gone (SQLSTATE class 08, 57P01-57P03); no pooled connection became free in time.
    No: anything a statement did (constraint violations, SQLite's "database is locked",
    syntax errors): those stay 500s with a traceback.
    """
    if isinstance(error, sa_exc.TimeoutError):  # QueuePool limit reached
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError) and not error.statement:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return sqlstate.startswith("08") or sqlstate in _CONNECTION_SQLSTATES


def _database_error(error: Exception):
    if not is_database_unavailable(error):
        raise error  # an ordinary failure: the 500 page, logged with its traceback
    return database_unavailable_response(error)


def database_unavailable_response(error: BaseException | None = None):
    """The 503 answer: session rolled back, a page (or JSON) saying the database is away."""
    from lms.extensions import db

    rid = request_id()
    error_logger.warning(
        "database unavailable request_id=%s method=%s path=%s error=%s",
        rid,
        request.method,
        _format_value(_logged_path()),
        _format_value(type(error).__name__ + ": " + str(getattr(error, "orig", error) or ""))
        if error is not None
        else "-",
        extra={"request_id": rid},
    )
    try:
        db.session.rollback()
    except Exception:  # the connection is gone anyway; the pool replaces it
        error_logger.debug("rollback after a lost connection failed", exc_info=True)
    # The page must not touch the database: whoever was loaded is expired after the
    # rollback, so the page is drawn for an anonymous visitor.
    login_manager = getattr(current_app, "login_manager", None)
    if login_manager is not None:
        g._login_user = login_manager.anonymous_user()
    title, message = _translate(UNAVAILABLE_TITLE), _translate(UNAVAILABLE_MESSAGE)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
        body = jsonify(status="error", database="error", message=message, request_id=rid)
        return body, 503, headers
    try:
        html = render_template(
            "core/error.html", code=503, title=title, message=message, request_id=rid
        )
    except Exception:
        error_logger.exception("the 503 page failed to render request_id=%s", rid)
        html = plain_error_page(title, message, rid)
    return html, 503, headers


def _translate(text: str, **values: Any) -> str:
    """``text`` translated; the Indonesian source when even choosing the language fails
    (it may look at the logged-in user, hence at the database)."""
    try:
        return _(text, **values)
    except Exception:
        return text % values if values else text


def plain_error_page(title: str, message: str, rid: str) -> str:
    """A page without templates or the database, for when the nice one cannot be drawn."""
    code = _translate(REQUEST_ID_LABEL, id=rid)
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"</head><body><h1>{escape(title)}</h1><p>{escape(message)}</p>"
        f"<p>{escape(code)}</p></body></html>"
    )
