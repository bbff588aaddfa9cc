"""The bell (a count in the page header) and a person's notifications with their read state."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from lms.accounts import queries as account_queries
from lms.db import _is_write_request
from lms.forms import ConfirmForm
from lms.i18n import gettext as _
from lms.notifications import bp, kinds, operations, queries
from lms.notifications.models import Notification
from lms.paging import requested
from lms.security import login_required
from lms.unit_of_work import unit_of_work

#: The session key of the last count shown (used where the page may not read).
BELL_KEY = "lms_bell"


def bell_count() -> int | None:
    """The logged-in person's unread count for the page header: one indexed COUNT per page,
    selected with the user by the user loader (lms.accounts.queries.signed_in).
    A request holding SQLite's write lock (a POST, a check-in) reads nothing more and shows
    the last count this session saw."""
    if not current_user.is_authenticated:
        return None
    if _is_write_request():
        return session.get(BELL_KEY)
    count = account_queries.unread_loaded(current_user)  # selected with the user
    if count is None:
        count = queries.unread_count(current_user)
    if session.get(BELL_KEY) != count:
        session[BELL_KEY] = count
    return count


def target_url(note: Notification) -> str | None:
    target = note.target or {}
    if not target.get("endpoint"):
        return None
    try:
        return url_for(target["endpoint"], **(target.get("values") or {}))
    except BuildError:  # a page that no longer exists
        return None


bp.add_app_template_global(bell_count, "lms_notification_count")


@bp.get("/notifications")
@login_required
def index():
    rows, page = queries.page_of(current_user, requested(request.args.get("page")))
    return render_template(
        "notifications/list.html",
        rows=rows,
        page=page,
        title_of=kinds.title_of,
        target_url=target_url,
        form=ConfirmForm(formdata=None),
    )


@bp.post("/notifications/<int:notification_id>")
@login_required
@unit_of_work(back="lms.notifications.index")
def open_one(notification_id: int):
    note = queries.own(current_user, notification_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.mark_read(note)
    session.pop(BELL_KEY, None)
    return redirect(target_url(note) or url_for("lms.notifications.index"))


@bp.post("/notifications/read")
@login_required
@unit_of_work(back="lms.notifications.index")
def read_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = operations.mark_all_read(current_user)
    session[BELL_KEY] = 0
    if count:
        flash(_("Semua notifikasi sudah ditandai dibaca."), "success")
    return redirect(url_for("lms.notifications.index"))
