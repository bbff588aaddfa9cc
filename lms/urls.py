"""Addresses that leave the app: certificate QR codes and verification lines, Open Badges
documents, calendar feed links. They are built from ``LMS_PUBLIC_URL``, never from the host a
request came in on: a batch downloaded from an internal address, or a request with a forged
``Host`` header, must not print that address on a certificate.

``LMS_PUBLIC_URL`` is the address people reach the LMS at: ``https://lms.example.go.id``, or
with the path a reverse proxy serves it under, ``https://portal.example.go.id/lms``. The
route's path (``url_for``'s) follows it. Mounted in a host app with ``url_prefix="/lms"``,
either ``https://portal.example.go.id`` or ``https://portal.example.go.id/lms`` works: the
prefix is added unless the address already ends with it.

Without it (development, tests) the request's host is used and the log says so once; the
app refuses to start in production without it (:func:`check_public_url`).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, url_for

__all__ = ["check_public_url", "problem_of", "public_url"]

log = logging.getLogger("lms.urls")

#: app.extensions key: the fallback to the request's host was logged for this app.
_WARNED = "lms.public_url_warned"


def _configured(app: Flask) -> str:
    return (app.config.get("LMS_PUBLIC_URL") or "").strip().rstrip("/")


def _path(app: Flask, endpoint: str, values: dict[str, Any]) -> str:
    """The route's path from the app's root (a host app's url_prefix included), whatever
    the request's host or script root; unknown values become the query string."""
    values = dict(values)
    app.inject_url_defaults(endpoint, values)
    return app.url_map.bind("localhost", script_name="/").build(endpoint, values)


def public_url(endpoint: str, **values: Any) -> str:
    """``LMS_PUBLIC_URL`` + the path of ``url_for(endpoint, **values)``.

    Without ``LMS_PUBLIC_URL``: the request's own address (logged once per app); outside a
    request, a RuntimeError that says what to set."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    base = _configured(app)
    if not base:
        if not has_request_context():
            raise RuntimeError(
                "LMS_PUBLIC_URL is not set: set it to the address people reach the LMS at "
                "(e.g. https://lms.example.go.id) to build links outside a request."
            )
        if not app.extensions.get(_WARNED):
            app.extensions[_WARNED] = True
            log.warning(
                "LMS_PUBLIC_URL is not set: certificates, badges and calendar links use the "
                "address of the request (%s). Set LMS_PUBLIC_URL in production.",
                request.host_url,
            )
        return url_for(endpoint, _external=True, **values)
    path = _path(app, endpoint, values)
    state = app.extensions.get("lms")
    prefix = (getattr(state, "url_prefix", "") or "").rstrip("/")
    if prefix and urlsplit(base).path.rstrip("/").endswith(prefix) and path.startswith(prefix):
        path = path[len(prefix) :] or "/"
    return base + path


def problem_of(value: str | None) -> str | None:
    """Why ``value`` cannot be the public address (None: it can, or it is empty)."""
    text = (value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "LMS_PUBLIC_URL must be an absolute http(s) address, e.g. https://lms.example.go.id"
    if parts.query or parts.fragment:
        return "LMS_PUBLIC_URL must not have a query (?) or a fragment (#)"
    return None


def check_public_url(app: Flask) -> None:
    """Refuse a malformed ``LMS_PUBLIC_URL`` always, and a missing one outside debug and
    testing (production would print whatever host a request names)."""
    value = app.config.get("LMS_PUBLIC_URL")
    problem = problem_of(value)
    if problem:
        raise RuntimeError(f"{problem} (got {value!r}).")
    if not (value or "").strip() and not (app.debug or app.testing):
        raise RuntimeError(
            "Refusing to start without LMS_PUBLIC_URL: set it to the address people reach "
            "the LMS at (e.g. https://lms.example.go.id); certificates, badges and calendar "
            "links are built from it."
        )


# --- url_for in templates, remembered -------------------------------------------------------

#: Built URLs kept per app (endpoint, script root and values -> URL); emptied when full.
TEMPLATE_URLS_MAX = 4096
_OPTIONS = ("_external", "_scheme", "_anchor", "_method")


def install_template_url_for(app: Flask) -> None:
    """Templates' ``url_for`` remembers what it built: a list page builds the same filter,
    pager and menu links on every request (37 on a grade book page, a fifth of a millisecond
    each with a query string). A URL is a function of the endpoint, the values and the
    request's script root; anything else (external URLs, anchors, relative endpoints,
    values that cannot be a key, an app with ``url_defaults``) is built every time."""
    build = app.jinja_env.globals.get("url_for", app.url_for)
    kept: dict[tuple, str] = {}

    def template_url_for(endpoint: str, **values: Any) -> str:
        if (
            endpoint[:1] == "."
            or app.url_default_functions
            or not has_request_context()
            or any(option in values for option in _OPTIONS)
        ):
            return build(endpoint, **values)
        try:
            key = (
                endpoint,
                request.script_root,
                tuple(sorted((name, type(v), v) for name, v in values.items())),
            )
            url = kept.get(key)
        except TypeError:  # a value that cannot be a key (a list, a dict)
            return build(endpoint, **values)
        if url is None:
            url = build(endpoint, **values)
            if len(kept) >= TEMPLATE_URLS_MAX:
                kept.clear()
            kept[key] = url
        return url

    app.jinja_env.globals["url_for"] = template_url_for
    # Addresses printed for people to type or scan come from LMS_PUBLIC_URL.
    app.jinja_env.globals["public_url"] = public_url
