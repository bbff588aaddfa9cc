"""From a class to the registry: a graded proposal becomes a regional innovation.

The participant whose proposal it is, or an organizer of the class, opens the confirm page
from the submission's pages ("Daftarkan sebagai inovasi daerah"); everything is prefilled from
the graded version (its fields in the profile's keys, its files, the class video) and one
button registers it. Afterwards those pages show the link instead of the button.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms.cohorts.access import cohort_role
from lms.errors import DomainError
from lms.extensions import db
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.innovations import bp, display, operations, permissions, queries
from lms.innovations.forms import PromoteForm
from lms.innovations.models import Innovation
from lms.innovations.views._common import labels
from lms.regions.access import region_access
from lms.regions.models import Region
from lms.submissions.models import Submission
from lms.unit_of_work import unit_of_work

URL = "/cohorts/<int:cohort_id>/submissions/<int:submission_id>/innovation"


def _submission(cohort_id: int, submission_id: int) -> Submission:
    """The class's proposal the visitor may register; 404 for anything else."""
    submission = db.session.get(Submission, submission_id)
    if (
        submission is None
        or submission.assignment.cohort_id != cohort_id
        or submission.assignment.spec.kind != "proposal"
        or not permissions.can_promote(current_user, g.membership, submission)
    ):
        abort(404)
    return submission


def _region_of(submission: Submission) -> Region | None:
    region_id = getattr(submission.assignment.cohort, "region_id", None)
    return db.session.get(Region, region_id) if region_id else None


def _owner_office(submission: Submission, region: Region | None) -> int | None:
    office_id = getattr(submission.user, "office_id", None)
    if region is None or queries.office_in(region, office_id) is None:
        return None
    return office_id


def _receipt_url(submission: Submission, number: int) -> str:
    who = {"user": submission.user_id} if submission.user_id != current_user.id else {}
    return url_for(
        "lms.submissions.version",
        cohort_id=submission.assignment.cohort_id,
        assignment_id=submission.assignment_id,
        number=number,
        **who,
    )


def _page(
    problem: DomainError | None = None,
    cohort_id: int = 0,
    submission_id: int = 0,
    form: PromoteForm | None = None,
    **_,
):
    submission = _submission(cohort_id, submission_id)
    region = _region_of(submission)
    version = queries.graded_version(submission)
    offices = queries.offices_of(region) if region is not None else []
    form = form or PromoteForm.with_offices(offices, _owner_office(submission, region))
    show_problem(problem, form)
    carried = queries.carried_from(version, submission) if version is not None else None
    return render_template(
        "innovations/promote.html",
        cohort=g.cohort,
        submission=submission,
        person=submission.user,
        version=version,
        region=region,
        existing=queries.innovation_from(submission),
        carried=carried,
        sections=display.profile_sections(carried.values if carried else {}),
        form=form,
        **labels(),
    )


@bp.route(URL, methods=["GET", "POST"])
@cohort_role("participant", "organizer")
@unit_of_work(render=_page)
def promote(cohort_id: int, submission_id: int):
    submission = _submission(cohort_id, submission_id)
    region = _region_of(submission)
    version = queries.graded_version(submission)
    offices = queries.offices_of(region) if region is not None else []
    form = PromoteForm.with_offices(offices, _owner_office(submission, region))
    if not form.validate_on_submit():
        return _page(cohort_id=cohort_id, submission_id=submission_id, form=form)
    if version is None:
        raise operations.InnovationError(
            _(
                "Proposal ini belum dinilai; hanya proposal yang nilainya sudah dirilis "
                "yang dapat didaftarkan."
            )
        )
    if region is None:
        raise operations.InnovationError(
            _("Kelas ini belum terhubung dengan daerah mana pun. Minta admin menghubungkannya.")
        )
    innovation = operations.promote(
        region,
        queries.office_in(region, form.office.data) or abort(400),
        version,
        queries.carried_from(version, submission),
        owner=submission.user,
        actor=current_user,
    )
    flash(
        _("%(name)s sudah terdaftar sebagai inovasi daerah (draf).", name=innovation.name),
        "success",
    )
    return redirect(_receipt_url(submission, version.number))


# --- the partial on the submission pages ---------------------------------------------------


@dataclass
class Promotion:
    #: The innovation already registered from this proposal.
    innovation: Innovation | None = None
    #: Where this visitor can open it (None: they may not).
    link: str | None = None
    #: The confirm page, while nothing is registered and the visitor may register it.
    promote_url: str | None = None


def _link_for(innovation: Innovation) -> str | None:
    if innovation.published:
        return url_for("lms.innovations.public_page", slug=innovation.slug)
    access = region_access(innovation.region, current_user)
    if permissions.can_read(access, innovation):
        return url_for(
            "lms.innovations.detail",
            region_code=innovation.region.code,
            innovation_id=innovation.id,
        )
    return None


def promotion(submission: Any) -> Promotion | None:
    """What ``templates/innovations/_promote.html`` shows for ``submission``: the link, the
    button, or nothing (not a proposal, not graded, not the visitor's to register)."""
    if not isinstance(submission, Submission) or not current_user.is_authenticated:
        return None
    if submission.assignment.spec.kind != "proposal":
        return None
    innovation = queries.innovation_from(submission)
    if innovation is not None:
        return Promotion(innovation=innovation, link=_link_for(innovation))
    membership = g.get("membership")
    if not permissions.can_promote(current_user, membership, submission):
        return None
    if queries.graded_version(submission) is None:
        return None
    url = url_for(
        "lms.innovations.promote",
        cohort_id=submission.assignment.cohort_id,
        submission_id=submission.id,
    )
    return Promotion(promote_url=url)
