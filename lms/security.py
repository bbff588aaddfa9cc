"""Route access rules, safe redirects and response headers.

Every view carries an ``access_rule`` attribute set by one of the decorators below;
``tests/test_access_matrix.py`` fails for any route without one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

#: Endpoints whose rule is "public" but which Flask creates itself (static files).
PUBLIC_ENDPOINT_SUFFIXES = ("static",)


def declare_rule(view: Callable, rule: str) -> Callable:
    """Record the access rule a view enforces (read by the access-matrix test)."""
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def login_redirect():
    return redirect(url_for("lms.accounts.login", next=request.full_path.rstrip("?")))


def writes_on_get(view: Callable) -> Callable:
    """A GET that records something: its SQLite transaction takes the write lock up front."""
    view.writes_on_get = True  # type: ignore[attr-defined]
    return view


def public(view: Callable) -> Callable:
    """Anyone, logged in or not."""
    return declare_rule(view, "public")


def login_required(view: Callable) -> Callable:
    """Any logged-in person; what they see is limited by the view itself."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_redirect()
        return view(*args, **kwargs)

    return declare_rule(wrapper, "login")


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_redirect()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return declare_rule(wrapper, "admin")


def is_safe_next(target: str | None) -> bool:
    """Only local paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return False
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    return target.strip() if is_safe_next(target) else default


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


#: Signed CSRF tokens of this process: (secret, a session's raw token) -> the signed token.
_signed_tokens: dict[tuple[Any, str], str] = {}
SIGNED_TOKENS_MAX = 10_000


def csrf_token() -> str:
    """Flask-WTF's CSRF token for this session, signed once per process and session instead
    of once per page (every page has the logout form; signing costs a serializer, zlib and
    two HMACs, about a hundredth of a small page). Only while tokens have no time limit
    (``WTF_CSRF_TIME_LIMIT = None``, lms.config): a token signed earlier for the same session
    is then exactly as valid as a new one; otherwise Flask-WTF signs on every page, as it
    always does. A form of Flask-WTF signs its own token, which is as valid."""
    config = current_app.config
    if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    raw = session.get(field)
    token = _signed_tokens.get((secret, raw)) if isinstance(raw, str) else None
    if token is None:
        token = generate_csrf()  # makes the session's raw token when it has none yet
        if len(_signed_tokens) >= SIGNED_TOKENS_MAX:
            _signed_tokens.clear()
        _signed_tokens[(secret, session[field])] = token
    elif field not in g:
        setattr(g, field, token)  # the page's later forms take the same one
    return g.get(field, token)


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("LMS_HTTPS"):
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response
