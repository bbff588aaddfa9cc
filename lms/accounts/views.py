from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import selectinload

from lms.accounts import bp, operations
from lms.accounts.forms import LoginForm, PasswordChangeForm, ProfileForm, UserCreateForm
from lms.accounts.models import User
from lms.cohorts.models import Membership
from lms.extensions import db, limiter, login_manager
from lms.security import admin_required, login_required, public, safe_next


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
def logout():
    logout_user()
    session.pop("lms_lang", None)
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("lms.accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("Kata sandi sekarang salah."))
        else:
            operations.change_password(current_user, form.new_password.data)
            db.session.commit()
            flash(_("Kata sandi sudah diganti."), "success")
            return redirect(url_for("lms.core.dashboard"))
    return render_template("accounts/password.html", form=form)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            operations.update_profile(
                current_user,
                {name: getattr(form, name).data for name in (*operations.PROFILE_FIELDS, "locale")},
            )
        except operations.DuplicateError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            session["lms_lang"] = current_user.locale
            refresh()  # the confirmation is already in the newly chosen language
            flash(_("Profil sudah disimpan."), "success")
            return redirect(url_for("lms.accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.get("/admin/users")
@admin_required
def users():
    query = (request.args.get("q") or "").strip()
    stmt = db.select(User).options(selectinload(User.memberships).selectinload(Membership.cohort))
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            db.or_(
                db.func.lower(User.full_name).like(like),
                User.email.like(like),
                User.nip.like(f"%{query.replace(' ', '')}%"),
            )
        )
    people = db.session.scalars(stmt.order_by(User.full_name).limit(500)).all()
    return render_template("accounts/users.html", people=people, q=query)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def create_user():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                email=form.email.data,
                full_name=form.full_name.data,
                password=form.password.data,
                nip=form.nip.data,
                rank=form.rank.data,
                position=form.position.data,
                office=form.office.data,
                phone=form.phone.data,
                is_admin=form.is_admin.data,
                actor=current_user,
            )
        except operations.DuplicateError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Akun %(name)s sudah dibuat.", name=user.full_name), "success")
            return redirect(url_for("lms.accounts.users"))
    return render_template("accounts/user_form.html", form=form)


@bp.post("/admin/users/<int:user_id>/admin")
@admin_required
def toggle_admin(user_id: int):
    from lms.forms import ConfirmForm

    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        make_admin = request.form.get("make_admin") == "1"
        if not make_admin and user.id == current_user.id:
            flash(_("Anda tidak dapat mencabut hak admin Anda sendiri."), "error")
        else:
            operations.set_admin(user, make_admin, actor=current_user)
            db.session.commit()
            if make_admin:
                flash(_("%(name)s sekarang admin.", name=user.full_name), "success")
            else:
                flash(_("%(name)s bukan admin lagi.", name=user.full_name), "success")
    return redirect(url_for("lms.accounts.users"))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None
