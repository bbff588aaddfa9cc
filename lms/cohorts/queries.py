"""Reads of a cohort's pages: member lists, role counts, clashes of import rows."""

from __future__ import annotations

from sqlalchemy.orm import contains_eager

from lms.accounts.models import User
from lms.cohorts import permissions
from lms.cohorts.importing import MemberRow, Problem
from lms.cohorts.models import ROLES, Cohort, Membership
from lms.extensions import db
from lms.i18n import gettext as _


def role_counts(cohort: Cohort) -> dict[str, int]:
    return dict(
        db.session.execute(
            db.select(Membership.role, db.func.count())
            .filter_by(cohort_id=cohort.id)
            .group_by(Membership.role)
        ).all()
    )


def members(cohort: Cohort, role: str | None = None) -> list[Membership]:
    """The cohort's memberships with their people, by role then name (one query)."""
    stmt = (
        db.select(Membership)
        .filter_by(cohort_id=cohort.id)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
    )
    if role in ROLES:
        stmt = stmt.filter(Membership.role == role)
    return list(db.session.scalars(stmt.order_by(Membership.role, User.full_name)))


def membership_in(cohort: Cohort, membership_id: int) -> Membership | None:
    membership = db.session.get(Membership, membership_id)
    return membership if membership is not None and membership.cohort_id == cohort.id else None


def check_against_accounts(rows: list[MemberRow]) -> None:
    """Add a problem to every row that clashes with an existing account: email against NIP,
    or a number the account did not have that contradicts its rank or sex."""
    emails = [r.email for r in rows if r.email]
    nips = [r.nip for r in rows if r.nip]
    by_email = {
        u.email: u for u in db.session.scalars(db.select(User).where(User.email.in_(emails)))
    }
    by_nip = {u.nip: u for u in db.session.scalars(db.select(User).where(User.nip.in_(nips)))}
    for row in rows:
        user = by_email.get(row.email)
        other = by_nip.get(row.nip) if row.nip else None
        message = None
        if user is not None and row.nip and user.nip and user.nip != row.nip:
            message = _(
                "Email %(email)s sudah terdaftar dengan NIP lain (%(nip)s).",
                email=row.email,
                nip=user.nip_display,
            )
        elif user is not None and other is not None and other.id != user.id:
            message = _("NIP ini sudah dipakai akun lain (%(email)s).", email=other.email)
        elif (account := user or other) is not None and (
            reason := permissions.why_not_fill(account, _fill_data(row))
        ):
            message = _(
                "Akun %(email)s yang sudah ada tidak cocok dengan baris ini: %(reason)s",
                email=account.email,
                reason=reason,
            )
        if message:
            row.problems.append(Problem(row=row.row, column="nip", message=message))


def _fill_data(row: MemberRow) -> dict[str, object]:
    return {
        "employment_status": row.status,
        "nip": row.nip,
        "rank": row.rank,
        "sex": row.sex,
    }
