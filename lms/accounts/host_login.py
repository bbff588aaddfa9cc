"""Signing in through the host app: ``LMS(login="host", user_adapter=...)``.

The host's Flask-Login ``LoginManager`` loads the host's user as usual. Before every LMS request
the adapter maps that user to the LMS account (:class:`lms.accounts.models.User`), and
Flask-Login's user of the request (``g._login_user``) is set to the account, so ``current_user``
in LMS views and templates is the LMS account; host pages keep seeing the host's user. The LMS's
login page sends people to the host's login view, and its password page is not offered.

An adapter is any callable ``host_user -> User | None`` (None: no access to the LMS), for
example::

    def lms_account(host_user):
        return account_for_email(host_user.email, full_name=host_user.name)

    LMS(db=db, login="host", user_adapter=lms_account).init_app(app, url_prefix="/lms")

It runs on every LMS request of a signed-in host user, so it should be a lookup (plus, once,
the creation of the account).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import AnonymousUserMixin, current_user, login_url
from sqlalchemy.exc import IntegrityError

from lms.accounts import operations
from lms.accounts.models import User
from lms.extensions import db
from lms.security import safe_next

UserAdapter = Callable[[Any], User | None]

#: LMS pages that belong to the host when the host signs people in.
_HOST_OWNED = ("lms.accounts.change_password",)


def account_for_email(
    email: str | None, *, full_name: str | None = None, create: bool = True
) -> User | None:
    """The LMS account with ``email``; with ``create``, a new one when there is none (named
    ``full_name``, or the email's local part). Commits a new account at once: GET pages do not
    commit. Returns None for no email or a deactivated account."""
    email = operations.normalize_email(email or "")
    if not email:
        return None
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None and create:
        try:
            user = operations.create_user(
                email=email,
                full_name=(full_name or "").strip() or email.split("@")[0],
                # Never typed: these people sign in through the host.
                password=secrets.token_urlsafe(32),
            )
            db.session.commit()
        except (IntegrityError, operations.DuplicateError):
            # Another request of the same person created it first.
            db.session.rollback()
            user = db.session.scalar(db.select(User).filter_by(email=email))
    return user if user is not None and user.active else None


def use_host_user() -> Any:
    """``before_request`` of a host-login app: in LMS requests, the LMS account is the user."""
    if "lms" not in request.blueprints:
        return None
    state = current_app.extensions["lms"]
    host_user = current_user._get_current_object()  # loaded by the host's LoginManager
    account = None
    if host_user is not None and host_user.is_authenticated:
        account = state.user_adapter(host_user)
        if account is not None and not account.active:
            account = None
    g._login_user = account if account is not None else AnonymousUserMixin()
    if request.endpoint == "lms.accounts.login":
        target = safe_next(request.args.get("next"), url_for("lms.core.dashboard"))
        if account is not None:
            return redirect(target)
        if host_user is not None and host_user.is_authenticated:
            abort(403)  # signed in to the host, but the adapter gives no LMS account
        login_view = getattr(current_app, "login_manager", None)
        login_view = getattr(login_view, "login_view", None)
        if not login_view:
            abort(401)
        return redirect(login_url(login_view, next_url=target))
    if request.endpoint in _HOST_OWNED:
        abort(404)
    return None
