from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import refresh
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user

from lms.accounts import bp, operations, permissions, queries
from lms.accounts.forms import (
    AdminToggleForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    UserCreateForm,
)
from lms.accounts.models import User
from lms.extensions import db, limiter, login_manager
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.security import admin_required, login_required, public, safe_next
from lms.unit_of_work import on_commit, unit_of_work


def _login_failed(_response) -> bool:
    return bool(g.get("lms_login_failed"))


def _account_key() -> str:
    user_key = (request.form.get("identifier") or "").strip().lower().replace(" ", "")
    return f"account:{user_key}"


def _failure_limit() -> str:
    return current_app.config["LMS_LOGIN_FAILURES"]


@bp.errorhandler(RateLimitExceeded)
def _too_many_attempts(_e):
    form = LoginForm()
    message = _("Terlalu banyak percobaan masuk yang gagal. Tunggu 15 menit, lalu coba lagi.")
    return render_template("accounts/login.html", form=form, blocked=message), 429


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_failure_limit, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(_failure_limit, methods=["POST"], key_func=_account_key, deduct_when=_login_failed)
@public
@unit_of_work
def login():
    next_url = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(safe_next(next_url, url_for("lms.core.dashboard")))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.identifier.data, form.password.data)
        if user is None:
            g.lms_login_failed = True
            form.identifier.errors.append(_("Email/NIP atau kata sandi salah."))
        else:
            # A fresh session against fixation; a QR scanned before logging in survives.
            pending = session.get("lms_pending_checkin")
            session.clear()
            if pending:
                session["lms_pending_checkin"] = pending
            login_user(user, remember=form.remember.data)
            session["lms_lang"] = user.locale
            return redirect(safe_next(next_url, url_for("lms.core.dashboard")))
    return render_template("accounts/login.html", form=form, next_url=next_url)


@bp.post("/logout")
@login_required
@unit_of_work
def logout():
    logout_user()
    session.pop("lms_lang", None)
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("lms.accounts.login"))


def _password_page(problem=None, form=None):
    form = form or PasswordChangeForm()
    show_problem(problem, form)
    return render_template("accounts/password.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@unit_of_work(render=_password_page)
def change_password():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _password_page(form=form)
    operations.change_password(
        current_user, form.new_password.data, current=form.current_password.data
    )
    flash(_("Kata sandi sudah diganti."), "success")
    return redirect(url_for("lms.core.dashboard"))


def _profile_page(problem=None, form=None):
    form = form or ProfileForm(obj=current_user)
    show_problem(problem, form)
    return render_template("accounts/profile.html", form=form)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
@unit_of_work(render=_profile_page)
def profile():
    form = ProfileForm(obj=current_user)
    if not form.validate_on_submit():
        return _profile_page(form=form)
    operations.update_profile(
        current_user,
        {name: getattr(form, name).data for name in (*operations.PROFILE_FIELDS, "locale")},
    )
    on_commit(lambda locale=current_user.locale: session.update(lms_lang=locale))
    refresh()  # the confirmation is already in the newly chosen language
    flash(_("Profil sudah disimpan."), "success")
    return redirect(url_for("lms.accounts.profile"))


@bp.get("/admin/users")
@admin_required
def users():
    query = (request.args.get("q") or "").strip()
    return render_template("accounts/users.html", people=queries.search_users(query), q=query)


def _user_form_page(problem=None, form=None):
    form = form or UserCreateForm()
    show_problem(problem, form)
    return render_template("accounts/user_form.html", form=form)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
@unit_of_work(render=_user_form_page)
def create_user():
    form = UserCreateForm()
    if not form.validate_on_submit():
        return _user_form_page(form=form)
    user = operations.create_user(
        email=form.email.data,
        password=form.password.data,
        is_admin=form.is_admin.data,
        actor=current_user,
        **{name: getattr(form, name).data for name in operations.PROFILE_FIELDS},
    )
    flash(_("Akun %(name)s sudah dibuat.", name=user.full_name), "success")
    return redirect(url_for("lms.accounts.users"))


@bp.post("/admin/users/<int:user_id>/admin")
@admin_required
@unit_of_work(back="lms.accounts.users")
def toggle_admin(user_id: int):
    user = db.get_or_404(User, user_id)
    form = AdminToggleForm()
    if form.validate_on_submit():
        make_admin = form.wanted
        if reason := permissions.why_not_set_admin(current_user, user, make_admin):
            flash(reason, "error")
        else:
            operations.set_admin(user, make_admin, actor=current_user)
            if make_admin:
                flash(_("%(name)s sekarang admin.", name=user.full_name), "success")
            else:
                flash(_("%(name)s bukan admin lagi.", name=user.full_name), "success")
    return redirect(url_for("lms.accounts.users"))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = queries.signed_in(int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None
