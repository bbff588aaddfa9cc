"""Personal access tokens on the profile page: make one (its secret shown once), revoke one.

Pages of the session only: a token cannot make or revoke tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from lms.api import bp, operations, permissions, queries
from lms.api.forms import TokenForm
from lms.api.models import PersonalAccessToken
from lms.db import utcnow
from lms.extensions import db
from lms.forms import ConfirmForm, show_problem
from lms.i18n import gettext as _
from lms.security import login_required
from lms.unit_of_work import unit_of_work


@dataclass
class TokenSection:
    """What the profile page's token section shows (``templates/api/_tokens.html``)."""

    tokens: list[PersonalAccessToken]
    form: TokenForm
    tz: str
    now: datetime

    def active(self, token: PersonalAccessToken) -> bool:
        return permissions.is_active(token, self.now)

    def scope_label(self, scope: str) -> str:
        return permissions.scope_label(scope)


def token_section(form: TokenForm | None = None) -> TokenSection:
    return TokenSection(
        tokens=queries.tokens_of(current_user),
        form=form or TokenForm(formdata=None),
        tz=current_app.config.get("LMS_DEFAULT_TIMEZONE") or "Asia/Jakarta",
        now=utcnow(),
    )


bp.add_app_template_global(token_section, "api_token_section")


def _tokens_page(problem=None, form=None, new_secret: str | None = None, status: int = 200):
    form = form or TokenForm(formdata=None)
    show_problem(problem, form)
    response = current_app.make_response(
        (render_template("api/tokens.html", section=token_section(form), secret=new_secret), status)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/tokens")
@login_required
def tokens():
    return _tokens_page()


@bp.post("/account/tokens")
@login_required
@unit_of_work(render=lambda problem, **_: _tokens_page(problem, TokenForm()))
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form=form, status=400)
    made = operations.create_token(
        current_user, name=form.name.data, scopes=form.scopes.data, days=form.days.data
    )
    # Shown on this answer only (never stored, never put in the session cookie).
    return _tokens_page(form=TokenForm(formdata=None), new_secret=made.secret)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
@unit_of_work(back="lms.api.tokens")
def revoke_token(token_id: int):
    token = db.get_or_404(PersonalAccessToken, token_id)
    if not permissions.can_revoke(current_user, token):
        abort(404)  # someone else's token: as if there were none
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _tokens_page(status=400)
    operations.revoke_token(token, actor=current_user)
    flash(_("Token %(name)s sudah dicabut.", name=token.name), "success")
    return redirect(url_for("lms.api.tokens"))
