"""A cohort's certificate settings and the eligibility page (organizers).

- ``settings``: the kind (completion or attendance), the rules (minimum attendance, whether
  Izin/Sakit count, required assignments and courses), the numbering pattern with an example,
  the printed texts and fields, the sign place and date, and the logo and signature images;
- ``plan_image``: the stored logo or signature, for the preview on the settings page;
- ``eligibility``: every participant with each rule's result and why, filters and counts, and
  the issue form (posted to ``issue``).

GET pages never create the plan: they read it, or show an unsaved default. (The settings page
does create the cohort's missing assignment rows, as the assignments page does, so that every
assignment can be required; hence ``writes_on_get``.)

``update_plan`` is the plan's write (flush only, audited as ``certificate.plan``); it belongs
in ``operations.py`` and lives here until that module takes it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from lms import storage
from lms.catalog.models import AssignmentSpec, CohortCourse, Course
from lms.certificates import bp
from lms.certificates import operations as ops
from lms.certificates.eligibility import Candidate, evaluate
from lms.certificates.models import (
    KINDS,
    LAYOUT_FIELDS,
    Certificate,
    CertificatePlan,
)
from lms.certificates.settings_forms import (
    IMAGE_KINDS,
    IMAGE_MAX_BYTES,
    AssignmentRow,
    CertificateSettingsForm,
    default_texts,
    kind_labels,
    need_labels,
    settings_form,
    sign_date_of,
)
from lms.cohorts import operations as cohort_ops
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.extensions import db
from lms.grading.operations import rubric_for
from lms.security import writes_on_get
from lms.submissions import operations as submission_ops
from lms.submissions.models import CohortAssignment
from lms.timefmt import local

BASE = "/cohorts/<int:cohort_id>/certificates"
IMAGE_ROLES = ("logo", "signature")
#: ``?show=`` values of the eligibility page.
SHOWS = ("all", "eligible", "ineligible", "certified")
#: A bigger picture is refused: it would only make every PDF heavy.
IMAGE_MAX_PIXELS = 25_000_000


def _stale() -> str:
    return _(
        "Pengaturan sertifikat baru saja diubah orang lain. Isian Anda di bawah belum "
        "disimpan: periksa, lalu simpan lagi (menimpa perubahan itu), atau muat ulang halaman "
        "untuk melihat pengaturan terbaru. Berkas gambar yang dipilih perlu dipilih ulang."
    )


# --- reading the plan ---------------------------------------------------------------------


def existing_plan(cohort: Cohort) -> CertificatePlan | None:
    """The cohort's plan if it has one (a GET never creates it)."""
    return db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=cohort.id))


def default_plan(cohort: Cohort) -> CertificatePlan:
    """An unsaved plan with the defaults (column defaults apply only on INSERT)."""
    return CertificatePlan.default(cohort.id)


# --- the settings form --------------------------------------------------------------------


def _assignment_rows(cohort: Cohort) -> list[AssignmentRow]:
    """The cohort's assignments, in course order (rows for newly added courses are created
    and committed first, as the assignments page does, so their ids stay put)."""
    before = set(db.session.scalars(db.select(CohortAssignment.id).filter_by(cohort_id=cohort.id)))
    ensured = submission_ops.ensure_cohort_assignments(cohort)
    if any(row.id not in before for row in ensured):
        db.session.commit()
    order = {row.id: i for i, row in enumerate(ensured)}
    loaded = db.session.scalars(
        db.select(CohortAssignment)
        .options(joinedload(CohortAssignment.spec).joinedload(AssignmentSpec.course))
        .filter_by(cohort_id=cohort.id)
    ).all()
    loaded = sorted(loaded, key=lambda a: (order.get(a.id, len(order)), a.spec.title, a.id))
    return [
        AssignmentRow(
            id=a.id,
            title=a.spec.title,
            course_title=a.spec.course.title,
            has_rubric=rubric_for(a) is not None,
        )
        for a in loaded
    ]


def _course_choices(cohort: Cohort, plan: CertificatePlan) -> list[tuple[int, str]]:
    """The cohort's courses in order, then any course still required but no longer followed
    (shown so that the page tells the truth; unticking it removes the rule)."""
    followed = db.session.scalars(
        db.select(CohortCourse)
        .options(joinedload(CohortCourse.course))
        .filter_by(cohort_id=cohort.id)
        .order_by(CohortCourse.position, CohortCourse.id)
    ).all()
    choices = [(row.course_id, row.course.title) for row in followed]
    known = {cid for cid, _label in choices}
    stale = [cid for cid in plan.required_courses or [] if cid not in known]
    if stale:
        for course in db.session.scalars(db.select(Course).where(Course.id.in_(stale))):
            label = _("%(title)s (tidak lagi diikuti kelas ini)", title=course.title)
            choices.append((course.id, label))
    return choices


def _initial(cohort: Cohort, plan: CertificatePlan) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": plan.kind,
        "min_attendance": plan.min_attendance,
        "excused_counts": cohort.excused_counts_as_attended,
        "required_courses": list(plan.required_courses or []),
        "number_pattern": plan.number_pattern,
        "title": plan.title,
        "body": plan.body,
        "sign_place": plan.sign_place,
        "sign_date": plan.sign_date.date() if plan.sign_date else None,
        "layout": [name for name in LAYOUT_FIELDS if plan.shows(name)],
        "lock": str(plan.lock_version or 0),
    }
    for requirement in plan.required_assignments or []:
        data[f"need_{int(requirement['assignment_id'])}"] = requirement.get("need", "pass")
    return data


def _chosen(upload: Any) -> bool:
    return upload is not None and bool(getattr(upload, "filename", ""))


def _store_image(upload: Any) -> str:
    """Store an uploaded logo or signature; its storage key. Refused (UploadError) when it is
    too large, not a PNG or JPEG, or a picture that cannot be read (nothing is kept then)."""
    data = upload.stream.read(IMAGE_MAX_BYTES + 1)
    if len(data) <= IMAGE_MAX_BYTES and storage.kind_of_bytes(data[:64]) in IMAGE_KINDS:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as picture:
                width, height = picture.size
                picture.verify()
        except Exception as exc:  # any decoding problem: Pillow raises many kinds
            raise storage.UploadError(
                _("Gambar ini rusak atau tidak dapat dibaca. Simpan ulang sebagai PNG atau JPG.")
            ) from exc
        if width * height > IMAGE_MAX_PIXELS:
            raise storage.UploadError(
                _("Gambar ini terlalu besar (%(w)d × %(h)d piksel).", w=width, h=height)
            )
    stored = storage.save_upload(
        io.BytesIO(data), max_bytes=IMAGE_MAX_BYTES, allowed=set(IMAGE_KINDS)
    )
    return stored.key


def _values(
    form: CertificateSettingsForm, plan: CertificatePlan, images: dict[str, str]
) -> dict[str, Any]:
    """The plan's new values from the form (images: role -> newly stored key)."""
    values: dict[str, Any] = {
        "kind": form.kind.data,
        "min_attendance": float(form.min_attendance.data),
        "required_assignments": form.required_assignments,
        "required_courses": [int(cid) for cid in form.required_courses.data or []],
        "number_pattern": form.number_pattern.data,
        "title": form.title.data or "",
        "body": form.body.data or "",
        "sign_place": form.sign_place.data or "",
        "sign_date": sign_date_of(form.sign_date.data),
        "layout": form.layout_map,
    }
    for role in IMAGE_ROLES:
        if role in images:
            values[f"{role}_key"] = images[role]
        elif getattr(form, f"remove_{role}").data:
            values[f"{role}_key"] = None
    return values


class Stale(Exception):
    """The plan changed since the page was shown."""


#: The version of a plan nobody edited yet: made with the defaults by ``plan_for`` (issuing
#: does that too).
UNTOUCHED = 1


def _current(lock: str | None, plan: CertificatePlan | None) -> bool:
    """Whether the form was made from the plan as it is now ("0": from the defaults, which an
    untouched plan still holds)."""
    if plan is None:
        return lock == "0"
    return lock == str(plan.lock_version) or (lock == "0" and plan.lock_version == UNTOUCHED)


def _save(
    form: CertificateSettingsForm, cohort: Cohort, plan: CertificatePlan | None
) -> str | None:
    """Validate and save; None when saved, else the problem (fields carry their own).
    Raises :class:`Stale` when someone else saved the plan in between."""
    if not form.validate():
        return _("Periksa isian yang ditandai.")
    if not _current(form.lock.data, plan):
        raise Stale
    images: dict[str, str] = {}
    for role in IMAGE_ROLES:
        upload_field = getattr(form, role)
        if _chosen(upload_field.data):
            try:
                images[role] = _store_image(upload_field.data)
            except storage.UploadError as exc:
                upload_field.errors = [*upload_field.errors, str(exc)]
    if any(getattr(form, role).errors for role in IMAGE_ROLES):
        return _("Periksa isian yang ditandai.")
    try:
        if plan is None:
            plan = ops.plan_for(cohort)
            # Another organizer may have saved the first plan in the meantime.
            if plan.lock_version != UNTOUCHED:
                raise StaleDataError
        ops.update_plan(plan, _values(form, plan, images), actor=current_user)
        if cohort.excused_counts_as_attended != form.excused_counts.data:
            # The cohort's own setting, audited as a cohort change.
            cohort_ops.update_cohort(
                cohort,
                {"excused_counts_as_attended": bool(form.excused_counts.data)},
                actor=current_user,
            )
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise Stale from exc
    return None


def _example_number(cohort: Cohort, pattern: str | None) -> str | None:
    """The first number ``pattern`` gives today (None when the pattern cannot be used)."""
    if not pattern or ops.pattern_problem(pattern):
        return None
    today = local(utcnow(), cohort.timezone).date()
    return ops.format_number(pattern, 1, cohort.code, today)


def _image_url(cohort: Cohort, plan: CertificatePlan, role: str) -> str | None:
    key = getattr(plan, f"{role}_key")
    if not key:
        return None
    # The key in the URL: a replaced image is never served from the browser's cache.
    return url_for(".plan_image", cohort_id=cohort.id, kind=role, v=key[-12:])


def _describe_texts(form: CertificateSettingsForm, cohort: Cohort, plan: CertificatePlan) -> None:
    """The default texts as placeholders and hints: empty fields print them."""
    kind = form.kind.data if form.kind.data in KINDS else plan.kind
    title, body = default_texts(cohort, kind)
    form.title.render_kw = {"placeholder": title}
    form.title.description = _("Kosongkan untuk memakai judul baku: %(text)s.", text=title)
    form.body.render_kw = {"rows": 4, "placeholder": body}
    form.body.description = _(
        "Dicetak di bawah nama peserta, dalam satu paragraf. Kosongkan untuk memakai teks "
        "baku: “%(text)s” (ditambah jumlah JP dan kualifikasi peserta bila dicetak).",
        text=body,
    )
    form.sign_date.description = _(
        "Kosongkan untuk memakai tanggal selesai kelas (%(date)s).",
        date=format_date(cohort.end_date, "d MMMM y"),
    )


@bp.route(f"{BASE}/settings", methods=["GET", "POST"])
@writes_on_get
@cohort_role("organizer")
def settings(cohort_id: int):
    cohort: Cohort = g.cohort
    assignments = _assignment_rows(cohort)
    plan = existing_plan(cohort)
    shown = plan if plan is not None else default_plan(cohort)
    form = settings_form(assignments, _course_choices(cohort, shown), data=_initial(cohort, shown))
    problem = None
    previewing = request.method == "POST" and request.form.get("action") == "preview"
    if request.method == "POST" and not previewing:
        try:
            problem = _save(form, cohort, plan)
        except Stale:
            problem = _stale()
            plan = existing_plan(cohort)
            shown = plan if plan is not None else default_plan(cohort)
            # The next save is checked against what is stored now.
            form.lock.data = str(shown.lock_version or 0)
        else:
            if problem is None:
                db.session.commit()
                flash(_("Pengaturan sertifikat sudah disimpan."), "success")
                return redirect(url_for(".settings", cohort_id=cohort.id))
    if previewing and form.number_pattern.data:
        pattern_problem = ops.pattern_problem(form.number_pattern.data)
        if pattern_problem:
            form.number_pattern.errors = [pattern_problem]
    _describe_texts(form, cohort, shown)
    pattern = form.number_pattern.data if request.method == "POST" else shown.number_pattern
    return render_template(
        "certificates/settings.html",
        cohort=cohort,
        form=form,
        plan=shown,
        problem=problem,
        previewing=previewing,
        example=_example_number(cohort, pattern),
        saved_example=_example_number(cohort, shown.number_pattern),
        images={role: _image_url(cohort, shown, role) for role in IMAGE_ROLES},
        kind_labels=kind_labels(),
    )


@bp.get(f"{BASE}/images/<kind>")
@cohort_role("organizer")
def plan_image(cohort_id: int, kind: str):
    """The organizer's logo or signature, for the settings page's preview."""
    if kind not in IMAGE_ROLES:
        abort(404)
    plan = existing_plan(g.cohort)
    key = getattr(plan, f"{kind}_key") if plan is not None else None
    if not key:
        abort(404)
    return storage.send_stored(key, f"{kind}-{g.cohort.code}")


# --- eligibility --------------------------------------------------------------------------


@dataclass
class EligibilityRow:
    candidate: Candidate
    #: The number of the participant's valid certificate ("" when none).
    number: str

    @property
    def certified(self) -> bool:
        return bool(self.number)

    @property
    def eligible(self) -> bool:
        return self.candidate.eligible


@bp.get(f"{BASE}/eligibility")
@cohort_role("organizer")
def eligibility(cohort_id: int):
    cohort: Cohort = g.cohort
    plan = existing_plan(cohort)
    if plan is None:
        plan = default_plan(cohort)
    result = evaluate(cohort, plan)
    numbers = dict(
        db.session.execute(
            db.select(Certificate.user_id, Certificate.number).filter_by(
                cohort_id=cohort.id, state="issued"
            )
        ).all()
    )
    rows = [EligibilityRow(c, numbers.get(c.user.id, "")) for c in result.candidates]
    show = request.args.get("show", "all")
    if show not in SHOWS:
        show = "all"
    chosen = {
        "all": lambda row: True,
        "eligible": lambda row: row.eligible,
        "ineligible": lambda row: not row.eligible,
        "certified": lambda row: row.certified,
    }
    counts = {name: sum(1 for row in rows if test(row)) for name, test in chosen.items()}
    # The other rules in order, from the first participant (everyone has the same rules):
    # (label, need) for assignments, (label, None) for courses.
    needs = {
        f"assignment:{int(r['assignment_id'])}": r.get("need", "pass")
        for r in plan.required_assignments or []
    }
    first = result.candidates[0].rules if result.candidates else []
    other_rules = [(rule.label, needs.get(rule.key)) for rule in first if rule.key != "attendance"]
    return render_template(
        "certificates/eligibility.html",
        cohort=cohort,
        plan=plan,
        saved=plan.id is not None,
        rows=[row for row in rows if chosen[show](row)],
        counts=counts,
        show=show,
        issuable=sum(1 for row in rows if row.eligible and not row.certified),
        other_rules=other_rules,
        minimum=format_percent(plan.min_attendance / 100, format="#,##0.#%"),
        kind_labels=kind_labels(),
        need_labels=need_labels(),
    )
