"""Who is asking, and the route rules of ``/api/v1``: the pages' rules (``public``, ``login``,
``cohort:<roles>``, ``region:<roles>``), narrowed by a token's scopes.

A request is one of three kinds:

- ``Authorization: Bearer <token>``: the token's owner, with the token's scopes; the session
  is ignored, and CSRF does not apply (no browser sends that header across sites by itself);
- the session of a signed-in person (the browser): every scope, and writing requests carry
  the CSRF token (``X-CSRFToken`` header), as forms do;
- nobody: public routes answer; the others say 401 with ``WWW-Authenticate: Bearer`` to
  programs (which accept JSON), and send a browser (which asks for HTML, or says nothing) to
  the login page, as the pages do.

Each rule also applies the rate limits: per token (or person) and per address.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request, session
from flask_babel import refresh
from flask_login import current_user

from lms import LOCALES
from lms.api import permissions, queries
from lms.api.models import secret_hash
from lms.api.problems import ApiProblem
from lms.cohorts.access import cohort_and_membership
from lms.db import utcnow
from lms.extensions import csrf, db, limiter
from lms.i18n import gettext as _
from lms.regions.access import region_access
from lms.regions.models import Region
from lms.security import declare_rule, login_redirect

DEFAULT_LIMIT = "120 per minute"
#: A whole class may sync through one address (the venue's wifi).
DEFAULT_ADDRESS_LIMIT = "1200 per minute"
WRITING = ("POST", "PUT", "PATCH", "DELETE")


# --- the caller -----------------------------------------------------------------------------


def bearer_secret() -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def zone() -> str:
    return current_app.config.get("LMS_DEFAULT_TIMEZONE") or "Asia/Jakarta"


def _challenge(error: str | None = None, scope: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="kelas-inovasi"'
    if error:
        value += f', error="{error}"'
    if scope:
        value += f', scope="{scope}"'
    return {"WWW-Authenticate": value}


def choose_locale() -> None:
    """The response's language (lms.__init__._select_locale reads ``g.lms_locale``): ``?lang=``;
    else, for a browser session, the language chosen on the pages; else ``Accept-Language``
    (id or en); else, once the caller is known, their account's."""
    lang = request.args.get("lang")
    browser_choice = "Authorization" not in request.headers and session.get("lms_lang")
    if lang not in LOCALES and browser_choice in LOCALES:
        return  # the pages' own choice, as _select_locale makes it
    if lang not in LOCALES and request.headers.get("Accept-Language"):
        lang = request.accept_languages.best_match(LOCALES)
    if lang in LOCALES:
        g.lms_locale = lang
        refresh()


def _use_locale_of(user: Any) -> None:
    if not g.get("lms_locale") and getattr(user, "locale", None) in LOCALES:
        g.lms_locale = user.locale
        refresh()


def authenticate() -> None:
    """Once per request: a Bearer token makes its owner the user of the request.

    Without one, writing requests of the session (or of what looks like a browser) need the
    CSRF token, as forms do; a program sending no credentials at all just gets its 401."""
    if g.get("lms_api_authenticated"):
        return
    g.lms_api_authenticated = True
    g.api_token = None
    if "Authorization" not in request.headers:
        if (
            request.method in WRITING
            and current_app.config.get("WTF_CSRF_ENABLED", True)
            and (current_user.is_authenticated or not wants_json())
        ):
            csrf.protect()
        return  # the session's language: lms.__init__._select_locale
    secret = bearer_secret()
    if secret is None:
        raise ApiProblem(
            401,
            "invalid_token",
            _("Header Authorization harus berbentuk: Bearer <token>."),
            headers=_challenge("invalid_request"),
        )
    token = queries.token_for_secret(secret)
    reason = permissions.why_not_use(token, utcnow(), zone())
    if reason:
        raise ApiProblem(401, "invalid_token", reason, headers=_challenge("invalid_token"))
    g.api_token = token
    g._login_user = token.user  # Flask-Login's user of this request (as lms.accounts.host_login)
    _use_locale_of(token.user)


def wants_json() -> bool:
    """A program (Accept: application/json, or */* as every HTTP library sends) rather than a
    browser (which prefers text/html); no Accept header at all is treated as a browser."""
    best = request.accept_mimetypes.best_match(
        ["application/json", "application/problem+json", "text/html"]
    )
    return best in ("application/json", "application/problem+json")


def _unauthenticated():
    if wants_json():
        raise ApiProblem(
            401,
            "unauthenticated",
            _(
                "Kirim token akses pribadi di header Authorization: Bearer <token> (buat di "
                "halaman profil), atau masuk lebih dulu."
            ),
            headers=_challenge(),
        )
    return login_redirect()


def _check_scope(scope: str | None) -> None:
    token = g.get("api_token")
    if not permissions.has_scope(token, scope):
        raise ApiProblem(
            403,
            "insufficient_scope",
            _(
                "Token ini tidak memiliki izin %(scope)s (%(label)s). Buat token dengan izin itu "
                "di halaman profil.",
                scope=scope,
                label=permissions.scope_label(scope or ""),
            ),
            headers=_challenge("insufficient_scope", scope),
        )


# --- rate limits ----------------------------------------------------------------------------


def _address() -> str:
    return request.remote_addr or "127.0.0.1"


def _credential_key() -> str:
    """The token (by its hash: no query needed), else the signed-in person, else the address."""
    secret = bearer_secret()
    if secret:
        return "api-token:" + secret_hash(secret)[:32]
    if current_user.is_authenticated:
        return f"api-user:{current_user.get_id()}"
    return "api-address:" + _address()


def _limit() -> str:
    return current_app.config.get("LMS_API_RATE_LIMIT") or DEFAULT_LIMIT


def _address_limit() -> str:
    return current_app.config.get("LMS_API_ADDRESS_RATE_LIMIT") or DEFAULT_ADDRESS_LIMIT


_per_credential = limiter.shared_limit(_limit, scope="api", key_func=_credential_key)
_per_address = limiter.shared_limit(_address_limit, scope="api-address", key_func=_address)


# --- the rules ------------------------------------------------------------------------------


#: Path parameters that are numbers. The routes take any text there, so that every URL of
#: the API's shape is answered by the API (a 404 problem, never the site's HTML page).
NUMBERS = ("cohort_id", "meeting_id", "year")
_LARGEST = 2**31 - 1


def _numbers(kwargs: dict[str, Any]) -> None:
    for name in NUMBERS:
        if name in kwargs and not isinstance(kwargs[name], int):
            text = str(kwargs[name])
            if not (text.isascii() and text.isdigit() and 0 < int(text) <= _LARGEST):
                raise ApiProblem(404, "not_found", _("Halaman atau data yang dicari tidak ada."))
            kwargs[name] = int(text)


def _rule(rule: str, check: Callable[[dict[str, Any]], Any] | None, scope: str | None):
    """A route decorator: limits, then who asks, then ``check`` (None: anyone)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            _numbers(kwargs)
            authenticate()
            if check is not None:
                if not current_user.is_authenticated:
                    return _unauthenticated()
                _check_scope(scope)
                check(kwargs)
            return view(*args, **kwargs)

        wrapper.api_scope = scope  # type: ignore[attr-defined]
        return _per_address(_per_credential(declare_rule(wrapper, rule)))

    return decorator


def api_public(view: Callable) -> Callable:
    """Anyone (a token, if sent, must still be valid)."""
    return _rule("public", None, None)(view)


def api_login(scope: str | None) -> Callable[[Callable], Callable]:
    """Any signed-in person or token holding ``scope``; the view limits what they see."""
    return _rule("login", lambda _kwargs: None, scope)


def api_cohort(*roles: str, scope: str) -> Callable[[Callable], Callable]:
    """Members of the class in the URL holding one of ``roles`` (admins too), as
    ``lms.cohorts.access.cohort_role``; puts ``g.cohort`` and ``g.membership``."""

    def check(kwargs: dict[str, Any]) -> None:
        cohort, membership = cohort_and_membership(kwargs["cohort_id"], current_user.id)
        if not current_user.is_admin and (membership is None or membership.role not in roles):
            raise ApiProblem(403, "forbidden", _("Anda tidak memiliki hak atas data kelas ini."))
        g.cohort, g.membership = cohort, membership

    return _rule("cohort:" + ",".join(roles), check, scope)


def api_region(*roles: str, scope: str) -> Callable[[Callable], Callable]:
    """People holding one of ``roles`` in the region in the URL (admins too), as
    ``lms.regions.access.region_role``; puts ``g.region`` and ``g.access``."""

    def check(kwargs: dict[str, Any]) -> None:
        region = db.first_or_404(db.select(Region).filter_by(code=kwargs["region_code"]))
        access = region_access(region, current_user)
        if not access.has(*roles):
            raise ApiProblem(403, "forbidden", _("Anda tidak memiliki hak atas data daerah ini."))
        g.region, g.access = region, access

    return _rule("region:" + ",".join(roles), check, scope)
