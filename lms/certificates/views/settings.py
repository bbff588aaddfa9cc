"""A cohort's certificate settings page and the preview of its images (organizers).

The kind, the rules, the numbering pattern with an example, the printed texts and fields,
the sign place and date, and the logo and signature images.

GET pages never create the plan: they read it, or show an unsaved default. (The settings page
does create the cohort's missing assignment rows, as the assignments page does, so that every
assignment can be required; hence ``writes_on_get``.)
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms import storage
from lms.accounts.civil_service import rank_label
from lms.certificates import bp, numbering, operations, qualification, queries
from lms.certificates.forms import CertificateSettingsForm
from lms.certificates.models import CertificatePlan
from lms.certificates.views._common import BASE, kind_labels
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.i18n import gettext as _
from lms.security import writes_on_get
from lms.submissions import operations as submission_ops
from lms.timefmt import local
from lms.unit_of_work import unit_of_work


def _form(cohort: Cohort, shown: CertificatePlan) -> CertificateSettingsForm:
    """The form of ``shown`` (binds what was sent, on a POST)."""
    # Every assignment of the cohort's courses can be required: missing rows are made first.
    ensured = submission_ops.ensure_cohort_assignments(cohort)
    return CertificateSettingsForm.for_cohort(
        queries.assignment_rows(cohort, ensured),
        queries.course_choices(cohort, shown),
        data=CertificateSettingsForm.initial(cohort, shown),
    )


def _example_number(cohort: Cohort, pattern: str | None) -> str | None:
    """The first number ``pattern`` gives today (None when the pattern cannot be used)."""
    if not pattern or numbering.pattern_problem(pattern):
        return None
    today = local(utcnow(), cohort.timezone).date()
    return numbering.format_number(pattern, 1, cohort.code, today)


def _image_url(cohort: Cohort, plan: CertificatePlan, role: str) -> str | None:
    key = getattr(plan, f"{role}_key")
    if not key:
        return None
    # The key in the URL: a replaced image is never served from the browser's cache.
    return url_for(".plan_image", cohort_id=cohort.id, kind=role, v=key[-12:])


def _settings_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    form: CertificateSettingsForm | None = None,
    message: str | None = None,
):
    """The page; after a refused save, the form as sent with the problem beside it."""
    cohort: Cohort = g.cohort
    shown = queries.plan_or_default(cohort)
    form = form or _form(cohort, shown)
    if problem is not None:
        problem.place(form)
        message = problem.message
        if isinstance(problem, Conflict):
            message += " " + _(
                "Menyimpan lagi akan menimpa perubahan itu. Berkas gambar yang dipilih belum "
                "diunggah; pilih ulang bila perlu."
            )
            # The next save is checked against what is stored now.
            form.lock.data = str(shown.lock_version or 0)
    pattern = form.number_pattern.data if form.is_submitted() else shown.number_pattern
    if form.previewing and pattern and (pattern_problem := numbering.pattern_problem(pattern)):
        form.number_pattern.errors = [pattern_problem]
    form.describe_defaults(cohort, shown)
    return render_template(
        "certificates/settings.html",
        cohort=cohort,
        form=form,
        plan=shown,
        problem=message,
        previewing=form.previewing,
        example=_example_number(cohort, pattern),
        saved_example=_example_number(cohort, shown.number_pattern),
        images={role: _image_url(cohort, shown, role) for role in operations.IMAGE_ROLES},
        kind_labels=kind_labels(),
        signer_rank=rank_label(cohort.signer_rank),
        schemes=list(qualification.known_schemes().values()),
        locale=cohort.locale,
    )


@bp.route(f"{BASE}/settings", methods=["GET", "POST"])
@writes_on_get
@cohort_role("organizer")
@unit_of_work(render=_settings_page)
def settings(cohort_id: int):
    cohort: Cohort = g.cohort
    plan = queries.existing_plan(cohort)
    form = _form(cohort, plan or CertificatePlan.default(cohort.id))
    if not form.is_submitted() or form.previewing:
        return _settings_page(cohort_id=cohort_id, form=form)
    if form.loading_scheme:  # the rows filled from a scheme file; nothing is saved
        scheme = qualification.known_schemes().get(form.scheme.data or "")
        if scheme is None:
            form.scheme.errors = [_("Pilih skema dari daftar.")]
        else:
            form.load_scheme(scheme, cohort.locale)
            flash(
                _(
                    "Baris kualifikasi diisi dari skema “%(title)s”. Periksa, lalu simpan "
                    "pengaturan.",
                    title=scheme.title_in(cohort.locale),
                ),
                "info",
            )
        return _settings_page(cohort_id=cohort_id, form=form)
    if not form.validate():
        return _settings_page(
            cohort_id=cohort_id, form=form, message=_("Periksa isian yang ditandai.")
        )
    operations.save_settings(
        cohort,
        plan,
        form.values(),
        images=form.chosen_images(),
        seen=form.seen_version,
        actor=current_user,
    )
    flash(_("Pengaturan sertifikat sudah disimpan."), "success")
    return redirect(url_for(".settings", cohort_id=cohort_id))


@bp.get(f"{BASE}/images/<kind>")
@cohort_role("organizer")
def plan_image(cohort_id: int, kind: str):
    """The organizer's logo or signature, for the settings page's preview."""
    if kind not in operations.IMAGE_ROLES:
        abort(404)
    plan = queries.existing_plan(g.cohort)
    key = getattr(plan, f"{kind}_key") if plan is not None else None
    if not key:
        abort(404)
    return storage.send_stored(key, f"{kind}-{g.cohort.code}")
